"""Mini App init data signed as Telegram signs it, for the sandbox's staff to open the console
without Telegram: the sandbox holds its own bot token, so it can vouch for its demo people
exactly as Telegram vouches for real ones."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import urlencode


def sign_init_data(
    token: str,
    telegram_id: int,
    opened_at: datetime,
    *,
    first_name: str = "Мария",
    language: str = "bg",
    extra: dict[str, str] | None = None,
) -> str:
    """The init data a page opened by ``telegram_id`` from the bot with ``token`` receives
    (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app)."""
    user = {"id": telegram_id, "first_name": first_name, "language_code": language}
    fields = {
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(opened_at.timestamp())),
        **(extra or {}),
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
