"""The clock the bot and its jobs read: real time in production, a chosen one in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]  # returns an aware UTC datetime
