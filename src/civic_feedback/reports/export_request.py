"""An export as staff ask for it, the same from ``feedback-admin export`` and the console: a
form (or an event and its form), days of completion in TIMEZONE, a format, and the one
municipality a staff member is limited to; refused, before anything is written, for the same
reasons from both.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.core.weeks import local_midnight
from civic_feedback.reports.export import ExportOptions, write_csv, write_json
from civic_feedback.reports.export_xlsx import write_xlsx
from civic_feedback.storage import audit
from civic_feedback.storage.events import find_event
from civic_feedback.storage.export_rows import (
    ExportColumn,
    ResponseFilter,
    export_columns,
    iter_export_rows,
)
from civic_feedback.storage.models import Event


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]


_MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSON: "application/json",
}


class ExportRefusal(StrEnum):
    """Why an export is not made; each door words it for its people."""

    NOTHING_CHOSEN = "nothing_chosen"  # neither a form nor an event
    NO_EVENT = "no_event"  # no such event (or not of the staff member's municipality)
    OTHER_FORM = "other_form"  # the event uses another form than the one named
    NO_FORM = "no_form"
    SINCE_AFTER_UNTIL = "since_after_until"


class ExportRefusedError(ValueError):
    def __init__(self, refusal: ExportRefusal, form: str | None = None) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.form = form  # NO_FORM: the form looked for; OTHER_FORM: the event's own


@dataclass(frozen=True)
class ExportRequest:
    """What to export; ``municipality``: only the responses of that one (None: all)."""

    flow: str | None = None
    event: str | None = None  # the event's code
    since: date | None = None  # completed on this day or later, in TIMEZONE
    until: date | None = None  # completed on this day or earlier, all of it
    format: ExportFormat = ExportFormat.CSV
    municipality: str | None = None


@dataclass(frozen=True)
class ExportPlan:
    """The form to export, its columns and which of its responses."""

    flow_id: str
    event_code: str | None
    columns: list[ExportColumn]
    where: ResponseFilter


def plan_export(session: Session, request: ExportRequest, zone: ZoneInfo) -> ExportPlan:
    """The form and responses ``request`` means, or ExportRefusedError."""
    since, until = request.since, request.until
    completed_from = None if since is None else local_midnight(since, zone)
    completed_before = None if until is None else local_midnight(until + timedelta(days=1), zone)
    if completed_from and completed_before and completed_from >= completed_before:
        raise ExportRefusedError(ExportRefusal.SINCE_AFTER_UNTIL)
    flow_id, event = _form_and_event(session, request)
    columns = export_columns(session, flow_id)
    if not columns:
        raise ExportRefusedError(ExportRefusal.NO_FORM, flow_id)
    where = ResponseFilter(
        event_id=None if event is None else event.id,
        completed_from=completed_from,
        completed_before=completed_before,
        municipality=request.municipality,
    )
    return ExportPlan(flow_id, None if event is None else event.code, columns, where)


def _form_and_event(session: Session, request: ExportRequest) -> tuple[str, Event | None]:
    if request.event is None:
        if request.flow is None:
            raise ExportRefusedError(ExportRefusal.NOTHING_CHOSEN)
        return request.flow, None
    event = find_event(session, request.event.strip().lower())
    scope = request.municipality
    if event is None or (scope is not None and event.municipality != scope):
        raise ExportRefusedError(ExportRefusal.NO_EVENT)
    if request.flow is not None and request.flow != event.flow_id:
        raise ExportRefusedError(ExportRefusal.OTHER_FORM, event.flow_id)
    return event.flow_id, event


def write_export(
    session: Session, plan: ExportPlan, format: ExportFormat, out: IO[bytes], options: ExportOptions
) -> int:
    """The responses streamed into ``out`` in ``format``; returns how many."""
    rows = iter_export_rows(session, plan.flow_id, plan.where)
    if format is ExportFormat.XLSX:
        return write_xlsx(rows, plan.columns, out, options, flow_id=plan.flow_id)
    # utf-8-sig writes the byte-order mark that makes Excel read Cyrillic correctly.
    encoding = "utf-8-sig" if format is ExportFormat.CSV else "utf-8"
    text = io.TextIOWrapper(out, encoding=encoding, newline="")
    writer = write_csv if format is ExportFormat.CSV else write_json
    count = writer(rows, plan.columns, text, options)
    text.flush()
    text.detach()  # ``out`` stays open for the caller
    return count


def record_export(
    session: Session,
    actor: str,
    request: ExportRequest,
    plan: ExportPlan,
    responses: int,
    *,
    telegram_ids: bool,
    **more: Any,
) -> None:
    """The export's audit entry: what was asked for and how many responses went out."""
    audit.record(
        session,
        actor,
        "export",
        plan.flow_id,
        event=request.event,
        since=_day(request.since),
        until=_day(request.until),
        format=request.format.value,
        responses=responses,
        telegram_ids=telegram_ids,
        **more,
    )


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def export_file_name(plan: ExportPlan, format: ExportFormat, day: date) -> str:
    """``event-satisfaction-k7f3q9xm-2026-12-07.csv``: the form, the event, the day made."""
    parts = [plan.flow_id, plan.event_code, day.isoformat()]
    return "-".join(part for part in parts if part) + "." + format.value
