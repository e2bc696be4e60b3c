"""The console's download links: what a link proves, and every way one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from civic_feedback.console.download_links import (
    LINK_LIFETIME,
    FileRequest,
    LinkRefusedError,
    claim_for,
    link_key,
    sign_link,
    verify_link,
)

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
KEY = link_key("42:TEST-console")
POSTER = FileRequest("poster", {"code": "k7f3q9xm", "link": "card", "format": "png"})


def signed_body(body: bytes) -> str:
    """A link whose fields are ``body``, correctly signed: as if the key had leaked."""
    encoded = base64.urlsafe_b64encode(body).rstrip(b"=").decode()
    signature = hmac.new(KEY, encoded.encode(), hashlib.sha256).digest()
    return f"{encoded}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def test_a_link_gives_back_who_asked_for_which_file_until_when() -> None:
    claim = claim_for(7402, "Смолян", POSTER, NOW)

    assert verify_link(KEY, sign_link(KEY, claim), NOW + LINK_LIFETIME) == claim
    assert claim.expires == int((NOW + timedelta(seconds=60)).timestamp())


def test_the_key_is_the_bot_tokens_and_for_links_only() -> None:
    assert link_key("42:TEST-console") != link_key("43:TEST-console")
    assert link_key("42:TEST-console") != b"42:TEST-console"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "malformed"),
        ("no-dot", "malformed"),
        (".signature", "malformed"),
        ("body.", "malformed"),
        ("x" * 3000, "oversized"),
        ("e30.AAAA", "signature"),
        (signed_body(b"not json"), "malformed"),
        (signed_body(b"[1, 2]"), "malformed"),
        (signed_body(b'{"u": "7402", "m": null, "k": "poster", "p": {}, "e": 1}'), "malformed"),
        (signed_body(b'{"u": 7402, "m": null, "k": "poster", "p": [], "e": 1}'), "malformed"),
    ],
)
def test_a_forged_or_malformed_link_is_refused(token: str, reason: str) -> None:
    with pytest.raises(LinkRefusedError) as refused:
        verify_link(KEY, token, NOW)
    assert refused.value.reason == reason


def test_a_link_is_refused_a_second_after_its_minute() -> None:
    token = sign_link(KEY, claim_for(7402, "Смолян", POSTER, NOW))

    with pytest.raises(LinkRefusedError) as refused:
        verify_link(KEY, token, NOW + LINK_LIFETIME + timedelta(seconds=1))
    assert refused.value.reason == "expired"


def test_a_link_signed_for_another_bot_is_refused() -> None:
    token = sign_link(link_key("43:ANOTHER"), claim_for(7402, None, POSTER, NOW))

    with pytest.raises(LinkRefusedError) as refused:
        verify_link(KEY, token, NOW)
    assert refused.value.reason == "signature"
