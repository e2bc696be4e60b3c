"""The themes of the comments a period (or event, form) selects, per language, with quotes.

The comments are those ``feedback-admin comments`` lists (``storage.comments``); each is
analysed in the language detected when it was stored. Comments in a language without
themes (Russian, undetermined, stored before detection) are counted, not analysed.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.core.comment_quotes import theme_quotes
from civic_feedback.core.comment_themes import THEMED_LANGUAGES, find_themes
from civic_feedback.core.text_language import UNDETERMINED
from civic_feedback.core.weeks import iso_week_bounds
from civic_feedback.storage.comments import count_comments, iter_comments
from civic_feedback.storage.export_rows import ResponseFilter

DEFAULT_TOP = 10
# Comments read at most: above it, an even sample of about this many (one in N, by their
# number, so spread over the whole period). Finding themes costs a tenth of a millisecond
# a comment; a sample of this size finds the same leading themes in a fraction of a second.
READ_AT_MOST = 6000


@dataclass(frozen=True)
class QuotedTheme:
    """A theme as staff read it: its label, how many comments mention it, which, and quotes."""

    label: str
    comment_ids: tuple[int, ...]
    quotes: tuple[str, ...]  # personal details taken out, in the theme's language

    @property
    def count(self) -> int:
        return len(self.comment_ids)


@dataclass(frozen=True)
class LanguageThemes:
    language: str
    comments: int  # analysed in this language
    themes: tuple[QuotedTheme, ...]  # most mentioned first


@dataclass(frozen=True)
class CommentThemes:
    languages: tuple[LanguageThemes, ...]  # in THEMED_LANGUAGES order, those with comments
    not_analysed: dict[str, int]  # language (und: undetermined or never detected) -> comments
    one_in: int = 1  # 1: every comment read; N: one comment in N (an even sample)


def comment_themes(
    session: Session,
    where: ResponseFilter,
    *,
    language: str | None = None,
    top: int = DEFAULT_TOP,
    read_at_most: int = READ_AT_MOST,
    expected: int | None = None,
) -> CommentThemes:
    """The ``top`` themes per language of the comments ``where`` selects (in ``language``),
    found in every comment, or in an even sample of about ``read_at_most`` of them.

    ``expected``: how many comments the selection holds, when the caller knows it already
    (a report, from its summary): it only sets the sample's size, and saves counting them.
    """
    total = count_comments(session, where, language=language) if expected is None else expected
    one_in = max(1, math.ceil(total / read_at_most))
    texts: dict[str, dict[int, str]] = defaultdict(dict)
    not_analysed: Counter[str] = Counter()
    for comment in iter_comments(session, where, language=language, one_in=one_in):
        code = comment.language or UNDETERMINED
        if code in THEMED_LANGUAGES:
            texts[code][comment.id] = comment.text
        else:
            not_analysed[code] += 1
    found = []
    for code in THEMED_LANGUAGES:
        if code not in texts:
            continue
        mine = texts[code]
        quoted = tuple(
            QuotedTheme(theme.label, theme.comment_ids, tuple(theme_quotes(theme, mine, code)))
            for theme in find_themes(mine.items(), code, top=top)
        )
        found.append(LanguageThemes(code, len(mine), quoted))
    return CommentThemes(tuple(found), dict(sorted(not_analysed.items())), one_in)


def leading_themes(found: CommentThemes, top: int) -> list[QuotedTheme]:
    """The ``top`` themes of every language together, most mentioned first (then by label)."""
    every = [theme for language in found.languages for theme in language.themes]
    return sorted(every, key=lambda theme: (-theme.count, theme.label))[:top]


def week_themes(
    session: Session, week: str, zone: ZoneInfo, *, municipality: str | None, top: int
) -> list[QuotedTheme]:
    """The ``top`` themes of the comments of an ISO week's completed responses, of one
    municipality when given (as the week's summary counts them), most mentioned first."""
    start, end = iso_week_bounds(week, zone)
    where = ResponseFilter(completed_from=start, completed_before=end, municipality=municipality)
    return leading_themes(comment_themes(session, where, top=top), top)


def comment_themes_json(result: CommentThemes) -> dict[str, Any]:
    """``result`` as plain JSON data (docs/exports.md#themes-in-comments)."""
    return {
        "languages": [
            {
                "language": found.language,
                "comments": found.comments,
                "themes": [
                    {
                        "theme": theme.label,
                        "comments": theme.count,
                        "comment_ids": list(theme.comment_ids),
                        "quotes": list(theme.quotes),
                    }
                    for theme in found.themes
                ],
            }
            for found in result.languages
        ],
        "not_analysed": result.not_analysed,
        "one_in": result.one_in,
    }
