"""The staff console in a real browser (headless Chromium), at a phone's size and a desktop's,
opened as Telegram opens it: signed init data and Telegram's version in the address, and
Telegram's Mini App script (stood in for here). Every other request off 127.0.0.1 is refused
and fails the test. axe-core checks every page for accessibility."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
import yaml
from playwright.async_api import Page, Route, async_playwright, expect
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.bot.app import create_bot
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.storage.flow_versions import install_library, publish_flow
from civic_feedback.storage.models import (
    Broadcast,
    Citizen,
    Consultation,
    Event,
    FlowVersion,
    Notification,
    NotificationKind,
    Role,
    StaffMember,
)
from civic_feedback.storage.roles import grant
from tests.integration.test_console_events import register
from tests.integration.test_console_results import CHANNEL as RESULTS_CHANNEL
from tests.integration.test_console_results import ORGANIZER as RESULTS_ORGANIZER
from tests.integration.test_console_results import Answered
from tests.integration.test_console_results import arrange as arrange_answered
from tests.support.accessibility import no_serious_violations
from tests.support.citizens import add_citizen
from tests.support.comments import REMARKS, answer
from tests.support.console import ADMIN, NOW, console_at, opened_by, sqlite_sessions_in
from tests.support.consultations import decisions_of, insert_consultation, propose
from tests.support.fake_telegram import FakeTelegram

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium (apt-get install -y chromium): browser test not run",
    ),
]
CLERK, ORGANIZER = 7301, 7302
CITIZEN = 9101
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


async def serve_as_telegram(page: Page, downloads: bool = False) -> list[str]:
    """Telegram's Mini App script replaced by a stand-in that reads the address as Telegram's
    does (with ``downloads``, as Bot API 8.0's does: ``downloadFile`` keeps what it is asked
    in ``window.asked``, as Telegram's app would fetch it); anything else off loopback
    refused (and listed, for the test to fail on)."""
    refused: list[str] = []
    stand_in = (
        "const launch = new URLSearchParams(location.hash.slice(1));"
        "window.Telegram = {WebApp: {initData: launch.get('tgWebAppData'),"
        " initDataUnsafe: {user: {language_code: 'bg'}}, ready() {}}};"
    )
    if downloads:
        stand_in += (
            "window.asked = [];"
            "Telegram.WebApp.isVersionAtLeast = (version) => version <= '8.0';"
            "Telegram.WebApp.downloadFile = (params) => window.asked.push(params);"
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

        decided = page.locator("form.decision").get_by_role("status")
        await page.get_by_label("Не се приема").check()
        await page.get_by_role("button", name="Запази решението").click()
        await expect(decided).to_contain_text("Напишете мотивите", timeout=STEP)
        await page.get_by_label("Мотиви").fill("Противоречи на Закона за движението по пътищата.")
        await page.get_by_role("button", name="Запази решението").click()
        await expect(decided).to_have_text("Решението е записано.", timeout=STEP)

        await page.get_by_label("Формат").select_option(label="CSV – за Excel")
        await page.get_by_label("Чернова: и с предложения без решение").check()
        await no_serious_violations(page)
        async with page.expect_download(timeout=STEP) as downloading:
            await page.get_by_role("button", name="Изтегли справката").click()
        report = await downloading.value
        await expect(page.locator("form.report").get_by_role("status")).to_have_text(
            f"Файлът consultation-{code}-report-draft.csv е изтеглен.", timeout=STEP
        )
        rows = (await asyncio.to_thread((await report.path()).read_text, "utf-8-sig")).splitlines()

    assert refused == []
    assert report.suggested_filename == f"consultation-{code}-report-draft.csv"
    assert any("Противоречи на Закона за движението по пътищата." in row for row in rows)
    with sessions() as session:
        assert decisions_of(session, code)[1] == (
            "not_accepted",
            "Противоречи на Закона за движението по пътищата.",
        )


@pytest.fixture
def closed_town(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], str]]:
    """Смолян's consultation, closed yesterday, with one proposal waiting for a decision."""
    with sqlite_sessions_in(tmp_path) as sessions:
        with sessions() as session:
            install_library(session)
            grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
            code = insert_consultation(
                session,
                "Наредба за паркирането",
                opens_at=NOW - timedelta(days=40),
                closes_at=NOW - timedelta(days=1),
                municipality="Смолян",
            )
            propose(session, code, 9001, "Повече места за хора с увреждания")
        yield sessions, code


async def test_staff_decide_the_last_proposal_and_publish_the_report_once(
    closed_town: tuple[sessionmaker[Session], str], page: Page
) -> None:
    sessions, code = closed_town
    async with console_at(sessions) as base:
        refused = await open_console(page, base, CLERK)
        await page.get_by_role("button", name="Консултации").click()
        await page.get_by_role("button", name="Наредба за паркирането").click(timeout=STEP)
        publishing = page.locator("form.publish")
        await publishing.get_by_role("button", name="Публикувай справката").click()
        await publishing.get_by_role("button", name="Да, публикувай").click()
        await expect(publishing.get_by_role("status")).to_have_text(
            "Справката се публикува веднъж, след като консултацията е приключила и всички "
            "предложения имат решение.",
            timeout=STEP,
        )

        await page.get_by_label("Приема се", exact=True).check()
        await page.get_by_role("button", name="Запази решението").click()
        await expect(page.locator("form.decision").get_by_role("status")).to_have_text(
            "Решението е записано.", timeout=STEP
        )
        await publishing.get_by_role("button", name="Публикувай справката").click()
        await expect(publishing.get_by_role("button", name="Не")).to_be_focused()
        await no_serious_violations(page)
        await publishing.get_by_role("button", name="Да, публикувай").click()
        await expect(publishing.get_by_role("status")).to_have_text(
            "Справката е публикувана. Ботът ще съобщи решенията на 1 граждани "
            "(на всеки само веднъж).",
            timeout=STEP,
        )

    assert refused == []
    with sessions() as session:
        consultation = session.exec(select(Consultation).where(Consultation.code == code)).one()
    assert consultation.published_at is not None


async def open_console(
    page: Page, base: str, telegram_id: int, downloads: bool = False
) -> list[str]:
    """The console opened as Telegram opens it for ``telegram_id``, its home page shown."""
    refused = await serve_as_telegram(page, downloads)
    launch = urlencode({"tgWebAppData": opened_by(telegram_id), "tgWebAppVersion": "8.0"})
    await page.goto(f"{base}/#{launch}")
    await expect(page.get_by_role("heading", name="Табло на общината")).to_be_visible(timeout=STEP)
    return refused


@pytest.fixture
def answered(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Remarks answered by a citizen of Смолян and one of Сливен."""
    with sqlite_sessions_in(tmp_path) as sessions:
        with sessions() as session:
            install_library(session)
            publish_flow(session, load_flow_text(REMARKS))
            grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
            session.commit()
            answer(session, 9001, "<img src=x onerror=alert(1)>", municipality="Смолян")
            answer(session, 9002, "Не е от Смолян")
        yield sessions


async def test_staff_download_their_municipalitys_answers_as_a_file(
    answered: sessionmaker[Session], page: Page
) -> None:
    async with console_at(answered) as base:
        refused = await open_console(page, base, CLERK)

        await page.get_by_role("button", name="Изтегляне").click()
        await page.get_by_label("Анкета").select_option("remarks", timeout=STEP)
        await page.get_by_label("JSON – за програми").check()
        await no_serious_violations(page)
        async with page.expect_download(timeout=STEP) as started:
            await page.get_by_role("button", name="Изтегли").click()
        download = await started.value
        await expect(page.get_by_role("status").last).to_have_text(
            "Готово: файлът remarks-2026-12-07.json е изтеглен; отговори в него: 1.", timeout=STEP
        )

    assert refused == []
    assert download.suggested_filename == "remarks-2026-12-07.json"
    (record,) = json.loads(await asyncio.to_thread((await download.path()).read_bytes))
    assert record["municipality"] == "Смолян"
    assert record["answers"]["note"] == "<img src=x onerror=alert(1)>"


async def test_inside_telegram_a_download_is_a_link_telegrams_app_fetches_alone(
    answered: sessionmaker[Session], page: Page
) -> None:
    async with console_at(answered) as base:
        refused = await open_console(page, base, CLERK, downloads=True)

        await page.get_by_role("button", name="Изтегляне").click()
        await page.get_by_label("Анкета").select_option("remarks", timeout=STEP)
        await page.get_by_label("JSON – за програми").check()
        await page.get_by_role("button", name="Изтегли").click()
        await expect(page.get_by_role("status").last).to_have_text(
            "Telegram ще попита къде да запази remarks-2026-12-07.json.", timeout=STEP
        )
        (asked,) = await page.evaluate("window.asked")
        async with aiohttp.ClientSession() as client, client.get(asked["url"]) as got:
            status, body = got.status, await got.read()  # no init data, as Telegram's app

    assert refused == []
    assert asked["file_name"] == "remarks-2026-12-07.json"
    assert asked["url"].startswith(f"{base}/api/links/")
    assert status == 200
    (record,) = json.loads(body)
    assert record["municipality"] == "Смолян"


@pytest.fixture
def rated_weeks(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Remarks of Смолян rated 4 in W46 and W47 (neighbours) and in W50 (alone), this week."""
    with sqlite_sessions_in(tmp_path) as sessions:
        with sessions() as session:
            install_library(session)
            publish_flow(session, load_flow_text(REMARKS))
            grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
            session.commit()
            for telegram_id, day in [(9001, (11, 10)), (9002, (11, 17)), (9003, (12, 7))]:
                at = datetime(2026, *day, 8, tzinfo=UTC)
                answer(session, telegram_id, None, completed_at=at, municipality="Смолян")
        yield sessions


async def test_the_homes_trend_names_weeks_by_their_dates_and_rings_a_lone_rating(
    rated_weeks: sessionmaker[Session], page: Page
) -> None:
    async with console_at(rated_weeks) as base:
        refused = await open_console(page, base, CLERK)
        table = page.get_by_role("table")
        await expect(table).to_contain_text("7–13 дек", timeout=STEP)
        weeks = await table.locator("tbody th").all_inner_texts()
        chart = page.get_by_role("img", name="Попълнени анкети и средна оценка")
        ticks = await chart.locator("text:not(.rating)").all_text_contents()
        ratings = await chart.locator("text.rating").all_text_contents()
        lines, rings = chart.locator("line.rating"), chart.locator("circle.lone")
        await expect(lines).to_have_count(1)  # W46 to W47
        await expect(rings).to_have_count(1)  # W50: no rated week beside it
        await no_serious_violations(page)

    assert refused == []
    assert weeks == [
        "19–25 окт",
        "26 окт – 1 ное",
        "2–8 ное",
        "9–15 ное",
        "16–22 ное",
        "23–29 ное",
        "30 ное – 6 дек",
        "7–13 дек",
    ]
    assert ticks[1] == "26 окт –1 ное"  # two lines: "26 окт –" over "1 ное"
    assert ratings == ["4.00", "4.00", "4.00"]


@pytest.fixture
def staffed(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        with sessions() as session:
            install_library(session)
            grant(session, CLERK, Role.STAFF, granted_by="cli:ana", municipality="Смолян")
        yield sessions


async def test_an_admin_gives_a_role_takes_one_and_reads_the_log(
    staffed: sessionmaker[Session], page: Page
) -> None:
    async with console_at(staffed) as base:
        refused = await open_console(page, base, ADMIN)

        await page.get_by_role("button", name="Хора").click()
        await expect(page.get_by_text("по настройките на бота (ADMIN_IDS)")).to_be_visible(
            timeout=STEP
        )
        await no_serious_violations(page)
        await page.get_by_label("Номер в Telegram").fill("7399")
        await page.get_by_label("Организатор – обяви до гражданите").check()
        await page.get_by_label("Община", exact=True).select_option("Сливен")
        await page.get_by_role("button", name="Дай ролята").click()
        await expect(page.get_by_text("7399 вече е Организатор.")).to_be_visible(timeout=STEP)

        clerk = page.get_by_role("listitem").filter(has_text=f"{CLERK} · Служител")
        await clerk.get_by_role("button", name="Премахни ролята").click()
        await clerk.get_by_role("button", name=f"Да, премахни ролята на {CLERK}").click()
        await expect(page.get_by_text(f"{CLERK} вече няма роля.")).to_be_visible(timeout=STEP)
        log = page.locator("section[aria-labelledby=log-title]")
        await expect(log.get_by_role("listitem")).to_have_count(2, timeout=STEP)
        await log.get_by_label("Действие").select_option("grant")
        await log.get_by_role("button", name="Покажи").click()
        await expect(log.get_by_role("listitem")).to_have_count(1, timeout=STEP)
        await no_serious_violations(page)

    assert refused == []
    with staffed() as session:
        assert {m.telegram_id: m.role for m in session.exec(select(StaffMember))} == {
            7399: "organizer"
        }


@pytest.fixture
def subscribers(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        with sessions() as session:
            install_library(session)
            grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Смолян")
            for telegram_id, place in ((9001, "Смолян"), (9002, "Смолян"), (9003, "Сливен")):
                add_citizen(session, telegram_id=telegram_id, language="bg").municipality = place
            session.commit()
        yield sessions


async def test_an_organizer_announces_follows_and_stops_an_announcement(
    subscribers: sessionmaker[Session], page: Page
) -> None:
    async with console_at(subscribers) as base:
        refused = await open_console(page, base, ORGANIZER)

        await page.get_by_role("button", name="Обяви").click()
        await expect(page.get_by_text("Получатели: 2 (български: 2)")).to_be_visible(timeout=STEP)
        await no_serious_violations(page)
        text = page.get_by_label("Текст на български (задължителен)")
        await text.fill("<script>alert(1)</script>")
        await page.get_by_role("button", name="Изпрати обявата").click()
        await expect(page.get_by_role("status").last).to_contain_text(
            "Текстът на български не може да се изпрати", timeout=STEP
        )
        await text.fill("<b>Обсъждане</b> на парка в четвъртък")
        await page.get_by_role("button", name="Изпрати обявата").click()
        await expect(page.get_by_text("Обява № 1 е приета; получатели: 2.")).to_be_visible(
            timeout=STEP
        )
        await expect(page.get_by_text("<b>Обсъждане</b> на парка")).to_be_visible()

        await page.get_by_role("button", name="Спри изпращането").click()
        await page.get_by_role("button", name="Да, спри обява № 1").click()
        await expect(page.get_by_text("№ 1 · спряна")).to_be_visible(timeout=STEP)
        await no_serious_violations(page)

    assert refused == []
    with subscribers() as session:
        (broadcast,) = session.exec(select(Broadcast))
        assert (broadcast.segment, broadcast.state) == ("municipality=Смолян", "cancelled")


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

        with organizers() as session:
            (created,) = session.exec(select(Event)).all()
            register(session, created.code, CITIZEN)  # as the bot's Register button does

        await page.get_by_label("Начало").fill("2026-12-17 18:30")
        await page.get_by_role("button", name="Премести събитието").click()
        await expect(
            page.get_by_text(
                "Събитието е преместено за 2026-12-17 18:30. "
                "1 души ще получат съобщение в Telegram."
            )
        ).to_be_visible(timeout=STEP)
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
    with organizers() as session:
        citizen = session.exec(select(Citizen).where(Citizen.telegram_id == CITIZEN)).one()
        told = session.exec(
            select(Notification).where(
                Notification.event_id == event.id,
                Notification.kind == NotificationKind.RESCHEDULED,
            )
        ).all()
    assert [n.citizen_id for n in told] == [citizen.id]  # told once, by the notice worker


FORM_AUTHOR = 7304
FORM = """\
id: park-survey
title: {bg: "<i>Парк</i> „Рая“", en: "Raya park"}
languages: [bg, en]
questions:
  - id: visits
    type: yes_no
    text: {bg: "Ходите ли в парка?", en: "Do you visit the park?"}
  - id: score
    type: rating
    text: {bg: "Как го оценявате?", en: "How do you rate it?"}
    when: {visits: {equals: true}}
"""


@pytest.fixture
def form_authors(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with sqlite_sessions_in(tmp_path) as sessions:
        with sessions() as session:
            install_library(session)
            grant(session, FORM_AUTHOR, Role.ORGANIZER, granted_by="test")
        yield sessions


async def telegram_fetches(page: Page) -> tuple[dict[str, str], bytes]:
    """The file the page last asked Telegram's app to fetch, fetched without init data."""
    asked = (await page.evaluate("window.asked"))[-1]
    async with aiohttp.ClientSession() as client, client.get(asked["url"]) as got:
        assert got.status == 200
        return asked, await got.read()


async def test_inside_telegram_a_forms_yaml_and_an_editors_draft_are_links_telegram_fetches(
    form_authors: sessionmaker[Session], page: Page
) -> None:
    async with console_at(form_authors) as base:
        refused = await open_console(page, base, FORM_AUTHOR, downloads=True)

        await page.get_by_role("button", name="Анкети").click(timeout=STEP)
        general = page.locator("li", has_text="general-feedback")
        await general.get_by_role("button", name="Изтегли YAML").click(timeout=STEP)
        await expect(general.get_by_role("status")).to_have_text(
            "Telegram ще попита къде да запази general-feedback.yaml.", timeout=STEP
        )
        listed, listed_body = await telegram_fetches(page)

        await page.get_by_role("button", name="Нова анкета").click()
        await page.get_by_label("Започни от").select_option("event-satisfaction")
        await page.get_by_role("button", name="Започни").click()
        await page.locator("fieldset.fe-window").get_by_label("Затваря").fill("2026-12-31")
        await page.get_by_role("button", name="Изтегли YAML").click(timeout=STEP)
        await expect(page.locator("#fe-result")).to_have_text(
            "Telegram ще попита къде да запази event-satisfaction.yaml.", timeout=STEP
        )
        await no_serious_violations(page)
        drafted, draft_body = await telegram_fetches(page)

    assert refused == []
    assert listed["file_name"] == "general-feedback.yaml"
    assert yaml.safe_load(listed_body)["id"] == "general-feedback"
    assert drafted["file_name"] == "event-satisfaction.yaml"
    assert drafted["url"].startswith(f"{base}/api/links/")
    assert yaml.safe_load(draft_body)["closes"] == "2026-12-31"


async def test_an_organizer_corrects_a_form_at_its_line_publishes_and_tries_it(
    form_authors: sessionmaker[Session], page: Page
) -> None:
    async with console_at(form_authors) as base:
        refused = await open_console(page, base, FORM_AUTHOR)

        await page.get_by_role("button", name="Анкети").click(timeout=STEP)
        upload = page.get_by_label("Качи анкета (YAML, до 64 KB)")
        await upload.fill(FORM.replace("{visits: {equals: true}}", "{vists: {equals: true}}"))
        await page.get_by_role("button", name="Публикувай").click()
        await expect(page.locator("#forms-result")).to_contain_text(
            "ред 11: questions[1].when: „vists“ не е по-ранен въпрос", timeout=STEP
        )
        await no_serious_violations(page)
        await upload.fill(FORM)
        await page.get_by_role("button", name="Публикувай").click()
        await expect(page.locator("#forms-result")).to_have_text(
            "„park-survey“ е публикувана, версия 1.", timeout=STEP
        )

        await page.get_by_role("button", name="Анкети").click()
        survey = page.locator("li", has_text="park-survey")
        await expect(survey).to_contain_text("<i>Парк</i> „Рая“", timeout=STEP)  # as text
        # Each of the form's buttons as large as the console's others: a finger's height.
        heights = [
            box["height"]
            for box in [
                await button.bounding_box() for button in await survey.get_by_role("button").all()
            ]
            if box is not None
        ]
        assert len(heights) == 5  # download, try, edit, open now, close
        assert min(heights) >= 44
        await survey.get_by_role("button", name="Пробвай").click()
        await expect(page.get_by_text("Ходите ли в парка?")).to_be_visible(timeout=STEP)
        await no_serious_violations(page)
        await page.get_by_role("button", name="Да").click()
        await expect(page.get_by_text("Как го оценявате?")).to_be_visible(timeout=STEP)
        await page.get_by_role("button", name="4", exact=True).click()
        await expect(page.get_by_text("Краят на анкетата. Нищо не е записано.")).to_be_visible(
            timeout=STEP
        )

    assert refused == []
    with form_authors() as session:
        assert load_flow_text(FORM).id in {
            row.flow_id for row in session.exec(select(FlowVersion)).all()
        }


@pytest.fixture
def answered_event(tmp_path: Path) -> Iterator[Answered]:
    with sqlite_sessions_in(tmp_path) as sessions:
        yield arrange_answered(sessions)


async def test_an_organizer_reads_an_events_results_and_publishes_them_once(
    answered_event: Answered, page: Page
) -> None:
    async with FakeTelegram() as telegram:
        bot = create_bot("42:TEST-console", telegram.url)
        try:
            async with console_at(answered_event.sessions, bot=bot) as base:
                refused = await open_console(page, base, RESULTS_ORGANIZER)
                await page.get_by_role("button", name="Събития").click()
                await page.get_by_label("Кои").select_option("past", timeout=STEP)
                await page.get_by_role("button", name="Търси").click()
                await page.get_by_role("button", name="Кръгла маса за бюджета").click(timeout=STEP)

                results = page.locator("section", has=page.locator("#results-heading"))
                await expect(results.get_by_role("table")).to_contain_text(
                    "средно 3.5 от 5, доволни 50%", timeout=STEP
                )
                chart = results.get_by_role("img")
                await expect(chart).to_have_attribute("alt", re.compile("Диаграма на оценките"))
                await expect(results.locator("#results-chart-text")).to_contain_text("2: 1")
                await expect(results).not_to_contain_text("Студена зала")  # private
                # Questions and figures hold long words: the table still fits a phone's width.
                table = await results.get_by_role("table").bounding_box()
                assert table is not None
                assert table["x"] + table["width"] <= page.viewport_size["width"]  # type: ignore[index]
                await no_serious_violations(page)

                await page.get_by_label("Канал или група").fill("<b>channel</b>")
                await page.get_by_role("button", name="Публикувай").click()
                await page.get_by_role("button", name="Да, публикувай").click()
                await expect(results.get_by_role("status").last).to_have_text(
                    "Напишете канала като @име или номера на групата (-100…).", timeout=STEP
                )
                await page.get_by_label("Канал или група").fill(RESULTS_CHANNEL)
                await page.get_by_role("button", name="Публикувай").click()
                await page.get_by_role("button", name="Да, публикувай").click()
                await expect(page.get_by_text("Резултатите са публикувани в")).to_contain_text(
                    "Ботът ще съобщи на 2 от попълнилите анкетата", timeout=STEP
                )
                await expect(
                    results.get_by_role("link", name=re.compile(RESULTS_CHANNEL))
                ).to_be_visible()
                await no_serious_violations(page)
        finally:
            await bot.session.close()
        sent = telegram.count_message_calls(RESULTS_CHANNEL)

    assert refused == []
    assert sent == 2  # the figures and the chart, once
