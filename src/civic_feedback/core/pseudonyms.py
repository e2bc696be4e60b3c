"""Keyed hashes that stand in for Telegram ids wherever people may see the data."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(key: bytes, telegram_id: int) -> str:
    """A stable pseudonym for a citizen: the same id and key always give the same text."""
    digest = hmac.new(key, f"citizen:{telegram_id}".encode(), hashlib.sha256).hexdigest()
    return f"c-{digest[:16]}"


def anonymous_receipt_key(key: bytes, telegram_id: int, flow_id: str, event_id: int | None) -> str:
    """Who answered which anonymous form (for one event), unreadable without the key."""
    message = f"anonymous:{telegram_id}:{flow_id}:{event_id or ''}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
