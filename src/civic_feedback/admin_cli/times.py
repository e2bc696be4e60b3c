"""Times as organizers type them on the command line, read in TIMEZONE."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.core.form_windows import window_bound

_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def parse_time(text: str, zone: ZoneInfo, option: str) -> datetime:
    """``2026-12-03 18:00`` in TIMEZONE, or an ISO time with its own offset."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    for pattern in _TIME_FORMATS if moment is None else ():
        try:
            moment = datetime.strptime(text.strip(), pattern)
            break
        except ValueError:
            continue
    if moment is None:
        raise CliError(f"{option} {text!r} is not a date and time; write e.g. 2026-12-03 18:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_window_bound(text: str, zone: ZoneInfo, option: str, *, closing: bool) -> datetime:
    """When a form opens or closes, as a form file writes it: a time as ``parse_time``
    reads it, or a date alone, the start of that day (opening) or its end (closing)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return window_bound(parse_time(text, zone, option), zone, closing=closing)
    return window_bound(day, zone, closing=closing)
