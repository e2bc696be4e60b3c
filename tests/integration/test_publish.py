"""``feedback-admin publish``: an event's results to a channel, and each participant told once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.bot.app import create_bot
from civic_feedback.flows.engine import Button, Skip, Text
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.publications import record_publication
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import Notification, NotificationKind, Publication
from tests.support.admin_cli import (
    BOT_TOKEN,
    Cli,
    events_cli,
    insert_event,
    run_cli,
    session_on,
    stored_event,
    telegram_for,
    the_error_line,
)
from tests.support.citizens import add_citizen
from tests.support.clock import FakeClock
from tests.support.events import NOW, new_event
from tests.support.fake_telegram import FakeTelegram
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY
from tests.support.workers import new_worker

CHANNEL = "@sliven_results"
# overall, recommend, most useful (tick 1), organisation, comment (asked: rating <= 3), idea
LOW: list[Step] = [Button("2"), Button("3"), 1, Button("4"), Text("Студена зала"), Skip()]
HIGH: list[Step] = [Button("5"), Button("10"), 0, Button("5"), Skip()]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return events_cli(tmp_path)


@pytest.fixture
async def telegram(cli: Cli) -> AsyncIterator[FakeTelegram]:
    async with telegram_for(cli) as fake:
        yield fake


def answered(cli: Cli, code: str, *people: tuple[int, list[Step]]) -> None:
    with session_on(cli) as session:
        event = stored_event(session, code)
        runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
        for telegram_id, steps in people:
            citizen = add_citizen(session, telegram_id=telegram_id, language="bg")
            session.commit()
            walk_form(
                session,
                runs,
                citizen,
                "event-satisfaction",
                steps,
                language="bg",
                event_id=event.id,
            )


def results_owed(cli: Cli) -> list[int]:
    with session_on(cli) as session:
        rows = session.exec(
            select(Notification.citizen_id)
            .where(Notification.kind == NotificationKind.RESULTS)
            .order_by(col(Notification.citizen_id))
        )
        return [citizen_id for citizen_id in rows.all() if citizen_id is not None]


def test_a_dry_run_shows_the_figures_and_never_the_comments(cli: Cli) -> None:
    with session_on(cli) as session:
        code = insert_event(session, "Кръгла маса за бюджета")
    answered(cli, code, (501, LOW), (502, HIGH))

    run = cli("publish", "--event", code, "--chat", CHANNEL, "--dry-run")

    assert run.returncode == 0, run.stderr
    assert "Кръгла маса за бюджета" in run.stdout
    assert "Отговорили: 2" in run.stdout
    assert "средно 3.5 от 5, доволни 50%" in run.stdout
    assert "NPS +0: 50% биха го препоръчали, 50% не биха" in run.stdout
    assert "Студена зала" not in run.stdout  # free text is private
    assert "2 citizens who answered would be told. Nothing was sent." in run.stdout
    assert results_owed(cli) == []


async def test_publish_posts_to_the_channel_and_owes_each_participant_one_message(
    cli: Cli, telegram: FakeTelegram
) -> None:
    with session_on(cli) as session:
        code = insert_event(session)
    answered(cli, code, (501, LOW), (502, HIGH))

    run = await run_cli(cli, "publish", "--event", code, "--chat", CHANNEL)

    assert run.returncode == 0, run.stderr
    post, chart = telegram.messages(CHANNEL)
    assert chart.photo is not None  # the rating chart follows the figures
    assert post.text is not None
    assert "Отговорили: 2" in post.text
    assert f"https://t.me/sliven_results/{post.message_id}" in run.stdout
    assert len(results_owed(cli)) == 2
    again = await run_cli(cli, "publish", "--event", code, "--chat", CHANNEL)
    assert "0 citizens who answered will be told" in again.stdout  # told once, ever
    assert len(results_owed(cli)) == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--event", "nosuch22", "--chat", CHANNEL], "no event 'nosuch22'"),
        (["--event", "x", "--chat", "sliven"], "write the channel as @name"),
        (["--event", "x", "--chat", CHANNEL, "--lang", "de"], "--lang 'de': choose bg, en, tr"),
    ],
)
def test_bad_input_is_one_line(cli: Cli, args: list[str], says: str) -> None:
    assert says in the_error_line(cli("publish", *args))


async def test_the_bot_sends_each_participant_the_link(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        install_library(session)
        session.commit()
        event = new_event(session)
        citizen = add_citizen(session, telegram_id=501, language="en")
        session.commit()
        runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
        walk_form(
            session, runs, citizen, "event-satisfaction", HIGH, language="en", event_id=event.id
        )
        url = "https://t.me/sliven_results/7"
        assert event.id is not None
        publication = Publication(
            event_id=event.id, chat=CHANNEL, message_id=7, url=url, language="bg"
        )
        record_publication(session, publication, NOW)
        session.commit()
    async with FakeTelegram() as fake:
        bot: Bot = create_bot(BOT_TOKEN, fake.url)
        try:
            assert await new_worker(bot, sessions, FakeClock(NOW)).send_due() == 1
        finally:
            await bot.session.close()
        (message,) = fake.messages(501)
        assert message.text is not None
        assert "results of Round table on the city budget are published" in message.text
        assert message.reply_markup == {
            "inline_keyboard": [[{"text": "See the results", "url": url}]]
        }
