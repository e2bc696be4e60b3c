"""The console's exports: the forms and events to choose from, and the file itself, written
by the same code as ``feedback-admin export``. People appear only as pseudonyms (the console
never lets Telegram ids out), staff of a municipality get only its responses, and every
export is in the audit log under the staff member's pseudonym."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from civic_feedback.console.access import StaffAccess
from civic_feedback.flows.schema import in_language
from civic_feedback.reports.export import ExportOptions
from civic_feedback.reports.export_request import (
    ExportFormat,
    ExportPlan,
    ExportRequest,
    export_file_name,
    plan_export,
    record_export,
    write_export,
)
from civic_feedback.storage import audit
from civic_feedback.storage.flow_versions import latest_version, list_forms
from civic_feedback.storage.models import Event

EVENTS_OFFERED = 50  # the latest events that have begun, newest first
_LONGEST_NAME = 64  # a form id or an event code is shorter


class ExportFormError(ValueError):
    """What the page sent cannot be read; ``code`` is what the page says."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ExportFile:
    name: str
    media_type: str
    content: bytes
    responses: int


def export_choices(
    session: Session, access: StaffAccess, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """The forms, and the events of the staff member's municipality that have begun."""
    forms = []
    for form in list_forms(session):
        version = latest_version(session, form.flow_id)
        title = version.definition.get("title", {}) if version else {}
        forms.append({"id": form.flow_id, "title": in_language(title, access.language)})
    statement = select(Event).where(col(Event.starts_at) <= now)
    if access.municipality is not None:
        statement = statement.where(col(Event.municipality) == access.municipality)
    statement = statement.order_by(col(Event.starts_at).desc(), col(Event.id).desc())
    events = [
        {
            "code": event.code,
            "title": in_language(event.title, access.language),
            "form": event.flow_id,
            "starts_at": event.starts_at.astimezone(zone).isoformat(timespec="minutes"),
        }
        for event in session.exec(statement.limit(EVENTS_OFFERED))
    ]
    return {
        "forms": forms,
        "events": events,
        "formats": [format.value for format in ExportFormat],
        "zone": zone.key,
        "municipality": access.municipality,
    }


@dataclass(frozen=True)
class ExportPlanned:
    request: ExportRequest
    plan: ExportPlan
    name: str


def plan_file(
    session: Session, access: StaffAccess, body: Any, zone: ZoneInfo, now: datetime
) -> ExportPlanned:
    """What the page's ``{"flow", "event", "since", "until", "format"}`` asks for and the
    file's name; ExportFormError, or the export's own ExportRefusedError, when it cannot be
    made."""
    request = _read(body, access.municipality)
    plan = plan_export(session, request, zone)
    name = export_file_name(plan, request.format, now.astimezone(zone).date())
    return ExportPlanned(request, plan, name)


def export_file(
    session: Session,
    access: StaffAccess,
    key: bytes,
    body: Any,
    zone: ZoneInfo,
    now: datetime,
) -> ExportFile:
    """The file ``body`` asks for (refused as ``plan_file`` refuses), on the audit log."""
    planned = plan_file(session, access, body, zone, now)
    request, plan = planned.request, planned.plan
    out = io.BytesIO()
    count = write_export(session, plan, request.format, out, ExportOptions(key, zone))
    actor = audit.telegram_actor(key, access.telegram_id)
    record_export(
        session,
        actor,
        request,
        plan,
        count,
        telegram_ids=False,
        municipality=access.municipality,
        by="console",
    )
    return ExportFile(planned.name, request.format.media_type, out.getvalue(), count)


def _read(body: Any, municipality: str | None) -> ExportRequest:
    if not isinstance(body, dict):
        raise ExportFormError("malformed")
    try:
        format = ExportFormat(body.get("format", ExportFormat.CSV.value))
    except ValueError:
        raise ExportFormError("malformed") from None
    return ExportRequest(
        flow=_name(body.get("flow")),
        event=_name(body.get("event")),
        since=_day(body.get("since")),
        until=_day(body.get("until")),
        format=format,
        municipality=municipality,
    )


def _name(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > _LONGEST_NAME:
        raise ExportFormError("malformed")
    return value


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ExportFormError("malformed")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ExportFormError("bad_day") from None
