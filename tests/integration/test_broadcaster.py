"""The Broadcaster against the fake Bot API on loopback, in-process.

The bot is built as ``feedback-bot`` builds it (``create_bot``: HTML parse mode and the retry
layer that honours 429's ``retry_after``); the broadcaster gets a clock the test moves, so
nothing sleeps: ``send_due`` returns when every due message went out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.bot.app import create_bot
from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.jobs.broadcaster import Broadcaster
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.services.broadcasts import (
    claim_deliveries,
    next_broadcast,
    progress,
    queue_broadcast,
    resend_uncertain,
)
from civic_feedback.settings import Settings
from civic_feedback.storage.citizens import set_opted_out
from civic_feedback.storage.claims import CLAIM_LEASE
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import Broadcast, BroadcastState, Citizen, Outbox, OutboxState
from tests.support.clock import FakeClock
from tests.support.events import NOW, new_citizen, new_event
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.keys import PSEUDONYM_KEY

BOT_TOKEN = "42:TEST-broadcaster"
RATE = 30  # the highest BROADCAST_RATE allowed: keeps the tests quick
BG_TEXT = "<b>Обществено обсъждане</b> на бюджета, четвъртък 18:00"
EN_TEXT = "<b>Public consultation</b> on the budget, Thursday 18:00"
EN_SEEN = "Public consultation on the budget"  # what the citizen sees: no markup


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        install_library(session)
        session.commit()
        yield session


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = create_bot(BOT_TOKEN, telegram.url)
    yield bot
    await bot.session.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def new_broadcaster(bot: Bot, sessions: sessionmaker[Session], clock: FakeClock) -> Broadcaster:
    """A broadcaster as ``feedback-bot`` builds it (DEFAULT_LANGUAGE bg)."""
    settings = Settings(
        _env_file=None,
        bot_token=BOT_TOKEN,
        pseudonym_key=PSEUDONYM_KEY,
        broadcast_rate=RATE,
        default_language="bg",
        timezone="Europe/Sofia",
    )
    return Broadcaster(
        bot=bot,
        sessions=sessions,
        settings=settings,
        i18n=create_i18n(settings.interface_language),
        limiter=RateLimiter(settings.broadcast_rate),
        clock=clock,
    )


@pytest.fixture
def broadcaster(bot: Bot, sessions: sessionmaker[Session], clock: FakeClock) -> Broadcaster:
    return new_broadcaster(bot, sessions, clock)


def queue(
    db: Session,
    segment: str = "all",
    *,
    texts: dict[str, str] | None = None,
    button: dict[str, str] | None = None,
    send_at: Any = NOW,
) -> Broadcast:
    broadcast = Broadcast(
        texts=texts or {"bg": BG_TEXT, "en": EN_TEXT},
        segment=segment,
        button=button,
        send_at=send_at,
    )
    queue_broadcast(db, broadcast)
    db.commit()
    return broadcast


def town(db: Session, count: int, first_id: int = 1001, language: str | None = "bg") -> list[int]:
    """``count`` citizens; returns their chat ids."""
    return [new_citizen(db, first_id + i, language=language).telegram_id for i in range(count)]


def received(telegram: FakeTelegram, chat_id: int) -> list[SentMessage]:
    """Messages that reached the chat."""
    return telegram.messages(chat_id)


def attempts(telegram: FakeTelegram, chat_id: int) -> int:
    """sendMessage requests to the chat, refused ones included."""
    return sum(r.params.get("chat_id") == chat_id for r in telegram.requests("sendMessage"))


def url_buttons(message: SentMessage) -> list[tuple[str, str]]:
    markup = message.reply_markup or {}
    return [(b["text"], b["url"]) for row in markup.get("inline_keyboard", []) for b in row]


def row_states(sessions: sessionmaker[Session], broadcast: Broadcast) -> dict[int, str]:
    """Chat id -> state of its outbox row."""
    with sessions() as session:
        rows = session.exec(
            select(Citizen.telegram_id, Outbox.state)
            .join(Citizen, col(Citizen.id) == col(Outbox.citizen_id))
            .where(Outbox.broadcast_id == broadcast.id)
        )
        return dict(rows.all())


def reloaded(sessions: sessionmaker[Session], telegram_id: int) -> Citizen:
    with sessions() as session:
        return session.exec(select(Citizen).where(Citizen.telegram_id == telegram_id)).one()


# --- who gets what ------------------------------------------------------------------------------


async def test_every_recipient_gets_one_message_in_their_language_with_a_deep_link_to_the_event(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster
) -> None:
    event = new_event(db)
    languages = {1001: "bg", 1002: "en", 1003: "tr", 1004: None}
    for chat_id, language in languages.items():
        new_citizen(db, chat_id, language=language)
    queue(db, button={"event": event.code})

    sent = await broadcaster.send_due()

    assert sent == 4
    link = f"https://t.me/{telegram.bot_username}?start=ev_{event.code}"
    expected = {
        1001: (BG_TEXT, "Към събитието"),
        1002: (EN_TEXT, "Open the event"),
        1003: (BG_TEXT, "Etkinliğe git"),  # no Turkish text: DEFAULT_LANGUAGE's, own button
        1004: (BG_TEXT, "Към събитието"),  # no language chosen yet: DEFAULT_LANGUAGE
    }
    for chat_id, (text, label) in expected.items():
        (message,) = received(telegram, chat_id)
        assert (message.raw_text, message.parse_mode) == (text, "HTML")
        assert url_buttons(message) == [(label, link)]
    assert received(telegram, 1002)[0].text == EN_SEEN + ", Thursday 18:00"


async def test_a_form_button_links_to_the_form(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster
) -> None:
    new_citizen(db, 1001, language="en")
    queue(db, button={"form": "general-feedback"})

    await broadcaster.send_due()

    (message,) = received(telegram, 1001)
    link = f"https://t.me/{telegram.bot_username}?start=f_general-feedback"
    assert url_buttons(message) == [("Open the form", link)]


async def test_without_a_button_the_message_has_none(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster
) -> None:
    new_citizen(db, 1001)
    queue(db)

    await broadcaster.send_due()

    (message,) = received(telegram, 1001)
    assert message.reply_markup is None


async def test_only_the_segment_is_reached_and_nothing_is_sent_twice(
    db: Session, telegram: FakeTelegram, sessions: sessionmaker[Session], clock: FakeClock, bot: Bot
) -> None:
    bulgarians, english = town(db, 3, 1001, "bg"), town(db, 2, 2001, "en")
    broadcast = queue(db, "language=en")
    broadcaster = new_broadcaster(bot, sessions, clock)

    assert await broadcaster.send_due() == 2
    assert await broadcaster.send_due() == 0
    clock.move_to(NOW + timedelta(days=1))
    assert await new_broadcaster(bot, sessions, clock).send_due() == 0  # after a restart too

    assert [len(received(telegram, chat)) for chat in english] == [1, 1]
    assert [attempts(telegram, chat) for chat in bulgarians] == [0, 0, 0]
    with sessions() as session:
        stored = session.get(Broadcast, broadcast.id)
        assert stored is not None
        assert stored.state == BroadcastState.DONE
        assert progress(session, stored, NOW).as_json() | {"id": 0} == {
            "id": 0, "state": "done", "total": 2, "sent": 2, "failed": 0, "unreachable": 0,
            "cancelled": 0, "uncertain": 0, "left": 0,
        }  # fmt: skip


async def test_messages_go_out_at_broadcast_rate(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster
) -> None:
    town(db, RATE + 1)
    queue(db)

    await broadcaster.send_due()

    times = sorted(r.time for r in telegram.requests("sendMessage"))
    assert len(times) == RATE + 1
    assert times[-1] - times[0] >= 0.9  # 31 messages at 30/s take a second: not a burst


# --- Telegram's answers -------------------------------------------------------------------------


async def test_with_429s_every_recipient_still_gets_exactly_one_message(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster, sessions: sessionmaker[Session]
) -> None:
    chats = town(db, 16)
    broadcast = queue(db)
    telegram.global_rate = 10  # Telegram allows less than BROADCAST_RATE: 429 retry_after

    sent = await broadcaster.send_due()

    assert telegram.too_many_requests > 0
    assert sent == len(chats)
    assert {chat: telegram.count_message_calls(chat) for chat in chats} == dict.fromkeys(chats, 1)
    assert set(row_states(sessions, broadcast).values()) == {OutboxState.SENT}


async def test_a_citizen_who_blocked_the_bot_is_marked_unreachable_and_gets_no_later_broadcast(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster, sessions: sessionmaker[Session]
) -> None:
    ana, boris, chavdar = town(db, 3)
    telegram.blocked.add(boris)
    first = queue(db)
    already_queued = queue(db)

    assert await broadcaster.send_due() == 4
    later = queue(db)
    assert await broadcaster.send_due() == 2

    assert telegram.forbidden == 1
    assert attempts(telegram, boris) == 1  # the one refused with 403, and no other
    assert [len(received(telegram, chat)) for chat in (ana, chavdar)] == [3, 3]
    assert reloaded(sessions, boris).unreachable is True
    assert row_states(sessions, first)[boris] == OutboxState.UNREACHABLE
    assert row_states(sessions, already_queued)[boris] == OutboxState.UNREACHABLE
    assert boris not in row_states(sessions, later)
    with sessions() as session:
        stored = session.get(Broadcast, first.id)
        assert stored is not None
        state = progress(session, stored, NOW)
    assert (state.sent, state.unreachable, state.left) == (2, 1, 0)


async def test_a_message_telegram_refuses_with_400_is_recorded_failed_with_its_error(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster, sessions: sessionmaker[Session]
) -> None:
    ana, boris = new_citizen(db, 1001, language="bg"), new_citizen(db, 1002, language="en")
    # Written to the database directly: the CLI would have refused the unclosed <b>.
    broadcast = queue(db, texts={"bg": BG_TEXT, "en": "<b>Public consultation"})

    sent = await broadcaster.send_due()

    assert sent == 1
    assert len(received(telegram, ana.telegram_id)) == 1
    assert received(telegram, boris.telegram_id) == []
    assert attempts(telegram, boris.telegram_id) == 1  # recorded, not retried
    with sessions() as session:
        row = session.exec(select(Outbox).where(Outbox.citizen_id == boris.id)).one()
        stored = session.get(Broadcast, broadcast.id)
        assert stored is not None
        state = progress(session, stored, NOW)
    assert row.state == OutboxState.FAILED
    assert row.error is not None
    assert "can't parse entities" in row.error
    assert reloaded(sessions, boris.telegram_id).unreachable is False
    assert (state.sent, state.failed, state.left) == (1, 1, 0)


# --- who is left out ----------------------------------------------------------------------------


async def test_a_citizen_who_sent_stop_gets_nothing_and_start_subscribes_again(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster, clock: FakeClock
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    set_opted_out(db, boris, opted_out=True)  # what /stop stores
    db.commit()
    queue(db)

    await broadcaster.send_due()
    set_opted_out(db, boris, opted_out=False)  # what /start stores
    db.commit()
    queue(db)
    await broadcaster.send_due()

    assert len(received(telegram, ana.telegram_id)) == 2
    assert len(received(telegram, boris.telegram_id)) == 1  # only the one after /start


async def test_a_citizen_who_sends_stop_before_a_scheduled_broadcast_goes_out_gets_nothing(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster, clock: FakeClock
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    queue(db, send_at=NOW + timedelta(days=1))
    set_opted_out(db, boris, opted_out=True)  # /stop, the evening before
    db.commit()

    clock.move_to(NOW + timedelta(days=1))
    await broadcaster.send_due()

    assert len(received(telegram, ana.telegram_id)) == 1
    assert received(telegram, boris.telegram_id) == []


# --- crashes and schedules ----------------------------------------------------------------------


async def test_a_row_left_sending_by_a_crash_is_not_sent_again_and_counts_as_uncertain(
    db: Session,
    telegram: FakeTelegram,
    bot: Bot,
    sessions: sessionmaker[Session],
    clock: FakeClock,
) -> None:
    chats = town(db, 5)
    broadcast = queue(db)
    with sessions() as crashed:  # claimed, committed, then the process died
        due = next_broadcast(crashed, NOW)
        assert due is not None
        in_flight = claim_deliveries(crashed, due, 2, now=NOW)
        crashed.commit()

    sent = await new_broadcaster(bot, sessions, clock).send_due()

    lost = {d.chat_id for d in in_flight}
    assert sent == 3
    for chat in chats:
        assert len(received(telegram, chat)) == (0 if chat in lost else 1)
    states = row_states(sessions, broadcast)
    assert {chat: states[chat] for chat in lost} == dict.fromkeys(lost, OutboxState.SENDING)
    with sessions() as session:
        stored = session.get(Broadcast, broadcast.id)
        assert stored is not None
        state = progress(session, stored, NOW + CLAIM_LEASE)
    assert (stored.state, state.sent, state.uncertain, state.left) == (BroadcastState.DONE, 3, 2, 0)


async def test_resent_uncertain_rows_go_out_once_more_and_then_count_as_sent(
    db: Session, telegram: FakeTelegram, bot: Bot, sessions: sessionmaker[Session]
) -> None:
    chats = town(db, 4)
    broadcast = queue(db)
    with sessions() as crashed:  # the process died after handing two rows to Telegram
        due = next_broadcast(crashed, NOW)
        assert due is not None
        in_flight = claim_deliveries(crashed, due, 2, now=NOW)
        crashed.commit()
    for delivery in in_flight:
        await bot.send_message(delivery.chat_id, BG_TEXT)
    clock = FakeClock(NOW + CLAIM_LEASE)
    assert await new_broadcaster(bot, sessions, clock).send_due() == 2

    with sessions() as session:
        stored = session.get(Broadcast, broadcast.id)
        assert stored is not None
        assert resend_uncertain(session, stored, clock()) == 2
        session.commit()
    resent = await new_broadcaster(bot, sessions, clock).send_due()

    assert resent == 2
    assert [len(received(telegram, chat)) for chat in chats] == [2, 2, 1, 1]  # as asked
    with sessions() as session:
        stored = session.get(Broadcast, broadcast.id)
        assert stored is not None
        state = progress(session, stored, clock() + CLAIM_LEASE)
    assert (stored.state, state.sent, state.uncertain, state.left) == (BroadcastState.DONE, 4, 0, 0)


async def test_a_scheduled_broadcast_goes_out_only_once_the_clock_passes_its_time(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster, clock: FakeClock
) -> None:
    chats = town(db, 3)
    at = NOW + timedelta(hours=20)
    queue(db, send_at=at)

    for moment in (NOW, at - timedelta(seconds=1)):
        clock.move_to(moment)
        assert await broadcaster.send_due() == 0
    assert telegram.requests("sendMessage") == []

    clock.move_to(at)
    assert await broadcaster.send_due() == 3
    assert [len(received(telegram, chat)) for chat in chats] == [1, 1, 1]


async def test_broadcasts_go_out_one_after_another_in_the_order_they_are_due(
    db: Session, telegram: FakeTelegram, broadcaster: Broadcaster, clock: FakeClock
) -> None:
    (chat,) = town(db, 1)
    queue(db, texts={"bg": "second"}, send_at=NOW + timedelta(minutes=5))
    queue(db, texts={"bg": "first"}, send_at=NOW)
    queue(db, texts={"bg": "not yet"}, send_at=NOW + timedelta(hours=1))
    clock.move_to(NOW + timedelta(minutes=10))

    assert await broadcaster.send_due() == 2

    assert [m.content for m in received(telegram, chat)] == ["first", "second"]


# --- the organizer's progress message (announcements composed in Telegram) ---------------------


async def test_an_announcement_composed_in_telegram_ends_with_its_counts_in_the_organizers_chat(
    db: Session, telegram: FakeTelegram, bot: Bot, broadcaster: Broadcaster
) -> None:
    organizer = 9001
    progress_message = await bot.send_message(organizer, "Announcement: sending…")
    town(db, 3)
    blocked = new_citizen(db, 1100).telegram_id
    telegram.blocked.add(blocked)
    broadcast = Broadcast(
        texts={"bg": BG_TEXT},
        segment="all",
        send_at=NOW,
        report_chat_id=organizer,
        report_message_id=progress_message.message_id,
        report_language="en",
    )
    queue_broadcast(db, broadcast)
    db.commit()

    await broadcaster.send_due()

    shown = telegram.message(organizer, progress_message.message_id)
    assert shown.text == (
        f"Announcement {broadcast.id} is finished.\n"
        "Sent: 3 of 4. Not delivered: 0. Blocked the bot: 1."
    )
    assert shown.reply_markup is None  # no "Stop sending" once it is over
    assert len(received(telegram, organizer)) == 1  # edited in place, not a new message
