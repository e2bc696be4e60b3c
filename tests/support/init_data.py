"""Mini App init data as Telegram signs it (and forgeries of it) for the console's tests and
the sandbox's organizer."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import urlencode


def signed_init_data(
    token: str,
    telegram_id: int,
    opened_at: datetime,
    *,
    language: str = "bg",
    extra: dict[str, str] | None = None,
) -> str:
    """The init data a page opened by ``telegram_id`` from the bot with ``token`` receives."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {"id": telegram_id, "first_name": "Мария", "language_code": language},
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        "auth_date": str(int(opened_at.timestamp())),
        **(extra or {}),
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
