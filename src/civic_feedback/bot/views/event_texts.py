"""How an event reads in a message: title, time and place in the citizen's language."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from civic_feedback.flows.schema import in_language
from civic_feedback.storage.models import Event

# Dates written the way each language writes them; month names keep it unambiguous.
_MONTHS = {
    "bg": "януари февруари март април май юни юли август септември октомври ноември декември",
    "en": "January February March April May June July August September October November December",
    "tr": "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık",
}


def event_title(event: Event, language: str) -> str:
    return in_language(event.title, language)


def moment_text(moment: datetime, language: str, zone: ZoneInfo) -> str:
    """``15 January 2027, 23:59`` in ``zone``."""
    local = moment.astimezone(zone)
    month = _MONTHS.get(language, _MONTHS["en"]).split()[local.month - 1]
    return f"{local.day} {month} {local.year}, {local:%H:%M}"


def event_when(event: Event, language: str, zone: ZoneInfo) -> str:
    """``3 December 2026, 18:00–20:00`` in the event's time zone."""
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    month = _MONTHS.get(language, _MONTHS["en"]).split()[start.month - 1]
    day = f"{start.day} {month} {start.year}"
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M}"
    end_month = _MONTHS.get(language, _MONTHS["en"]).split()[end.month - 1]
    return f"{day}, {start:%H:%M} – {end.day} {end_month} {end.year}, {end:%H:%M}"


def event_card(event: Event, language: str, zone: ZoneInfo, status_line: str | None) -> str:
    """The event as one message: title, when, where, description, the citizen's status."""
    lines = [
        f"<b>{escape(event_title(event, language))}</b>",
        "🗓 " + event_when(event, language, zone),
    ]
    if event.place:
        lines.append("📍 " + escape(event.place))
    if event.map_url:
        label = _("Map")
        lines.append(f'<a href="{escape(event.map_url, quote=True)}">{label}</a>')
    description = in_language(event.description, language)
    if description:
        lines += ["", escape(description)]
    if status_line:
        lines += ["", f"<i>{escape(status_line)}</i>"]
    return "\n".join(lines)
