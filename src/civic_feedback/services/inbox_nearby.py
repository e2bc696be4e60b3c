"""The same problem reported twice: a new message with a place, near an open message on the
same topic, may join it ("+1, keep me informed") instead of making a second one.

Each step writes in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from civic_feedback.storage.models import Citizen, InboxItem, InboxStatus, InboxSupporter

EARTH_RADIUS_M = 6_371_000
OPEN = (InboxStatus.NEW, InboxStatus.ANSWERED, InboxStatus.IN_PROGRESS)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two points (haversine): exact enough at a street's scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearby_open(session: Session, draft: InboxItem, radius_m: int) -> InboxItem | None:
    """The nearest open message on the draft's topic within ``radius_m`` of its place, not
    the citizen's own; None when the draft has no place or nothing is near."""
    if draft.latitude is None or draft.longitude is None or radius_m <= 0:
        return None
    lat, lon = draft.latitude, draft.longitude
    dlat = radius_m / 111_320  # a degree of latitude, in metres
    dlon = radius_m / max(111_320 * math.cos(math.radians(lat)), 1.0)
    candidates = session.exec(
        select(InboxItem).where(
            col(InboxItem.status).in_(OPEN),
            col(InboxItem.topic) == draft.topic,
            col(InboxItem.id) != draft.id,
            col(InboxItem.citizen_id).is_distinct_from(draft.citizen_id),
            col(InboxItem.latitude).between(lat - dlat, lat + dlat),
            col(InboxItem.longitude).between(lon - dlon, lon + dlon),
        )
    ).all()
    near = [
        (distance_m(lat, lon, item.latitude or 0.0, item.longitude or 0.0), item)
        for item in candidates
    ]
    near = [(metres, item) for metres, item in near if metres <= radius_m]
    return min(near, key=lambda pair: (pair[0], pair[1].id or 0))[1] if near else None


def join(
    session: Session, citizen: Citizen, item: InboxItem, draft: InboxItem, now: datetime
) -> None:
    """The citizen joins ``item`` instead of sending ``draft`` (which goes)."""
    assert citizen.id is not None
    assert item.id is not None
    if session.get(InboxSupporter, (item.id, citizen.id)) is None:
        session.add(InboxSupporter(item_id=item.id, citizen_id=citizen.id, joined_at=now))
    session.delete(draft)
    session.flush()


def supporters(session: Session, item_id: int) -> int:
    statement = select(func.count()).where(InboxSupporter.item_id == item_id)
    return int(session.exec(statement).one())


def supporter_chats(session: Session, item_id: int) -> list[tuple[int, str | None]]:
    """Who joined the item: their chat ids and languages, to tell them its changes."""
    statement = (
        select(Citizen.telegram_id, Citizen.language)
        .join(InboxSupporter, col(InboxSupporter.citizen_id) == col(Citizen.id))
        .where(InboxSupporter.item_id == item_id, col(Citizen.unreachable).is_(False))
        .order_by(col(Citizen.id))
    )
    return [(int(chat), language) for chat, language in session.exec(statement).all()]


def supporter_counts(session: Session, item_ids: list[int]) -> dict[int, int]:
    """How many joined each item (+1), for lists and exports."""
    statement = (
        select(InboxSupporter.item_id, func.count())
        .where(col(InboxSupporter.item_id).in_(item_ids))
        .group_by(col(InboxSupporter.item_id))
    )
    return {int(item_id): int(count) for item_id, count in session.exec(statement).all()}
