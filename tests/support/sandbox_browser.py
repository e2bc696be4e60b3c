"""``feedback-bot sandbox`` as a process, and its chat page in headless Chromium (Debian's
chromium driven by the playwright package); only the sandbox is reached: any other request of
the page is refused and fails the test."""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Locator, Page, Route, ViewportSize, async_playwright, expect

from tests.support.bot_process import BIN
from tests.support.keys import PSEUDONYM_KEY

CHROMIUM = Path("/usr/bin/chromium")
STEP = 15_000  # ms a step may take on a busy machine


@dataclass
class Sandbox:
    url: str
    env: dict[str, str]


@contextmanager
def running_sandbox(folder: Path) -> Iterator[Sandbox]:
    """``feedback-bot sandbox`` on a free port over a database in ``folder``; no BOT_TOKEN
    set. Stopped with Ctrl+C (SIGINT), which must end it cleanly."""
    env = {
        "PATH": str(BIN),
        "DATABASE_URL": f"sqlite:///{folder / 'sandbox.db'}",
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
    }
    log = folder / "sandbox.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [str(BIN / "feedback-bot"), "sandbox", "--port", "0"],
            env=env,
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        # The framed notice, written at once when the bot is up: a rule, then the address.
        notice = "".join(process.stdout.readline() for _ in range(2)) if ready else "(nothing)"
        found = re.search(r"open (http://127\.0\.0\.1:\d+/)", notice)
        assert found, notice
        yield Sandbox(found.group(1), env)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        print(log.read_text())  # shown by pytest when a test failed
    assert "Traceback" not in log.read_text()


@asynccontextmanager
async def browsing(sandbox: Sandbox, query: str, viewport: ViewportSize) -> AsyncIterator[Page]:
    """The page in headless Chromium; any request beyond the sandbox fails the test."""
    elsewhere: list[str] = []

    async def loopback_only(route: Route) -> None:
        if route.request.url.startswith(sandbox.url):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = await browser.new_context(viewport=viewport)
        context.set_default_timeout(STEP)
        await context.route("**/*", loopback_only)
        page = await context.new_page()
        await page.goto(sandbox.url + query)
        yield page
        await browser.close()
    assert elsewhere == []


def latest(page: Page | Locator) -> Locator:
    """The bot's newest message in the person's own chat (or in the chat ``page`` is)."""
    chat = page.locator("#citizen") if isinstance(page, Page) else page
    return chat.locator("article.bot").last


async def press(page: Page | Locator, label: str, then: str) -> None:
    """Press a button of the newest bot message, and wait until the chat shows ``then``."""
    await latest(page).get_by_role("button", name=label).click()
    await expect(latest(page)).to_contain_text(then, timeout=STEP)


def export_answers(sandbox: Sandbox, flow: str, out: Path) -> list[dict[str, object]]:
    """The answers to ``flow`` as `feedback-admin export` writes them in JSON."""
    args = ["export", "--flow", flow, "--format", "json", "-o", str(out)]
    done = subprocess.run(
        [str(BIN / "feedback-admin"), *args],
        env=sandbox.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    records: list[dict[str, object]] = json.loads(out.read_text())
    return records
