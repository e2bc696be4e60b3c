"""An event's results in the staff console: the figures ``feedback-admin publish`` posts, shown
to every role of the event's municipality, and **Publish**, which posts them with the bot
through the same service, once per press, on the record under the organizer's pseudonym.
Another municipality's event, a forged code, a hostile channel name: refused, nothing posted.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from aiogram import Bot
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.bot.app import create_bot
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.engine import Button, Skip, Text
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.events import find_event
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import (
    AuditEntry,
    Notification,
    NotificationKind,
    Publication,
    Response,
    Role,
)
from civic_feedback.storage.roles import grant
from tests.integration.test_console_events import put_event
from tests.support.citizens import add_citizen
from tests.support.console import (
    NOW,
    call,
    console_at,
    get,
    opened_by,
    post_json,
    sqlite_sessions_in,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

ORGANIZER, CLERK, SLIVEN_ORGANIZER = 7501, 7502, 7503
CHANNEL = "@smolyan_results"
# overall, recommend, most useful (tick 1), organisation, comment (asked: rating <= 3), idea
LOW: list[Step] = [Button("2"), Button("3"), 1, Button("4"), Text("Студена зала"), Skip()]
HIGH: list[Step] = [Button("5"), Button("10"), 0, Button("5"), Skip()]


@dataclass(frozen=True)
class Answered:
    """Смолян's past round table answered by two citizens, and Сливен's past conference."""

    sessions: sessionmaker[Session]
    ours: str
    theirs: str


def arrange(sessions: sessionmaker[Session]) -> Answered:
    with sessions() as session:
        install_library(session)
        grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Смолян")
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
        grant(session, SLIVEN_ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Сливен")
        ours = put_event(session, "Кръгла маса за бюджета", "Смолян", NOW - timedelta(days=2), None)
        theirs = put_event(session, "Конференция", "Сливен", NOW - timedelta(days=2), None)
        event = find_event(session, ours)
        assert event is not None
        runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
        for telegram_id, steps in ((9501, LOW), (9502, HIGH)):
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
        # Answered the day after the event, before the console's clock (NOW).
        answered_at = NOW - timedelta(days=1)
        session.execute(update(Response).values(started_at=answered_at, completed_at=answered_at))
        session.commit()
    return Answered(sessions, ours, theirs)


@pytest.fixture
def answered(sessions: sessionmaker[Session]) -> Answered:
    """On both databases: for what succeeds."""
    return arrange(sessions)


@pytest.fixture
def sqlite_answered(tmp_path: Path) -> Iterator[Answered]:
    """For what is refused."""
    with sqlite_sessions_in(tmp_path) as sessions:
        yield arrange(sessions)


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    made = create_bot("42:TEST-console", telegram.url)
    try:
        yield made
    finally:
        await made.session.close()


def publications(answered: Answered) -> list[Publication]:
    with answered.sessions() as session:
        return list(session.exec(select(Publication)))


def results_owed(answered: Answered) -> int:
    with answered.sessions() as session:
        rows = session.exec(
            select(Notification).where(Notification.kind == NotificationKind.RESULTS)
        )
        return len(list(rows))


def publish_entries(answered: Answered) -> list[AuditEntry]:
    with answered.sessions() as session:
        statement = select(AuditEntry).where(AuditEntry.action == "publish")
        return list(session.exec(statement.order_by(col(AuditEntry.id))))


def nothing_recorded(answered: Answered) -> bool:
    return (publications(answered), publish_entries(answered), results_owed(answered)) == (
        [],
        [],
        0,
    )


async def test_every_role_of_the_municipality_reads_the_figures_the_channel_would_get(
    answered: Answered,
) -> None:
    async with console_at(answered.sessions) as base:
        status, _headers, shown = await get(
            base, f"/api/events/{answered.ours}/results", opened_by(CLERK)
        )
        english = (
            await get(base, f"/api/events/{answered.ours}/results?lang=en", opened_by(CLERK))
        )[2]

    assert status == 200
    assert shown["language"] == "bg"
    assert shown["title"] == "Кръгла маса за бюджета"
    assert shown["responses"].startswith("Отговорили: 2")
    overall = shown["questions"][0]
    assert overall["answered"] == 2
    assert overall["figures"] == "средно 3.5 от 5, доволни 50%"
    assert any(q["figures"].startswith("NPS +0") for q in shown["questions"])
    assert "Студена зала" not in str(shown)  # free text is private
    assert shown["chart"].startswith("data:image/png;base64,")
    chart = base64.b64decode(shown["chart"].removeprefix("data:image/png;base64,"))
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    counts = shown["chart_text"][0]["counts"]  # the chart's text alternative
    assert (counts["2"], counts["5"], sum(counts.values())) == (1, 1, 2)
    assert (shown["participants"], shown["published"]) == (2, [])
    assert shown["may_publish"] is False  # staff read results; organizers publish them
    assert english["responses"].startswith("Responses: 2")


async def test_an_organizer_publishes_once_per_press_and_each_participant_is_told_once(
    answered: Answered, telegram: FakeTelegram, bot: Bot
) -> None:
    path = f"/api/events/{answered.ours}/publish"
    async with console_at(answered.sessions, bot=bot) as base:
        first = await post_json(
            base, path, opened_by(ORGANIZER), {"chat": CHANNEL, "language": "bg"}
        )
        sent_once = list(telegram.messages(CHANNEL))
        again = await post_json(
            base, path, opened_by(ORGANIZER), {"chat": CHANNEL, "language": "bg"}
        )
        shown = (await get(base, f"/api/events/{answered.ours}/results", opened_by(ORGANIZER)))[2]

    post, chart = sent_once  # one press: the figures and the chart, nothing more
    assert "Отговорили: 2" in (post.text or "")
    assert chart.photo is not None
    assert first == (200, {"url": f"https://t.me/smolyan_results/{post.message_id}", "owed": 2})
    assert again == (200, {"url": f"https://t.me/smolyan_results/{post.message_id + 2}", "owed": 0})
    # ^ a second press posts again, yet nobody is told twice
    assert results_owed(answered) == 2
    entry = publish_entries(answered)[0]
    assert entry.actor == pseudonym(PSEUDONYM_KEY.encode(), ORGANIZER)
    assert (entry.subject, entry.details) == (answered.ours, {"chat": CHANNEL, "by": "console"})
    assert [p["chat"] for p in shown["published"]] == [CHANNEL, CHANNEL]
    assert shown["may_publish"] is True


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        (SLIVEN_ORGANIZER, "ours", 404),  # another municipality's event does not exist for them
        (ORGANIZER, "theirs", 404),
        (CLERK, "ours", 403),  # staff read results, organizers publish them
        (ORGANIZER, "nosuch22", 404),  # a forged code
        (ORGANIZER, "<script>alert(1)</script>", 404),
        (ORGANIZER, "ours%27%20OR%201=1", 404),
    ],
)
async def test_out_of_scope_or_forged_events_are_refused_and_nothing_is_posted(
    sqlite_answered: Answered, telegram: FakeTelegram, bot: Bot, who: int, code: str, status: int
) -> None:
    code = {"ours": sqlite_answered.ours, "theirs": sqlite_answered.theirs}.get(code, code)
    async with console_at(sqlite_answered.sessions, bot=bot) as base:
        published = await post_json(
            base, f"/api/events/{code}/publish", opened_by(who), {"chat": CHANNEL, "language": "bg"}
        )
        read = await get(base, f"/api/events/{code}/results", opened_by(who))

    assert published[0] == status
    if who != CLERK:
        assert read[0] == 404
    assert telegram.count_message_calls() == 0
    assert nothing_recorded(sqlite_answered)


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"chat": "<b>channel</b>", "language": "bg"}, 422, "bad_chat"),
        ({"chat": "@a", "language": "bg"}, 422, "bad_chat"),
        ({"chat": "@" + "x" * 99, "language": "bg"}, 422, "bad_chat"),
        ({"chat": "@" + "x" * 200, "language": "bg"}, 422, "malformed"),
        ({"chat": CHANNEL, "language": "de"}, 422, "bad_language"),
        ({"chat": CHANNEL}, 422, "malformed"),
        ({"chat": ["@smolyan_results"], "language": "bg"}, 422, "malformed"),
        ([CHANNEL], 422, "malformed"),
    ],
)
async def test_a_wrong_channel_or_language_is_named_and_nothing_is_posted(
    sqlite_answered: Answered,
    telegram: FakeTelegram,
    bot: Bot,
    body: object,
    status: int,
    error: str,
) -> None:
    async with console_at(sqlite_answered.sessions, bot=bot) as base:
        got = await post_json(
            base, f"/api/events/{sqlite_answered.ours}/publish", opened_by(ORGANIZER), body
        )

    assert got == (status, {"error": error})
    assert telegram.count_message_calls() == 0
    assert publications(sqlite_answered) == []


async def test_a_body_that_is_not_json_is_refused(
    sqlite_answered: Answered, telegram: FakeTelegram, bot: Bot
) -> None:
    async with console_at(sqlite_answered.sessions, bot=bot) as base:
        status, _headers, body = await call(
            base,
            "POST",
            f"/api/events/{sqlite_answered.ours}/publish",
            opened_by(ORGANIZER),
            body=b"chat=@smolyan_results",
            content_type="application/x-www-form-urlencoded",
        )

    assert (status, body) == (415, {"error": "json_only"})
    assert telegram.count_message_calls() == 0


async def test_a_post_telegram_refuses_is_not_recorded(
    sqlite_answered: Answered, telegram: FakeTelegram, bot: Bot
) -> None:
    telegram.blocked.add(-1001234567890)  # Telegram answers 403: the bot is not in the group
    async with console_at(sqlite_answered.sessions, bot=bot) as base:
        got = await post_json(
            base,
            f"/api/events/{sqlite_answered.ours}/publish",
            opened_by(ORGANIZER),
            {"chat": "-1001234567890", "language": "bg"},
        )

    assert got == (502, {"error": "telegram_refused"})
    assert nothing_recorded(sqlite_answered)


@pytest.mark.parametrize("language", ["<script>alert(1)</script>", "de", "x" * 5000])
async def test_a_language_no_post_is_written_in_reads_in_the_deployments(
    sqlite_answered: Answered, language: str
) -> None:
    async with console_at(sqlite_answered.sessions) as base:
        path = f"/api/events/{sqlite_answered.ours}/results?lang={quote(language)}"
        status, _headers, shown = await get(base, path, opened_by(CLERK))

    assert status == 200
    assert shown["language"] == "bg"
    assert shown["responses"].startswith("Отговорили: 2")
