"""The sandbox opens the staff console as its organizer or staff member, with init data it
signs as Telegram would; never as a citizen, and never as someone it does not know."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, unquote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from civic_feedback.console.init_data import verify_init_data
from civic_feedback.sandbox.console_door import install_console
from tests.support.console import NOW, console_settings, sqlite_sessions_in

TOKEN = "1000000001:sandbox-local-emulator-token"


@pytest.mark.parametrize(
    ("who", "expected"), [("9001", 303), ("9002", 303), ("1001", 400), ("x", 400), ("", 400)]
)
async def test_only_the_staff_personas_open_the_console(
    tmp_path: Path, who: str, expected: int
) -> None:
    with sqlite_sessions_in(tmp_path) as sessions:
        app = web.Application()
        install_console(app, console_settings(), sessions, TOKEN, lambda: NOW)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            async with (
                aiohttp.ClientSession() as client,
                client.get(
                    server.make_url(f"/open-console?as={who}"), allow_redirects=False
                ) as got,
            ):
                status, location = got.status, got.headers.get("Location", "")
        finally:
            await server.close()

    assert status == expected
    if expected == 303:
        path, _, fragment = location.partition("#")
        assert path == "/console/"
        ((name, signed),) = parse_qsl(fragment)
        assert name == "tgWebAppData"
        opener = verify_init_data(TOKEN, signed, NOW, console_settings().console_auth_max_age)
        assert opener.telegram_id == int(who)
        assert unquote(fragment.split("=", 1)[1]) == signed  # one level of encoding, exactly
