"""Reminders, invitations and notices: due rows claimed once, settled when they no longer apply.

The first half drives the storage functions (claim_due, mark_sent, mark_unreachable) with
an explicit ``now``; the second runs the NotificationWorker against the fake Bot API on
loopback, with a clock the test moves: nothing sleeps, time only jumps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.utils.i18n import gettext as _
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.bot.callbacks import EventAction, EventCb
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.notifications import (
    Claimed,
    claim_due,
    mark_failed,
    mark_sent,
    mark_unreachable,
    next_due,
)
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import Citizen, Event, NotificationKind, NotificationState
from tests.support.citizens import add_citizen
from tests.support.clock import FakeClock
from tests.support.events import DAY, HOUR, NOW, POLICY, REGISTRAR, Stored, new_citizen, new_event
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY
from tests.support.workers import BOT_TOKEN, complete_event_form, new_worker

REMINDER = NotificationKind.REMINDER
INVITATION = NotificationKind.INVITATION
FOLLOWUP = NotificationKind.FOLLOWUP
SECOND = timedelta(seconds=1)


# --- arranging ----------------------------------------------------------------------------------


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        install_library(session)
        session.commit()
        yield session


@pytest.fixture
def stored(sessions: sessionmaker[Session]) -> Stored:
    return Stored(sessions)


@pytest.fixture
def runs() -> FormRuns:
    return FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())


def answered_with(runs: FormRuns) -> Callable[[Session, Citizen, Event], bool]:
    """Whether the citizen completed the event's form, as the worker asks it."""

    def answered(session: Session, citizen: Citizen, event: Event) -> bool:
        flow = runs.latest_flow(session.connection(), event.flow_id)
        return flow is not None and runs.has_answered(session.connection(), citizen, flow, event.id)

    return answered


def claim(session: Session, now: datetime, runs: FormRuns) -> list[Claimed]:
    """Claim what is due, committed as the worker's claim is."""
    claimed = claim_due(session, now, answered_with(runs)).to_send
    session.commit()
    return claimed


def who(claimed: list[Claimed]) -> list[tuple[NotificationKind, int]]:
    return sorted((c.kind, c.chat_id) for c in claimed)


# --- claiming what is due -----------------------------------------------------------------------


def test_nothing_is_claimed_before_it_is_due(db: Session, runs: FormRuns, stored: Stored) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, starts_in=timedelta(days=3))
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()

    assert claim(db, NOW, runs) == []
    assert claim(db, event.starts_at - timedelta(hours=24) - SECOND, runs) == []
    assert {n.state for n in stored.notes(event)} == {NotificationState.PENDING}


def test_a_due_reminder_is_claimed_once_with_what_the_message_needs(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001, language="tr"), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    due = event.starts_at - timedelta(hours=24)

    (claimed,) = claim(db, due, runs)
    again = claim(db, due + timedelta(minutes=5), runs)

    assert (claimed.kind, claimed.chat_id, claimed.language) == (REMINDER, 1001, "tr")
    assert claimed.event.code == event.code
    assert again == []
    first_reminder = stored.notes(event, ana, kind=REMINDER)[0]
    assert (first_reminder.offset_seconds, first_reminder.state) == (
        DAY,
        NotificationState.SENDING,
    )


def test_what_is_due_is_claimed_soonest_first_and_at_most_limit_at_a_time(
    db: Session, runs: FormRuns
) -> None:
    citizens = [new_citizen(db, 1001 + i) for i in range(3)]
    event = new_event(db)
    for citizen in citizens:
        REGISTRAR.register(db, citizen, event, NOW)
        db.commit()
    an_hour_before = event.starts_at - timedelta(hours=1)

    first = claim_due(db, an_hour_before, answered_with(runs), limit=4).to_send
    db.commit()
    rest = claim_due(db, an_hour_before, answered_with(runs), limit=4).to_send
    db.commit()

    assert len(first) == 4
    assert len(rest) == 2
    assert [c.kind for c in first + rest] == [REMINDER] * 6
    assert next_due(db) == event.ends_at + POLICY.post_event_delay


