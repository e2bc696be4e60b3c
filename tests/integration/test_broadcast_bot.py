"""/broadcast in Telegram: organizers compose, choose recipients, see the count, send.

The real dispatcher is fed updates in-process (tests/integration/test_forms_bot.py's harness); the
database shows what was queued and the audit log who did it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from aiogram.methods import SendMessage
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.bot.callbacks import BroadcastAction, BroadcastCb
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.storage.citizens import set_opted_out
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import (
    AuditEntry,
    Broadcast,
    BroadcastState,
    Outbox,
    OutboxState,
    Role,
)
from civic_feedback.storage.roles import grant, revoke
from tests.support.citizens import add_citizen
from tests.support.keys import PSEUDONYM_KEY
from tests.support.people import Person
from tests.support.recording_session import message_update
from tests.support.screens import labels, shown
from tests.support.telegram import ADMIN, CITIZEN, ORGANIZER, StaffTelegram, Telegram, watched


@pytest.fixture
async def tg(database_url: str, sessions: sessionmaker[Session]) -> AsyncIterator[StaffTelegram]:
    with sessions() as session:
        install_library(session)
        session.commit()
        for telegram_id, language, municipality in [
            (8001, "bg", "Сливен"),
            (8002, "en", "Сливен"),
            (8003, "tr", "Хасково"),
            (8004, None, None),
        ]:
            citizen = add_citizen(session, telegram_id=telegram_id, language=language)
            session.commit()
            citizen.municipality = municipality
        stopped = add_citizen(session, telegram_id=8005, language="bg")
        session.commit()
        set_opted_out(session, stopped, opted_out=True)
        session.commit()
        grant(session, ORGANIZER, Role.ORGANIZER, granted_by="test")
        session.commit()
    async with watched(StaffTelegram(database_url, sessions)) as telegram:
        yield telegram


def broadcasts(tg: Telegram) -> list[Broadcast]:
    with tg.sessions() as session:
        return list(session.exec(select(Broadcast).order_by(col(Broadcast.id))))


def outbox_chats(tg: Telegram, broadcast_id: int | None) -> int:
    with tg.sessions() as session:
        rows = session.exec(select(Outbox).where(Outbox.broadcast_id == broadcast_id))
        return len(rows.all())


def audit_entries(tg: Telegram) -> list[AuditEntry]:
    with tg.sessions() as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


async def write_bold(person: Person, text: str, bold: str) -> None:
    """Send ``text`` whose first ``bold`` characters are bold, as Telegram delivers it."""
    raw = message_update(person.tg.next_update_id(), person.user_id, text, "en")
    raw["message"]["entities"] = [{"type": "bold", "offset": 0, "length": len(bold)}]
    await person.tg.deliver(raw)


async def compose(person: Person, text: str = "Public hearing on Thursday") -> None:
    await person.say("/broadcast")
    await write_bold(person, text, "Public hearing")


async def test_an_organizer_composes_chooses_recipients_sees_the_count_and_sends(
    tg: StaffTelegram,
) -> None:
    organizer = Person(tg, ORGANIZER)

    prompt = (await organizer.say("/broadcast")).one(SendMessage)
    assert "Send me its text in 🇧🇬 Български" in prompt.text
    await write_bold(organizer, "Public hearing on Thursday <18:00> & more", "Public hearing")
    assert labels(organizer.screen.reply_markup) == [
        "Add the text in 🇬🇧 English",
        "Add the text in 🇹🇷 Türkçe",
        "Choose recipients →",
        "Cancel",
    ]
    await organizer.tap("Choose recipients →")
    assert labels(organizer.screen.reply_markup)[:6] == [
        "All subscribers",
        "In Сливен",
        "In Хасково",
        "Speaking 🇧🇬 Български",
        "Speaking 🇬🇧 English",
        "Speaking 🇹🇷 Türkçe",
    ]
    calls = await organizer.tap("In Сливен")

    heading, text, confirm = calls.of(SendMessage)
    assert heading.text == "This is how citizens will see it:"
    assert text.text == "<b>Public hearing</b> on Thursday &lt;18:00&gt; &amp; more"
    assert "Recipients: 2." in confirm.text
    assert labels(confirm.reply_markup) == ["Send to 2", "Other recipients", "Cancel"]
    assert tg.wakes == 0

    await organizer.tap("Send to 2")

    (broadcast,) = broadcasts(tg)
    assert broadcast.state == BroadcastState.QUEUED
    assert broadcast.segment == "municipality=Сливен"
    assert broadcast.texts == {"bg": text.text}
    assert outbox_chats(tg, broadcast.id) == 2
    assert tg.wakes == 1
    assert f"Announcement {broadcast.id}: sending to 2 citizens" in shown(organizer.screen)
    assert labels(organizer.screen.reply_markup) == ["Stop sending"]
    (entry,) = audit_entries(tg)
    assert (entry.action, entry.subject) == ("broadcast", "municipality=Сливен")
    assert entry.actor == pseudonym(PSEUDONYM_KEY.encode(), ORGANIZER)
    assert str(ORGANIZER) not in entry.actor


async def test_texts_in_other_languages_are_added_and_all_subscribers_exclude_those_who_stopped(
    tg: StaffTelegram,
) -> None:
    admin = Person(tg, ADMIN)
    await compose(admin)
    await admin.tap("Add the text in 🇬🇧 English")
    assert "Send me the text in 🇬🇧 English" in shown(admin.screen)
    await write_bold(admin, "Public hearing, in English", "Public hearing")
    assert "Add the text in 🇬🇧 English" not in labels(admin.screen.reply_markup)
    await admin.tap("Choose recipients →")
    confirm = (await admin.tap("All subscribers")).of(SendMessage)[-1]

    assert "Recipients: 5." in confirm.text  # four citizens and the admin; 8005 sent /stop
    await admin.tap("Send to 5")
    (broadcast,) = broadcasts(tg)
    assert set(broadcast.texts) == {"bg", "en"}
    assert outbox_chats(tg, broadcast.id) == 5


async def test_an_organizer_of_one_municipality_reaches_only_its_citizens(
    tg: StaffTelegram,
) -> None:
    clerk = 7011
    with tg.sessions() as session:
        grant(session, clerk, Role.ORGANIZER, granted_by="test", municipality="Сливен")
        session.commit()
    organizer = Person(tg, clerk)
    await compose(organizer)

    await organizer.tap("Choose recipients →")
    offered = labels(organizer.screen.reply_markup)
    confirm = (await organizer.tap("Speaking 🇬🇧 English")).of(SendMessage)[-1]
    await organizer.tap("Send to 1")

    assert offered[:4] == [
        "All subscribers in Сливен",
        "Speaking 🇧🇬 Български",
        "Speaking 🇬🇧 English",
        "Speaking 🇹🇷 Türkçe",
    ]
    assert not any(label.startswith("In ") for label in offered)  # no other municipality
    assert "Recipients: 1." in confirm.text  # 8002; not 8003, who speaks Turkish in Хасково
    (broadcast,) = broadcasts(tg)
    assert broadcast.segment == "municipality=Сливен;language=en"
    assert outbox_chats(tg, broadcast.id) == 1


async def test_a_citizen_is_refused_every_step_and_nothing_changes(
    tg: StaffTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    organizer, citizen = Person(tg, ORGANIZER), Person(tg, CITIZEN)
    await compose(organizer)
    (draft,) = broadcasts(tg)
    assert draft.id is not None

    with caplog.at_level(logging.WARNING):
        reply = (await citizen.say("/broadcast")).one(SendMessage)
        pressed = []
        for act in ("seg", "send", "cancel", "stop"):
            data = BroadcastCb(id=draft.id, action=BroadcastAction(act)).pack()
            pressed.append((await citizen.press(data, message_id=1)).callback_answer)

    assert "Only organizers can send announcements" in reply.text
    assert all("Only organizers" in (answer.text or "") for answer in pressed)
    assert [b.state for b in broadcasts(tg)] == [BroadcastState.DRAFT]
    assert not audit_entries(tg)
    refusals = [r for r in caplog.records if "refused permission=broadcast" in r.getMessage()]
    assert len(refusals) == 5
    assert all(str(CITIZEN) not in r.getMessage() for r in refusals)


async def test_a_citizens_text_is_never_taken_for_a_draft(tg: StaffTelegram) -> None:
    await compose(Person(tg, ORGANIZER))
    citizen = Person(tg, CITIZEN)

    reply = (await citizen.say("Hello, is anyone there?")).one(SendMessage)

    assert "To answer a form, send /feedback" in reply.text
    (draft,) = broadcasts(tg)
    assert draft.texts["bg"].startswith("<b>Public hearing</b>")


async def test_another_organizer_cannot_send_someone_elses_draft(tg: StaffTelegram) -> None:
    await compose(Person(tg, ORGANIZER))
    (draft,) = broadcasts(tg)
    assert draft.id is not None
    admin = Person(tg, ADMIN)

    answer = (
        await admin.press(BroadcastCb(id=draft.id, action=BroadcastAction.SEND).pack(), 1)
    ).callback_answer

    assert answer.text == "This button is no longer active."
    assert [b.state for b in broadcasts(tg)] == [BroadcastState.DRAFT]


async def test_a_role_revoked_mid_way_stops_the_draft(tg: StaffTelegram) -> None:
    organizer = Person(tg, ORGANIZER)
    await organizer.say("/broadcast")
    with tg.sessions() as session:
        revoke(session, ORGANIZER)
        session.commit()

    reply = (await organizer.say("Public hearing on Thursday")).one(SendMessage)

    assert "Only organizers" in reply.text
    (draft,) = broadcasts(tg)
    assert draft.texts == {}


async def test_cancel_drops_the_draft_and_a_new_broadcast_replaces_an_old_draft(
    tg: StaffTelegram,
) -> None:
    organizer = Person(tg, ORGANIZER)
    await organizer.say("/broadcast")
    await organizer.say("/broadcast")
    assert len(broadcasts(tg)) == 1

    reply = (await organizer.say("/cancel")).one(SendMessage)

    assert reply.text == "Cancelled: nothing was sent."
    assert broadcasts(tg) == []
    unknown = (await organizer.say("/cancel")).one(SendMessage)
    assert "I do not know this command" in unknown.text


async def test_the_draft_survives_a_restart_between_steps(tg: StaffTelegram) -> None:
    organizer = Person(tg, ORGANIZER)
    await compose(organizer)
    tg.restart()

    await organizer.tap("Choose recipients →")
    await organizer.tap("Speaking 🇹🇷 Türkçe")
    await organizer.tap("Send to 1")

    (broadcast,) = broadcasts(tg)
    assert (broadcast.state, broadcast.segment) == (BroadcastState.QUEUED, "language=tr")


async def test_stop_sending_cancels_what_is_left_and_is_audited(tg: StaffTelegram) -> None:
    organizer = Person(tg, ORGANIZER)
    await compose(organizer)
    await organizer.tap("Choose recipients →")
    await organizer.tap("All subscribers")
    await organizer.tap("Send to 5")

    await organizer.tap("Stop sending")

    (broadcast,) = broadcasts(tg)
    assert broadcast.state == BroadcastState.CANCELLED
    with tg.sessions() as session:
        states = session.exec(select(Outbox.state).where(Outbox.broadcast_id == broadcast.id))
        assert set(states.all()) == {OutboxState.CANCELLED}
    assert "5 messages will not be sent" in shown(organizer.screen)
    assert [e.action for e in audit_entries(tg)] == ["broadcast", "broadcast_cancel"]
