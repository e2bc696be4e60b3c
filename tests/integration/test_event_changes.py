"""Changing an event after citizens registered, against the real database: a new time or
place is owed once to each citizen concerned, reminders follow the new time, more places move
the waiting list up, and what is refused changes nothing.

Rows are read back in a fresh session, as the notification worker would see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.services.event_changes import (
    EventChanges,
    EventEdit,
    Places,
    Rescheduled,
)
from civic_feedback.services.event_rules import EventRefusedError
from civic_feedback.services.notifications import claim_due, mark_sent
from civic_feedback.services.registrations import Outcome
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.models import (
    Citizen,
    Event,
    NotificationKind,
    NotificationState,
    RegistrationStatus,
)
from tests.support.events import DAY, HOUR, NOW, POLICY, REGISTRAR, Stored, new_citizen, new_event

CHANGES = EventChanges(REGISTRAR, ("Sliven", "Haskovo"))
REMINDER = NotificationKind.REMINDER
INVITATION = NotificationKind.INVITATION
PROMOTED = NotificationKind.PROMOTED
RESCHEDULED = NotificationKind.RESCHEDULED
PLACE_CHANGED = NotificationKind.PLACE_CHANGED
PENDING = NotificationState.PENDING
CANCELLED = NotificationState.CANCELLED
SENT = NotificationState.SENT
WEEK = timedelta(days=7)


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        install_library(session)
        session.commit()
        yield session


@pytest.fixture
def stored(sessions: sessionmaker[Session]) -> Stored:
    return Stored(sessions)


def register(db: Session, event: Event, *citizens: Citizen) -> None:
    """Each registers a minute after the one before: the waiting list's order."""
    for minute, citizen in enumerate(citizens):
        REGISTRAR.register(db, citizen, event, NOW + timedelta(minutes=minute))
        db.commit()


def ids(*citizens: Citizen) -> list[int]:
    return sorted(citizen.id for citizen in citizens if citizen.id is not None)


def reloaded(stored: Stored, event: Event) -> Event:
    with stored.sessions() as session:
        found = session.get(Event, event.id)
        assert found is not None
        return found


def send_due(db: Session, now: datetime) -> None:
    """Claim what is due at ``now`` and mark it sent, as the worker does."""
    claimed = claim_due(db, now, lambda *_: False).to_send
    db.commit()
    for one in claimed:
        mark_sent(db, one, now, POLICY)
        db.commit()


# --- reschedule: who is told --------------------------------------------------------------------


def test_a_reschedule_owes_one_notice_to_everyone_registered_waiting_or_checked_in(
    db: Session, stored: Stored
) -> None:
    ana, boris, chavdar, dora = (new_citizen(db, 1001 + i) for i in range(4))
    event = new_event(db, capacity=2)
    register(db, event, ana, boris, chavdar, dora)  # chavdar and dora wait
    REGISTRAR.check_in(db, ana, event, NOW + timedelta(hours=1))
    REGISTRAR.cancel(db, dora, event, NOW + timedelta(hours=1))
    db.commit()
    moved_at = NOW + timedelta(hours=2)
    new_start = event.starts_at + WEEK

    outcome = CHANGES.reschedule(db, event, new_start, None, moved_at)
    db.commit()

    assert outcome == Rescheduled(moved=True, told=3)
    notices = stored.notes(event, kind=RESCHEDULED)
    assert sorted(n.citizen_id for n in notices) == ids(ana, boris, chavdar)
    assert {(n.due_at, n.state, n.offset_seconds) for n in notices} == {(moved_at, PENDING, 1)}
    moved = reloaded(stored, event)
    assert (moved.starts_at, moved.ends_at) == (new_start, new_start + timedelta(hours=2))
    assert moved.sequence == 1


