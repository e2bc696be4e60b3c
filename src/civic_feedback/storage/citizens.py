"""Citizens: found by Telegram id, created on first contact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, and_, bindparam, insert, update
from sqlmodel import Session, select

from civic_feedback.storage.models import Citizen
from civic_feedback.storage.rollup_forgetting import forget_days_of
from civic_feedback.storage.tables import CITIZEN_TABLE, RESPONSE_TABLE

# last_seen feeds retention (erase after RETENTION_DAYS); a day's precision is enough and
# spares a write on every update.
_LAST_SEEN_PRECISION = timedelta(days=1)


_BY_TELEGRAM_ID = select(Citizen).where(Citizen.telegram_id == bindparam("telegram_id"))


def find_citizen(session: Session, telegram_id: int) -> Citizen | None:
    return session.exec(_BY_TELEGRAM_ID, params={"telegram_id": telegram_id}).first()


class CitizenLike(Protocol):
    """A citizen's row or its snapshot: what the services serving a citizen read of them."""

    @property
    def id(self) -> int | None: ...
    @property
    def telegram_id(self) -> int: ...
    @property
    def municipality(self) -> str | None: ...


@dataclass(frozen=True)
class CitizenSnapshot:
    """A citizen as a plain, immutable record: what the bot knows its sender by on every
    update, read with the update's arrival and kept up to date by its units of work."""

    id: int
    telegram_id: int
    language: str | None
    municipality: str | None
    opted_out: bool
    privacy_accepted_at: datetime | None
    unreachable: bool
    last_seen: datetime

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> CitizenSnapshot:
        """From a row holding (at least) ``SNAPSHOT_COLUMNS``."""
        return cls(**{name: row[name] for name in _SNAPSHOT_NAMES})

    @classmethod
    def of_row(cls, citizen: Citizen) -> CitizenSnapshot:
        """From the ORM row (written, so it has its id)."""
        return cls(**{name: getattr(citizen, name) for name in _SNAPSHOT_NAMES})


_SNAPSHOT_NAMES = tuple(field.name for field in fields(CitizenSnapshot))
SNAPSHOT_COLUMNS = tuple(CITIZEN_TABLE.c[name] for name in _SNAPSHOT_NAMES)
_INSERT = insert(CITIZEN_TABLE)
_NEW_COLUMNS = tuple(column for column in CITIZEN_TABLE.c if column.name != "id")
_UPDATE = update(CITIZEN_TABLE).where(CITIZEN_TABLE.c.id == bindparam("citizen"))


def insert_citizen(db: Connection, *, telegram_id: int, language: str | None) -> CitizenSnapshot:
    """A citizen met for the first time, with the table's defaults (seen now, reachable,
    subscribed), written in ``db``'s transaction."""
    new = Citizen(telegram_id=telegram_id, language=language)  # never added to a session
    columns = {column.name: getattr(new, column.name) for column in _NEW_COLUMNS}
    inserted = db.execute(_INSERT, columns).inserted_primary_key
    assert inserted is not None
    return CitizenSnapshot.of({**columns, "id": int(inserted[0])})


def change_citizen(db: Connection, citizen: CitizenSnapshot, **values: Any) -> CitizenSnapshot:
    """Write ``values`` to the citizen's row in ``db``'s transaction; the citizen after it."""
    db.execute(_UPDATE, {"citizen": citizen.id, **values})
    return replace(citizen, **values)


def activity_changes(citizen: CitizenSnapshot, now: datetime) -> dict[str, Any]:
    """What writing to the bot changes on the citizen: they can be reached again, and
    last_seen moves on (daily). Empty on most updates."""
    changes: dict[str, Any] = {}
    if citizen.unreachable:
        changes["unreachable"] = False  # unblocked the bot, or they could not have written
    if now - citizen.last_seen > _LAST_SEEN_PRECISION:
        changes["last_seen"] = now
    return changes


def set_language(session: Session, citizen: Citizen, language: str) -> None:
    """Remember the citizen's interface language."""
    citizen.language = language
    session.add(citizen)
    session.flush()


def set_municipality(session: Session, citizen: Citizen, municipality: str | None) -> None:
    """Remember the citizen's municipality (None: all)."""
    if citizen.id is not None and citizen.municipality != municipality:
        # Their responses about no event count for their municipality, in every summary.
        about_no_event = and_(
            RESPONSE_TABLE.c.citizen_id == citizen.id, RESPONSE_TABLE.c.event_id.is_(None)
        )
        forget_days_of(session, about_no_event)
    citizen.municipality = municipality
    session.add(citizen)
    session.flush()


def set_opted_out(session: Session, citizen: Citizen, *, opted_out: bool) -> None:
    """/stop (True) or /start again (False): whether broadcasts reach the citizen."""
    citizen.opted_out = opted_out
    session.add(citizen)
    session.flush()
