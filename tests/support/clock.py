"""A clock a test moves instead of sleeping, and the zone the tests' deployment is in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

SOFIA = ZoneInfo("Europe/Sofia")


@dataclass
class FakeClock:
    """The worker's clock; a test moves it instead of sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, moment: datetime) -> None:
        self.now = moment
