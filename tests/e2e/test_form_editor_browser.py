"""The form editor end to end, in headless Chromium at a phone's size and a desktop's: an
organizer builds a form with a condition in two languages in the sandbox's console (an empty
translation flagged, a problem shown at its question, a scripted title kept as text), publishes
it, and a citizen answers it in the sandbox's chat, down the conditional branch. axe-core
checks the editor."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.async_api import Locator, Page, expect

from tests.support.accessibility import no_serious_violations
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
FIRST = {"bg": "Ходите ли в парка?", "en": "Do you visit the park?"}
THEN = {"bg": "Как оценявате парка?", "en": "How do you rate the park?"}
# Each size builds its own form, answered by a citizen in another of its languages: (viewport,
# the citizen, their language, and what their chat's buttons and last message say).
SIZES = {
    "phone": ((390, 844), "1001", "bg", ("Съгласен съм", "Добре дошли", "Да", "Благодарим Ви!")),
    "desktop": ((1280, 800), "1002", "en", ("I agree", "Welcome", "Yes", "Thank you!")),
}
TITLE = "<img src=x onerror=alert(1)> Парк „Рая“"
HOSTILE_OPTION = "<script>alert(1)</script> Експертите"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


def question(console: Page, number: int) -> Locator:
    return console.locator(f"section[data-path='questions[{number - 1}]']")


async def write_texts(group: Locator, bg: str, en: str) -> None:
    await group.get_by_label("български").fill(bg)
    await group.get_by_label("English").fill(en)


@pytest.mark.parametrize("size", SIZES)
async def test_an_organizer_builds_a_conditional_form_and_a_citizen_answers_its_branch(
    sandbox: Sandbox, size: str, tmp_path: Path
) -> None:
    (width, height), citizen, language, (agree, welcome, yes, thanks) = SIZES[size]
    form_id = f"park-{size}"
    async with browsing(sandbox, "", {"width": width, "height": height}) as chat:
        async with chat.context.expect_page() as opened:
            await chat.get_by_role("link", name="Табло за служителите").click()
        console = await opened.value
        console.on("dialog", lambda dialog: pytest.fail(f"the page ran a script: {dialog}"))

        await console.get_by_role("button", name="Анкети").click()
        await console.get_by_role("button", name="Нова анкета").click()
        await console.get_by_label("Започни от").select_option(label="Празна анкета")
        await console.get_by_role("button", name="Започни").click()
        await expect(console.get_by_role("heading", name="Редактор на анкети")).to_be_focused()

        await console.get_by_label("Идентификатор (малки латински букви").fill(form_id)
        await console.locator("fieldset[data-path=languages]").get_by_label("Türkçe").uncheck()
        await write_texts(console.locator("fieldset[data-path=title]"), TITLE, "Raya park")
        first = question(console, 1)
        await first.get_by_label("Идентификатор на въпроса").fill("visits")
        await first.get_by_label("Вид").select_option(label="Да или не")
        await first.locator("fieldset.fe-texts").get_by_label("български").fill(FIRST["bg"])
        english = first.locator("fieldset.fe-texts").get_by_label("English")
        flagged = first.locator(".fe-missing:visible")
        await expect(flagged).to_have_count(1)
        await expect(flagged).to_have_id("fe-q0-text-en-missing")
        await expect(english).to_have_accessible_description("⚠ липсва превод")

        await console.get_by_role("button", name="Добави въпрос").click()
        second = question(console, 2)
        await second.get_by_label("Идентификатор на въпроса").fill("score")
        await write_texts(second.locator("fieldset.fe-texts"), THEN["bg"], THEN["en"])
        await second.get_by_role("button", name="Добави условие").click()
        await expect(second.get_by_label("Условие 1: въпрос")).to_have_value("visits")
        await second.get_by_label("Условие 1: проверка").select_option(label="е равно на")
        await second.get_by_label("Условие 1: стойност").select_option(label="да")

        await console.get_by_role("button", name="Провери").click()
        problem = first.locator("p.fe-problem")
        await expect(problem).to_have_text("липсва текст на езика en", timeout=STEP)
        await expect(english).to_have_accessible_description(
            "⚠ липсва превод липсва текст на езика en"
        )
        await expect(console.locator("#fe-result")).to_contain_text(
            "Въпрос 1: липсва текст на езика en"
        )
        await no_serious_violations(console)

        await english.fill(FIRST["en"])
        await expect(flagged).to_have_count(0)
        await console.get_by_role("button", name="Публикувай").click()
        await expect(console.locator("#fe-result")).to_have_text(
            f"„{form_id}“ е публикувана, версия 1.", timeout=STEP
        )
        await expect(console.get_by_role("heading", name="Редактор на анкети")).to_be_visible()
        await no_serious_violations(console)
        await console.get_by_role("button", name="← Всички анкети").click()
        published = console.locator("li", has_text=form_id)
        await expect(published.locator("strong")).to_have_text(TITLE, timeout=STEP)  # as text
        async with console.expect_download(timeout=STEP) as downloading:
            await published.get_by_role("button", name="Изтегли YAML").click()
        saved = await downloading.value
        stored = yaml.safe_load(await asyncio.to_thread(Path(await saved.path()).read_text))
        assert stored["title"] == {"bg": TITLE, "en": "Raya park"}  # Turkish unticked: not sent
        assert stored["questions"][1]["when"] == {"visits": {"equals": True}}
        await published.get_by_role("button", name="Редактирай").click()
        await expect(question(console, 2).get_by_label("Условие 1: въпрос")).to_have_value(
            "visits", timeout=STEP
        )

        await chat.select_option("#user", citizen)
        await chat.locator("#citizen .start").click()
        await press(chat, agree, then=welcome)
        await chat.locator("#citizen .write").fill(f"/start f_{form_id}")  # the form's link
        await chat.locator("#citizen .write").press("Enter")
        await expect(latest(chat)).to_contain_text(FIRST[language], timeout=STEP)
        await press(chat, yes, then=THEN[language])  # the conditional question
        await press(chat, "4", then=thanks)

    [record] = export_answers(sandbox, form_id, tmp_path / "answers.json")
    assert record["answers"] == {"visits": True, "score": 4}


@pytest.mark.parametrize("size", SIZES)
async def test_a_built_in_form_is_edited_its_renamed_option_kept_by_a_condition_and_downloaded(
    sandbox: Sandbox, size: str
) -> None:
    (width, height), *_ = SIZES[size]
    async with browsing(sandbox, "", {"width": width, "height": height}) as chat:
        async with chat.context.expect_page() as opened:
            await chat.get_by_role("link", name="Табло за служителите").click()
        console = await opened.value
        console.on("dialog", lambda dialog: pytest.fail(f"the page ran a script: {dialog}"))
        await console.get_by_role("button", name="Анкети").click()
        await console.get_by_role("button", name="Нова анкета").click()
        await console.get_by_label("Започни от").select_option("event-satisfaction")
        await console.get_by_role("button", name="Започни").click()

        comment = question(console, 5)  # asked only after a low rating
        await expect(comment.get_by_label("Условие 1: въпрос")).to_have_value("overall")
        await expect(comment.get_by_label("Условие 1: проверка")).to_have_value("max")
        await expect(comment.get_by_label("Условие 1: стойност")).to_have_value("3")
        await no_serious_violations(console)

        organisation = question(console, 4)
        await organisation.get_by_role("button", name="Добави условие").click()
        await organisation.get_by_label("Условие 1: въпрос").select_option("most_useful")
        await expect(organisation.get_by_label("Условие 1: стойност")).to_have_value("information")
        await organisation.get_by_label("Условие 1: проверка").select_option(label="е някое от")
        await organisation.get_by_label("(discussion)").check()
        useful = question(console, 3)
        await useful.get_by_label("Идентификатор на отговор 2").fill("experts")
        await (
            useful.locator("fieldset[data-path='questions[2].options[1].text']")
            .get_by_label("български")
            .fill(HOSTILE_OPTION)
        )
        window = console.locator("fieldset.fe-window")
        await expect(window.locator("legend")).to_have_text(
            "Кога се приемат отговори (по часа в Europe/Sofia)"
        )
        await window.get_by_label("Отваря").fill("2026-12-21 18:00")
        await window.get_by_label("Затваря").fill("$' <b>$&</b>")
        await console.get_by_role("button", name="Провери").click()
        await expect(window.locator("p.fe-problem")).to_have_text(  # as typed, as text
            '"$\' <b>$&</b>" не е дата и час; пишете напр. 2026-12-03 18:00 или 2026-12-03',
            timeout=STEP,
        )
        await window.get_by_label("Затваря").fill("2026-12-20")
        await console.get_by_role("button", name="Провери").click()
        await expect(window.locator("p.fe-problem")).to_have_text(
            "трябва да е след отварянето: анкетата би се затворила, преди да се отвори",
            timeout=STEP,
        )
        await expect(window.get_by_label("Затваря")).to_have_attribute("aria-invalid", "true")
        await no_serious_violations(console)
        await window.get_by_label("Затваря").fill("2026-12-31")
        await console.get_by_role("button", name="Провери").click()
        await expect(console.locator("#fe-result")).to_have_text(
            "Анкетата е наред: 6 въпроса.", timeout=STEP
        )
        await expect(organisation.get_by_label(f"{HOSTILE_OPTION} (experts)")).to_be_checked()

        await console.get_by_role("button", name="Пробвай").click()
        await expect(console.get_by_text("Как оценявате събитието като цяло?")).to_be_visible(
            timeout=STEP
        )
        await console.get_by_role("button", name="← Обратно към редактора").click()
        async with console.expect_download(timeout=STEP) as downloading:
            await console.get_by_role("button", name="Изтегли YAML").click()
        saved = await downloading.value
        written = yaml.safe_load(await asyncio.to_thread(Path(await saved.path()).read_text))

    assert saved.suggested_filename == "event-satisfaction.yaml"
    assert (written["opens"], written["closes"]) == ("2026-12-21 18:00", "2026-12-31")
    assert written["questions"][3]["when"] == {"most_useful": {"any_of": ["experts"]}}
    assert written["questions"][2]["options"][1] == {
        "id": "experts",
        "text": {"bg": HOSTILE_OPTION, "en": "Discussion with experts", "tr": "Uzmanlarla görüşme"},
    }


async def test_renaming_the_question_a_message_comes_from_keeps_the_form_a_message(
    sandbox: Sandbox,
) -> None:
    async with browsing(sandbox, "", {"width": 390, "height": 844}) as chat:
        async with chat.context.expect_page() as opened:
            await chat.get_by_role("link", name="Табло за служителите").click()
        console = await opened.value
        await console.get_by_role("button", name="Анкети").click()
        await console.get_by_role("button", name="Нова анкета").click()
        await console.get_by_label("Започни от").select_option("general-feedback")
        await console.get_by_role("button", name="Започни").click()

        await expect(console.get_by_label("Всеки отговор е съобщение до общината")).to_be_checked()
        await expect(console.get_by_label("Темата")).to_have_value("topic")
        await expect(console.get_by_label("Съгласие за връзка")).to_have_value("contact_consent")
        await question(console, 2).get_by_label("Идентификатор на въпроса").fill("note")
        await expect(console.get_by_label("Съобщението")).to_have_value("note")
        await console.get_by_role("button", name="Провери").click()
        await expect(console.locator("#fe-result")).to_contain_text(
            "Анкетата е наред", timeout=STEP
        )
        await no_serious_violations(console)

        await console.get_by_label("Съгласие за връзка").select_option(label="няма")
        await console.get_by_label("Идентификатор (малки латински букви").fill("")
        await console.get_by_role("button", name="Провери").click()
        await expect(console.locator("p.fe-problem")).to_have_text(
            "'' не е валиден: идентификаторът на анкета е от 1 до 64 малки латински букви, "
            "цифри и „-“",
            timeout=STEP,
        )
        await expect(console.get_by_label("Идентификатор (малки латински букви")).to_have_attribute(
            "aria-invalid", "true"
        )
