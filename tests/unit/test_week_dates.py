"""Weeks and months named by their dates in Bulgarian, English and Turkish."""

from __future__ import annotations

from datetime import date

import pytest

from civic_feedback.core.week_dates import date_range, month_name, week_dates


@pytest.mark.parametrize(
    ("week", "language", "named"),
    [
        ("2025-W42", "bg", "13–19 окт"),
        ("2025-W42", "en", "Oct 13–19"),
        ("2025-W42", "tr", "13–19 Eki"),
        ("2025-W44", "bg", "27 окт – 2 ное"),
        ("2025-W44", "en", "Oct 27 – Nov 2"),
        ("2025-W44", "tr", "27 Eki – 2 Kas"),
        ("2026-W10", "bg", "2–8 март"),
        ("2026-W23", "tr", "1–7 Haz"),
    ],
)
def test_a_week_is_named_by_its_monday_to_sunday(week: str, language: str, named: str) -> None:
    assert week_dates(week, language) == named


@pytest.mark.parametrize(
    ("week", "language", "named"),
    [
        # Week 1 of 2026 starts in 2025; week 53 of 2026 ends in 2027.
        ("2026-W01", "bg", "29 дек – 4 яну"),
        ("2026-W01", "en", "Dec 29 – Jan 4"),
        ("2026-W53", "tr", "28 Ara – 3 Oca"),
        ("2025-W52", "bg", "22–28 дек"),  # the last week of 2025 stays in December
        ("2027-W01", "en", "Jan 4–10"),
    ],
)
def test_weeks_across_the_new_year_name_both_months(week: str, language: str, named: str) -> None:
    assert week_dates(week, language) == named


@pytest.mark.parametrize(
    ("week", "language", "named"),
    [
        ("2025-W42", "bg", "13–19 окт 2025"),
        ("2025-W42", "en", "Oct 13–19, 2025"),
        ("2025-W44", "tr", "27 Eki – 2 Kas 2025"),
        ("2025-W44", "en", "Oct 27 – Nov 2, 2025"),
        ("2026-W01", "bg", "29 дек 2025 – 4 яну 2026"),
        ("2026-W01", "en", "Dec 29, 2025 – Jan 4, 2026"),
        ("2026-W53", "tr", "28 Ara 2026 – 3 Oca 2027"),
    ],
)
def test_a_week_named_on_its_own_carries_its_year_or_both(
    week: str, language: str, named: str
) -> None:
    assert week_dates(week, language, year=True) == named


def test_a_week_the_year_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="2025 has weeks 01 to 52"):
        week_dates("2025-W53", "bg")


def test_an_unsupported_language_gets_english_names() -> None:
    assert week_dates("2025-W42", "de") == "Oct 13–19"


def test_a_range_of_one_day_names_the_day_once() -> None:
    assert date_range(date(2026, 1, 5), date(2026, 1, 5), "bg") == "5 яну"


@pytest.mark.parametrize(
    ("language", "named"), [("bg", "яну 2026"), ("en", "Jan 2026"), ("tr", "Oca 2026")]
)
def test_a_month_is_named_with_its_year(language: str, named: str) -> None:
    assert month_name(date(2026, 1, 31), language) == named
