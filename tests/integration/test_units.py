"""Units of work: what a handler step stores is committed with the update id, in one place."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from aiogram.utils.i18n import get_i18n
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.units import (
    HandledElsewhereError,
    Sender,
    Unit,
    UnitRunner,
    UpdateWork,
)
from civic_feedback.services.form_runs import FormRuns, Prompt
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import Citizen, Conversation, ProcessedUpdate
from civic_feedback.storage.processed_updates import last_update_id, look_up_arrival, record_update
from tests.support.citizens import add_citizen
from tests.support.keys import PSEUDONYM_KEY
from tests.support.recording_session import RecordingSession, make_bot

ANA = Sender(telegram_id=5005, language="bg")


def _recorded(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return list(session.exec(select(col(ProcessedUpdate.update_id))).all())


def _citizens(sessions: sessionmaker[Session]) -> list[Citizen]:
    with sessions() as session:
        return list(session.exec(select(Citizen)).all())


def _work(
    sessions: sessionmaker[Session], update_id: int, runner: UnitRunner | None = None
) -> UpdateWork:
    engine = sessions.kw["bind"]
    arrival = look_up_arrival(engine, update_id, ANA.telegram_id)
    assert not arrival.seen
    return UpdateWork(sessions, runner or UnitRunner(), update_id, arrival.citizen, ANA)


def _meet_ana(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_citizen(session, telegram_id=ANA.telegram_id, language="tr")
        session.commit()


def test_arrival_of_a_stranger_finds_no_citizen_and_an_unseen_update(engine: Engine) -> None:
    arrival = look_up_arrival(engine, 1, ANA.telegram_id)

    assert not arrival.seen
    assert arrival.citizen is None


def test_arrival_of_a_known_citizen_carries_their_row(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    _meet_ana(sessions)

    arrival = look_up_arrival(engine, 1, ANA.telegram_id)

    assert arrival.citizen is not None
    assert arrival.citizen.language == "tr"


async def test_a_unit_stores_its_work_and_the_update_id_together(
    sessions: sessionmaker[Session],
) -> None:
    work = _work(sessions, 10)

    def meet(unit: Unit) -> int:
        citizen = unit.citizen_or_new()
        unit.session.flush()
        assert citizen.id is not None
        return citizen.id

    citizen_id = await work(meet)

    assert _recorded(sessions) == [10]
    assert [c.id for c in _citizens(sessions)] == [citizen_id]
    assert work.citizen is not None
    assert (work.citizen.id, work.citizen.language) == (citizen_id, "bg")
    assert look_up_arrival(sessions.kw["bind"], 10, ANA.telegram_id).seen


async def test_later_units_see_the_first_ones_work_and_record_nothing_again(
    sessions: sessionmaker[Session],
) -> None:
    _meet_ana(sessions)
    work = _work(sessions, 11)

    def choose_english(unit: Unit) -> None:
        assert unit.citizen is not None
        unit.citizen.language = "en"

    await work(choose_english)
    seen = await work(lambda unit: unit.citizen.language if unit.citizen else None)

    assert seen == "en"
    assert work.citizen is not None
    assert work.citizen.language == "en"
    assert _recorded(sessions) == [11]


async def test_a_newcomer_met_in_a_unit_starts_a_form_in_it_and_nothing_shows_before_the_commit(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        install_library(session)
    runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
    work = _work(sessions, 18)

    def meet_and_start(unit: Unit) -> tuple[int, bool]:
        citizen = unit.snapshot_or_new()
        prompt = runs.start(unit.db, citizen, "event-satisfaction", language="bg")
        assert isinstance(prompt, Prompt)
        with sessions() as other:  # another connection sees none of it yet
            unseen = find_citizen(other, ANA.telegram_id) is None
        return citizen.id, unseen

    citizen_id, unseen_before_commit = await work(meet_and_start)

    assert unseen_before_commit
    with sessions() as session:
        stored = find_citizen(session, ANA.telegram_id)
        assert stored is not None
        assert (stored.id, stored.language, stored.opted_out) == (citizen_id, "bg", False)
        assert session.get(Conversation, citizen_id) is not None
    assert _recorded(sessions) == [18]


async def test_a_unit_changes_the_sender_as_plain_data_or_through_the_row_and_both_are_kept(
    sessions: sessionmaker[Session],
) -> None:
    _meet_ana(sessions)
    work = _work(sessions, 19)
    accepted = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)

    def accept_then_choose(unit: Unit) -> None:
        unit.change_citizen(privacy_accepted_at=accepted)  # a plain update of the row
        citizen = unit.citizen  # the row, loaded after the change, carries it
        assert citizen is not None
        assert citizen.privacy_accepted_at == accepted
        citizen.municipality = "Смолян"

    await work(accept_then_choose)

    assert work.citizen is not None
    assert (work.citizen.privacy_accepted_at, work.citizen.municipality) == (accepted, "Смолян")
    with sessions() as session:
        stored = find_citizen(session, ANA.telegram_id)
        assert stored is not None
        assert (stored.privacy_accepted_at, stored.municipality) == (accepted, "Смолян")


async def test_a_returning_citizens_unreachable_mark_and_old_last_seen_are_renewed_once(
    sessions: sessionmaker[Session],
) -> None:
    long_ago = datetime(2025, 1, 1, tzinfo=UTC)
    with sessions.begin() as session:
        citizen = add_citizen(session, telegram_id=ANA.telegram_id, language="bg")
        citizen.unreachable, citizen.last_seen = True, long_ago
    work = _work(sessions, 20)

    await work(lambda unit: None)
    await work(lambda unit: None)

    assert work.citizen is not None
    assert not work.citizen.unreachable
    assert work.citizen.last_seen > long_ago
    with sessions() as session:
        stored = find_citizen(session, ANA.telegram_id)
        assert stored is not None
        assert not stored.unreachable
        assert stored.last_seen == work.citizen.last_seen


async def test_a_unit_that_fails_stores_nothing_not_even_the_update_id(
    sessions: sessionmaker[Session],
) -> None:
    work = _work(sessions, 12)

    def fail(unit: Unit) -> None:
        unit.citizen_or_new()
        raise RuntimeError("the handler's bug")

    with pytest.raises(RuntimeError):
        await work(fail)

    assert _recorded(sessions) == []
    assert _citizens(sessions) == []
    assert not work.recorded


async def test_an_update_another_replica_handled_meanwhile_is_dropped(
    sessions: sessionmaker[Session],
) -> None:
    ours = _work(sessions, 13)  # both replicas passed the arrival check
    with sessions.begin() as theirs:
        record_update(theirs.connection(), 13)

    def meet(unit: Unit) -> None:
        unit.citizen_or_new()

    with pytest.raises(HandledElsewhereError):
        await ours(meet)

    assert _recorded(sessions) == [13]
    assert _citizens(sessions) == []  # our unit's work was rolled back


async def test_a_duplicate_is_dropped_when_the_work_through_the_session_fails_on_its_flush(
    sessions: sessionmaker[Session],
) -> None:
    _meet_ana(sessions)
    ours = _work(sessions, 21)
    with sessions.begin() as theirs:
        record_update(theirs.connection(), 21)

    def meet_ana_again(unit: Unit) -> None:  # the other replica met her first
        unit.session.add(Citizen(telegram_id=ANA.telegram_id, language="en"))

    with pytest.raises(HandledElsewhereError):
        await ours(meet_ana_again)

    assert [c.language for c in _citizens(sessions)] == ["tr"]
    assert not ours.recorded


async def test_a_conflict_of_our_own_after_the_update_was_recorded_is_an_error(
    sessions: sessionmaker[Session],
) -> None:
    work = _work(sessions, 14)
    await work(lambda unit: None)

    def duplicate(unit: Unit) -> None:
        record_update(unit.db, 14)

    with pytest.raises(IntegrityError):
        await work(duplicate)


async def test_a_unit_may_not_hand_back_a_row(sessions: sessionmaker[Session]) -> None:
    _meet_ana(sessions)
    work = _work(sessions, 15)

    with pytest.raises(TypeError, match="plain data"):
        await work(lambda unit: unit.citizen)

    assert _recorded(sessions) == []


async def test_an_erased_sender_is_no_longer_known_to_the_next_units(
    sessions: sessionmaker[Session],
) -> None:
    _meet_ana(sessions)
    work = _work(sessions, 16)
    known_before = work.citizen

    def erase(unit: Unit) -> None:
        unit.session.delete(unit.citizen_or_new())

    await work(erase)

    assert known_before is not None
    assert work.citizen is None
    assert await work(lambda unit: unit.citizen is None)
    assert _citizens(sessions) == []


async def test_a_runner_with_threads_runs_units_off_the_event_loop_in_the_updates_context(
    sessions: sessionmaker[Session],
) -> None:
    runner = UnitRunner(threads=2)
    try:
        work = _work(sessions, 17, runner)
        i18n = create_i18n("bg")
        loop_thread = threading.get_ident()
        with i18n.context(), i18n.use_locale("tr"):

            def where(unit: Unit) -> tuple[int, str]:
                return threading.get_ident(), get_i18n().current_locale

            thread, locale = await work(where)
    finally:
        runner.close()

    assert thread != loop_thread
    assert locale == "tr"
    assert _recorded(sessions) == [17]


async def test_the_tests_notice_a_bot_api_call_made_inside_a_transaction(
    sessions: sessionmaker[Session],
) -> None:
    api = RecordingSession()
    bot = make_bot(api)

    with sessions() as session:
        session.exec(select(Citizen)).all()  # a transaction, on a pooled connection
        await bot.send_message(ANA.telegram_id, "while reading")
    await bot.send_message(ANA.telegram_id, "after the commit")

    assert api.held_connections == ["SendMessage with 1 connection(s) checked out"]
    api.held_connections.clear()  # noticed: this test is about the notice itself


def test_the_last_update_id_is_the_highest_handled_and_0_before_any(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        assert last_update_id(session) == 0
        record_update(session.connection(), 41)
        record_update(session.connection(), 7)

        assert last_update_id(session) == 41
