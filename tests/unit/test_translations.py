"""Every interface text the code uses is translated in every catalog, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from civic_feedback.settings import SUPPORTED_LANGUAGES

PACKAGE = Path(__file__).parents[2] / "src" / "civic_feedback"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def texts_in_code() -> set[str]:
    found = extract_from_dir(str(PACKAGE), keywords={"_": None}, comment_tags=())
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def catalog(language: str) -> dict[str, str]:
    path = PACKAGE / "locales" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        return {
            m.id: m.string
            for m in read_po(source)
            if isinstance(m.id, str) and m.id and isinstance(m.string, str)
        }


def test_the_code_has_texts_to_translate() -> None:
    assert "Please answer with the buttons under the question." in texts_in_code()


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_translates_every_text_the_code_uses(language: str) -> None:
    translations = catalog(language)
    missing = sorted(t for t in texts_in_code() if not translations.get(t))
    assert not missing, f"{language}: untranslated: {missing}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_translations_keep_every_placeholder(language: str) -> None:
    wrong = [
        (source, text)
        for source, text in catalog(language).items()
        if text and set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text))
    ]
    assert not wrong


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_translations_are_safe_in_telegram_html(language: str) -> None:
    # Replies are sent with parse_mode=HTML: a stray < or & would make Telegram refuse them.
    assert not [text for text in catalog(language).values() if re.search(r"[<>&]", text)]
