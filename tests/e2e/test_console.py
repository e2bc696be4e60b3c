"""End to end: feedback-bot polling with CONSOLE_URL serves the staff console where the
reverse proxy sends it (WEBHOOK_HOST:WEBHOOK_PORT), and gives the admin the menu button."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from civic_feedback.sandbox.init_data import sign_init_data
from tests.support.bot_process import TOKEN, BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.webhook_replicas import free_port

pytestmark = pytest.mark.e2e

ADMIN = 7100
CONSOLE_URL = "https://feedback.example.bg/staff/"


async def test_the_console_is_served_behind_the_proxy_and_offered_to_the_admin(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    port = free_port()
    bot = BotProcess(
        tg.url, tmp_path, CONSOLE_URL=CONSOLE_URL, WEBHOOK_PORT=str(port), ADMIN_IDS=str(ADMIN)
    )
    await bot.start()
    try:
        await tg.wait_for_polling(timeout=60)
        base = f"http://127.0.0.1:{port}"
        init_data = sign_init_data(TOKEN, ADMIN, datetime.now(UTC))
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{base}/staff", allow_redirects=False) as bare:
                redirect = bare.status, bare.headers.get("Location")
            async with client.get(f"{base}/staff/") as page:
                shown = (
                    page.status,
                    page.headers.get("Content-Security-Policy", ""),
                    await page.text(),
                )
            headers = {"Authorization": f"tma {init_data}"}
            async with client.get(f"{base}/staff/api/home", headers=headers) as home:
                figures = home.status, await home.json()
    finally:
        await bot.stop()

    assert redirect == (308, "/staff/")
    status, policy, html = shown
    assert status == 200
    assert "default-src 'none'" in policy
    assert "static/console.js" in html
    assert figures[0] == 200
    assert figures[1]["who"] == {"role": "admin", "municipality": None, "language": "bg"}
    assert tg.menu_buttons[ADMIN]["web_app"] == {"url": CONSOLE_URL}
    assert f"console_listening listen=127.0.0.1:{port} path=/staff/" in bot.log()
    assert "Traceback" not in bot.log()
