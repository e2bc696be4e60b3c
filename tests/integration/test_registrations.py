"""Registrations against the real database: places, the waiting list, check-in, cancellation.

Every change the Registrar makes is committed together with the notification rows the bot
then owes the citizen (reminders still ahead, the post-event invitation, notices). The
rows are read back in a fresh session, as the notification worker would see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.services.registrations import Outcome
from civic_feedback.storage.codes import CODE_ALPHABET, CODE_LENGTH
from civic_feedback.storage.events import (
    RegistrationCounts,
    find_event,
    registration_counts,
    registrations_of,
    upcoming_events,
)
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import (
    Event,
    EventState,
    Notification,
    NotificationKind,
    NotificationState,
    RegistrationStatus,
)
from tests.support.citizens import add_citizen
from tests.support.events import DAY, HOUR, NOW, POLICY, REGISTRAR, Stored, new_citizen, new_event

REMINDER = NotificationKind.REMINDER
INVITATION = NotificationKind.INVITATION
PROMOTED = NotificationKind.PROMOTED
CANCELLED_NOTICE = NotificationKind.CANCELLED
PENDING = NotificationState.PENDING


# --- arranging ----------------------------------------------------------------------------------


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """The session the Registrar works in, on a database with the built-in forms published."""
    with sessions() as session:
        install_library(session)
        session.commit()
        yield session


# --- reading what was stored (a fresh session: what another process would see) -----------------


@pytest.fixture
def stored(sessions: sessionmaker[Session]) -> Stored:
    return Stored(sessions)


def reminder(event: Event, offset: int) -> tuple[str, int, datetime, str]:
    return (REMINDER, offset, event.starts_at - timedelta(seconds=offset), PENDING)


def invitation(event: Event) -> tuple[str, int, datetime, str]:
    return (INVITATION, 0, event.ends_at + POLICY.post_event_delay, PENDING)


# --- events -------------------------------------------------------------------------------------


def test_a_new_event_gets_a_random_readable_code_it_can_be_found_by(db: Session) -> None:
    first, second = new_event(db), new_event(db)

    assert first.code != second.code
    for event in (first, second):
        assert len(event.code) == CODE_LENGTH
        assert set(event.code) <= set(CODE_ALPHABET)
        found = find_event(db, event.code)
        assert found is not None
        assert found.id == event.id


@pytest.mark.parametrize("code", ["", "abc", "ABCDEFGH", "abcdefg0", "abcdefghj", "' or 1=1"])
def test_a_malformed_or_unknown_code_finds_no_event(db: Session, code: str) -> None:
    new_event(db)

    assert find_event(db, code) is None


def test_upcoming_events_are_the_scheduled_ones_not_yet_ended_soonest_first(db: Session) -> None:
    later = new_event(db, starts_in=timedelta(days=5), title="Later")
    sooner = new_event(db, starts_in=timedelta(days=1), title="Sooner")
    running = new_event(db, starts_in=timedelta(hours=-1), title="Running now")
    new_event(db, starts_in=timedelta(days=-1), title="Over")
    cancelled = new_event(db, starts_in=timedelta(days=2), title="Cancelled")
    REGISTRAR.cancel_event(db, cancelled, NOW)
    db.commit()

    titles = [event.title["en"] for event in upcoming_events(db, NOW)]

    assert titles == [running.title["en"], sooner.title["en"], later.title["en"]]


def test_upcoming_events_of_one_municipality(db: Session) -> None:
    new_event(db, municipality="Sliven", title="In Sliven")
    new_event(db, municipality="Haskovo", title="In Haskovo")
    new_event(db, municipality=None, title="Regional")

    in_haskovo = upcoming_events(db, NOW, municipality="Haskovo")

    assert [event.title["en"] for event in in_haskovo] == ["In Haskovo"]
    assert len(upcoming_events(db, NOW)) == 3


# --- registering --------------------------------------------------------------------------------


def test_registering_plans_every_reminder_ahead_and_one_invitation(
    db: Session, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, starts_in=timedelta(days=3))

    outcome = REGISTRAR.register(db, ana, event, NOW)
    db.commit()

    assert outcome is Outcome.REGISTERED
    assert stored.status(event, ana) == RegistrationStatus.REGISTERED
    assert stored.plan(event, ana) == [
        reminder(event, DAY),
        reminder(event, HOUR),
        invitation(event),
    ]


def test_registering_late_plans_only_the_reminders_still_ahead(db: Session, stored: Stored) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, starts_in=timedelta(hours=10))

    REGISTRAR.register(db, ana, event, NOW)
    db.commit()

    assert stored.plan(event, ana) == [reminder(event, HOUR), invitation(event)]


def test_registering_after_the_start_plans_only_the_invitation(db: Session, stored: Stored) -> None:
    ana = new_citizen(db, 1001)
    event = new_event(db, starts_in=timedelta(minutes=-30), lasts=timedelta(hours=2))

    assert REGISTRAR.register(db, ana, event, NOW) is Outcome.REGISTERED
    db.commit()

    assert stored.plan(event, ana) == [invitation(event)]


def test_registering_twice_is_already_and_changes_nothing(db: Session, stored: Stored) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    before = stored.plan(event, ana)

    outcome = REGISTRAR.register(db, ana, event, NOW + timedelta(minutes=5))
    db.commit()

    assert outcome is Outcome.ALREADY
    assert stored.plan(event, ana) == before


def test_a_citizen_met_in_this_very_update_can_register(db: Session, stored: Stored) -> None:
    event = new_event(db)
    newcomer = add_citizen(db, telegram_id=1009, language="bg")  # not committed, no id yet

    assert REGISTRAR.register(db, newcomer, event, NOW) is Outcome.REGISTERED
    db.commit()
    assert stored.status(event, newcomer) == RegistrationStatus.REGISTERED


# --- capacity and the waiting list ---------------------------------------------------------------


def test_when_the_event_is_full_the_next_citizen_is_waitlisted_with_nothing_planned(
    db: Session, stored: Stored
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db, capacity=1)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()

    outcome = REGISTRAR.register(db, boris, event, NOW + timedelta(minutes=1))
    db.commit()

    assert outcome is Outcome.WAITLISTED
    assert stored.status(event, boris) == RegistrationStatus.WAITLISTED
    assert stored.notes(event, boris) == []
    assert REGISTRAR.register(db, boris, event, NOW + timedelta(minutes=2)) is Outcome.ALREADY
    db.commit()


def test_a_freed_place_goes_to_the_first_on_the_waiting_list_who_is_told_at_once(
    db: Session, stored: Stored
) -> None:
    # Citizens met in another order than they joined the list: the list's order counts.
    chavdar, boris, ana = new_citizen(db, 1003), new_citizen(db, 1002), new_citizen(db, 1001)
    event = new_event(db, capacity=1)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.register(db, boris, event, NOW + timedelta(minutes=1))
    db.commit()
    REGISTRAR.register(db, chavdar, event, NOW + timedelta(minutes=2))
    db.commit()
    freed_at = NOW + timedelta(hours=1)

    outcome = REGISTRAR.cancel(db, ana, event, freed_at)
    db.commit()

    assert outcome is Outcome.CANCELLED
    assert stored.status(event, ana) == RegistrationStatus.CANCELLED
    assert stored.status(event, boris) == RegistrationStatus.REGISTERED
    assert stored.status(event, chavdar) == RegistrationStatus.WAITLISTED
    assert stored.plan(event, boris) == [
        (PROMOTED, 0, freed_at, PENDING),
        reminder(event, DAY),
        reminder(event, HOUR),
        invitation(event),
    ]
    assert stored.notes(event, chavdar) == []
    assert {n.state for n in stored.notes(event, ana)} == {NotificationState.CANCELLED}


def test_a_place_freed_shortly_before_the_start_brings_only_the_reminders_still_ahead(
    db: Session, stored: Stored
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db, capacity=1, starts_in=timedelta(days=2))
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.register(db, boris, event, NOW)
    db.commit()
    freed_at = event.starts_at - timedelta(hours=3)

    REGISTRAR.cancel(db, ana, event, freed_at)
    db.commit()

    assert stored.plan(event, boris) == [
        (PROMOTED, 0, freed_at, PENDING),
        reminder(event, HOUR),
        invitation(event),
    ]


def test_the_next_freed_place_goes_to_the_next_on_the_list(db: Session, stored: Stored) -> None:
    ana, boris, chavdar = new_citizen(db, 1001), new_citizen(db, 1002), new_citizen(db, 1003)
    event = new_event(db, capacity=1)
    for minute, citizen in enumerate((ana, boris, chavdar)):
        REGISTRAR.register(db, citizen, event, NOW + timedelta(minutes=minute))
        db.commit()
    REGISTRAR.cancel(db, ana, event, NOW + timedelta(hours=1))
    db.commit()

    REGISTRAR.cancel(db, boris, event, NOW + timedelta(hours=2))
    db.commit()

    assert stored.status(event, chavdar) == RegistrationStatus.REGISTERED
    assert [n.kind for n in stored.notes(event, chavdar, kind=PROMOTED)] == [PROMOTED]


def test_leaving_the_waiting_list_promotes_nobody(db: Session, stored: Stored) -> None:
    ana, boris, chavdar = new_citizen(db, 1001), new_citizen(db, 1002), new_citizen(db, 1003)
    event = new_event(db, capacity=1)
    for minute, citizen in enumerate((ana, boris, chavdar)):
        REGISTRAR.register(db, citizen, event, NOW + timedelta(minutes=minute))
        db.commit()

    outcome = REGISTRAR.cancel(db, boris, event, NOW + timedelta(hours=1))
    db.commit()

    assert outcome is Outcome.CANCELLED
    assert stored.status(event, ana) == RegistrationStatus.REGISTERED
    assert stored.status(event, boris) == RegistrationStatus.CANCELLED
    assert stored.status(event, chavdar) == RegistrationStatus.WAITLISTED
    assert stored.notes(event, chavdar) == []
    assert stored.notes(event, kind=PROMOTED) == []


def test_a_place_taken_by_a_walk_in_is_not_given_again_to_the_waiting_list(
    db: Session, stored: Stored
) -> None:
    ana, boris, chavdar, dora = (new_citizen(db, 1001 + i) for i in range(4))
    event = new_event(db, capacity=2)
    for minute, citizen in enumerate((ana, boris, chavdar)):
        REGISTRAR.register(db, citizen, event, NOW + timedelta(minutes=minute))
        db.commit()
    REGISTRAR.check_in(db, dora, event, event.starts_at)  # walks in: three in two places
    db.commit()

    REGISTRAR.cancel(db, boris, event, event.starts_at + timedelta(minutes=5))
    db.commit()

    assert stored.status(event, chavdar) == RegistrationStatus.WAITLISTED
    assert stored.notes(event, kind=PROMOTED) == []


def test_a_place_freed_after_the_event_ended_promotes_nobody(db: Session, stored: Stored) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db, capacity=1)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.register(db, boris, event, NOW)
    db.commit()

    REGISTRAR.cancel(db, ana, event, event.ends_at + timedelta(minutes=1))
    db.commit()

    assert stored.status(event, boris) == RegistrationStatus.WAITLISTED
    assert stored.notes(event, kind=PROMOTED) == []


# --- cancelling and registering again ----------------------------------------------------------


def test_cancelling_a_place_cancels_the_citizens_pending_notifications(
    db: Session, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()

    REGISTRAR.cancel(db, ana, event, NOW + timedelta(hours=1))
    db.commit()

    assert [n.state for n in stored.notes(event, ana)] == [NotificationState.CANCELLED] * 3


def test_cancelling_without_a_registration_is_not_registered(db: Session) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)

    assert REGISTRAR.cancel(db, ana, event, NOW) is Outcome.NOT_REGISTERED
    db.commit()
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.cancel(db, ana, event, NOW)
    db.commit()
    assert REGISTRAR.cancel(db, ana, event, NOW) is Outcome.NOT_REGISTERED
    db.commit()


def test_registering_again_after_cancelling_revives_the_same_rows_without_duplicates(
    db: Session, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, starts_in=timedelta(days=3))
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    first_ids = [n.id for n in stored.notes(event, ana)]
    REGISTRAR.cancel(db, ana, event, NOW + timedelta(hours=1))
    db.commit()

    outcome = REGISTRAR.register(db, ana, event, NOW + timedelta(hours=2))
    db.commit()

    assert outcome is Outcome.REGISTERED
    assert stored.status(event, ana) == RegistrationStatus.REGISTERED
    assert [n.id for n in stored.notes(event, ana)] == first_ids
    assert stored.plan(event, ana) == [
        reminder(event, DAY),
        reminder(event, HOUR),
        invitation(event),
    ]


def test_registering_again_after_a_reminders_moment_leaves_that_reminder_cancelled(
    db: Session, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db, starts_in=timedelta(days=3))
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.cancel(db, ana, event, NOW + timedelta(hours=1))
    db.commit()

    REGISTRAR.register(db, ana, event, event.starts_at - timedelta(hours=5))
    db.commit()

    cancelled_24h = (REMINDER, DAY, event.starts_at - timedelta(hours=24), "cancelled")
    assert stored.plan(event, ana) == [cancelled_24h, reminder(event, HOUR), invitation(event)]


def test_registering_again_goes_to_the_end_of_the_waiting_list(db: Session, stored: Stored) -> None:
    ana, boris, chavdar = new_citizen(db, 1001), new_citizen(db, 1002), new_citizen(db, 1003)
    event = new_event(db, capacity=1)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.register(db, boris, event, NOW + timedelta(minutes=1))
    db.commit()
    REGISTRAR.register(db, chavdar, event, NOW + timedelta(minutes=2))
    db.commit()
    REGISTRAR.cancel(db, boris, event, NOW + timedelta(minutes=3))
    db.commit()
    assert REGISTRAR.register(db, boris, event, NOW + timedelta(minutes=4)) is Outcome.WAITLISTED
    db.commit()

    REGISTRAR.cancel(db, ana, event, NOW + timedelta(minutes=5))
    db.commit()

    assert stored.status(event, chavdar) == RegistrationStatus.REGISTERED
    assert stored.status(event, boris) == RegistrationStatus.WAITLISTED


def test_the_database_refuses_a_second_row_for_the_same_message(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    assert event.id is not None
    assert ana.id is not None

    with sessions() as other:
        other.add(
            Notification(
                kind=INVITATION, event_id=event.id, citizen_id=ana.id, due_at=event.ends_at
            )
        )
        with pytest.raises(IntegrityError):
            other.commit()


# --- check-in -----------------------------------------------------------------------------------


def test_checking_in_marks_a_registered_citizen_attended_and_keeps_their_plan(
    db: Session, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    plan = stored.plan(event, ana)

    outcome = REGISTRAR.check_in(db, ana, event, event.starts_at)
    db.commit()

    assert outcome is Outcome.CHECKED_IN
    assert stored.status(event, ana) == RegistrationStatus.ATTENDED
    assert stored.plan(event, ana) == plan
    assert REGISTRAR.check_in(db, ana, event, event.starts_at) is Outcome.ALREADY
    db.commit()


def test_checking_in_registers_on_the_spot_even_beyond_the_capacity(
    db: Session, stored: Stored
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db, capacity=1)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    at_the_door = event.starts_at + timedelta(minutes=5)

    outcome = REGISTRAR.check_in(db, boris, event, at_the_door)
    db.commit()

    assert outcome is Outcome.CHECKED_IN
    assert stored.status(event, boris) == RegistrationStatus.ATTENDED
    assert stored.plan(event, boris) == [invitation(event)]  # the reminders are past
    counts = stored.counts(event)
    assert (counts.registered, counts.attended) == (1, 1)


def test_a_waitlisted_citizen_who_comes_anyway_is_checked_in(db: Session, stored: Stored) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db, capacity=1)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.register(db, boris, event, NOW)
    db.commit()

    outcome = REGISTRAR.check_in(db, boris, event, event.starts_at)
    db.commit()

    assert outcome is Outcome.CHECKED_IN
    assert stored.status(event, boris) == RegistrationStatus.ATTENDED
    assert stored.plan(event, boris) == [invitation(event)]


def test_checking_in_after_cancelling_revives_the_invitation(db: Session, stored: Stored) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.register(db, ana, event, NOW)
    db.commit()
    REGISTRAR.cancel(db, ana, event, NOW + timedelta(hours=1))
    db.commit()

    REGISTRAR.check_in(db, ana, event, event.starts_at)
    db.commit()

    assert stored.status(event, ana) == RegistrationStatus.ATTENDED
    assert stored.notes(event, ana, kind=INVITATION)[0].state == PENDING


# --- closed events ------------------------------------------------------------------------------


def test_a_cancelled_event_takes_no_registration_and_no_check_in(
    db: Session, stored: Stored
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)
    REGISTRAR.cancel_event(db, event, NOW)
    db.commit()

    assert REGISTRAR.register(db, ana, event, NOW) is Outcome.CLOSED
    db.commit()
    assert REGISTRAR.check_in(db, ana, event, event.starts_at) is Outcome.CLOSED
    db.commit()
    assert stored.status(event, ana) is None
    assert stored.notes(event, ana) == []


@pytest.mark.parametrize(
    "after_the_end", [timedelta(0), timedelta(minutes=1), timedelta(days=1)], ids=str
)
def test_an_ended_event_takes_no_registration(
    db: Session, stored: Stored, after_the_end: timedelta
) -> None:
    ana, event = new_citizen(db, 1001), new_event(db)

    outcome = REGISTRAR.register(db, ana, event, event.ends_at + after_the_end)
    db.commit()

    assert outcome is Outcome.CLOSED
    assert stored.status(event, ana) is None


def test_cancelling_an_event_cancels_every_pending_row_and_tells_each_citizen_once(
    db: Session, stored: Stored
) -> None:
    ana, boris, chavdar, dora = (new_citizen(db, 1001 + i) for i in range(4))
    event = new_event(db, capacity=2)
    REGISTRAR.register(db, ana, event, NOW)  # registered
    db.commit()
    REGISTRAR.register(db, dora, event, NOW)  # registered, then cancels
    db.commit()
    REGISTRAR.register(db, boris, event, NOW)  # waitlisted, then promoted
    db.commit()
    REGISTRAR.register(db, chavdar, event, NOW)  # waitlisted
    db.commit()
    REGISTRAR.cancel(db, dora, event, NOW + timedelta(minutes=1))
    db.commit()
    REGISTRAR.check_in(db, ana, event, NOW + timedelta(minutes=2))  # attended (early)
    db.commit()
    cancelled_at = NOW + timedelta(hours=1)

    told = REGISTRAR.cancel_event(db, event, cancelled_at)
    db.commit()

    assert told == 3
    with stored.sessions() as session:
        reloaded = session.get(Event, event.id)
        assert reloaded is not None
        assert reloaded.state == EventState.CANCELLED
    others = [n for n in stored.notes(event) if n.kind != CANCELLED_NOTICE]
    assert others
    assert {n.state for n in others} == {NotificationState.CANCELLED}
    notices = stored.notes(event, kind=CANCELLED_NOTICE)
    assert sorted(n.citizen_id for n in notices) == sorted(
        c.id for c in (ana, boris, chavdar) if c.id is not None
    )
    assert {(n.due_at, n.state) for n in notices} == {(cancelled_at, PENDING)}


# --- what organizers and citizens see -----------------------------------------------------------


def test_registration_counts_count_each_status(db: Session, stored: Stored) -> None:
    citizens = [new_citizen(db, 1001 + i) for i in range(6)]
    event = new_event(db, capacity=3)
    for citizen in citizens:
        REGISTRAR.register(db, citizen, event, NOW)  # three places, three waiting
        db.commit()
    REGISTRAR.check_in(db, citizens[0], event, event.starts_at)
    db.commit()
    REGISTRAR.cancel(db, citizens[5], event, NOW)  # leaves the waiting list
    db.commit()

    counts = stored.counts(event)

    assert counts == RegistrationCounts(
        registered=2,
        waitlisted=2,
        attended=1,
        cancelled=1,
        reminders_sent=0,
        reminders_missed=0,
        reminders_uncertain=0,
        invitations_sent=0,
        invitations_uncertain=0,
    )


def test_registration_counts_of_an_event_nobody_registered_for_are_zero(db: Session) -> None:
    event = new_event(db)

    assert registration_counts(db, event, NOW) == RegistrationCounts(0, 0, 0, 0, 0, 0, 0, 0, 0)


def test_registrations_of_a_citizen_are_the_active_ones_soonest_event_first(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    later = new_event(db, starts_in=timedelta(days=9), title="Later", capacity=1)
    sooner = new_event(db, starts_in=timedelta(days=2), title="Sooner")
    given_up = new_event(db, starts_in=timedelta(days=1), title="Given up")
    REGISTRAR.register(db, boris, later, NOW)
    db.commit()
    REGISTRAR.register(db, ana, later, NOW)  # waitlisted
    db.commit()
    REGISTRAR.register(db, ana, given_up, NOW)
    db.commit()
    REGISTRAR.cancel(db, ana, given_up, NOW)
    db.commit()
    REGISTRAR.register(db, ana, sooner, NOW)
    db.commit()

    with sessions() as session:
        mine = [
            (event.title["en"], registration.status)
            for registration, event in registrations_of(session, ana)
        ]

    assert mine == [
        ("Sooner", RegistrationStatus.REGISTERED),
        ("Later", RegistrationStatus.WAITLISTED),
    ]
