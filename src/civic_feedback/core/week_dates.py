"""Weeks and months named as staff say them: ``13–19 окт``, ``Oct 27 – Nov 2``, ``яну 2026``.

Month abbreviations are Babel's (CLDR), which are the usual ones in Bulgarian, English and
Turkish. Babel's own date intervals are not used: in Bulgarian they are numeric
(``13.10. – 19.10.``) and in English they space the dash of a range within one month
(``Oct 13 – 19``), so the order of day and month is written here, per language.
"""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import get_month_names

from civic_feedback.core.weeks import parse_iso_week

_MONTH_FIRST = {"en"}  # "Oct 13"; the others write "13 окт", "13 Eki"
_KNOWN = {"bg", "en", "tr"}
_FALLBACK = "en"


def _language(language: str) -> str:
    return language if language in _KNOWN else _FALLBACK


def month_abbreviation(month: int, language: str) -> str:
    """``окт``, ``Oct``, ``Eki`` for 10."""
    return str(get_month_names("abbreviated", "format", _language(language))[month])


def _day(day: date, language: str, *, year: bool = False) -> str:
    month = month_abbreviation(day.month, language)
    if language in _MONTH_FIRST:
        return f"{month} {day.day}, {day.year}" if year else f"{month} {day.day}"
    return f"{day.day} {month} {day.year}" if year else f"{day.day} {month}"


def date_range(first: date, last: date, language: str, *, year: bool = False) -> str:
    """Days ``first`` to ``last`` of at most a year: ``13–19 окт``, ``27 окт – 2 ное``.

    Within a month the days share the month's name and an unspaced dash; across months
    (and across a new year) each end is named in full, around a spaced dash. With ``year``
    the year follows the last day (``13–19 окт 2025``, ``Oct 13–19, 2025``), and each end
    has its own when they differ (``29 дек 2025 – 4 яну 2026``); without, a week is read
    next to its neighbours or its ISO name.
    """
    language = _language(language)
    if first.year != last.year:
        return f"{_day(first, language, year=year)} – {_day(last, language, year=year)}"
    if first.month != last.month:
        named = f"{_day(first, language)} – {_day(last, language)}"
    else:
        month = month_abbreviation(first.month, language)
        days = f"{first.day}–{last.day}" if first != last else str(first.day)
        named = f"{month} {days}" if language in _MONTH_FIRST else f"{days} {month}"
    if not year:
        return named
    return f"{named}, {last.year}" if language in _MONTH_FIRST else f"{named} {last.year}"


def week_dates(week: str, language: str, *, year: bool = False) -> str:
    """The Monday to Sunday of an ISO week (``2026-W42``): ``13–19 окт``, ``Oct 13–19``."""
    year_number, number = parse_iso_week(week)
    monday = date.fromisocalendar(year_number, number, 1)
    return date_range(monday, monday + timedelta(days=6), language, year=year)


def month_name(day: date, language: str) -> str:
    """The month ``day`` falls in, with its year: ``яну 2026``, ``Jan 2026``, ``Oca 2026``."""
    return f"{month_abbreviation(day.month, language)} {day.year}"
