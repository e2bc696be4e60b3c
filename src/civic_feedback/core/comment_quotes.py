"""Short quotes for a theme: sentences citizens wrote, with their personal details taken out.

A report shows what people said in their own words; a quote is a sentence that holds the
theme as written, short enough to read at a glance, and never anyone's name, number or
address (``redaction``). Ties are broken by comment id, so the same comments give the same
quotes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from civic_feedback.core.comment_themes import Theme
from civic_feedback.core.redaction import redact_personal_details
from civic_feedback.core.word_stems import lowercase

QUOTES_PER_THEME = 3
MAX_QUOTE_LENGTH = 160
_MIN_QUOTE_LENGTH = 30  # shorter ones ("Паркиране!") say too little
# A sentence ends at . ! ? or … followed by a space and not by a small letter or a marker
# ("[телефон]"), unless the word before a full stop is an abbreviation of up to three
# letters ("кв. Речица", "в 17 ч. Може", "тел. 0888...", "Mr. Smith").
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[^\s\[a-zа-яçğıöşü])")
_ABBREVIATION = re.compile(r"(?<!\w)\w{1,3}\.$")


def theme_quotes(
    theme: Theme,
    texts: Mapping[int, str],
    language: str,
    *,
    limit: int = QUOTES_PER_THEME,
    max_length: int = MAX_QUOTE_LENGTH,
) -> list[str]:
    """Up to ``limit`` quotes of ``theme`` from ``texts`` (comment id -> text), best first:
    sentences that hold the theme as written, between 30 and ``max_length`` characters,
    shortest first, each sentence once."""
    ranked: list[tuple[bool, bool, int, int, str]] = []
    for comment_id in theme.comment_ids:
        text = texts.get(comment_id)
        if not text:
            continue
        quote, holds_theme = _quote(redact_personal_details(text, language), theme, language)
        quote = _shortened(quote, theme, language, max_length)
        fits = _MIN_QUOTE_LENGTH <= len(quote) <= max_length
        ranked.append((not holds_theme, not fits, len(quote), comment_id, quote))
    quotes: list[str] = []
    seen: set[str] = set()
    for *_, quote in sorted(ranked):
        if quote.casefold() not in seen and len(quotes) < limit:
            seen.add(quote.casefold())
            quotes.append(quote)
    return quotes


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, abbreviations ("кв.", "тел.", "Mr.") kept inside."""
    found: list[str] = []
    start = 0
    for stop in _SENTENCE_END.finditer(text):
        if not _ABBREVIATION.search(text, start, stop.start()):
            found.append(text[start : stop.start()])
            start = stop.end()
    found.append(text[start:])
    return [" ".join(sentence.split()) for sentence in found if sentence.strip()]


def _quote(text: str, theme: Theme, language: str) -> tuple[str, bool]:
    """The first sentence that holds one of the theme's forms, else the first sentence."""
    cut = sentences(text) or [" ".join(text.split())]
    for sentence in cut:
        if _form_at(sentence, theme, language) >= 0:
            return sentence, True
    return cut[0], False


def _form_at(sentence: str, theme: Theme, language: str) -> int:
    lowered = lowercase(sentence, language)
    return min((i for i in (lowered.find(form) for form in theme.forms) if i >= 0), default=-1)


def _shortened(quote: str, theme: Theme, language: str, max_length: int) -> str:
    """A quote longer than ``max_length``, cut at words around the theme, with ellipses."""
    if len(quote) <= max_length:
        return quote
    middle = max(0, _form_at(quote, theme, language))
    start = max(0, min(middle - max_length // 3, len(quote) - max_length + 2))
    if start > 0:
        start = quote.find(" ", start) + 1 or start
    end = quote.rfind(" ", start, start + max_length - 2)
    end = end if end > start else start + max_length - 2
    return ("…" if start else "") + quote[start:end].strip() + "…"
