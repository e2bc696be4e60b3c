"""The legal term of a public consultation (Statutory Instruments Act, art. 26): open for
proposals at least 30 days, or at least 14 in exceptional cases with the reason stated.
Pure: times in, verdicts out (all times aware)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

FULL_TERM = timedelta(days=30)
SHORT_TERM = timedelta(days=14)
REPORT_AFTER = timedelta(days=14)  # when the report is promised, unless staff say otherwise


class Phase(StrEnum):
    NOT_YET = "not_yet"  # before opens_at
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class TermProblem:
    """Why a term cannot be accepted, said so that staff know what to change."""

    message: str


def check_term(
    opens_at: datetime, closes_at: datetime, short_term_reason: str | None, *, zone: tzinfo
) -> TermProblem | None:
    """None when the term is lawful; a problem otherwise. Days are calendar days on the
    wall clock of ``zone`` (TIMEZONE): 30 days from 10 March to 9 April hold although the
    clocks move an hour on the way."""
    opens_at, closes_at = opens_at.astimezone(zone), closes_at.astimezone(zone)
    term = closes_at - opens_at
    if term <= timedelta(0):
        return TermProblem("--closes must be after --opens")
    days = term / timedelta(days=1)
    if term < SHORT_TERM:
        return TermProblem(
            f"a consultation must stay open at least 14 days (this one: {days:.1f}); "
            "move --closes later"
        )
    if term < FULL_TERM and not (short_term_reason and short_term_reason.strip()):
        return TermProblem(
            f"under 30 days ({days:.1f}) the law requires the reason: "
            "give it with --short-term-reason"
        )
    return None


def phase(opens_at: datetime, closes_at: datetime, now: datetime) -> Phase:
    if now >= closes_at:  # also one closed early before it opened
        return Phase.CLOSED
    return Phase.NOT_YET if now < opens_at else Phase.OPEN


def days_left(closes_at: datetime, now: datetime) -> int:
    """Whole days until the close, counting a started day (0 once closed)."""
    left = closes_at - now
    if left <= timedelta(0):
        return 0
    return -(-left // timedelta(days=1))
