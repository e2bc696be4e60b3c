"""Publishing a consultation's report from the staff console, as `feedback-admin consultations
publish` does and through the same function: the summary and the DOCX posted with the bot to
a channel (or no channel at all), the report marked published once, each follower owed one
notice, on the record under the staff member's pseudonym. Another municipality's, a still
open or undecided one, a hostile channel or language, an organizer: refused, nothing posted.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram import Bot
from docx import Document
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.bot.app import create_bot
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import AuditEntry, Decision, Role
from civic_feedback.storage.roles import grant
from tests.support.console import NOW, TOKEN, console_at, opened_by, post_json, sqlite_sessions_in
from tests.support.consultations import (
    decided,
    follow_only,
    insert_consultation,
    propose,
    stored_consultation,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY

CLERK, ORGANIZER, SLIVEN_CLERK = 7601, 7602, 7603
CHANNEL = "@smolyan_consultations"
HOSTILE = "<script>alert(1)</script> Наредба"


@dataclass(frozen=True)
class Town:
    sessions: sessionmaker[Session]
    decided: str  # closed, every proposal decided, one more citizen follows
    undecided: str  # closed, a proposal waits
    still_open: str  # every proposal decided, still open
    theirs: str  # Сливен's, closed and decided


def closed(session: Session, title: str, municipality: str, days: int = 1) -> str:
    return insert_consultation(
        session,
        title,
        opens_at=NOW - timedelta(days=40),
        closes_at=NOW - timedelta(days=days),
        municipality=municipality,
    )


def arrange(sessions: sessionmaker[Session]) -> Town:
    with sessions() as session:
        install_library(session)
        grant(session, CLERK, Role.STAFF, granted_by="test", municipality="Смолян")
        grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test", municipality="Смолян")
        grant(session, SLIVEN_CLERK, Role.STAFF, granted_by="test", municipality="Сливен")
        ours = closed(session, HOSTILE, "Смолян")
        propose(session, ours, 9001, "Повече места за хора с увреждания")
        propose(session, ours, 9002, "<b>Безплатно</b> в неделя")
        follow_only(session, ours, 9003)
        decided(session, ours, {1: (Decision.ACCEPTED, None), 2: (Decision.NOT_ACCEPTED, "Не.")})
        undecided = closed(session, "Бюджет", "Смолян")
        propose(session, undecided, 9001, "Парк")
        still_open = closed(session, "Улици", "Смолян", days=-5)
        propose(session, still_open, 9001, "Тротоари")
        decided(session, still_open, {1: (Decision.ACCEPTED, None)})
        theirs = closed(session, "Туризъм", "Сливен")
        propose(session, theirs, 9004, "Пътеки")
        decided(session, theirs, {1: (Decision.ACCEPTED, None)})
    return Town(sessions, ours, undecided, still_open, theirs)


@pytest.fixture
def town(sessions: sessionmaker[Session]) -> Town:
    return arrange(sessions)


@pytest.fixture
def sqlite_town(tmp_path: Path) -> Iterator[Town]:
    with sqlite_sessions_in(tmp_path) as sessions:
        yield arrange(sessions)


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    made = create_bot(TOKEN, telegram.url)
    try:
        yield made
    finally:
        await made.session.close()


def publish_entries(town: Town) -> list[AuditEntry]:
    with town.sessions() as session:
        statement = select(AuditEntry).where(AuditEntry.action == "consultation_publish")
        return list(session.exec(statement.order_by(col(AuditEntry.id))))


def published_at(town: Town, code: str) -> object:
    with town.sessions() as session:
        return stored_consultation(session, code).published_at


async def test_staff_publish_the_report_to_a_channel_once_and_each_follower_is_owed_once(
    town: Town, telegram: FakeTelegram, bot: Bot
) -> None:
    path = f"/api/consultations/{town.decided}/publish"
    body = {"chat": CHANNEL, "language": "bg"}
    async with console_at(town.sessions, bot=bot) as base:
        first = await post_json(base, path, opened_by(CLERK), body)
        again = await post_json(base, path, opened_by(CLERK), body)

    post, document = telegram.messages(CHANNEL)
    assert post.text is not None
    assert "Справка за постъпилите предложения" in post.text
    assert post.text.splitlines()[1] == HOSTILE  # escaped in the HTML post: shown as text
    assert document.document is not None
    assert document.document.filename == f"report-{town.decided}.docx"
    report = Document(io.BytesIO(document.document.data))
    assert report.paragraphs[0].text == "Справка за постъпилите предложения"
    url = f"https://t.me/smolyan_consultations/{post.message_id}"
    assert first == (200, {"url": url, "owed": 3})
    assert again == (422, {"error": "not_publishable"})
    assert len(telegram.messages(CHANNEL)) == 2  # nothing more was posted
    (entry,) = publish_entries(town)
    assert entry.actor == pseudonym(PSEUDONYM_KEY.encode(), CLERK)
    assert (entry.subject, entry.details) == (town.decided, {"chat": CHANNEL, "by": "console"})


async def test_without_a_channel_the_report_is_marked_published_and_nothing_is_sent(
    sqlite_town: Town, telegram: FakeTelegram
) -> None:
    path = f"/api/consultations/{sqlite_town.decided}/publish"
    async with console_at(sqlite_town.sessions) as base:  # no bot: none is needed
        done = await post_json(base, path, opened_by(CLERK), {"chat": "", "language": "en"})

    assert done == (200, {"url": None, "owed": 3})
    assert telegram.count_message_calls() == 0
    assert published_at(sqlite_town, sqlite_town.decided) is not None
    (entry,) = publish_entries(sqlite_town)
    assert entry.details == {"chat": None, "by": "console"}


@pytest.mark.parametrize(
    ("who", "code", "body", "status", "error"),
    [
        (SLIVEN_CLERK, "decided", None, 404, "not_found"),  # another municipality's
        (CLERK, "theirs", None, 404, "not_found"),
        (CLERK, "nosuch22", None, 404, "not_found"),
        (CLERK, "<script>", None, 404, "not_found"),
        (CLERK, "undecided", None, 422, "not_publishable"),
        (CLERK, "still_open", None, 422, "not_publishable"),
        (ORGANIZER, "decided", None, 403, "not_allowed"),
        (CLERK, "decided", {"chat": "<b>channel</b>", "language": "bg"}, 422, "bad_chat"),
        (CLERK, "decided", {"chat": "@" + "x" * 200, "language": "bg"}, 422, "malformed"),
        (CLERK, "decided", {"chat": CHANNEL, "language": "<script>"}, 422, "bad_language"),
        (CLERK, "decided", {"chat": CHANNEL}, 422, "malformed"),
        (CLERK, "decided", [CHANNEL], 422, "malformed"),
    ],
)
async def test_a_publication_that_cannot_be_is_refused_and_nothing_is_posted_or_marked(
    sqlite_town: Town,
    telegram: FakeTelegram,
    bot: Bot,
    who: int,
    code: str,
    body: object,
    status: int,
    error: str,
) -> None:
    codes = {
        "decided": sqlite_town.decided,
        "undecided": sqlite_town.undecided,
        "still_open": sqlite_town.still_open,
        "theirs": sqlite_town.theirs,
    }
    chosen = codes.get(code, code)
    sent = body if body is not None else {"chat": CHANNEL, "language": "bg"}
    async with console_at(sqlite_town.sessions, bot=bot) as base:
        got = await post_json(base, f"/api/consultations/{chosen}/publish", opened_by(who), sent)

    assert got == (status, {"error": error})
    assert telegram.count_message_calls() == 0
    assert publish_entries(sqlite_town) == []
    for stored in codes.values():
        assert published_at(sqlite_town, stored) is None
