"""Sentences written in English for the command line that a page can still translate: a
``Sentence`` is the English text itself (equal to it, printed as it), and carries the id and
the values a page's own table words it with (the console's loader problems)."""

from __future__ import annotations


class Sentence(str):
    """``template`` with ``values`` filled in; ``code`` and ``values`` for a translation."""

    code: str
    values: dict[str, str]

    def __new__(cls, code: str, template: str, **values: str) -> Sentence:
        made = super().__new__(cls, template.format(**values))
        made.code = code
        made.values = values
        return made


def sentence_parts(text: str) -> tuple[str | None, dict[str, str]]:
    """The id and values of a Sentence; (None, {}) for any other text (shown as it is)."""
    if isinstance(text, Sentence):
        return text.code, dict(text.values)
    return None, {}
