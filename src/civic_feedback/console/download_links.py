"""Short-lived links to one of the console's files, for Telegram's phone apps.

Their in-app browser does not save a file the page holds in memory; ``downloadFile`` makes
Telegram's app fetch an address itself, with a plain GET that carries no init data. So the
page asks for a link, and the link carries its own proof: who asked (their Telegram id and
municipality then), the exact file (its kind and what was asked of it) and when it stops
working, signed with a key derived from the bot token. Whoever alters any of it breaks the
signature; the role and municipality are read again when the link is used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

LINK_LIFETIME = timedelta(seconds=60)  # time to confirm Telegram's "download?" and fetch it
MAX_LINK = 2048  # characters of a link's token: a file request is a few short fields
MAX_REQUEST = 1024  # bytes of what a file is asked with (an export's form, event, days...)
_PURPOSE = b"civic-feedback console download link"


class LinkRefusedError(Exception):
    """The link cannot be trusted; ``reason`` is for the log, never for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FileRequest:
    """One file exactly as asked: its kind (``poster``, ``export``...) and its parameters."""

    kind: str
    params: dict[str, Any]


@dataclass(frozen=True)
class LinkClaim:
    telegram_id: int
    municipality: str | None  # the staff member's when the link was made
    request: FileRequest
    expires: int  # Unix seconds


def link_key(bot_token: str) -> bytes:
    """The key links are signed with: the bot token's, for this purpose only (as Telegram
    derives the init data's key), so a link proves nothing anywhere else."""
    return hmac.new(_PURPOSE, bot_token.encode(), hashlib.sha256).digest()


def sign_link(key: bytes, claim: LinkClaim) -> str:
    payload = json.dumps(
        {
            "u": claim.telegram_id,
            "m": claim.municipality,
            "k": claim.request.kind,
            "p": claim.request.params,
            "e": claim.expires,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    body = _encode(payload.encode())
    return f"{body}.{_signature(key, body)}"


def verify_link(key: bytes, token: str, now: datetime) -> LinkClaim:
    """The claim of a link signed with ``key`` that has not expired at ``now``;
    LinkRefusedError otherwise."""
    if len(token) > MAX_LINK:
        raise LinkRefusedError("oversized")
    body, dot, signature = token.partition(".")
    if not dot or not body or not signature:
        raise LinkRefusedError("malformed")
    if not hmac.compare_digest(signature.encode(), _signature(key, body).encode()):
        raise LinkRefusedError("signature")
    try:
        fields = json.loads(_decode(body))
    except (ValueError, binascii.Error):
        raise LinkRefusedError("malformed") from None
    claim = _claim(fields)
    if now.timestamp() > claim.expires:
        raise LinkRefusedError("expired")
    return claim


def claim_for(
    telegram_id: int, municipality: str | None, request: FileRequest, now: datetime
) -> LinkClaim:
    expires = int((now + LINK_LIFETIME).timestamp())
    return LinkClaim(telegram_id, municipality, request, expires)


def request_size(params: dict[str, Any]) -> int:
    return len(json.dumps(params, ensure_ascii=False).encode())


def _claim(fields: Any) -> LinkClaim:
    # Signed by us, so well formed unless the key leaked; checked all the same.
    if not isinstance(fields, dict):
        raise LinkRefusedError("malformed")
    user, municipality = fields.get("u"), fields.get("m")
    kind, params, expires = fields.get("k"), fields.get("p"), fields.get("e")
    if (
        not isinstance(user, int)
        or not (municipality is None or isinstance(municipality, str))
        or not isinstance(kind, str)
        or not isinstance(params, dict)
        or not isinstance(expires, int)
    ):
        raise LinkRefusedError("malformed")
    return LinkClaim(user, municipality, FileRequest(kind, params), expires)


def _signature(key: bytes, body: str) -> str:
    return _encode(hmac.new(key, body.encode(), hashlib.sha256).digest())


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
