"""The console's forms: the list ``feedback-admin flows list`` prints, a form's YAML, and
publishing, opening and closing through the same services as ``flows publish|open|close``.

Forms serve every municipality (they have none of their own), so everyone allowed reads all
of them, as the CLI does; changing one is for the admins and organizers who work for every
municipality: one granted for a single municipality would change the form of all the others.
Uploaded YAML is hostile input: it goes through the loader ``flows validate`` uses and
nothing is stored unless it passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import yaml
from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.core.form_windows import (
    FormWindow,
    on_the_clock,
    read_window_time,
    window_bound,
)
from civic_feedback.core.sentences import sentence_parts
from civic_feedback.flows.loader import FlowFileError, FlowFileProblem, load_flow_text
from civic_feedback.flows.schema import Flow, text_in
from civic_feedback.services.forms import (
    ClosesBeforeOpensError,
    UnknownFormError,
    close_form,
    open_form,
    publish_form,
    window_to_publish,
)
from civic_feedback.storage import audit
from civic_feedback.storage.flow_versions import (
    FlowCatalog,
    form_window,
    latest_version,
    list_forms,
)

SOURCE = "form.yaml"  # how problems name the uploaded text


class FormRefusedError(Exception):
    """A change the console refuses; ``code`` is what the page translates, ``problems`` the
    loader's findings for a form that does not pass."""

    def __init__(self, code: str, problems: list[dict[str, Any]] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.problems = problems or []


def may_change(access: StaffAccess) -> bool:
    return access.municipality is None


def form_list(session: Session, access: StaffAccess, now: datetime, zone: tzinfo) -> dict[str, Any]:
    """Every published form with its latest version, title, responses and window."""
    catalog = FlowCatalog()
    forms = []
    for form in list_forms(session):
        flow = catalog.flow(session.connection(), form.version_id)
        forms.append(
            {
                "id": form.flow_id,
                "version": form.version,
                "title": text_in(
                    flow.title, flow.pick_language(access.language), flow.languages[0]
                ),
                "listed": form.listed,
                "responses": form.responses,
                "published_at": form.published_at,
                "window": window_view(form.window, now, zone),
            }
        )
    return {"forms": forms, "may_change": may_change(access)}


def window_view(window: FormWindow, now: datetime, zone: tzinfo) -> dict[str, Any]:
    """Where ``now`` falls in the window, and its bounds as ``2026-12-05 12:00`` in TIMEZONE
    (a closing at midnight reads 24:00 of the day before, as the CLI writes it)."""
    status = window.status(now)
    return {
        "state": status.state.value,
        "at": _clock(status.at, zone, closing=status.state.value != "not_yet_open"),
        "opens": _clock(window.opens_at, zone, closing=False),
        "closes": _clock(window.closes_at, zone, closing=True),
    }


def _clock(moment: datetime | None, zone: tzinfo, *, closing: bool) -> str | None:
    if moment is None:
        return None
    day, clock = on_the_clock(moment, zone, closing=closing)
    return f"{day:%Y-%m-%d} {clock}"


def form_yaml(session: Session, flow_id: str) -> bytes | None:
    """The latest version as a YAML file the loader reads back to the same content."""
    version = latest_version(session, flow_id)
    if version is None:
        return None
    text = yaml.safe_dump(version.definition, allow_unicode=True, sort_keys=False, width=100)
    return text.encode("utf-8")


def checked_flow(body: Any, zone: tzinfo) -> Flow:
    """The form in ``body["yaml"]``, read by the loader ``flows validate`` uses; refused
    with every problem (line, path, message) otherwise."""
    text = body.get("yaml") if isinstance(body, dict) else None
    if not isinstance(text, str):
        raise FormRefusedError("yaml_missing")
    try:
        return load_flow_text(text, SOURCE, zone=zone)
    except FlowFileError as error:
        raise FormRefusedError("invalid_form", [problem_view(p) for p in error.problems]) from None


def problem_view(problem: FlowFileProblem) -> dict[str, Any]:
    """A loader problem as the page shows it: its line, path and message as ``flows
    validate`` prints them, and the message's id and values (``code``, ``values``; None and
    {} for a message with none) for the page to word it in the staff member's language."""
    code, values = sentence_parts(problem.message)
    return {
        "line": problem.line,
        "path": problem.path,
        "message": problem.message,
        "code": code,
        "values": values,
    }


def check_summary(flow: Flow) -> dict[str, Any]:
    """What a form that passes holds: its id, languages and questions."""
    return {
        "id": flow.id,
        "languages": list(flow.languages),
        "questions": [{"id": q.id, "type": q.type.value} for q in flow.questions],
    }


@dataclass(frozen=True)
class ConsoleActor:
    """Who changes a form from the console: their pseudonym in the audit log."""

    access: StaffAccess
    key: bytes

    def name(self) -> str:
        return audit.telegram_actor(self.key, self.access.telegram_id)


def publish(
    session: Session,
    actor: ConsoleActor,
    body: Any,
    now: datetime,
    zone: tzinfo,
    read: Callable[[Any, tzinfo], Flow] = checked_flow,
) -> dict[str, Any]:
    """Publish the form ``read`` finds in the body (uploaded YAML, else the editor's model)
    as ``flows publish`` does (a new version only when the content changed; a file's
    ``opens``/``closes`` set the window)."""
    _may_change(actor.access)
    flow = read(body, zone)
    try:
        window = window_to_publish(flow)
    except ClosesBeforeOpensError:  # the loader refuses this already; kept as a refusal
        raise FormRefusedError("closes_before_opens") from None
    done = publish_form(session, flow, actor.name(), window=window, by="console")
    return {
        "id": flow.id,
        "version": done.published.version,
        "created": done.published.created,
        "window": window_view(_window_now(session, flow.id), now, zone),
    }


def open_now(
    session: Session, actor: ConsoleActor, flow_id: str, now: datetime, zone: tzinfo
) -> dict[str, Any] | None:
    """Open the form now, as ``flows open``; None when there is no such form."""
    _may_change(actor.access)
    try:
        opened = open_form(session, flow_id, now, actor.name(), by="console")
    except UnknownFormError:
        return None
    return {"id": flow_id, "window": window_view(opened, now, zone)}


def close_at(
    session: Session, actor: ConsoleActor, flow_id: str, body: Any, now: datetime, zone: tzinfo
) -> dict[str, Any] | None:
    """Close the form now or ``body["at"]`` (``2026-12-05 12:00``, or a day: its end), as
    ``flows close [--at]``; None when there is no such form."""
    _may_change(actor.access)
    written = body.get("at") if isinstance(body, dict) else None
    if written in (None, ""):
        closes = now
    elif isinstance(written, str) and len(written) <= 40:
        try:
            closes = window_bound(read_window_time(written), zone, closing=True)
        except (ValueError, OverflowError):
            raise FormRefusedError("bad_time") from None
    else:
        raise FormRefusedError("bad_time")
    try:
        closed = close_form(session, flow_id, closes, now, actor.name(), by="console")
    except UnknownFormError:
        return None
    except ClosesBeforeOpensError:
        raise FormRefusedError("would_never_open") from None
    return {"id": flow_id, "window": window_view(closed, now, zone)}


def _may_change(access: StaffAccess) -> None:
    if not may_change(access):
        raise FormRefusedError("forms_shared")


def _window_now(session: Session, flow_id: str) -> FormWindow:
    return form_window(session, flow_id) or FormWindow()
