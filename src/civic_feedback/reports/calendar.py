"""An event as an iCalendar file (.ics) for the citizen's phone calendar.

The entry keeps one UID for the event's life; its SEQUENCE is the event's, raised by each
change of time, place or title, so that a calendar given the file again updates the entry
it has instead of adding a second one (RFC 5545, 3.8.7.4).

icalendar is imported when a file is made, not with this module: the bot imports it at
start-up and keeps every import for its life, while only a registration needs a calendar.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from civic_feedback.storage.models import Event


def event_ics(event: Event, title: str, description: str, zone: ZoneInfo, now: datetime) -> bytes:
    """One VEVENT with the times in the deployment's zone, and that zone's VTIMEZONE."""
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//civic-feedback//events//EN")
    calendar.add("version", "2.0")
    entry = CalendarEvent()
    entry.add("uid", f"{event.code}@civic-feedback")
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", now)
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", title)
    if description:
        entry.add("description", description)
    if event.place:
        entry.add("location", event.place)
    if event.map_url:
        entry.add("url", event.map_url)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    ics: bytes = calendar.to_ical()
    return ics
