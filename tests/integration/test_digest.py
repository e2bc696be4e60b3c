"""The Monday digest against the fake Bot API: every staff member once a week, never twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.bot.app import create_bot
from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.jobs.digest import DigestSender
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.services.digests import claim_digests, owe_digests
from civic_feedback.settings import Settings
from civic_feedback.storage.models import (
    DigestDelivery,
    DigestState,
    InboxItem,
    InboxStatus,
    InboxSupporter,
    Role,
)
from civic_feedback.storage.roles import grant
from tests.support.citizens import add_citizen
from tests.support.clock import FakeClock
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY
from tests.support.summary_data import Answers, WeekData, sofia

ADMIN, ORGANIZER, STAFF, CITIZEN = 6001, 6002, 6003, 6004
BEFORE = datetime(2026, 11, 23, 6, 59, tzinfo=UTC)  # Monday 08:59 in Sofia
AT = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 09:00 in Sofia


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = create_bot("42:TEST-digest", telegram.url)
    yield bot
    await bot.session.close()


@pytest.fixture
def staff(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test")
        session.commit()
        grant(session, STAFF, Role.STAFF, granted_by="test")
        session.commit()
        add_citizen(session, telegram_id=STAFF, language="bg")
        session.commit()
        add_citizen(session, telegram_id=CITIZEN, language="en")
        session.commit()


def sender(
    bot: Bot, sessions: sessionmaker[Session], now: datetime, digest: str = "mon 09:00"
) -> DigestSender:
    settings = Settings(
        _env_file=None,
        pseudonym_key=PSEUDONYM_KEY,
        admin_ids=str(ADMIN),
        default_language="en",
        weekly_digest=digest,
    )
    return DigestSender(
        bot=bot,
        sessions=sessions,
        settings=settings,
        i18n=create_i18n("en"),
        limiter=RateLimiter(30),
        clock=FakeClock(now),
    )


def texts(telegram: FakeTelegram, chat: int) -> list[str]:
    return [m.text or "" for m in telegram.messages(chat)]


@pytest.mark.usefixtures("staff")
async def test_nothing_goes_before_monday_nine_in_sofia(
    telegram: FakeTelegram, bot: Bot, sessions: sessionmaker[Session]
) -> None:
    assert await sender(bot, sessions, BEFORE).send_if_due() == 0
    assert telegram.requests("sendMessage") == []


@pytest.mark.usefixtures("staff")
async def test_every_staff_member_gets_last_weeks_digest_once_even_after_a_restart(
    telegram: FakeTelegram, bot: Bot, sessions: sessionmaker[Session]
) -> None:
    assert await sender(bot, sessions, AT).send_if_due() == 3
    assert await sender(bot, sessions, AT).send_if_due() == 0  # a restart: nothing again

    for chat in (ADMIN, ORGANIZER):
        (text,) = texts(telegram, chat)
        assert text.startswith("Weekly summary 2026-W47")
    (bulgarian,) = texts(telegram, STAFF)
    assert bulgarian.startswith("Седмично обобщение 2026-W47")  # the staff member's language
    assert texts(telegram, CITIZEN) == []


@pytest.mark.usefixtures("staff")
async def test_a_digest_handed_to_telegram_before_a_crash_is_not_sent_again(
    telegram: FakeTelegram, bot: Bot, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        owe_digests(session, "2026-W47", [ADMIN, ORGANIZER, STAFF])
        session.commit()
        claim_digests(session, "2026-W47")  # the process died right after this
        session.commit()

    assert await sender(bot, sessions, AT).send_if_due() == 0
    assert telegram.requests("sendMessage") == []


@pytest.mark.usefixtures("staff")
async def test_a_staff_member_who_blocked_the_bot_is_recorded_and_the_others_still_get_it(
    telegram: FakeTelegram, bot: Bot, sessions: sessionmaker[Session]
) -> None:
    telegram.blocked.add(ORGANIZER)

    assert await sender(bot, sessions, AT).send_if_due() == 2

    with sessions() as session:
        states = dict(session.exec(select(DigestDelivery.telegram_id, DigestDelivery.state)).all())
    assert states == {
        ADMIN: DigestState.SENT,
        ORGANIZER: DigestState.FAILED,
        STAFF: DigestState.SENT,
    }


@pytest.mark.usefixtures("staff")
async def test_the_digest_tells_the_weeks_problems_people_and_resolutions(
    telegram: FakeTelegram, bot: Bot, sessions: sessionmaker[Session]
) -> None:
    week = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # Tuesday of 2026-W47
    with sessions() as session:
        author, neighbour = (add_citizen(session, telegram_id=n, language="bg") for n in (71, 72))
        session.commit()
        pothole = InboxItem(
            citizen_id=author.id,
            municipality="Сливен",
            topic="other",
            language="bg",
            status=InboxStatus.RESOLVED,
            created_at=week,
            updated_at=week,
            resolved_at=week + timedelta(days=2),
            confirmed=True,
            resolution_rating=5,
        )
        session.add(pothole)
        session.commit()
        assert pothole.id is not None
        assert neighbour.id is not None
        session.add(InboxSupporter(item_id=pothole.id, citizen_id=neighbour.id, joined_at=week))
        session.commit()

    assert await sender(bot, sessions, AT).send_if_due() == 3

    (text,) = texts(telegram, ADMIN)
    assert "Distinct problems: 1; people affected: 2 (1 joined an earlier report)" in text
    assert (
        "Resolved: 1, in 2 days (median); confirmed by citizens: 100%;"
        " satisfied with the resolution: 100%"
    ) in text


@pytest.mark.usefixtures("staff")
async def test_staff_of_one_municipality_get_its_digest_and_the_others_the_whole(
    telegram: FakeTelegram, bot: Bot, sessions: sessionmaker[Session]
) -> None:
    week = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # Tuesday of 2026-W47
    with sessions() as session:
        grant(session, STAFF, Role.STAFF, granted_by="test", municipality="Сливен")
        for place in ("Сливен", "Хасково", "Хасково"):
            session.add(
                InboxItem(
                    municipality=place,
                    topic="other",
                    language="bg",
                    status=InboxStatus.NEW,
                    created_at=week,
                    updated_at=week,
                )
            )
        session.commit()

    assert await sender(bot, sessions, AT).send_if_due() == 3

    (sliven,) = texts(telegram, STAFF)
    assert sliven.startswith("Седмично обобщение 2026-W47: Сливен")
    assert "Съобщения до общината: 1 получени" in sliven
    (everything,) = texts(telegram, ADMIN)
    assert everything.startswith("Weekly summary 2026-W47\n")
    assert "Messages to the municipality: 3 received" in everything


@pytest.mark.usefixtures("staff")
async def test_the_digest_names_the_weeks_comment_themes_of_the_readers_municipality(
    telegram: FakeTelegram, bot: Bot, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        grant(session, STAFF, Role.STAFF, granted_by="test", municipality="Сливен")
        session.commit()
        data = WeekData(session)
        sliven, haskovo = data.citizen("Сливен"), data.citizen("Хасково")
        for text, citizen in [
            ("Паркирането в центъра е ужасно.", sliven),
            ("Няма паркиране в центъра вечер.", sliven),
            ("Осветлението в парка <b>не</b> работи.", haskovo),
            ("Осветлението в парка е слабо.", haskovo),
        ]:
            given = Answers({"overall": 4, "comment": text}, {"comment": "bg"})
            data.respond(given, completed=sofia(18), citizen=citizen)

    assert await sender(bot, sessions, AT).send_if_due() == 3

    (scoped,) = texts(telegram, STAFF)
    (everything,) = texts(telegram, ADMIN)
    assert "Теми в коментарите: паркиране в центъра (2)" in scoped.splitlines()
    assert "Comment themes: осветлението в парка (2), паркиране в центъра (2)" in (
        everything.splitlines()
    )


@pytest.mark.usefixtures("staff")
async def test_off_sends_nothing(
    telegram: FakeTelegram, bot: Bot, sessions: sessionmaker[Session]
) -> None:
    assert await sender(bot, sessions, AT, digest="off").send_if_due() == 0
    assert telegram.requests("sendMessage") == []


def test_a_bad_digest_time_is_one_clear_setting_error() -> None:
    with pytest.raises(ValueError, match="write a day and a time like 'mon 09:00', or off"):
        Settings(_env_file=None, weekly_digest="monday morning")
