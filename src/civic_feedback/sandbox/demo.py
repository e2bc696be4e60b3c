"""The sandbox's demo: who can chat with the bot, its staff group, places of a demo town, an
event and a consultation to try, past weeks of activity on request, and a clock that jumps
ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from civic_feedback.core.consultation_terms import FULL_TERM, REPORT_AFTER
from civic_feedback.sandbox.demo_history import demo_history
from civic_feedback.services.notifications import next_due
from civic_feedback.storage.consultations import add_consultation
from civic_feedback.storage.events import add_event
from civic_feedback.storage.models import (
    Consultation,
    Event,
    EventKind,
    EventState,
    Notification,
    NotificationState,
    Role,
    StaffMember,
)
from civic_feedback.storage.roles import grant

DEMO_MUNICIPALITIES = ("Столична", "Пловдив", "Варна")
#: The staff group every municipality's messages go to (STAFF_CHATS ``*:id``), unless the
#: environment names groups of its own.
DEMO_STAFF_GROUP = -1001000000001


class DemoRole(StrEnum):
    """What a demo person is: the page lists the staff group's members apart."""

    CITIZEN = "citizen"
    STAFF = "staff"  # the staff role for every municipality
    ORGANIZER = "organizer"  # in ADMIN_IDS


@dataclass(frozen=True)
class DemoUser:
    """Someone the chat page can write as; ``language`` is their Telegram app's language."""

    telegram_id: int
    name: str
    language: str
    role: DemoRole = DemoRole.CITIZEN


CITIZENS = (
    DemoUser(1001, "Мария", "bg"),
    DemoUser(1002, "Emma", "en"),
    DemoUser(1003, "Ayşe", "tr"),
)
STAFF = DemoUser(9002, "Иван Петров", "bg", DemoRole.STAFF)
ORGANIZER = DemoUser(9001, "Организатор", "bg", DemoRole.ORGANIZER)
CAST = (*CITIZENS, STAFF, ORGANIZER)
#: Who writes in the staff group: the staff member, and the organizer (an admin).
STAFF_GROUP_MEMBERS = (STAFF, ORGANIZER)


@dataclass(frozen=True)
class DemoPlace:
    """A place of the demo town the page offers for a pin; its name in the page's languages."""

    name: dict[str, str]
    latitude: float
    longitude: float


#: Places in Sofia; the fountains are about 60 m from the entrance, close enough for a +1.
DEMO_PLACES = (
    DemoPlace(
        {"bg": "НДК, главният вход", "en": "NDK, main entrance", "tr": "NDK, ana giriş"},
        42.68470,
        23.31900,
    ),
    DemoPlace(
        {
            "bg": "НДК, фонтаните (60 м от входа)",
            "en": "NDK, the fountains (60 m from the entrance)",
            "tr": "NDK, fıskiyeler (girişten 60 m)",
        },
        42.68510,
        23.31950,
    ),
    DemoPlace(
        {"bg": "пл. „Света Неделя“", "en": "Sveta Nedelya Square", "tr": "Sveta Nedelya Meydanı"},
        42.69660,
        23.32090,
    ),
    DemoPlace(
        {
            "bg": "Борисова градина, езерото „Ариана“",
            "en": "Borisova Gradina, Ariana lake",
            "tr": "Borisova Gradina, Ariana gölü",
        },
        42.68780,
        23.33670,
    ),
    DemoPlace({"bg": "Южен парк", "en": "South Park", "tr": "Güney Park"}, 42.67100, 23.31000),
)


def demo_staff(session: Session) -> None:
    """The demo's staff member may answer every municipality's messages. Granted the first
    time only: a role changed with ``feedback-admin users`` on a kept database stays."""
    if session.get(StaffMember, STAFF.telegram_id) is None:
        grant(session, STAFF.telegram_id, Role.STAFF, granted_by="sandbox")


_TITLE = {
    "bg": "Обществено обсъждане: нов парк в квартала",
    "en": "Public consultation: a new park for the neighbourhood",
    "tr": "Kamuoyu danışması: mahalleye yeni bir park",
}
_DESCRIPTION = {
    "bg": "Покажете на картата къде искате пейки, площадка и алеи.",
    "en": "Show on the map where you want benches, a playground and paths.",
    "tr": "Bankları, oyun alanını ve yürüyüş yollarını haritada gösterin.",
}


