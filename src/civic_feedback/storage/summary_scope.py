"""What a summary counts (a period, a municipality, an event), shared by the queries that
count from the answers (storage/summary_queries.py) and those that sum roll-ups
(storage/rollup_counts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, literal_column

UNKNOWN_MUNICIPALITY = "unknown"

# Written into the SQL text, not bound: the same constant in every query.
UNKNOWN: ColumnElement[str] = literal_column(f"'{UNKNOWN_MUNICIPALITY}'")


@dataclass(frozen=True)
class Scope:
    """What a summary counts: the period [start, end) in UTC, one municipality, one event."""

    start: datetime
    end: datetime
    municipality: str | None = None
    event_id: int | None = None

    def between(self, start: datetime, end: datetime) -> Scope:
        """The same filters over another period."""
        return Scope(start, end, self.municipality, self.event_id)
