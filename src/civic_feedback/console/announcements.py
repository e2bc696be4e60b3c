"""The console's announcements (admins and organizers): texts per language checked as
/broadcast checks them, the recipients /broadcast offers (within the organizer's
municipality), their exact count, and the announcement queued now or for a time, followed and
stopped; each step audited as /broadcast audits it.

The console cannot wake the broadcaster of the bot's leader: its regular wake-up, every 15
seconds, finds the announcement, so sending starts within a quarter of a minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.core.telegram_html import html_problems
from civic_feedback.flows.schema import in_language
from civic_feedback.services.broadcast_segments import (
    SegmentChoice,
    segment_choices,
    segment_within,
)
from civic_feedback.services.broadcasts import (
    audience,
    cancel_broadcast,
    progress,
    queue_broadcast,
    recent_broadcasts,
)
from civic_feedback.settings import Settings
from civic_feedback.storage import audit
from civic_feedback.storage.models import Broadcast, BroadcastState, utcnow

LISTED = 20  # the latest announcements on the page
LOOKED_AT = 200  # the latest announcements among which an organizer's are found
ACTIVE = (BroadcastState.QUEUED, BroadcastState.SENDING)
_LONGEST_TIME = 32  # "2026-12-08T10:00" and a little more
_SLACK = timedelta(minutes=1)  # a time chosen to the minute may be a few seconds gone


class AnnouncementRefusedError(ValueError):
    """An announcement the console refuses; ``code`` is what the page says, with the
    language and the problem of a text Telegram would refuse."""

    def __init__(self, code: str, **details: str) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


class NotFoundError(LookupError):
    """No such announcement or choice of recipients for this person."""


def announcements_page(
    session: Session, access: StaffAccess, settings: Settings, now: datetime
) -> dict[str, Any]:
    """What composing needs, and the latest announcements the person may follow."""
    scope = access.municipality
    shown = [
        broadcast
        for broadcast in recent_broadcasts(session, limit=LOOKED_AT)
        if scope is None or segment_within(session, broadcast.segment, scope)
    ][:LISTED]
    return {
        "languages": list(settings.languages),
        "default_language": settings.interface_language,
        "choices": [
            _choice(choice, access.language) for choice in _offered(session, access, settings, now)
        ],
        "zone": settings.zone.key,
        "municipality": scope,
        "announcements": [_announcement(session, b, settings) for b in shown],
    }


def reach(
    session: Session, access: StaffAccess, settings: Settings, now: datetime, code: str
) -> dict[str, Any]:
    """How many citizens a choice reaches, in all and per language ("" when not chosen)."""
    counts = audience(session, _chosen(session, access, settings, now, code).segment)
    return {"total": sum(counts.values()), "languages": counts}


def send_announcement(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    key: bytes,
    body: Any,
    now: datetime,
) -> dict[str, Any]:
    """Queue the page's ``{"texts": {language: text}, "choice", "send_at"}``."""
    if not isinstance(body, dict):
        raise AnnouncementRefusedError("malformed")
    texts = _texts(body.get("texts"), settings)
    send_at = _send_at(body.get("send_at"), settings, now)
    choice = body.get("choice")
    if not isinstance(choice, str):
        raise AnnouncementRefusedError("malformed")
    segment = _chosen(session, access, settings, now, choice).segment
    if not sum(audience(session, segment).values()):
        raise AnnouncementRefusedError("nobody")
    actor = audit.telegram_actor(key, access.telegram_id)
    broadcast = Broadcast(texts=texts, segment=segment, send_at=send_at, created_by=actor)
    total = queue_broadcast(session, broadcast)
    audit.record(
        session,
        actor,
        "broadcast",
        segment,
        languages=sorted(texts),
        id=broadcast.id,
        recipients=total,
        by="console",
    )
    return _announcement(session, broadcast, settings)


def announcement_progress(
    session: Session, access: StaffAccess, settings: Settings, broadcast_id: int
) -> dict[str, Any]:
    return _announcement(session, _visible(session, access, broadcast_id), settings)


def stop_announcement(
    session: Session, access: StaffAccess, settings: Settings, key: bytes, broadcast_id: int
) -> dict[str, Any]:
    """Cancel what has not gone out yet, as /broadcast's Stop sending does."""
    broadcast = _visible(session, access, broadcast_id)
    if broadcast.state not in ACTIVE:
        raise AnnouncementRefusedError("finished")
    actor = audit.telegram_actor(key, access.telegram_id)
    audit.record(session, actor, "broadcast_cancel", str(broadcast_id), by="console")
    cancel_broadcast(session, broadcast)
    return _announcement(session, broadcast, settings)


def _offered(
    session: Session, access: StaffAccess, settings: Settings, now: datetime
) -> list[SegmentChoice]:
    return segment_choices(
        session, access.municipality, settings.municipalities, settings.languages, now
    )


def _chosen(
    session: Session, access: StaffAccess, settings: Settings, now: datetime, code: str
) -> SegmentChoice:
    for choice in _offered(session, access, settings, now):
        if choice.code == code:
            return choice
    raise NotFoundError(code)


def _visible(session: Session, access: StaffAccess, broadcast_id: int) -> Broadcast:
    broadcast = session.get(Broadcast, broadcast_id)
    scope = access.municipality
    if (
        broadcast is None
        or broadcast.state == BroadcastState.DRAFT
        or (scope is not None and not segment_within(session, broadcast.segment, scope))
    ):
        raise NotFoundError(broadcast_id)
    return broadcast


def _texts(value: Any, settings: Settings) -> dict[str, str]:
    """The texts given, each as Telegram will take it; the default language's is needed."""
    if not isinstance(value, dict) or not all(isinstance(t, str) for t in value.values()):
        raise AnnouncementRefusedError("malformed")
    texts = {language: text.strip() for language, text in value.items() if text.strip()}
    if not set(texts) <= set(settings.languages):
        raise AnnouncementRefusedError("malformed")
    if settings.interface_language not in texts:
        raise AnnouncementRefusedError("default_text", language=settings.interface_language)
    for language, text in texts.items():
        problems = html_problems(text)
        if problems:
            raise AnnouncementRefusedError("html", language=language, problem=problems[0])
    return texts


def _send_at(value: Any, settings: Settings, now: datetime) -> datetime:
    """Now, or a time in TIMEZONE written as the page's date-and-time field writes it."""
    if value is None or value == "":
        return now
    if not isinstance(value, str) or len(value) > _LONGEST_TIME:
        raise AnnouncementRefusedError("malformed")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise AnnouncementRefusedError("bad_time") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=settings.zone)
    if moment < now - _SLACK:
        raise AnnouncementRefusedError("in_the_past")
    return max(moment, now)


def _choice(choice: SegmentChoice, language: str) -> dict[str, Any]:
    return {
        "code": choice.code,
        "kind": choice.kind.value,
        "name": choice.name,
        "title": in_language(choice.title, language) if choice.title else None,
    }


def _announcement(session: Session, broadcast: Broadcast, settings: Settings) -> dict[str, Any]:
    return {
        **progress(session, broadcast, utcnow()).as_json(),
        "segment": broadcast.segment,
        "send_at": broadcast.send_at.astimezone(settings.zone).isoformat(timespec="minutes"),
        "texts": broadcast.texts,
        "active": broadcast.state in ACTIVE,
    }