def demo_event(session: Session, zone: ZoneInfo, now: datetime, municipality: str | None) -> Event:
    """The event to try (added the first time): the day after tomorrow, 18:00 to 20:00.

    Two days ahead, so both reminders (24 hours and 1 hour before) are still to come.
    """
    found = session.exec(
        select(Event).where(Event.state == EventState.SCHEDULED).order_by(col(Event.id))
    ).first()
    if found is not None:
        return found
    day = now.astimezone(zone).date() + timedelta(days=2)
    starts = datetime.combine(day, time(18, 0), tzinfo=zone)
    event = Event(
        code="",
        kind=EventKind.CONSULTATION,
        municipality=municipality,
        title=dict(_TITLE),
        description=dict(_DESCRIPTION),
        place="Читалище „Светлина“, ул. „Иван Вазов“ 12",
        starts_at=starts.astimezone(UTC),
        ends_at=(starts + timedelta(hours=2)).astimezone(UTC),
        capacity=40,
        flow_id="event-satisfaction",
        reminder_offsets=[24 * 3600, 3600],
    )
    return add_event(session, event)


_CONSULTATION_TITLE = {
    "bg": "Проект на Наредба за озеленяването на квартала",
    "en": "Draft ordinance on greening the neighbourhood",
    "tr": "Mahallenin yeşillendirilmesine ilişkin yönetmelik taslağı",
}
_CONSULTATION_SUMMARY = {
    "bg": "Нови правила за дърветата, тревните площи и детските площадки. "
    "Кажете какво да се промени.",
    "en": "New rules for trees, lawns and playgrounds. Tell us what to change.",
    "tr": "Ağaçlar, çimenler ve oyun alanları için yeni kurallar. "
    "Neyin değişmesi gerektiğini söyleyin.",
}


def demo_consultation(session: Session, now: datetime, municipality: str | None) -> Consultation:
    """The consultation to try (added the first time): open since yesterday for 30 days,
    with the built-in consultation questionnaire."""
    found = session.exec(select(Consultation).order_by(col(Consultation.id))).first()
    if found is not None:
        return found
    opened = now - timedelta(days=1)
    consultation = Consultation(
        code="",
        municipality=municipality,
        title=dict(_CONSULTATION_TITLE),
        summary=dict(_CONSULTATION_SUMMARY),
        document_url="https://example.org/naredba-ozelenyavane.pdf",
        opens_at=opened,
        closes_at=opened + FULL_TERM,
        report_due_at=opened + FULL_TERM + REPORT_AFTER,
        flow_id="consultation-survey",
        created_by="sandbox",
    )
    return add_consultation(session, consultation)


def seed_demo(
    session: Session, zone: ZoneInfo, now: datetime, municipalities: list[str], *, history: bool
) -> tuple[Event, Consultation]:
    """What the sandbox adds on start (each the first time): the event and the consultation
    to try, in the first municipality, the staff member, and with ``history`` the past weeks
    (``demo_history``). The caller commits."""
    # The event to try first: it is the database's first scheduled event, the past weeks'
    # come after it.
    event = demo_event(session, zone, now, municipalities[0])
    consultation = demo_consultation(session, now, municipalities[0])
    if history:
        demo_history(session, zone, now, municipalities)
    demo_staff(session)
    return event, consultation


def skip_to_next_message(session: Session, now: datetime) -> timedelta | None:
    """Make the next scheduled message due now by moving the schedule earlier.

    The bot's clock cannot jump, so the events not yet over and every pending reminder,
    invitation and follow-up move earlier by the same amount: what was to happen in that time
    happens now, in the same order. Past events (the demo's history) stay where they were.
    None when nothing is scheduled.
    """
    due = next_due(session)
    if due is None:
        return None
    gap = max(due - now, timedelta(0))
    if gap:
        for event in session.exec(select(Event).where(col(Event.ends_at) > now)):
            event.starts_at -= gap
            event.ends_at -= gap
            session.add(event)
        pending = select(Notification).where(Notification.state == NotificationState.PENDING)
        for row in session.exec(pending):
            row.due_at -= gap
            session.add(row)
        session.flush()
    return gap
