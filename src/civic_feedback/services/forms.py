"""Publishing, opening and closing forms: the steps ``feedback-admin flows`` and the console
both take, each change written to the audit log with the window the form now has.

Callers commit; a refusal raises before anything is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from civic_feedback.core.form_windows import FormWindow
from civic_feedback.flows.schema import Flow
from civic_feedback.storage import audit
from civic_feedback.storage.flow_versions import (
    Published,
    form_window,
    publish_flow,
    set_form_window,
)


class UnknownFormError(LookupError):
    """No form has this id."""

    def __init__(self, flow_id: str) -> None:
        super().__init__(flow_id)
        self.flow_id = flow_id


class ClosesBeforeOpensError(ValueError):
    """The form would close before (or when) it opens; ``opens`` and ``closes`` say when."""

    def __init__(self, flow_id: str, opens: datetime, closes: datetime) -> None:
        super().__init__(flow_id)
        self.flow_id, self.opens, self.closes = flow_id, opens, closes


@dataclass(frozen=True)
class PublishedForm:
    """What publishing did: the version serving the form, and its new window (None: the
    window did not change)."""

    published: Published
    window: FormWindow | None


def window_to_publish(
    flow: Flow, opens_at: datetime | None = None, closes_at: datetime | None = None
) -> FormWindow | None:
    """The window a published form gets: the given bounds over the file's ``opens`` and
    ``closes``; None when neither says anything."""
    window = FormWindow(
        flow.opens if opens_at is None else opens_at,
        flow.closes if closes_at is None else closes_at,
    )
    first, last = window.opens_at, window.closes_at
    if first is None and last is None:
        return None
    if first is not None and last is not None and last <= first:
        raise ClosesBeforeOpensError(flow.id, first, last)
    return window


def publish_form(
    session: Session,
    flow: Flow,
    actor: str,
    *,
    window: FormWindow | None,
    listed: bool = True,
    **details: Any,
) -> PublishedForm:
    """Publish ``flow`` (a new version only when its content changed) and give it ``window``
    (None: keep the form's); a changed window is in the audit log as ``form_window``."""
    before = form_window(session, flow.id)
    published = publish_flow(session, flow, listed=listed, window=window)
    if window is None or window == before:
        return PublishedForm(published, None)
    _record(session, actor, "form_window", flow.id, window, details)
    return PublishedForm(published, window)


def open_form(
    session: Session, flow_id: str, now: datetime, actor: str, **details: Any
) -> FormWindow:
    """Open a form from ``now``: a closing already past and an opening still ahead are
    dropped, a closing still ahead stays. Logged as ``form_open`` only when it changes."""
    window = _existing_window(session, flow_id)
    opened = window.open_now(now)
    if opened != window:
        set_form_window(session, flow_id, opened)
        _record(session, actor, "form_open", flow_id, opened, details)
    return opened


def close_form(
    session: Session,
    flow_id: str,
    closes_at: datetime,
    now: datetime,
    actor: str,
    **details: Any,
) -> FormWindow:
    """Close a form at ``closes_at`` (now, past or future); refused when a future closing
    would come before a future opening (the form would never open). Logged as
    ``form_close``; citizens in the middle of it keep what they answered."""
    window = _existing_window(session, flow_id)
    if window.opens_at is not None and now < closes_at <= window.opens_at:
        raise ClosesBeforeOpensError(flow_id, window.opens_at, closes_at)
    closed = FormWindow(window.opens_at, closes_at)
    set_form_window(session, flow_id, closed)
    _record(session, actor, "form_close", flow_id, closed, details)
    return closed


def _existing_window(session: Session, flow_id: str) -> FormWindow:
    window = form_window(session, flow_id)
    if window is None:
        raise UnknownFormError(flow_id)
    return window


def _record(
    session: Session,
    actor: str,
    action: str,
    flow_id: str,
    window: FormWindow,
    details: dict[str, Any],
) -> None:
    """An audit entry with the window the form now has (UTC; None: no bound)."""
    utc = window.in_utc()
    audit.record(
        session,
        actor,
        action,
        flow_id,
        opens=utc.opens_at.isoformat() if utc.opens_at else None,
        closes=utc.closes_at.isoformat() if utc.closes_at else None,
        **details,
    )
