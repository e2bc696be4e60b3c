"""What an event may hold, checked alike when it is added (new_events.py), changed
(event_changes.py) or cancelled (registrations.py), for feedback-admin and the staff console.

A refusal carries a sentence (what feedback-admin prints) and a ``problem``, a short code
the console's page turns into a sentence in its own language.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

PLACE_LIMIT = 500  # characters, the column's size
CAPACITY_LIMIT = 100_000  # places: a stadium, and well inside the column's integer


class EventProblem(StrEnum):
    """Why an event, or a change to it, is refused."""

    TITLE_EMPTY = "title_empty"
    PLACE_EMPTY = "place_empty"
    PLACE_TOO_LONG = "place_too_long"
    UNKNOWN_MUNICIPALITY = "unknown_municipality"
    UNKNOWN_FORM = "unknown_form"
    BAD_MAP_URL = "bad_map_url"
    ENDS_BEFORE_START = "ends_before_start"
    STARTS_IN_PAST = "starts_in_past"
    CAPACITY_TOO_SMALL = "capacity_too_small"
    CAPACITY_TOO_LARGE = "capacity_too_large"
    CAPACITY_BELOW_TAKEN = "capacity_below_taken"
    CANCELLED = "event_cancelled"
    OVER = "event_over"


class EventRefusedError(ValueError):
    """An event, or a change to one, refused: the sentence says why; nothing was changed."""

    def __init__(self, problem: EventProblem, sentence: str) -> None:
        super().__init__(sentence)
        self.problem = problem


def check_place_length(place: str) -> None:
    if len(place) > PLACE_LIMIT:
        raise EventRefusedError(
            EventProblem.PLACE_TOO_LONG,
            f"the place is {len(place)} characters long; at most {PLACE_LIMIT}",
        )


def check_municipality(name: str | None, known: Collection[str]) -> None:
    """None (no municipality) or one of MUNICIPALITIES, spelt as they are."""
    if name is not None and name not in known:
        listed = ", ".join(known) or "none yet: set MUNICIPALITIES"
        raise EventRefusedError(
            EventProblem.UNKNOWN_MUNICIPALITY, f"unknown municipality {name!r}; known: {listed}"
        )


def check_capacity(limit: int | None) -> None:
    """At least one place and at most CAPACITY_LIMIT, or None: no limit."""
    if limit is not None and limit < 1:
        raise EventRefusedError(
            EventProblem.CAPACITY_TOO_SMALL, "a capacity is at least 1 place (or none: no limit)"
        )
    if limit is not None and limit > CAPACITY_LIMIT:
        raise EventRefusedError(
            EventProblem.CAPACITY_TOO_LARGE,
            f"a capacity is at most {CAPACITY_LIMIT} places (or none: no limit)",
        )
