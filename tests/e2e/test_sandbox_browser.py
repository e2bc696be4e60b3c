"""End to end in a real browser: ``feedback-bot sandbox`` and its chat page in headless Chromium.

Debian's chromium (``apt-get install -y chromium``) driven by the playwright package; only
127.0.0.1 is reached: any other request of the page is refused and fails the test.

``SANDBOX_SCREENSHOT=docs/images/sandbox-inbox.png`` saves the page of the inbox test (with
``fonts-noto-color-emoji`` installed, so that the emoji show).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.support.citizen_driver import LOW_RATING_ANSWERS
from tests.support.images import street_light_photo
from tests.support.sandbox_browser import (
    CHROMIUM,
    STEP,
    Sandbox,
    browsing,
    export_answers,
    latest,
    press,
    running_sandbox,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium (apt-get install -y chromium): browser test not run",
    ),
]
#: Where to save the page once the staff group shows a citizen's post (docs/images/...).
SCREENSHOT = os.environ.get("SANDBOX_SCREENSHOT")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox for the module (it takes seconds to start)."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
async def page(sandbox: Sandbox) -> AsyncIterator[Page]:
    """A phone, the page's own labels in English."""
    async with browsing(sandbox, "?lang=en", {"width": 400, "height": 760}) as page:
        yield page


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
    await page.fill("#citizen .write", str(LOW_RATING_ANSWERS["comment"]))
    await page.press("#citizen .write", "Enter")
    await expect(latest(page)).to_contain_text("anything else")
    await expect(page.locator("#citizen article.me").last).to_contain_text("the hall was too cold")
    await press(page, "Skip", then="Thank you")

    [record] = export_answers(sandbox, "event-satisfaction", tmp_path / "answers.json")
    assert record["answers"] == LOW_RATING_ANSWERS
    assert record["language"] == "en"

    await page.click("#citizen .menu")  # the command menu the bot set for English
    await expect(page.locator("#citizen .commands")).to_contain_text("Upcoming public events")


async def test_fast_forward_brings_the_reminder_of_the_demo_event(page: Page) -> None:
    await page.get_by_role("button", name="Event card").click()  # Мария, in Bulgarian
    await press(page, "Съгласен съм", then="Обществено обсъждане")
    await press(page, "Записване", then="записани")
    await expect(latest(page).locator(".meta")).to_contain_text("edited")  # the page's word

    await page.click("#skip")

    await expect(page.locator("#clock")).to_contain_text("ahead")
    await expect(latest(page)).to_contain_text("Напомняме")


async def test_a_photo_and_a_place_reach_the_staff_group_whose_answer_reaches_the_citizen(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    # A computer's screen, the page in Bulgarian: both chats side by side.
    async with browsing(sandbox, "", {"width": 1280, "height": 1100}) as page:
        await page.select_option("#user", "1003")  # Ayşe, her Telegram in Bulgarian today
        await page.select_option("#language", "bg")
        citizen, staff = page.locator("#citizen"), page.locator("#staff")
        await citizen.locator(".start").click()
        await press(citizen, "Съгласен съм", then="Добре дошли")
        await citizen.locator(".write").fill("/settings")
        await citizen.locator(".write").press("Enter")
        await press(citizen, "Столична", then="Столична")

        photo = tmp_path / "лампа.jpg"
        photo.write_bytes(street_light_photo())
        await citizen.locator(".attach").click()
        await citizen.locator(".photo-file").set_input_files(photo)
        await expect(citizen.locator(".attached")).to_contain_text("лампа.jpg")
        await citizen.locator(".write").fill("Уличната лампа пред училището не свети.")
        await citizen.locator(".write").press("Enter")
        await expect(latest(citizen)).to_contain_text("Да изпратя ли това съобщение")
        await expect(citizen.locator("article.me img.photo")).to_be_visible()

        await citizen.locator(".attach").click()
        await citizen.locator(".open-place").click()
        await citizen.locator(".places").select_option(label="НДК, главният вход")
        await citizen.locator(".send-place").click()
        await expect(citizen.locator("article.me .place")).to_contain_text("42.68470, 23.31900")
        asked_again = citizen.locator("article.me:has(.place) ~ article.bot")  # the same draft
        await expect(asked_again).to_contain_text("Да изпратя ли това съобщение")
        await press(citizen, "Пътища и транспорт", then="Изпратено като съобщение №1")

        post = staff.locator("article.bot").first
        await expect(post).to_contain_text("Съобщение №1 · Столична · Пътища и транспорт")
        await expect(post).to_contain_text("Уличната лампа пред училището не свети.")
        await expect(staff.locator("article.bot img.photo")).to_be_visible()
        await expect(staff.locator("article.bot .place")).to_be_visible()
        if SCREENSHOT:  # each chat from the start of the message
            await citizen.locator("article.me:has(img.photo)").evaluate("m => m.scrollIntoView()")
            await post.evaluate("m => m.scrollIntoView()")
            await page.screenshot(path=SCREENSHOT)

        await post.locator(".reply-to").click()
        await staff.locator(".write").fill("Благодарим! Екип ще я поправи в петък.")
        await staff.locator(".write").press("Enter")
        await expect(latest(citizen)).to_contain_text("Благодарим! Екип ще я поправи в петък.")
        await expect(staff.locator("article.me .quote")).to_contain_text("Съобщение №1")
        await expect(post).to_contain_text("Отговорено от Иван Петров", timeout=2 * STEP)


async def test_the_organizer_opens_the_staff_console_from_the_page(sandbox: Sandbox) -> None:
    async with browsing(sandbox, "", {"width": 1280, "height": 900}) as page:
        async with page.context.expect_page() as opened:
            await page.get_by_role("link", name="Табло за служителите").click()
        console = await opened.value

        await expect(console.get_by_role("heading", name="Табло на общината")).to_be_visible()
        await expect(console.get_by_text("Всички общини")).to_be_visible()  # an admin
        await console.get_by_role("button", name="Консултации").click()
        await expect(
            console.get_by_role("heading", name="Отворени обществени консултации")
        ).to_be_visible()
