"""The staff console in a real browser (headless Chromium), at a phone's size and a desktop's,
opened as Telegram opens it: signed init data and Telegram's version in the address, and
Telegram's Mini App script (stood in for here). Every other request off 127.0.0.1 is refused
and fails the test. axe-core checks every page for accessibility."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, Route, async_playwright, expect
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import Event, Role
from civic_feedback.storage.roles import grant
from tests.support.console import console_at, opened_by, sqlite_sessions_in
from tests.support.consultations import decisions_of, insert_consultation, propose

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium (apt-get install -y chromium): browser test not run",
    ),
]
CLERK, ORGANIZER = 7301, 7302
STEP = 15_000  # ms a step may take on a busy machine
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.fixture
def town(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], str]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        with sessions() as session:
            install_library(session)
            grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
            code = insert_consultation(
                session, "<img src=x onerror=alert(1)> Наредба", municipality="Смолян"
            )
            propose(session, code, 9001, "Повече места за хора с увреждания")
        yield sessions, code


@pytest.fixture(params=SIZES)
async def page(request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    width, height = SIZES[request.param]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        context = await browser.new_context(viewport={"width": width, "height": height})
        page = await context.new_page()
        page.on("dialog", lambda dialog: pytest.fail(f"the page ran a script: {dialog.message}"))
        try:
            yield page
        finally:
            await browser.close()


async def serve_as_telegram(page: Page) -> list[str]:
    """Telegram's Mini App script replaced by a stand-in that reads the address as Telegram's
    does; anything else off loopback refused (and listed, for the test to fail on)."""
    refused: list[str] = []
    stand_in = (
        "const launch = new URLSearchParams(location.hash.slice(1));"
        "window.Telegram = {WebApp: {initData: launch.get('tgWebAppData'),"
        " initDataUnsafe: {user: {language_code: 'bg'}}, ready() {}}};"
    )

    async def route(route: Route) -> None:
        url = route.request.url
        if url.startswith("https://telegram.org/js/telegram-web-app.js"):
            await route.fulfill(body=stand_in, content_type="text/javascript")
        elif url.startswith("http://127.0.0.1:"):
            await route.continue_()
        else:
            refused.append(url)
            await route.abort()

    await page.route("**/*", route)
    return refused


async def no_serious_violations(page: Page) -> None:
    results = await Axe().run(page)
    serious = [
        (violation["id"], violation["impact"])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []


async def test_staff_read_the_week_and_decide_a_proposal_with_its_reasons(
    town: tuple[sessionmaker[Session], str], page: Page
) -> None:
    sessions, code = town
    async with console_at(sessions) as base:
        refused = await serve_as_telegram(page)
        launch = urlencode({"tgWebAppData": opened_by(CLERK), "tgWebAppVersion": "8.0"})
        await page.goto(f"{base}/#{launch}")

        await expect(page.get_by_role("heading", name="Табло на общината")).to_be_visible(
            timeout=STEP
        )
        await expect(page.get_by_text("Смолян", exact=True)).to_be_visible()
        await expect(page.get_by_role("table")).to_contain_text("Седмица")
        await no_serious_violations(page)

        await page.get_by_role("button", name="Консултации").click()
        title = "<img src=x onerror=alert(1)> Наредба"  # shown as text, never run
        await page.get_by_role("button", name=title).click(timeout=STEP)
        await expect(page.get_by_text("Повече места за хора с увреждания")).to_be_visible()
        await no_serious_violations(page)

        await page.get_by_label("Не се приема").check()
        await page.get_by_role("button", name="Запази решението").click()
        await expect(page.get_by_role("status").last).to_contain_text(
            "Напишете мотивите", timeout=STEP
        )
        await page.get_by_label("Мотиви").fill("Противоречи на Закона за движението по пътищата.")
        await page.get_by_role("button", name="Запази решението").click()
        await expect(page.get_by_role("status").last).to_have_text(
            "Решението е записано.", timeout=STEP
        )

    assert refused == []
    with sessions() as session:
        assert decisions_of(session, code)[1] == (
            "not_accepted",
            "Противоречи на Закона за движението по пътищата.",
        )


@pytest.fixture
def organizers(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        with sessions() as session:
            install_library(session)
            grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Смолян")
        yield sessions


async def test_an_organizer_adds_an_event_moves_it_and_downloads_its_poster(
    organizers: sessionmaker[Session], page: Page
) -> None:
    async with console_at(organizers) as base:
        refused = await serve_as_telegram(page)
        launch = urlencode({"tgWebAppData": opened_by(ORGANIZER), "tgWebAppVersion": "8.0"})
        await page.goto(f"{base}/#{launch}")

        await page.get_by_role("button", name="Събития").click(timeout=STEP)
        await page.get_by_role("button", name="Ново събитие").click(timeout=STEP)
        await page.get_by_label("Заглавие (на български)").fill("<b>Кръгла маса</b> за бюджета")
        await page.get_by_label("Вид").select_option("round_table")
        await page.get_by_label("Начало").fill("2026-12-10 18:00")
        await page.get_by_label("Край").fill("2026-12-10 17:00")
        await page.get_by_label("Място").fill("Читалище „Родина“")
        await page.get_by_role("button", name="Създай събитието").click()
        await expect(page.get_by_role("status").last).to_have_text(
            "Краят трябва да е след началото.", timeout=STEP
        )
        await no_serious_violations(page)
        await page.get_by_label("Край").fill("2026-12-10 20:00")
        await page.get_by_role("button", name="Създай събитието").click()

        title = "<b>Кръгла маса</b> за бюджета"  # shown as text
        await expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=STEP)
        await expect(page.locator("dl.facts")).to_contain_text("2026-12-10 18:00")
        await no_serious_violations(page)

        await page.get_by_label("Начало").fill("2026-12-17 18:30")
        await page.get_by_role("button", name="Премести събитието").click()
        await expect(page.get_by_text("Събитието е преместено за 2026-12-17 18:30.")).to_be_visible(
            timeout=STEP
        )
        await expect(page.locator("dl.facts")).to_contain_text(
            "2026-12-17 18:30 – 2026-12-17 20:30 (Europe/Sofia)"
        )

        await page.get_by_label("Плакат за").select_option("checkin")
        async with page.expect_download(timeout=STEP * 2) as downloading:
            await page.get_by_role("button", name="Изтегли плаката (PNG)").click()
        poster = await downloading.value
        drawn = await asyncio.to_thread(Path(await poster.path()).read_bytes)

    assert refused == []
    assert poster.suggested_filename.endswith("-checkin.png")
    assert drawn.startswith(b"\x89PNG\r\n\x1a\n")
    with organizers() as session:
        (event,) = session.exec(select(Event)).all()
    assert event.title == {"bg": title}
    assert event.starts_at == datetime(2026, 12, 17, 16, 30, tzinfo=UTC)
