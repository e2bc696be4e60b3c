"""End to end in a real browser: ``feedback-bot sandbox`` and its chat page in headless Chromium.

Debian's chromium (``apt-get install -y chromium``) driven by the playwright package; only
127.0.0.1 is reached: any other request of the page is refused and fails the test.
"""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, Route, async_playwright, expect

from tests.support.bot_process import BIN
from tests.support.citizen_driver import LOW_RATING_ANSWERS
from tests.support.keys import PSEUDONYM_KEY

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium (apt-get install -y chromium): browser test not run",
    ),
]
STEP = 15_000  # ms a step may take on a busy machine


@dataclass
class Sandbox:
    url: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox for the module (it takes seconds to start), on a free port, over the test's
    database; no BOT_TOKEN set. Stopped with Ctrl+C (SIGINT), which must end it cleanly."""
    folder = tmp_path_factory.mktemp("sandbox")
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


@pytest.fixture
async def page(sandbox: Sandbox) -> AsyncIterator[Page]:
    elsewhere: list[str] = []

    async def loopback_only(route: Route) -> None:
        if route.request.url.startswith(sandbox.url):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = await browser.new_context(viewport={"width": 400, "height": 760})  # a phone
        context.set_default_timeout(STEP)
        await context.route("**/*", loopback_only)
        page = await context.new_page()
        await page.goto(f"{sandbox.url}?lang=en")  # the page's own labels in English
        yield page
        await browser.close()
    assert elsewhere == []


def latest(page: Page) -> Locator:
    return page.locator("#log article.bot").last


async def press(page: Page, label: str, then: str) -> None:
    """Press a button of the newest bot message, and wait until the chat shows ``then``."""
    await latest(page).get_by_role("button", name=label).click()
    await expect(latest(page)).to_contain_text(then, timeout=STEP)


def export_answers(sandbox: Sandbox, out: Path) -> list[dict[str, object]]:
    args = ["export", "--flow", "event-satisfaction", "--format", "json", "-o", str(out)]
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


async def test_citizen_answers_the_demo_form_in_the_browser_and_export_has_it(
    sandbox: Sandbox, page: Page, tmp_path: Path
) -> None:
    await page.select_option("#user", "1002")  # Emma, whose Telegram is in English
    await expect(page.locator("#language")).to_have_value("en")
    await page.get_by_role("button", name="Feedback form").click()  # scans the QR code
    await press(page, "I agree", then="How would you rate the event overall?")
    await press(page, "2", then="recommend")
    await press(page, "7", then="most useful")
    await press(page, "Discussion with experts", then="most useful")
    await expect(
        latest(page).get_by_role("button", name="✅ Discussion with experts")
    ).to_be_visible()
    await press(page, "Materials", then="most useful")
    await press(page, "Done", then="organisation")
    await press(page, "4", then="do better")
    await page.fill("#text", str(LOW_RATING_ANSWERS["comment"]))
    await page.press("#text", "Enter")
    await expect(latest(page)).to_contain_text("anything else")
    await expect(page.locator("#log article.me").last).to_contain_text("the hall was too cold")
    await press(page, "Skip", then="Thank you")

    [record] = export_answers(sandbox, tmp_path / "answers.json")
    assert record["answers"] == LOW_RATING_ANSWERS
    assert record["language"] == "en"

    await page.click("#menu")  # the command menu the bot set for English
    await expect(page.locator("#commands")).to_contain_text("Upcoming public events")


async def test_fast_forward_brings_the_reminder_of_the_demo_event(page: Page) -> None:
    await page.get_by_role("button", name="Event card").click()  # Мария, in Bulgarian
    await press(page, "Съгласен съм", then="Обществено обсъждане")
    await press(page, "Записване", then="записани")

    await page.click("#skip")

    await expect(page.locator("#clock")).to_contain_text("ahead")
    await expect(latest(page)).to_contain_text("Напомняме")
