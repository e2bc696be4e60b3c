"""Files the console's events page downloads: a poster of one of an event's links (PNG or
PDF), and the attendance list for funders (XLSX) of one event or of the days chosen.

The database work is done first and its session closed; the drawing and the workbook are
then made in a worker thread, in a temporary folder removed at once, and sent as bytes.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.event_edits import EventInputError
from civic_feedback.console.events import event_in_scope
from civic_feedback.core.weeks import local_midnight
from civic_feedback.reports.attendance import (
    AttendanceSheets,
    attendance_sheets,
    write_attendance_xlsx,
)
from civic_feedback.reports.event_posters import EventLink, write_event_poster
from civic_feedback.settings import Settings
from civic_feedback.storage import audit
from civic_feedback.storage.attendance import (
    Attendance,
    EventChoice,
    attendance,
    participants,
)
from civic_feedback.storage.models import Event

POSTER_TYPES = {"png": "image/png", "pdf": "application/pdf"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# pyplot keeps its figures in one registry for the whole process: one poster at a time.
DRAWING = threading.Lock()


def poster_file(
    event: Event, link: EventLink, file_type: str, username: str, settings: Settings
) -> bytes:
    """The poster as ``feedback-admin events qr`` draws it: in the deployment's language,
    for the citizens who will read it."""
    with DRAWING, tempfile.TemporaryDirectory(prefix="poster-") as folder:
        path = Path(folder) / f"poster.{file_type}"
        write_event_poster(
            event,
            link,
            username=username,
            language=settings.interface_language,
            zone=settings.zone,
            path=path,
        )
        return path.read_bytes()


@dataclass(frozen=True)
class AttendancePlan:
    name: str
    choice: EventChoice
    figures: list[Attendance]


def plan_attendance(
    session: Session, access: StaffAccess, settings: Settings, query: Mapping[str, str]
) -> AttendancePlan | None:
    """The events of ``?code=`` (one event) or ``?from=&to=`` (the events starting on those
    days, both included, in TIMEZONE), of the staff member's municipality, and the file's
    name. None when the event does not exist for this person."""
    codes: list[str] = []
    if query.get("code"):
        event = event_in_scope(session, access, query["code"])
        if event is None:
            return None
        codes.append(event.code)
    first, last = _day(query.get("from")), _day(query.get("to"))
    if first and last and first > last:
        raise EventInputError("days_swapped")
    zone = settings.zone
    choice = EventChoice(
        codes=codes,
        starts_from=None if first is None else local_midnight(first, zone),
        starts_before=None if last is None else local_midnight(last + timedelta(days=1), zone),
        municipality=access.municipality,
    )
    figures = attendance(session, choice)
    if not figures:
        raise EventInputError("no_events")
    return AttendancePlan(_file_name(codes, first, last), choice, figures)


def attendance_export(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    key: bytes,
    query: Mapping[str, str],
) -> tuple[str, AttendanceSheets] | None:
    """The file's name and sheets of what ``plan_attendance`` chose, recorded in the audit
    log as the CLI's export is. None when the event does not exist for this person."""
    plan = plan_attendance(session, access, settings, query)
    if plan is None:
        return None
    people = participants(session, plan.choice)
    audit.record(
        session,
        audit.telegram_actor(key, access.telegram_id),
        "attendance_export",
        plan.name,
        events=[row.event.code for row in plan.figures],
        participants=len(people),
        by="console",
    )
    sheets = attendance_sheets(
        plan.figures, people, language=settings.interface_language, zone=settings.zone, key=key
    )
    return plan.name, sheets


def workbook_file(sheets: AttendanceSheets) -> bytes:
    with tempfile.TemporaryDirectory(prefix="attendance-") as folder:
        path = Path(folder) / "attendance.xlsx"
        write_attendance_xlsx(sheets, path)
        return path.read_bytes()


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise EventInputError("bad_day") from None


def _file_name(codes: list[str], first: date | None, last: date | None) -> str:
    parts = ["attendance", *codes]
    if first is not None:
        parts += ["from", first.isoformat()]
    if last is not None:
        parts += ["to", last.isoformat()]
    return "-".join(parts) + ".xlsx"