def test_the_same_reschedule_again_changes_nothing_and_tells_nobody_again(
    db: Session, stored: Stored
) -> None:
    ana = new_citizen(db, 1001)
    event = new_event(db)
    register(db, event, ana)
    new_start, new_end = event.starts_at + WEEK, event.ends_at + WEEK + timedelta(hours=1)
    CHANGES.reschedule(db, event, new_start, new_end, NOW)
    db.commit()
    before = stored.plan(event, ana)

    again = CHANGES.reschedule(db, event, new_start, new_end, NOW + timedelta(minutes=5))
    db.commit()

    assert again == Rescheduled(moved=False)
    assert stored.plan(event, ana) == before
    assert reloaded(stored, event).sequence == 1


def test_a_second_move_is_told_again_and_replaces_a_notice_not_sent_yet(
    db: Session, stored: Stored
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db)
    register(db, event, ana, boris)
    first_move = NOW + timedelta(hours=1)
    CHANGES.reschedule(db, event, event.starts_at + WEEK, None, first_move)
    db.commit()
    send_due(db, first_move)  # both told of the first move
    second_move = NOW + timedelta(hours=2)
    CHANGES.reschedule(db, event, event.starts_at + 2 * WEEK, None, second_move)
    db.commit()
    third_move = NOW + timedelta(hours=3)  # before the worker woke up again

    CHANGES.reschedule(db, event, event.starts_at + 3 * WEEK, None, third_move)
    db.commit()

    notices = stored.notes(event, ana, kind=RESCHEDULED)
    assert [(n.offset_seconds, n.state) for n in notices] == [
        (1, SENT),
        (2, CANCELLED),  # it would have said what the third says: the new time
        (3, PENDING),
    ]
    assert len(stored.notes(event, boris, kind=RESCHEDULED)) == 3


# --- reschedule: reminders and the invitation follow the new time -------------------------------


def test_moving_later_owes_each_reminder_at_its_new_time_even_one_already_sent(
    db: Session, stored: Stored
) -> None:
    ana = new_citizen(db, 1001)
    event = new_event(db)  # in three days; reminders 24h and 1h before
    register(db, event, ana)
    sent_at = event.starts_at - timedelta(hours=24)
    send_due(db, sent_at)  # the 24h reminder went out for the old time
    new_start = event.starts_at + WEEK

    CHANGES.reschedule(db, event, new_start, None, sent_at + timedelta(hours=1))
    db.commit()

    new_end = new_start + timedelta(hours=2)
    assert [row for row in stored.plan(event, ana) if row[0] != RESCHEDULED] == [
        (REMINDER, DAY, new_start - timedelta(hours=24), PENDING),
        (REMINDER, HOUR, new_start - timedelta(hours=1), PENDING),
        (INVITATION, 0, new_end + POLICY.post_event_delay, PENDING),
    ]
    (again,) = stored.notes(event, ana, kind=REMINDER)[:1]
    assert again.sent_at is None


def test_moving_sooner_leaves_out_the_reminders_whose_moment_has_passed(
    db: Session, stored: Stored
) -> None:
    ana = new_citizen(db, 1001)
    event = new_event(db)
    register(db, event, ana)
    new_start = NOW + timedelta(hours=10)

    CHANGES.reschedule(db, event, new_start, None, NOW)
    db.commit()

    reminders = {n.offset_seconds: n for n in stored.notes(event, ana, kind=REMINDER)}
    assert reminders[DAY].state == CANCELLED
    assert (reminders[HOUR].state, reminders[HOUR].due_at) == (
        PENDING,
        new_start - timedelta(hours=1),
    )
    claimed = claim_due(db, NOW + timedelta(minutes=1), lambda *_: False).to_send
    db.commit()
    assert [c.kind for c in claimed] == [RESCHEDULED]  # the notice, and no stale reminder


def test_citizens_on_the_waiting_list_are_told_but_get_no_reminders(
    db: Session, stored: Stored
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db, capacity=1)
    register(db, event, ana, boris)

    CHANGES.reschedule(db, event, event.starts_at + WEEK, None, NOW)
    db.commit()

    assert [n.kind for n in stored.notes(event, boris)] == [RESCHEDULED]


