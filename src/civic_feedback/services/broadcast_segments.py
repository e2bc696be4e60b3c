"""The recipients an organizer chooses among, in Telegram (/broadcast) and in the console:
all subscribers, one municipality, the speakers of one language, or the people registered
for one of the next events; only within the organizer's municipality when their role has
one. Each door words the choices in its people's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from civic_feedback.storage.events import find_event, upcoming_events

EVENTS_OFFERED = 5  # the next events whose registered people can be chosen


class SegmentKind(StrEnum):
    ALL = "all"  # every subscriber
    ALL_IN = "all_in"  # every subscriber of the organizer's own municipality
    MUNICIPALITY = "municipality"
    LANGUAGE = "language"
    REGISTERED = "registered"


@dataclass(frozen=True)
class SegmentChoice:
    code: str  # short and stable while the offer is the same: a button's data, a form's value
    segment: str  # as services.broadcasts reads it
    kind: SegmentKind
    name: str  # the municipality, the language's code, or the event's code
    title: dict[str, str] = field(default_factory=dict)  # REGISTERED: the event's, per language


def segment_choices(
    session: Session,
    scope: str | None,
    municipalities: Sequence[str],
    languages: Sequence[str],
    now: datetime,
) -> list[SegmentChoice]:
    """Every choice offered to an organizer of ``scope`` (None: every municipality)."""
    if scope is None:
        choices = [SegmentChoice("a", "all", SegmentKind.ALL, "")]
        choices += [
            SegmentChoice(f"m{index}", f"municipality={name}", SegmentKind.MUNICIPALITY, name)
            for index, name in enumerate(municipalities)
        ]
    else:
        choices = [SegmentChoice("a", f"municipality={scope}", SegmentKind.ALL_IN, scope)]
    within = f"municipality={scope};" if scope else ""
    choices += [
        SegmentChoice(f"l{code}", f"{within}language={code}", SegmentKind.LANGUAGE, code)
        for code in languages
    ]
    events = upcoming_events(session, now, municipality=scope)[:EVENTS_OFFERED]
    choices += [
        SegmentChoice(
            f"r{event.code}",
            f"registered={event.code}",
            SegmentKind.REGISTERED,
            event.code,
            event.title,
        )
        for event in events
    ]
    return choices


def segment_within(session: Session, segment: str, municipality: str) -> bool:
    """Whether every recipient of ``segment`` is in ``municipality``'s reach: one of its
    conditions names that municipality, or an event of it."""
    for part in segment.split(";"):
        kind, _, value = part.partition("=")
        kind, value = kind.strip(), value.strip()
        if kind == "municipality" and value == municipality:
            return True
        if kind in ("event", "registered"):
            event = find_event(session, value.lower())
            if event is not None and event.municipality == municipality:
                return True
    return False
