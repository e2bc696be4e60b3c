"""An event's three links (its card, check-in at the venue, its feedback form) and the poster
of each, as ``feedback-admin events show|qr`` and the staff console give them."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from civic_feedback.flows.schema import in_language
from civic_feedback.reports.posters import PosterAction, write_qr_poster
from civic_feedback.storage.models import Event


class EventLink(StrEnum):
    """Which link a poster's code opens."""

    CARD = "card"
    CHECKIN = "checkin"
    FEEDBACK = "feedback"


_PREFIXES = {EventLink.CARD: "ev", EventLink.CHECKIN: "ci", EventLink.FEEDBACK: "fb"}
_ACTIONS = {
    EventLink.CARD: PosterAction.REGISTER,
    EventLink.CHECKIN: PosterAction.CHECK_IN,
    EventLink.FEEDBACK: PosterAction.FEEDBACK,
}


def event_link(username: str, code: str, link: EventLink) -> str:
    """The deep link that opens ``link`` of event ``code`` in the bot ``username``."""
    return f"https://t.me/{username}?start={_PREFIXES[link]}_{code}"


def write_event_poster(
    event: Event, link: EventLink, *, username: str, language: str, zone: ZoneInfo, path: Path
) -> str:
    """The poster of ``link`` at ``path`` (its suffix says the format): the title in
    ``language``, the place and the start in ``zone``. Returns the link it encodes."""
    address = event_link(username, event.code, link)
    when = f"{event.starts_at.astimezone(zone):%d.%m.%Y %H:%M}"
    write_qr_poster(
        address,
        action=_ACTIONS[link],
        language=language,
        title=in_language(event.title, language),
        details=" · ".join(part for part in (event.place, when) if part),
        path=path,
    )
    return address
