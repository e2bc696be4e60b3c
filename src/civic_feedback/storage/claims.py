"""Claims on the messages the bot owes: at most once, and never lost without a trace.

A broadcast row or a reminder is marked ``sending``, with the time of its claim, and committed
before its message goes to Telegram; how the call ended is written after. A process killed
in between leaves the row ``sending``, and no process sends it again on its own: nobody ever
gets a message twice. Whether it reached the citizen is then unknown, so once the claim is
older than ``CLAIM_LEASE`` the row counts as *uncertain* (``feedback-admin broadcast status``,
``events show``), never as sent; an organizer who prefers a possible duplicate to a possible
loss sends a broadcast's uncertain rows again (``broadcast resend-uncertain``).

A live sender renews the claims of calls still on their way every ``RENEW_EVERY`` (a call
waits out a 429, or is retried after a network error), so its rows never look uncertain.
Why the age of a claim rather than "claimed by a process that no longer leads": the command
that counts cannot ask the bot whether it is alive, and one process on SQLite holds no lock
to look at; the age tells both in one column, on any deployment. 30 seconds: a send takes
milliseconds, a takeover on PostgreSQL about 10 seconds, and an organizer looks later.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, case, func, or_, update
from sqlmodel import Session

CLAIM_LEASE = timedelta(seconds=30)
RENEW_EVERY = timedelta(seconds=10)
SENDING = "sending"


def uncertain(table: Table, now: datetime) -> ColumnElement[bool]:
    """Rows still ``sending`` a lease or more after their claim (or claimed before claims had a
    time): left by a process that stopped."""
    claimed_at = table.c.claimed_at
    return and_(
        table.c.state == SENDING,
        or_(claimed_at.is_(None), claimed_at <= now - CLAIM_LEASE),
    )


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of a group meet ``condition`` (beside the group's ``count()``)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def renew_claims(session: Session, table: Table, ids: Collection[int], now: datetime) -> None:
    """The calls of these rows are still on their way: their claims start again now."""
    if ids:
        session.execute(
            update(table)
            .where(table.c.id.in_(ids), table.c.state == SENDING)
            .values(claimed_at=now)
        )
        session.flush()
