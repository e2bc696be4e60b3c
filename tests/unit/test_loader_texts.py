"""The loader's problems in the console's three languages: every message of ours the loader
can give (a ``Sentence`` in flows/ or core/form_windows.py) has its entry in the console's
loader_texts.js, in bg, en and tr, with the same values; its English entry is the English
text itself, so `feedback-admin flows validate` and the console say the same thing; and a
``Sentence`` is, for every other purpose, its English text."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from civic_feedback.core.sentences import Sentence, sentence_parts
from civic_feedback.flows.loader import _PATTERN_HINTS, FlowFileError, load_flow_text

SRC = Path(__file__).parents[2] / "src/civic_feedback"
SOURCES = [SRC / "flows/loader.py", SRC / "flows/schema.py", SRC / "core/form_windows.py"]
TABLE = SRC / "console/static/loader_texts.js"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def sentences_in_sources() -> dict[str, str]:
    """``{code: template}`` of every ``Sentence(code, template, ...)`` written in the sources,
    and of the id patterns' sentences."""
    found = dict(_PATTERN_HINTS.values())
    for source in SOURCES:
        for call in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == "Sentence"
                and all(isinstance(arg, ast.Constant) for arg in call.args[:2])
            ):
                code, template = (ast.literal_eval(arg) for arg in call.args[:2])
                found[code] = template
    return found


def console_table() -> dict[str, dict[str, str]]:
    """loader_texts.js's table by language, read as the JSON it is written like."""
    script = TABLE.read_text(encoding="utf-8")
    body = script[script.index("addTexts(") + len("addTexts(") : script.index("});") + 1]
    body = re.sub(r"^(\s+)(\w+):", r'\1"\2":', body, flags=re.MULTILINE)  # bare keys
    body = re.sub(r",(\s*})", r"\1", body)  # trailing commas
    return json.loads(body)  # type: ignore[no-any-return]


def test_every_sentence_of_the_loader_is_in_the_consoles_table_in_three_languages() -> None:
    sentences, table = sentences_in_sources(), console_table()

    assert len(sentences) >= 30
    assert set(table) == {"bg", "en", "tr"}
    for code, template in sentences.items():
        key = f"loader.{code}"
        assert table["en"].get(key) == template, code
        for language in ("bg", "tr"):
            assert key in table[language], f"{code} has no {language} text"
            written = set(PLACEHOLDER.findall(table[language][key]))
            assert written == set(PLACEHOLDER.findall(template)), f"{code} in {language}"
    assert {key.removeprefix("loader.") for key in table["en"]} == set(sentences)


def test_a_sentence_is_its_english_text_with_its_id_and_values() -> None:
    said = Sentence("not_earlier", "'{ref}' is not an earlier question", ref="ovrall")

    assert said == "'ovrall' is not an earlier question"
    assert str(ValueError(said)) == said
    assert sentence_parts(said) == ("not_earlier", {"ref": "ovrall"})
    assert sentence_parts("any other text") == (None, {})


@pytest.mark.parametrize(
    ("text", "code", "values", "printed"),
    [
        (
            "id: demo\ntitle: {bg: Проба}\nlanguages: [bg, en]\nquestions:\n"
            "  - {id: q1, type: rating, text: {bg: Как}}\n",
            "missing_text",
            {"languages": "en"},
            "form.yaml:2: title: missing text for language en",
        ),
        (
            "id: demo\ntitle: {bg: Проба}\nlanguages: [bg]\nopens: 2026-12-05\n"
            "closes: 2026-12-04\nquestions:\n  - {id: q1, type: rating, text: {bg: Как}}\n",
            "closes_before_opens",
            {},
            "form.yaml:5: closes: must be after opens: the form would close before it opens",
        ),
        (
            "id: Demo\ntitle: {bg: Проба}\nlanguages: [bg]\nquestions:\n"
            "  - {id: q1, type: rating, scale: 12, text: {bg: Как}}\n",
            "bad_flow_id",
            {"value": "'Demo'"},
            "form.yaml:1: id: 'Demo' is not valid: a flow id is 1-64 lowercase letters, "
            "digits and '-'",
        ),
    ],
)
def test_the_loaders_problems_print_as_before_and_carry_their_ids(
    text: str, code: str, values: dict[str, str], printed: str
) -> None:
    with pytest.raises(FlowFileError) as refused:
        load_flow_text(text, "form.yaml")

    first = refused.value.problems[0]
    assert str(first) == printed
    assert sentence_parts(first.message) == (code, values)