def test_after_downtime_a_reminder_still_ahead_of_the_start_is_sent_late(
    db: Session, runs: FormRuns
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()

    claimed = claim(db, event.starts_at - timedelta(minutes=10), runs)

    assert who(claimed) == [(REMINDER, 1001), (REMINDER, 1001)]


def test_a_reminder_whose_event_already_started_is_dropped_and_counted_missed(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.register(db, boris, event, NOW)
    db.commit()

    claimed = claim(db, event.starts_at, runs)

    assert claimed == []
    reminders = stored.notes(event, kind=REMINDER)
    assert {n.state for n in reminders} == {NotificationState.MISSED}
    counts = stored.counts(event)
    assert (counts.reminders_missed, counts.reminders_sent) == (4, 0)


def test_sent_reminders_are_counted_sent(db: Session, runs: FormRuns, stored: Stored) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    due = event.starts_at - timedelta(hours=24)

    for claimed in claim(db, due, runs):
        mark_sent(db, claimed, due, POLICY)
        db.commit()

    assert stored.counts(event).reminders_sent == 1
    assert stored.notes(event, ana, kind=FOLLOWUP) == []  # only an invitation gets one


def test_the_reminder_of_a_citizen_who_cancelled_is_not_sent(db: Session, runs: FormRuns) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.cancel(db, ana, event, NOW + timedelta(hours=1))
    db.commit()

    assert claim(db, event.starts_at - timedelta(minutes=30), runs) == []


# --- the invitation to the feedback form ----------------------------------------------------------


def test_the_invitation_goes_only_to_those_who_checked_in_when_anyone_did(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, boris, chavdar = new_citizen(db, 1001), new_citizen(db, 1002), new_citizen(db, 1003)
    event = new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.register(db, boris, event, NOW)
    db.commit()
    REGISTRAR.check_in(db, boris, event, event.starts_at)
    db.commit()
    REGISTRAR.check_in(db, chavdar, event, event.starts_at)  # on the spot
    db.commit()
    invitation_due = event.ends_at + POLICY.post_event_delay

    claimed = claim(db, invitation_due, runs)

    assert who(claimed) == [(INVITATION, 1002), (INVITATION, 1003)]
    (skipped,) = stored.notes(event, ana, kind=INVITATION)
    assert skipped.state == NotificationState.SKIPPED


def test_the_invitation_goes_to_everyone_registered_when_nobody_checked_in(
    db: Session, runs: FormRuns
) -> None:
    ana, boris, chavdar = new_citizen(db, 1001), new_citizen(db, 1002), new_citizen(db, 1003)
    event = new_event(db, capacity=2)
    for citizen in (ana, boris, chavdar):  # chavdar stays on the waiting list
        REGISTRAR.register(db, citizen, event, NOW)
        db.commit()

    claimed = claim(db, event.ends_at + POLICY.post_event_delay, runs)

    assert who([c for c in claimed if c.kind == INVITATION]) == [
        (INVITATION, 1001),
        (INVITATION, 1002),
    ]


def test_the_invitation_is_due_post_event_delay_after_the_end(db: Session, runs: FormRuns) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, offsets=())
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    invitation_due = event.ends_at + POLICY.post_event_delay

    assert claim(db, invitation_due - SECOND, runs) == []
    assert who(claim(db, invitation_due, runs)) == [(INVITATION, 1001)]


def test_the_invitation_is_skipped_when_the_citizen_already_answered_the_events_form(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event, other_event = new_event(db, offsets=()), new_event(db, offsets=())
    for citizen in (ana, boris):
        REGISTRAR.register(db, citizen, event, NOW)
        db.commit()
    complete_event_form(db, runs, ana, event)  # scanned the feedback QR code at the venue
    complete_event_form(db, runs, boris, other_event)  # answered about another event only

    claimed = claim(db, event.ends_at + POLICY.post_event_delay, runs)

    assert who(claimed) == [(INVITATION, 1002)]
    (skipped,) = stored.notes(event, ana, kind=INVITATION)
    assert skipped.state == NotificationState.SKIPPED


# --- the one follow-up ----------------------------------------------------------------------------


def invite(db: Session, runs: FormRuns, event: Event) -> datetime:
    """Send the due invitations; returns when they were sent."""
    sent_at = event.ends_at + POLICY.post_event_delay + timedelta(seconds=7)
    for claimed in claim(db, sent_at, runs):
        mark_sent(db, claimed, sent_at, POLICY)
        db.commit()
    return sent_at


def test_a_sent_invitation_gets_exactly_one_followup_followup_delay_after_it_was_sent(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, offsets=())
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()

    sent_at = invite(db, runs, event)

    (invitation,) = stored.notes(event, ana, kind=INVITATION)
    assert (invitation.state, invitation.sent_at) == (NotificationState.SENT, sent_at)
    (followup,) = stored.notes(event, ana, kind=FOLLOWUP)
    assert (followup.due_at, followup.state) == (
        sent_at + POLICY.followup_delay,
        NotificationState.PENDING,
    )
    assert stored.counts(event).invitations_sent == 1


def test_the_followup_goes_to_whoever_has_not_answered_and_then_nothing_more(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, offsets=())
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    followup_due = invite(db, runs, event) + POLICY.followup_delay

    assert claim(db, followup_due - SECOND, runs) == []
    (claimed,) = claim(db, followup_due, runs)
    mark_sent(db, claimed, followup_due, POLICY)
    db.commit()

    assert claimed.kind == FOLLOWUP
    assert claim(db, followup_due + timedelta(days=30), runs) == []
    assert next_due(db) is None
    assert len(stored.notes(event, ana)) == 2


def test_the_followup_is_skipped_when_the_citizen_answers_before_it_is_due(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, offsets=())
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    followup_due = invite(db, runs, event) + POLICY.followup_delay
    complete_event_form(db, runs, ana, event)

    assert claim(db, followup_due, runs) == []
    (followup,) = stored.notes(event, ana, kind=FOLLOWUP)
    assert followup.state == NotificationState.SKIPPED


def test_a_form_left_half_way_does_not_count_as_answered(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, offsets=())
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    followup_due = invite(db, runs, event) + POLICY.followup_delay
    runs.start(db.connection(), ana, event.flow_id, language="en", event_id=event.id)
    db.commit()

    assert who(claim(db, followup_due, runs)) == [(FOLLOWUP, 1001)]


# --- cancelled events, failures and blocked citizens ----------------------------------------------


def test_a_cancelled_event_sends_only_its_cancellation_notice(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.register(db, boris, event, NOW)
    db.commit()
    REGISTRAR.cancel_event(db, event, NOW + timedelta(hours=1))
    db.commit()

    claimed = claim(db, event.ends_at + timedelta(days=5), runs)

    assert who(claimed) == [
        (NotificationKind.CANCELLED, 1001),
        (NotificationKind.CANCELLED, 1002),
    ]
    others = [n for n in stored.notes(event) if n.kind != NotificationKind.CANCELLED]
    assert {n.state for n in others} == {NotificationState.CANCELLED}


def test_a_refused_message_is_recorded_failed_and_not_retried(
    db: Session, runs: FormRuns, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, offsets=(HOUR,))
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    due = event.starts_at - timedelta(hours=1)
    (claimed,) = claim(db, due, runs)

    mark_failed(db, claimed, "Bad Request: chat not found " + "x" * 300)
    db.commit()

    (row,) = stored.notes(event, ana, kind=REMINDER)
    assert row.state == NotificationState.FAILED
    assert row.error is not None
    assert row.error.startswith("Bad Request: chat not found")
    assert len(row.error) == 200
    assert claim(db, due + timedelta(minutes=1), runs) == []


def test_a_citizen_who_blocked_the_bot_is_unreachable_and_gets_nothing_more(
    db: Session, runs: FormRuns, stored: Stored, sessions: sessionmaker[Session]
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event, second_event = new_event(db), new_event(db, starts_in=timedelta(days=10))
    for citizen in (ana, boris):
        REGISTRAR.register(db, citizen, event, NOW)
        db.commit()
    REGISTRAR.register(db, ana, second_event, NOW)
    db.commit()
    first_due = event.starts_at - timedelta(hours=24)
    (to_ana,) = [c for c in claim(db, first_due, runs) if c.chat_id == 1001]

    mark_unreachable(db, to_ana)
    db.commit()

    with sessions() as session:
        reloaded = session.get(Citizen, ana.id)
        assert reloaded is not None
        assert reloaded.unreachable is True
    ana_rows = stored.notes(event, ana) + stored.notes(second_event, ana)
    assert {n.state for n in ana_rows} == {NotificationState.SKIPPED}
    much_later = second_event.ends_at + timedelta(days=5)
    assert {c.chat_id for c in claim(db, much_later, runs)} == {1002}


# --- the worker, against the fake Bot API --------------------------------------------------------


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.url))
    bot = Bot(BOT_TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    yield bot
    await bot.session.close()


def texts(telegram: FakeTelegram, chat_id: int) -> list[str]:
    return [message.content for message in telegram.messages(chat_id)]


def attempts(telegram: FakeTelegram, chat_id: int) -> int:
    """sendMessage requests to the chat, refused ones included."""
    return sum(r.params.get("chat_id") == chat_id for r in telegram.requests("sendMessage"))


async def test_the_worker_sends_each_message_once_at_its_time_through_an_events_life(
    db: Session, sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db, title="Budget round table")
    for citizen in (ana, boris):
        REGISTRAR.register(db, citizen, event, NOW)
        db.commit()
    clock = FakeClock(NOW)
    worker = new_worker(bot, sessions, clock)
    invitation_due = event.ends_at + POLICY.post_event_delay
    moments = [
        (event.starts_at - timedelta(hours=24), 2),  # the 24h reminders
        (event.starts_at - timedelta(hours=24) + timedelta(minutes=1), 0),
        (event.starts_at - timedelta(hours=1), 2),  # the 1h reminders
        (event.ends_at, 0),
        (invitation_due, 2),  # the invitations
        (invitation_due + POLICY.followup_delay - SECOND, 0),
        (invitation_due + POLICY.followup_delay, 2),  # the follow-ups
        (invitation_due + timedelta(days=60), 0),  # then nothing more
    ]

    sent = []
    for moment, _expected in moments:
        clock.move_to(moment)
        sent.append(await worker.send_due())
        assert await worker.send_due() == 0  # called again at the same moment: nothing twice

    assert sent == [expected for _, expected in moments]
    for chat_id in (1001, 1002):
        assert len(texts(telegram, chat_id)) == 4  # two reminders, invitation, follow-up
        assert attempts(telegram, chat_id) == 4
    assert all("Budget round table" in text for text in texts(telegram, 1001))


async def test_the_invitation_and_followup_carry_a_button_to_the_events_form(
    db: Session, sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    ana, event = new_citizen(db, 1001, language="en"), new_event(db, offsets=())
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    clock = FakeClock(event.ends_at + POLICY.post_event_delay)
    worker = new_worker(bot, sessions, clock)

    await worker.send_due()

    message = telegram.last_message(1001)
    assert message is not None
    form_button = EventCb(action=EventAction.FEEDBACK, code=event.code).pack()
    assert telegram.buttons(message) == [[("Give feedback", form_button)]]


async def test_a_restarted_worker_at_the_same_moment_sends_nothing_twice(
    db: Session, sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    due = event.starts_at - timedelta(hours=24)
    assert await new_worker(bot, sessions, FakeClock(due)).send_due() == 1

    after_restart = await new_worker(bot, sessions, FakeClock(due)).send_due()

    assert after_restart == 0
    assert len(texts(telegram, 1001)) == 1


async def test_a_message_claimed_before_a_crash_is_never_sent_after_the_restart(
    db: Session, sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot, runs: FormRuns
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    due = event.starts_at - timedelta(hours=24)
    claim(db, due, runs)  # the process died between claiming and sending

    after_restart = new_worker(bot, sessions, FakeClock(due + timedelta(minutes=1)))
    sent = await after_restart.send_due()

    assert sent == 0
    assert texts(telegram, 1001) == []


async def test_a_citizen_who_blocked_the_bot_is_marked_unreachable_and_skipped_from_then_on(
    db: Session,
    sessions: sessionmaker[Session],
    telegram: FakeTelegram,
    bot: Bot,
    stored: Stored,
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db)
    for citizen in (ana, boris):
        REGISTRAR.register(db, citizen, event, NOW)
        db.commit()
    telegram.blocked.add(1002)
    clock = FakeClock(event.starts_at - timedelta(hours=24))
    worker = new_worker(bot, sessions, clock)

    sent = await worker.send_due()

    assert sent == 1
    assert len(texts(telegram, 1001)) == 1
    with sessions() as session:
        blocked = session.exec(select(Citizen).where(Citizen.telegram_id == 1002)).one()
    assert blocked.unreachable is True
    assert {n.state for n in stored.notes(event, boris)} == {NotificationState.SKIPPED}

    for later in (event.starts_at - timedelta(hours=1), event.ends_at + POLICY.post_event_delay):
        clock.move_to(later)
        await worker.send_due()

    assert attempts(telegram, 1002) == 1  # the one refused with 403
    assert len(texts(telegram, 1001)) == 3  # and the 1h reminder and the invitation


async def test_after_a_403_no_other_message_of_the_same_batch_is_tried_on_that_citizen(
    db: Session, sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)  # two reminders, both due after downtime
    db.commit()
    telegram.blocked.add(1001)
    worker = new_worker(bot, sessions, FakeClock(event.starts_at - timedelta(minutes=10)))

    await worker.send_due()

    assert attempts(telegram, 1001) == 1


async def test_send_due_sends_everything_due_even_behind_many_settled_rows(
    db: Session, sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    # 26 registered, two reminders each: 52 reminders missed while the bot was down, then
    # 26 invitations, of which only the one to the citizen who checked in applies.
    citizens = [new_citizen(db, 2000 + i) for i in range(26)]
    event = new_event(db)
    for citizen in citizens:
        REGISTRAR.register(db, citizen, event, NOW)
        db.commit()
    REGISTRAR.check_in(db, citizens[-1], event, event.starts_at)
    db.commit()
    worker = new_worker(bot, sessions, FakeClock(event.ends_at + POLICY.post_event_delay))

    sent = await worker.send_due()

    assert sent == 1
    assert len(texts(telegram, 2025)) == 1


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("bg", "Кръгла маса за бюджета"),
        ("en", "Budget round table"),
        ("tr", "Bütçe yuvarlak masası"),
        (None, "Кръгла маса за бюджета"),  # not chosen yet: DEFAULT_LANGUAGE
    ],
    ids=["bg", "en", "tr", "default"],
)
async def test_messages_are_in_the_citizens_language(
    db: Session,
    sessions: sessionmaker[Session],
    telegram: FakeTelegram,
    bot: Bot,
    language: str | None,
    title: str,
) -> None:
    citizen = add_citizen(db, telegram_id=1001, language=language)
    db.commit()
    event = new_event(db, offsets=(HOUR,))
    event.title = {
        "bg": "Кръгла маса за бюджета",
        "en": "Budget round table",
        "tr": "Bütçe yuvarlak masası",
    }
    db.add(event)
    db.commit()
    REGISTRAR.register(db, citizen, event, NOW)
    db.commit()
    worker = new_worker(bot, sessions, FakeClock(event.starts_at - timedelta(hours=1)))
    i18n = create_i18n("bg")
    with i18n.context(), i18n.use_locale(language or "bg"):
        expected = _("Reminder: {title} starts soon.").format(title=title)
        details = _("Event details")
        month = {"bg": "ноември", "en": "November", "tr": "Kasım"}[language or "bg"]

    await worker.send_due()

    (message,) = telegram.messages(1001)
    assert message.content.startswith(expected)
    assert f"5 {month} 2026, 11:00–13:00" in message.content  # 09:00 UTC, in Sofia's time
    assert [label for row in telegram.buttons(message) for label, _data in row] == [details]
    if language != "en":
        assert "Reminder" not in message.content