def test_a_reminder_on_its_way_when_the_event_moves_is_owed_again_not_marked_sent(
    db: Session, stored: Stored
) -> None:
    ana = new_citizen(db, 1001)
    event = new_event(db)
    register(db, event, ana)
    due = event.starts_at - timedelta(hours=24)
    (on_its_way,) = claim_due(db, due, lambda *_: False).to_send
    db.commit()
    new_start = event.starts_at + WEEK

    CHANGES.reschedule(db, event, new_start, None, due)  # while Telegram has the old one
    db.commit()
    mark_sent(db, on_its_way, due, POLICY)
    db.commit()

    (reminder,) = [n for n in stored.notes(event, ana, kind=REMINDER) if n.offset_seconds == DAY]
    assert (reminder.state, reminder.due_at) == (PENDING, new_start - timedelta(hours=24))


# --- reschedule: refused, and nothing changed ---------------------------------------------------


@pytest.mark.parametrize(
    ("arrange", "start", "end", "says"),
    [
        ("cancel", WEEK, None, "is cancelled: it cannot be rescheduled"),
        ("end", WEEK, None, "is over: it cannot be rescheduled"),
        ("", -timedelta(days=4), None, "the new start is in the past"),
        ("", WEEK, WEEK - timedelta(hours=1), "the new end must be after the new start"),
    ],
    ids=["cancelled", "over", "past", "end-before-start"],
)
def test_a_reschedule_refused_changes_nothing(
    db: Session,
    stored: Stored,
    arrange: str,
    start: timedelta,
    end: timedelta | None,
    says: str,
) -> None:
    ana = new_citizen(db, 1001)
    event = new_event(db)
    register(db, event, ana)
    now = NOW
    if arrange == "cancel":
        REGISTRAR.cancel_event(db, event, NOW)
        db.commit()
    if arrange == "end":
        now = event.ends_at + timedelta(minutes=1)
    plan = stored.plan(event, ana)
    new_end = None if end is None else event.starts_at + end

    with pytest.raises(EventRefusedError, match=says):
        CHANGES.reschedule(db, event, event.starts_at + start, new_end, now)
    db.rollback()

    kept = reloaded(stored, event)
    assert (kept.starts_at, kept.sequence) == (event.starts_at, 0)
    assert stored.plan(event, ana) == plan


# --- edit: capacity -----------------------------------------------------------------------------


def test_more_places_move_the_waiting_list_up_in_its_order_each_told(
    db: Session, stored: Stored
) -> None:
    # Met in another order than they registered: the waiting list's order counts.
    dora, chavdar, boris, ana = (new_citizen(db, 1004 - i) for i in range(4))
    event = new_event(db, capacity=1)
    register(db, event, ana, boris, chavdar, dora)
    raised_at = NOW + timedelta(hours=1)

    edited = CHANGES.edit(db, event, EventEdit(capacity=Places(3)), raised_at)
    db.commit()

    assert (edited.changes, edited.promoted, edited.told) == ({"capacity": [1, 3]}, 2, 0)
    assert stored.status(event, boris) == RegistrationStatus.REGISTERED
    assert stored.status(event, chavdar) == RegistrationStatus.REGISTERED
    assert stored.status(event, dora) == RegistrationStatus.WAITLISTED
    assert stored.plan(event, boris) == [
        (PROMOTED, 0, raised_at, PENDING),
        (REMINDER, DAY, event.starts_at - timedelta(hours=24), PENDING),
        (REMINDER, HOUR, event.starts_at - timedelta(hours=1), PENDING),
        (INVITATION, 0, event.ends_at + POLICY.post_event_delay, PENDING),
    ]
    assert stored.notes(event, dora) == []


def test_no_limit_moves_everyone_waiting_up(db: Session, stored: Stored) -> None:
    citizens = [new_citizen(db, 1001 + i) for i in range(4)]
    event = new_event(db, capacity=1)
    register(db, event, *citizens)

    edited = CHANGES.edit(db, event, EventEdit(capacity=Places(None)), NOW)
    db.commit()

    assert edited.promoted == 3
    assert reloaded(stored, event).capacity is None
    assert {stored.status(event, c) for c in citizens} == {RegistrationStatus.REGISTERED}


