"""Screenshots of every page of the staff console for docs/console.md.

Starts ``feedback-bot sandbox --history`` (its demo data and six past weeks of events,
feedback and messages) on a free loopback port, opens the console as the sandbox's organizer
in headless Chromium at a phone's size, and saves one PNG per page as
docs/images/console-<page>.png (the events page with the latest past event open), then the
form editor with a built-in form open as docs/images/console-form-editor.png.
Re-run it after a page changes::

    .venv/bin/python tools/console_screenshots.py [--out docs/images] [--chromium PATH]

Needs Chromium (``apt-get install -y chromium``) and the test extras (playwright). Only
127.0.0.1 is reached: any other request of the page is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.async_api import FloatRect, Page, Route, async_playwright, expect

from civic_feedback.sandbox.demo_history_texts import EVENTS

ROOT = Path(__file__).resolve().parents[1]
PHONE = {"width": 390, "height": 844}
ORGANIZER = 9001  # the sandbox's organizer, an admin: every page is theirs
STEP = 30_000  # ms a page may take to draw on a busy machine
# The console's pages, each as its page script names its path; home is the first.
PAGES = ("home", "events", "consultations", "announcements", "exports", "people", "forms")
SHOWN_EVENT = EVENTS[-1].title["bg"]  # the latest past event of the demo: its results drawn
EDITED = "event-satisfaction"  # the form the editor is shown with: the one after each event


@contextmanager
def sandbox(folder: Path) -> Iterator[str]:
    """``feedback-bot sandbox --history`` on a free port over a fresh database; its address."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite:///{folder / 'sandbox.db'}",
    }
    bot = Path(sys.executable).parent / "feedback-bot"
    log = (folder / "sandbox.log").open("w")
    process = subprocess.Popen(
        [str(bot), "sandbox", "--port", "0", "--history"],
        env=env,
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 120)
        # The framed notice, written at once when the bot is up: a rule, then the address.
        notice = "".join(process.stdout.readline() for _ in range(2)) if ready else ""
        found = re.search(r"open (http://127\.0\.0\.1:\d+)/", notice)
        if not found:
            raise SystemExit(f"the sandbox did not start; see {folder / 'sandbox.log'}")
        yield found.group(1)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        log.close()


async def loopback_only(route: Route) -> None:
    if route.request.url.startswith("http://127.0.0.1:"):
        await route.continue_()
    else:
        await route.abort()


async def drawn(page: Page) -> None:
    """Wait until the page has asked for all it shows and no part of it is still loading."""
    await page.wait_for_load_state("networkidle")
    await page.locator("main h2").first.wait_for(timeout=STEP)
    loading = page.locator("main [role=status]", has_text=re.compile("…$"))
    await expect(loading).to_have_count(0, timeout=STEP)


async def open_tab(page: Page, path: str) -> None:
    """Press the tab of the page at ``path`` (its label in the console's language)."""
    label = await page.evaluate(
        "(path) => text(path === 'home' ? 'home' : PAGES.find((p) => p.path === path).label)",
        path,
    )
    await page.locator("nav#tabs button", has_text=label).click()
    await drawn(page)


async def take(base: str, out: Path, chromium: str) -> list[Path]:
    saved = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium)
        try:
            # In the language of the people the sandbox plays: its date fields read as theirs.
            page = await browser.new_page(viewport=PHONE, locale="bg-BG")  # type: ignore[arg-type]
            await page.route("**/*", loopback_only)
            await page.goto(f"{base}/open-console?as={ORGANIZER}")
            await drawn(page)
            for path in PAGES:
                await open_tab(page, path)
                if path == "events":  # the past events listed, SHOWN_EVENT open
                    await page.select_option("#event-when", "past")
                    await page.locator("main form[role=search] button[type=submit]").click()
                    await drawn(page)
                    shown = page.locator("main ul.items button.link", has_text=SHOWN_EVENT)
                    await shown.first.click()
                    await page.locator("#results-heading").wait_for(timeout=STEP)
                    await drawn(page)
                target = out / f"console-{path}.png"
                await page.screenshot(path=str(target), full_page=True)
                saved.append(target)
            saved.append(await form_editor(page, out))
        finally:
            await browser.close()
    return saved


async def form_editor(page: Page, out: Path) -> Path:
    """From the forms page (open), the editor with ``EDITED`` open, down to the end of its
    first question: the form's settings and texts in every language, then one question (the
    whole form is five times as long)."""
    item = page.locator("main li", has_text=EDITED)
    edit = await page.evaluate("() => text('forms.edit')")
    await item.locator("button", has_text=edit).click()
    await page.locator("#fe-heading").wait_for(timeout=STEP)
    await drawn(page)
    end = await page.locator("main .fe-question").first.evaluate(
        "(question) => question.getBoundingClientRect().bottom + window.scrollY"
    )
    target = out / "console-form-editor.png"
    clip: FloatRect = {"x": 0, "y": 0, "width": PHONE["width"], "height": end + 16}
    await page.screenshot(path=str(target), full_page=True, clip=clip)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="console-screenshots-") as folder,
        sandbox(Path(folder)) as base,
    ):
        for saved in asyncio.run(take(base, args.out, args.chromium)):
            print(saved)


if __name__ == "__main__":
    main()
