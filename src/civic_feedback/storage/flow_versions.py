"""Published flows: immutable versions, a new one only when the content changes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from civic_feedback.core.form_windows import ALWAYS_OPEN, FormWindow, as_utc
from civic_feedback.flows.library import library_flow_ids, library_flows
from civic_feedback.flows.schema import Flow
from civic_feedback.storage.models import FlowVersion, Form, Response
from civic_feedback.storage.tables import FLOW_VERSION_TABLE, FORM_TABLE

# Built-in forms reached through an event (its QR code, its invitation), not via /feedback.
EVENT_FORMS = frozenset({"event-satisfaction", "training-evaluation"})


@dataclass(frozen=True)
class Published:
    """The outcome of publishing: the version that now serves the flow."""

    flow_id: str
    version: int
    version_id: int
    created: bool  # False when the content was already the latest version


def flow_definition(flow: Flow) -> dict[str, Any]:
    return flow.model_dump(mode="json", exclude_none=True)


def content_hash(flow: Flow) -> str:
    canonical = json.dumps(flow_definition(flow), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def latest_version(session: Session, flow_id: str) -> FlowVersion | None:
    statement = (
        select(FlowVersion)
        .where(FlowVersion.flow_id == flow_id)
        .order_by(col(FlowVersion.version).desc())
        .limit(1)
    )
    return session.exec(statement).first()


# Built once: every form start asks this, and a new version may be published at any time.
_LATEST_ID = (
    sa_select(FLOW_VERSION_TABLE.c.id)
    .where(FLOW_VERSION_TABLE.c.flow_id == bindparam("flow_id"))
    .order_by(FLOW_VERSION_TABLE.c.version.desc())
    .limit(1)
)


def latest_version_id(db: Connection, flow_id: str) -> int | None:
    """The id of the flow's latest version, without loading its definition."""
    found = db.execute(_LATEST_ID, {"flow_id": flow_id}).scalar()
    return None if found is None else int(found)


# The form's latest version and its window, in one look-up: what starting a form asks.
_STARTABLE = (
    sa_select(FLOW_VERSION_TABLE.c.id, FORM_TABLE.c.opens_at, FORM_TABLE.c.closes_at)
    .join(FORM_TABLE, FORM_TABLE.c.flow_id == FLOW_VERSION_TABLE.c.flow_id)
    .where(FLOW_VERSION_TABLE.c.flow_id == bindparam("flow_id"))
    .order_by(FLOW_VERSION_TABLE.c.version.desc())
    .limit(1)
)


def latest_version_and_window(db: Connection, flow_id: str) -> tuple[int, FormWindow] | None:
    """The id of the form's latest version and when the form takes answers (None: no form)."""
    found = db.execute(_STARTABLE, {"flow_id": flow_id}).first()
    if found is None:
        return None
    return int(found[0]), window_of(found[1], found[2])


def window_of(opens_at: datetime | None, closes_at: datetime | None) -> FormWindow:
    """A window read from the form's columns (SQLite gives its times back without a zone)."""
    if opens_at is None and closes_at is None:
        return ALWAYS_OPEN
    return FormWindow(as_utc(opens_at), as_utc(closes_at))


def form_window(session: Session, flow_id: str) -> FormWindow | None:
    """When the form takes answers; None when there is no such form."""
    form = session.get(Form, flow_id)
    return None if form is None else window_of(form.opens_at, form.closes_at)


def set_form_window(session: Session, flow_id: str, window: FormWindow) -> FormWindow:
    """Give the form a new window; returns the one it had. The form must exist."""
    form = session.get(Form, flow_id)
    if form is None:
        raise LookupError(f"no form {flow_id!r}")
    before = window_of(form.opens_at, form.closes_at)
    stored = window.in_utc()  # SQLite would keep a local time and forget its offset
    form.opens_at, form.closes_at = stored.opens_at, stored.closes_at
    session.add(form)
    session.flush()
    return before