def test_a_capacity_below_the_places_given_is_refused_and_nobody_loses_a_place(
    db: Session, stored: Stored
) -> None:
    ana, boris, chavdar, dora = (new_citizen(db, 1001 + i) for i in range(4))
    event = new_event(db, capacity=3)
    register(db, event, ana, boris, chavdar, dora)  # dora waits
    REGISTRAR.check_in(db, ana, event, NOW)
    db.commit()

    with pytest.raises(EventRefusedError, match=r"3 citizens have a place at .* more than 2"):
        CHANGES.edit(db, event, EventEdit(capacity=Places(2)), NOW)
    db.rollback()

    assert reloaded(stored, event).capacity == 3
    assert stored.status(event, chavdar) == RegistrationStatus.REGISTERED
    assert stored.status(event, dora) == RegistrationStatus.WAITLISTED


def test_fewer_places_but_not_fewer_than_given_keep_everyone_where_they_are(
    db: Session, stored: Stored
) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db, capacity=5)
    register(db, event, ana, boris)

    edited = CHANGES.edit(db, event, EventEdit(capacity=Places(2)), NOW)
    db.commit()

    assert (edited.changes, edited.promoted) == ({"capacity": [5, 2]}, 0)
    carla = new_citizen(db, 1003)
    assert REGISTRAR.register(db, carla, event, NOW) is Outcome.WAITLISTED  # now full
    db.commit()


# --- edit: place, titles, reminders --------------------------------------------------------------


def test_a_new_place_is_owed_once_to_everyone_registered_or_waiting(
    db: Session, stored: Stored
) -> None:
    ana, boris, chavdar = new_citizen(db, 1001), new_citizen(db, 1002), new_citizen(db, 1003)
    event = new_event(db, capacity=1)
    register(db, event, ana, boris, chavdar)
    REGISTRAR.cancel(db, chavdar, event, NOW)  # left the waiting list
    db.commit()
    change = EventEdit(place="  Community centre, hall 1 ")

    edited = CHANGES.edit(db, event, change, NOW)
    db.commit()
    again = CHANGES.edit(db, event, change, NOW + timedelta(minutes=5))
    db.commit()

    assert edited.changes == {"place": ["Town hall, room 2", "Community centre, hall 1"]}
    assert edited.told == 2
    assert again.changes == {}
    notices = stored.notes(event, kind=PLACE_CHANGED)
    assert sorted(n.citizen_id for n in notices) == ids(ana, boris)
    assert reloaded(stored, event).sequence == 1


def test_new_titles_raise_the_calendar_sequence_and_tell_nobody(
    db: Session, stored: Stored
) -> None:
    ana = new_citizen(db, 1001)
    event = new_event(db)
    register(db, event, ana)
    plan = stored.plan(event, ana)

    edited = CHANGES.edit(db, event, EventEdit(titles={"tr": "Bütçe yuvarlak masası"}), NOW)
    db.commit()

    assert reloaded(stored, event).title == {
        "bg": "Round table on the city budget",
        "en": "Round table on the city budget",
        "tr": "Bütçe yuvarlak masası",
    }
    assert (edited.told, reloaded(stored, event).sequence) == (0, 1)
    assert stored.plan(event, ana) == plan


def test_new_reminder_offsets_are_planned_dropped_ones_cancelled_and_sent_ones_kept(
    db: Session, stored: Stored
) -> None:
    ana = new_citizen(db, 1001)
    event = new_event(db)
    register(db, event, ana)
    sent_at = event.starts_at - timedelta(hours=24)
    send_due(db, sent_at)  # the 24h reminder went out

    CHANGES.edit(db, event, EventEdit(reminder_offsets=[3 * HOUR, DAY]), sent_at)
    db.commit()

    reminders = stored.notes(event, ana, kind=REMINDER)
    assert sorted((n.offset_seconds, n.state) for n in reminders) == [
        (HOUR, CANCELLED),
        (3 * HOUR, PENDING),
        (DAY, SENT),  # not sent twice: the event did not move
    ]
    assert reloaded(stored, event).reminder_offsets == [DAY, 3 * HOUR]


