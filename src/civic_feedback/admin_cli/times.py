"""Times as organizers type them on the command line, read in TIMEZONE."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.core.form_windows import window_bound
from civic_feedback.core.local_times import parse_local_time


def parse_time(text: str, zone: ZoneInfo, option: str) -> datetime:
    """``2026-12-03 18:00`` in TIMEZONE, or an ISO time with its own offset; a refusal names
    the option."""
    try:
        return parse_local_time(text, zone)
    except ValueError as error:
        raise CliError(f"{option} {error}") from None


def parse_window_bound(text: str, zone: ZoneInfo, option: str, *, closing: bool) -> datetime:
    """When a form opens or closes, as a form file writes it: a time as ``parse_time``
    reads it, or a date alone, the start of that day (opening) or its end (closing)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return window_bound(parse_time(text, zone, option), zone, closing=closing)
    return window_bound(day, zone, closing=closing)
