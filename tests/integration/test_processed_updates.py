"""The update's first look at the database, and the commit the update ends with."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.storage.citizens import add_citizen
from civic_feedback.storage.models import Citizen, ProcessedUpdate
from civic_feedback.storage.processed_updates import (
    commit_pending,
    handled_elsewhere,
    look_up_arrival,
    record_with_next_commit,
)


def _recorded(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return list(session.exec(select(col(ProcessedUpdate.update_id))).all())


def _commits(session: Session) -> list[int]:
    made: list[int] = []
    event.listen(session, "after_commit", lambda _: made.append(1))
    return made


def test_arrival_of_a_stranger_finds_no_citizen_and_an_unseen_update(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        arrival = look_up_arrival(session, 1, 5005)

    assert not arrival.seen
    assert arrival.citizen is None


def test_arrival_of_a_known_citizen_carries_them_ready_to_change(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        add_citizen(session, telegram_id=5005, language="tr")
        session.commit()

    with sessions() as session:
        arrival = look_up_arrival(session, 1, 5005)
        assert arrival.citizen is not None
        assert arrival.citizen.language == "tr"
        arrival.citizen.language = "bg"  # no add: the citizen is part of the session
        session.commit()

    with sessions() as session:
        stored = session.exec(select(Citizen).where(Citizen.telegram_id == 5005)).one()
    assert stored.language == "bg"


def test_an_update_recorded_before_arrives_as_seen(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        record_with_next_commit(session, 77)
        commit_pending(session)

    with sessions() as session:
        arrival = look_up_arrival(session, 77, None)

    assert arrival.seen
    assert _recorded(sessions) == [77]


def test_after_the_handlers_own_commit_nothing_is_committed_again(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        record_with_next_commit(session, 78)
        session.commit()
        commits = _commits(session)

        commit_pending(session)

    assert commits == []
    assert _recorded(sessions) == [78]


def test_a_change_made_after_the_handlers_commit_is_still_committed(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        citizen = add_citizen(session, telegram_id=5006, language="en")
        record_with_next_commit(session, 79)
        session.commit()
        citizen.opted_out = True

        commit_pending(session)

    with sessions() as session:
        stored = session.exec(select(Citizen).where(Citizen.telegram_id == 5006)).one()
    assert stored.opted_out


def test_an_update_another_process_recorded_is_handled_elsewhere_and_only_then(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as ours, sessions() as theirs:
        record_with_next_commit(ours, 80)
        record_with_next_commit(theirs, 81)
        ours.commit()
        theirs.commit()

        assert handled_elsewhere(ours, 81)  # the other replica's commit
        assert not handled_elsewhere(ours, 80)  # a failure after our own commit is ours
        assert not handled_elsewhere(ours, 82)  # nobody recorded it


def test_a_failed_commit_does_not_count_as_having_recorded_the_update(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as theirs:
        record_with_next_commit(theirs, 83)
        theirs.commit()

    with sessions() as ours:
        record_with_next_commit(ours, 83)
        with pytest.raises(IntegrityError):
            ours.commit()
        ours.rollback()

        assert handled_elsewhere(ours, 83)