def test_an_event_that_is_over_takes_new_titles_and_municipality_but_no_new_place(
    db: Session, stored: Stored
) -> None:
    event = new_event(db)
    after = event.ends_at + timedelta(days=1)

    edited = CHANGES.edit(
        db, event, EventEdit(titles={"en": "Budget round table"}, municipality="Sliven"), after
    )
    db.commit()
    with pytest.raises(EventRefusedError, match="is over: only its titles and municipality"):
        CHANGES.edit(db, event, EventEdit(place="Elsewhere"), after)
    db.rollback()

    assert set(edited.changes) == {"title", "municipality"}
    assert reloaded(stored, event).place == "Town hall, room 2"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (EventEdit(titles={"bg": "  "}), r"the title \(bg\) must not be empty"),
        (EventEdit(place=" "), "the place must not be empty"),
        (EventEdit(place="x" * 501), "the place is 501 characters long; at most 500"),
        (EventEdit(municipality="Varna"), "unknown municipality 'Varna'; known: Sliven, Haskovo"),
        (EventEdit(capacity=Places(0)), "a capacity is at least 1 place"),
    ],
    ids=["empty-title", "empty-place", "long-place", "unknown-municipality", "no-places"],
)
def test_an_edit_refused_changes_nothing(
    db: Session, stored: Stored, change: EventEdit, says: str
) -> None:
    event = new_event(db, capacity=10)
    db.commit()

    with pytest.raises(EventRefusedError, match=says):
        CHANGES.edit(db, event, change, NOW)
    db.rollback()

    kept = reloaded(stored, event)
    assert (kept.title["bg"], kept.place, kept.municipality, kept.capacity) == (
        "Round table on the city budget",
        "Town hall, room 2",
        None,
        10,
    )


def test_a_cancelled_event_cannot_be_edited(db: Session) -> None:
    event = new_event(db)
    REGISTRAR.cancel_event(db, event, NOW)
    db.commit()

    with pytest.raises(EventRefusedError, match="is cancelled: it cannot be edited"):
        CHANGES.edit(db, event, EventEdit(titles={"en": "New"}), NOW)
    db.rollback()


# --- what the worker makes of a notice later ------------------------------------------------------


def test_a_notice_to_a_citizen_who_cancelled_since_is_not_sent(db: Session, stored: Stored) -> None:
    ana, boris = new_citizen(db, 1001), new_citizen(db, 1002)
    event = new_event(db)
    register(db, event, ana, boris)
    CHANGES.edit(db, event, EventEdit(place="Community centre"), NOW)
    db.commit()
    REGISTRAR.cancel(db, boris, event, NOW + timedelta(minutes=1))
    db.commit()

    claimed = claim_due(db, NOW + timedelta(minutes=2), lambda *_: False).to_send
    db.commit()

    assert [(c.kind, c.chat_id) for c in claimed] == [(PLACE_CHANGED, 1001)]
    (not_sent,) = stored.notes(event, boris, kind=PLACE_CHANGED)
    assert not_sent.state == CANCELLED


def test_a_notice_still_unsent_when_the_event_is_over_is_missed(
    db: Session, stored: Stored
) -> None:
    ana = new_citizen(db, 1001)
    event = new_event(db)
    register(db, event, ana)
    CHANGES.reschedule(db, event, event.starts_at + timedelta(days=1), None, NOW)
    db.commit()
    moved = reloaded(stored, event)

    claimed = claim_due(db, moved.ends_at, lambda *_: False).to_send  # the bot was down
    db.commit()

    assert RESCHEDULED not in [c.kind for c in claimed]
    (notice,) = stored.notes(event, ana, kind=RESCHEDULED)
    assert notice.state == NotificationState.MISSED
