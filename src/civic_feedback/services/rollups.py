"""Keeping the roll-ups (storage/rollups.py) up to date: the bot's nightly job and
``feedback-admin rollups rebuild`` both roll up the settled days that are not, then the
months all of whose days are, one per transaction, so that a stop loses at most the one
being counted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.storage.rollup_forgetting import forget_everything, forget_other_zones
from civic_feedback.storage.rollups import (
    days_to_roll_up,
    months_to_roll_up,
    roll_up,
    roll_up_month,
)


def roll_up_days(
    session: Session,
    zone: ZoneInfo,
    now: datetime,
    *,
    limit: int | None = None,
    done: Callable[[date], None] | None = None,
) -> int:
    """Roll up the settled days not rolled up (at most ``limit``, oldest first), then the
    months they complete; returns how many days. Days of another zone (TIMEZONE changed)
    are forgotten first."""
    forget_other_zones(session, zone)
    session.commit()
    days = days_to_roll_up(session, zone, now)[:limit]
    for day in days:
        roll_up(session, zone, day, now)
        session.commit()
        if done is not None:
            done(day)
    for first in months_to_roll_up(session, zone):
        roll_up_month(session, zone, first, now)
        session.commit()
    return len(days)


def forget_all(session: Session) -> None:
    """Drop every roll-up: figures are counted from the answers until days are rolled again."""
    forget_everything(session)
    session.commit()