def publish_flow(
    session: Session, flow: Flow, *, listed: bool = True, window: FormWindow | None = None
) -> Published:
    """Publish a flow; a new version only when its content differs from the latest.

    ``window``: when the form takes answers from now on; None leaves the form's as it is.
    It belongs to the form, so changing only the window never makes a new version.
    """
    digest = content_hash(flow)
    current = latest_version(session, flow.id)
    if current is not None and current.content_hash == digest:
        assert current.id is not None
        if window is not None:
            set_form_window(session, flow.id, window)
        return Published(flow.id, current.version, current.id, created=False)
    if session.get(Form, flow.id) is None:
        session.add(Form(flow_id=flow.id, listed=listed))
        session.flush()  # no ORM relationship orders the inserts, so the form goes first
    if window is not None:
        set_form_window(session, flow.id, window)
    row = FlowVersion(
        flow_id=flow.id,
        version=1 if current is None else current.version + 1,
        content_hash=digest,
        definition=flow_definition(flow),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return Published(flow.id, row.version, row.id, created=True)


def install_library(session: Session) -> list[Published]:
    """Publish the built-in flows that are not published yet; never overwrites an edit."""
    known = set(session.exec(select(Form.flow_id)).all())
    if known.issuperset(library_flow_ids()):
        return []  # every start but the first: no file read
    return [
        publish_flow(session, flow, listed=flow.id not in EVENT_FORMS)
        for flow in library_flows()
        if flow.id not in known
    ]


@dataclass(frozen=True)
class FormSummary:
    flow_id: str
    version: int
    version_id: int
    listed: bool
    responses: int
    published_at: str
    window: FormWindow = ALWAYS_OPEN


def list_forms(
    session: Session, *, listed_only: bool = False, open_at: datetime | None = None
) -> list[FormSummary]:
    """Every form with its latest version and how many responses all versions got
    (``open_at``: only the forms that take answers at that moment)."""
    latest = (
        select(FlowVersion.flow_id, func.max(FlowVersion.version).label("version"))
        .group_by(col(FlowVersion.flow_id))
        .subquery()
    )
    counts = (
        select(Response.flow_id, func.count().label("responses"))
        .group_by(col(Response.flow_id))
        .subquery()
    )
    statement = (
        select(FlowVersion, Form, func.coalesce(counts.c.responses, 0))
        .join(Form, col(Form.flow_id) == FlowVersion.flow_id)
        .join(
            latest,
            (latest.c.flow_id == FlowVersion.flow_id) & (latest.c.version == FlowVersion.version),
        )
        .outerjoin(counts, counts.c.flow_id == FlowVersion.flow_id)
        .order_by(col(FlowVersion.flow_id))
    )
    if listed_only:
        statement = statement.where(col(Form.listed))
    forms = [
        FormSummary(
            flow_id=row.flow_id,
            version=row.version,
            version_id=row.id or 0,
            listed=form.listed,
            responses=responses,
            published_at=row.published_at.isoformat(timespec="minutes"),
            window=window_of(form.opens_at, form.closes_at),
        )
        for row, form, responses in session.exec(statement).all()
    ]
    if open_at is None:
        return forms
    return [form for form in forms if form.window.is_open(open_at)]


_DEFINITION = sa_select(FLOW_VERSION_TABLE.c.definition).where(
    FLOW_VERSION_TABLE.c.id == bindparam("id")
)


class FlowCatalog:
    """Flow versions parsed once and kept: a published version never changes."""

    def __init__(self) -> None:
        self._by_version: dict[int, Flow] = {}

    def flow(self, db: Connection, version_id: int) -> Flow:
        cached = self._by_version.get(version_id)
        if cached is None:
            definition = db.execute(_DEFINITION, {"id": version_id}).scalar()
            if definition is None:
                raise LookupError(f"flow version {version_id} does not exist")
            cached = Flow.model_validate(definition)
            self._by_version[version_id] = cached
        return cached
