"""Times as people type and read them: ``2026-12-03 18:00`` on the wall clock of TIMEZONE.

``feedback-admin`` and the staff console read and show event times the same way; a time
written with its own offset (``2026-12-03T18:00+01:00``) keeps it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def parse_local_time(text: str, zone: ZoneInfo) -> datetime:
    """``2026-12-03 18:00`` in ``zone``, or an ISO time with its own offset; a ValueError
    that shows how to write it otherwise."""
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
    refused = ValueError(f"{text!r} is not a date and time; write e.g. 2026-12-03 18:00")
    if moment is None:
        raise refused
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    try:
        moment.astimezone(UTC)  # times are stored in UTC; the first hours of year 1 have none
    except OverflowError:
        raise refused from None
    return moment


def local_time_text(moment: datetime, zone: ZoneInfo) -> str:
    """``moment`` as ``2026-12-03 18:00`` on the wall clock of ``zone``."""
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"
