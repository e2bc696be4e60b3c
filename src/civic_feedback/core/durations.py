"""Durations as organizers write them: ``90s``, ``15m``, ``24h``, ``2d``."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*([0-9]+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
LONGEST_REMINDER = timedelta(days=365)  # a reminder a year ahead is the longest kept


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``24h``, ``2d`` -> timedelta."""
    match = _DURATION.match(text)
    try:
        if match:
            return timedelta(**{_UNITS[match[2]]: int(match[1])})
    except OverflowError:  # more days than a calendar holds
        pass
    raise ValueError(f"{text!r} is not a duration; write e.g. 90s, 15m, 24h or 2d")


def format_duration(delta: timedelta) -> str:
    """A duration as organizers write it: ``24h``, ``1h``, ``15m``; days from 3 days on."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0 and (unit != "d" or seconds >= 3 * size):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_offsets(text: str) -> list[int]:
    """Reminder offsets as organizers list them, ``24h,1h`` (empty: none), as seconds before
    the start: longest first, each once."""
    offsets = [parse_duration(part) for part in text.split(",") if part.strip()]
    for offset in offsets:
        if offset > LONGEST_REMINDER:
            raise ValueError(
                f"{format_duration(offset)!r} is too long before the start: at most "
                f"{format_duration(LONGEST_REMINDER)}"
            )
    return sorted({int(offset.total_seconds()) for offset in offsets}, reverse=True)
