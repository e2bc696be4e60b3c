"""Broadcasts in storage, against the real database (SQLite, and PostgreSQL when configured).

A segment picks citizens; queueing writes one outbox row per recipient; the broadcaster
claims rows in id order (``sending``, committed before Telegram is called: at most once) and
settles each; progress counts what happened, and a row left ``sending`` past the claim lease
as uncertain, which an organizer may queue again. Every step commits, so every check reads the
rows back in a fresh session, as another process (the CLI, the restarted bot) would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.services.broadcasts import (
    SegmentError,
    audience,
    cancel_broadcast,
    claim_deliveries,
    next_broadcast,
    progress,
    queue_broadcast,
    release_deliveries,
    renew_deliveries,
    resend_uncertain,
    segment_query,
    settle,
    settle_sent,
    uncertain_deliveries,
)
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.citizens import set_municipality, set_opted_out
from civic_feedback.storage.claims import CLAIM_LEASE, RENEW_EVERY
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import (
    Broadcast,
    BroadcastState,
    Citizen,
    Event,
    Outbox,
    OutboxState,
)
from tests.support.events import NOW, REGISTRAR, new_citizen, new_event
from tests.support.keys import PSEUDONYM_KEY
from tests.support.workers import complete_event_form

PENDING, SENDING, SENT = OutboxState.PENDING, OutboxState.SENDING, OutboxState.SENT
FAILED, UNREACHABLE, CANCELLED = OutboxState.FAILED, OutboxState.UNREACHABLE, OutboxState.CANCELLED


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session on a database with the built-in forms published (events need their form)."""
    with sessions() as session:
        install_library(session)
        session.commit()
        yield session


def new_broadcast(
    session: Session, segment: str = "all", *, send_at: datetime = NOW, **texts: str
) -> Broadcast:
    """Queue a broadcast to ``segment``; returns it (its rows are committed)."""
    broadcast = Broadcast(texts=texts or {"bg": "Покана"}, segment=segment, send_at=send_at)
    queue_broadcast(session, broadcast)
    session.commit()
    return broadcast


def citizens(count: int, db: Session, first_id: int = 1001) -> list[Citizen]:
    return [new_citizen(db, first_id + i) for i in range(count)]


@dataclass
class Read:
    """Reads what was committed, in a fresh session."""

    sessions: sessionmaker[Session]

    def rows(self, broadcast: Broadcast) -> list[Outbox]:
        with self.sessions() as session:
            statement = select(Outbox).where(Outbox.broadcast_id == broadcast.id)
            return list(session.exec(statement.order_by(col(Outbox.id))))

    def states(self, broadcast: Broadcast) -> dict[int, str]:
        """citizen id -> state of their row."""
        return {row.citizen_id: row.state for row in self.rows(broadcast)}

    def citizen(self, citizen: Citizen) -> Citizen:
        with self.sessions() as session:
            found = session.get(Citizen, citizen.id)
            assert found is not None
            return found

    def broadcast(self, broadcast: Broadcast) -> Broadcast:
        with self.sessions() as session:
            found = session.get(Broadcast, broadcast.id)
            assert found is not None
            return found


@pytest.fixture
def read(sessions: sessionmaker[Session]) -> Read:
    return Read(sessions)


# --- segments -----------------------------------------------------------------------------------


@dataclass
class Town:
    """Citizens with known traits, and the one event some of them registered for."""

    people: dict[str, Citizen]
    event: Event

    def names(self, ids: set[int]) -> set[str]:
        return {name for name, citizen in self.people.items() if citizen.id in ids}


@pytest.fixture
def town(db: Session) -> Town:
    """Seven citizens and an event with four places, arranged as this table says.

    ========  ========  ============  =====================================  ================
    name      language  municipality  the event (capacity 4)                 event's form
    ========  ========  ============  =====================================  ================
    ana       bg        Sliven        registered                             -
    boris     en        Haskovo       waiting list                           completed
    chavdar   tr        Sliven        checked in (attended)                  -
    desi      (none)    -             waiting list, then cancelled           started only
    emil      bg        Sliven        registered, then sent /stop            completed
    fani      en        Sliven        registered, then blocked the bot       completed
    gosho     bg        Haskovo       registered for another event only      -
    ========  ========  ============  =====================================  ================
    """
    languages = {"ana": "bg", "boris": "en", "chavdar": "tr", "desi": None, "emil": "bg",
                 "fani": "en", "gosho": "bg"}  # fmt: skip
    people = {
        name: new_citizen(db, 1001 + i, language=language)
        for i, (name, language) in enumerate(languages.items())
    }
    for name in ("ana", "chavdar", "emil", "fani"):
        set_municipality(db, people[name], "Sliven")
        db.commit()
    for name in ("boris", "gosho"):
        set_municipality(db, people[name], "Haskovo")
        db.commit()
    event, other = new_event(db, capacity=4, offsets=()), new_event(db, offsets=())
    for name in ("ana", "emil", "fani", "chavdar", "boris", "desi"):
        REGISTRAR.register(db, people[name], event, NOW)
        db.commit()
    REGISTRAR.check_in(db, people["chavdar"], event, event.starts_at)
    db.commit()
    REGISTRAR.cancel(db, people["desi"], event, NOW + timedelta(hours=1))
    db.commit()
    REGISTRAR.register(db, people["gosho"], other, NOW)
    db.commit()
    runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
    for name in ("boris", "emil", "fani"):
        complete_event_form(db, runs, people[name], event)
    runs.start(db.connection(), people["desi"], event.flow_id, language="en", event_id=event.id)
    db.commit()
    set_opted_out(db, people["emil"], opted_out=True)
    db.commit()
    people["fani"].unreachable = True
    db.add(people["fani"])
    db.commit()
    return Town(people, event)


def selected(db: Session, town: Town, segment: str) -> set[str]:
    return town.names(set(db.execute(segment_query(db, segment)).scalars()))


SEGMENTS = {
    "all": {"ana", "boris", "chavdar", "desi", "gosho"},
    "municipality=Sliven": {"ana", "chavdar"},
    "municipality=Haskovo": {"boris", "gosho"},
    "municipality=Yambol": set(),
    "language=bg": {"ana", "gosho"},
    "language=en": {"boris"},
    "language=tr": {"chavdar"},
    "event={code}": {"ana", "boris", "chavdar"},  # with a place, attended or waiting
    "registered={code}": {"ana", "chavdar"},  # with a place: not the waiting list
    "responded=event-satisfaction": {"boris"},  # completed, not merely started
    "responded=general-feedback": set(),
    "  municipality = Sliven ": {"ana", "chavdar"},
    "municipality=Sliven;language=tr": {"chavdar"},  # every condition holds
    "municipality=Haskovo;registered={code}": set(),  # boris waits, gosho is elsewhere
    "municipality=Sliven;event={code};language=bg": {"ana"},
    "municipality=Haskovo;": {"boris", "gosho"},  # a stray ; changes nothing
}


@pytest.mark.parametrize(("segment", "expected"), SEGMENTS.items(), ids=SEGMENTS.keys())
def test_a_segment_selects_exactly_its_citizens_and_never_opted_out_or_unreachable_ones(
    db: Session, town: Town, segment: str, expected: set[str]
) -> None:
    chosen = selected(db, town, segment.format(code=town.event.code))

    assert chosen == expected
    assert not chosen & {"emil", "fani"}  # /stop, and blocked the bot


def test_a_citizen_who_sends_start_again_is_back_in_the_segments(db: Session, town: Town) -> None:
    set_opted_out(db, town.people["emil"], opted_out=False)
    db.commit()

    assert "emil" in selected(db, town, "municipality=Sliven")
    assert "emil" in selected(db, town, f"registered={town.event.code}")


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        ("everyone", "unknown segment 'everyone': write all, municipality=NAME, language=bg"),
        ("city=Sliven", "unknown segment 'city=Sliven'"),
        ("municipality=", "unknown segment 'municipality='"),
        ("", "unknown segment ''"),
        ("event=zzzzzzzz", "no event 'zzzzzzzz': see `feedback-admin events list`"),
        ("registered=nope", "no event 'nope': see `feedback-admin events list`"),
        ("responded=Not a form!", "'Not a form!' is not a form id"),
        ("municipality=Sliven;city=Sliven", "unknown segment 'city=Sliven'"),
    ],
)
def test_a_segment_that_cannot_be_understood_says_what_to_write(
    db: Session, segment: str, message: str
) -> None:
    with pytest.raises(SegmentError) as raised:
        segment_query(db, segment)

    assert message in str(raised.value)


@pytest.mark.parametrize("value", ["Sliven", "{code}"])
def test_all_takes_no_value(db: Session, town: Town, value: str) -> None:
    segment = "all=" + value.format(code=town.event.code)

    with pytest.raises(SegmentError, match="unknown segment"):
        segment_query(db, segment)


def test_the_audience_is_counted_per_language_and_an_unchosen_one_is_empty(
    db: Session, town: Town
) -> None:
    assert audience(db, "all") == {"bg": 2, "en": 1, "tr": 1, "": 1}
    assert audience(db, "municipality=Sliven") == {"bg": 1, "tr": 1}
    assert audience(db, "municipality=Yambol") == {}


def test_an_unknown_segment_has_no_audience_either(db: Session) -> None:
    with pytest.raises(SegmentError):
        audience(db, "nobody")


# --- queueing -----------------------------------------------------------------------------------


def test_queueing_writes_one_pending_row_per_recipient(db: Session, town: Town, read: Read) -> None:
    broadcast = Broadcast(texts={"bg": "Покана"}, segment="municipality=Sliven", send_at=NOW)

    total = queue_broadcast(db, broadcast)
    db.commit()

    assert total == 2
    assert broadcast.id is not None
    rows = read.rows(broadcast)
    assert town.names({row.citizen_id for row in rows}) == {"ana", "chavdar"}
    assert {row.state for row in rows} == {PENDING}
    assert read.broadcast(broadcast).state == BroadcastState.QUEUED


def test_queueing_to_nobody_stores_the_broadcast_with_no_rows(db: Session, read: Read) -> None:
    broadcast = new_broadcast(db, "language=tr")
    db.commit()

    assert read.rows(broadcast) == []
    assert progress(db, broadcast, NOW).total == 0


def test_an_unknown_segment_queues_nothing(
    db: Session, sessions: sessionmaker[Session], town: Town
) -> None:
    with pytest.raises(SegmentError):
        queue_broadcast(db, Broadcast(texts={"bg": "x"}, segment="town=Sliven", send_at=NOW))

    with sessions() as session:
        assert session.exec(select(Broadcast)).all() == []
        assert session.exec(select(Outbox)).all() == []


def test_the_same_citizen_is_never_twice_in_one_broadcast(db: Session, read: Read) -> None:
    (ana,) = citizens(1, db)
    broadcast = new_broadcast(db)
    db.commit()

    assert broadcast.id is not None
    assert ana.id is not None
    db.add(Outbox(broadcast_id=broadcast.id, citizen_id=ana.id))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()

    assert len(read.rows(broadcast)) == 1


def test_queueing_a_large_segment_is_one_statement_per_broadcast(
    db: Session, read: Read, sessions: sessionmaker[Session]
) -> None:
    db.add_all(Citizen(telegram_id=500_000 + i, language="bg") for i in range(2000))
    db.commit()

    broadcast = new_broadcast(db)
    db.commit()

    assert progress(db, broadcast, NOW).total == 2000
    assert len({row.citizen_id for row in read.rows(broadcast)}) == 2000


# --- claiming and settling ----------------------------------------------------------------------


def test_claiming_takes_rows_in_id_order_marks_them_sending_and_never_returns_them_again(
    db: Session, read: Read
) -> None:
    for telegram_id, language in ((1001, "bg"), (1002, "en"), (1003, None), (1004, "tr")):
        new_citizen(db, telegram_id, language=language)
    broadcast = new_broadcast(db)
    db.commit()
    row_ids = [row.id for row in read.rows(broadcast)]

    first = claim_deliveries(db, broadcast, 3, now=NOW)
    db.commit()

    assert [d.outbox_id for d in first] == row_ids[:3]
    assert [row.state for row in read.rows(broadcast)] == [SENDING] * 3 + [PENDING]
    assert read.broadcast(broadcast).state == BroadcastState.SENDING

    second = claim_deliveries(db, broadcast, 3, now=NOW)
    db.commit()

    assert [d.outbox_id for d in second] == row_ids[3:]
    assert {(d.chat_id, d.language) for d in first + second} == {
        (1001, "bg"), (1002, "en"), (1003, None), (1004, "tr"),
    }  # fmt: skip
    assert claim_deliveries(db, broadcast, 3, now=NOW) == []
    db.commit()
    assert read.broadcast(broadcast).state == BroadcastState.DONE


def test_a_row_claimed_before_a_crash_is_not_claimed_by_the_restarted_process(
    sessions: sessionmaker[Session], db: Session, read: Read
) -> None:
    citizens(3, db)
    new_broadcast(db)
    db.commit()
    with sessions() as before_the_crash:
        broadcast = next_broadcast(before_the_crash, NOW)
        assert broadcast is not None
        (claimed,) = claim_deliveries(before_the_crash, broadcast, 1, now=NOW)

    with sessions() as after_the_restart:
        due = next_broadcast(after_the_restart, NOW)
        assert due is not None
        rest = claim_deliveries(after_the_restart, due, 10, now=NOW)

    assert claimed.outbox_id not in {d.outbox_id for d in rest}
    assert len(rest) == 2


def test_a_citizen_who_sends_stop_after_queueing_is_not_claimed(db: Session, read: Read) -> None:
    ana, boris = citizens(2, db)
    broadcast = new_broadcast(db)
    db.commit()

    set_opted_out(db, ana, opted_out=True)
    db.commit()

    assert [d.chat_id for d in claim_deliveries(db, broadcast, 10, now=NOW)] == [boris.telegram_id]
    db.commit()


def test_settling_records_sent_failed_and_the_error(db: Session, read: Read) -> None:
    boris = citizens(2, db)[1]
    broadcast = new_broadcast(db)
    db.commit()
    to_ana, to_boris = claim_deliveries(db, broadcast, 2, now=NOW)
    db.commit()

    settle(db, to_ana.outbox_id, SENT)
    db.commit()
    settle(db, to_boris.outbox_id, FAILED, "Bad Request: can't parse entities " + "x" * 300)
    db.commit()

    sent, failed = read.rows(broadcast)
    assert (sent.state, sent.error) == (SENT, None)
    assert sent.sent_at is not None
    assert (failed.state, failed.sent_at) == (FAILED, None)
    assert failed.error is not None
    assert failed.error.startswith("Bad Request: can't parse entities")
    assert len(failed.error) == 200
    assert read.citizen(boris).unreachable is False  # a 400 is about the message, not them


def test_an_unreachable_citizen_is_marked_and_their_pending_rows_everywhere_too(
    db: Session, read: Read
) -> None:
    ana, boris = citizens(2, db)
    first, second = new_broadcast(db), new_broadcast(db, "language=en")
    claimed = claim_deliveries(db, first, 10, now=NOW)
    to_ana = next(d for d in claimed if d.chat_id == ana.telegram_id)
    db.commit()

    settle(db, to_ana.outbox_id, UNREACHABLE, "blocked the bot")
    db.commit()

    assert read.citizen(ana).unreachable is True
    assert read.citizen(boris).unreachable is False
    assert read.states(first) == {ana.id: UNREACHABLE, boris.id: SENDING}
    assert read.states(second) == {ana.id: UNREACHABLE, boris.id: PENDING}
    assert [d.chat_id for d in claim_deliveries(db, second, 10, now=NOW)] == [boris.telegram_id]
    db.commit()
    third = new_broadcast(db)
    db.commit()
    assert read.states(third) == {boris.id: PENDING}  # and no later broadcast reaches them


def test_settling_unreachable_leaves_the_citizens_rows_that_already_ended(
    db: Session, read: Read
) -> None:
    (ana,) = citizens(1, db)
    earlier, later = new_broadcast(db), new_broadcast(db)
    (delivered,) = claim_deliveries(db, earlier, 10, now=NOW)
    db.commit()
    settle(db, delivered.outbox_id, SENT)
    db.commit()
    (refused,) = claim_deliveries(db, later, 10, now=NOW)
    db.commit()

    settle(db, refused.outbox_id, UNREACHABLE, "blocked the bot")
    db.commit()

    assert read.states(earlier) == {ana.id: SENT}
    assert read.states(later) == {ana.id: UNREACHABLE}


# --- cancelling and progress --------------------------------------------------------------------


def test_cancelling_stops_only_the_rows_not_yet_handed_to_telegram(db: Session, read: Read) -> None:
    citizens(5, db)
    broadcast = new_broadcast(db)
    db.commit()
    delivered, _in_flight = claim_deliveries(db, broadcast, 2, now=NOW)
    db.commit()
    settle(db, delivered.outbox_id, SENT)
    db.commit()

    stopped = cancel_broadcast(db, broadcast)
    db.commit()

    assert stopped == 3
    assert [row.state for row in read.rows(broadcast)] == [SENT, SENDING, *[CANCELLED] * 3]
    assert read.broadcast(broadcast).state == BroadcastState.CANCELLED
    assert next_broadcast(db, NOW + timedelta(days=1)) is None
    assert cancel_broadcast(db, broadcast) == 0  # nothing left to cancel
    db.commit()


def test_a_broadcast_cancelled_while_it_is_being_sent_stays_cancelled(
    sessions: sessionmaker[Session], db: Session, read: Read
) -> None:
    citizens(3, db)
    broadcast = new_broadcast(db)
    with sessions() as broadcaster:  # the broadcaster's copy, loaded when it began
        sending = next_broadcast(broadcaster, NOW)
        assert sending is not None
        claim_deliveries(broadcaster, sending, 1, now=NOW)
        broadcaster.commit()

    cancel_broadcast(db, broadcast)  # the organizer, meanwhile
    db.commit()
    with sessions() as broadcaster:
        assert claim_deliveries(broadcaster, sending, 1, now=NOW) == []
        broadcaster.commit()

    assert read.broadcast(broadcast).state == BroadcastState.CANCELLED


def test_progress_counts_a_row_left_sending_past_the_lease_as_uncertain_never_as_sent(
    db: Session, read: Read
) -> None:
    citizens(8, db)
    broadcast = new_broadcast(db)
    db.commit()
    claimed = claim_deliveries(db, broadcast, 5, now=NOW)
    db.commit()
    settle_sent(db, [claimed[0].outbox_id, claimed[1].outbox_id], NOW)
    settle(db, claimed[2].outbox_id, FAILED, "Bad Request: message is too long")
    settle(db, claimed[3].outbox_id, UNREACHABLE, "blocked the bot")
    db.commit()
    # claimed[4] stays "sending": on its way, or its process stopped before it heard back

    on_its_way = progress(db, read.broadcast(broadcast), NOW + CLAIM_LEASE - timedelta(seconds=1))
    left_behind = progress(db, read.broadcast(broadcast), NOW + CLAIM_LEASE)

    assert (on_its_way.sent, on_its_way.uncertain, on_its_way.left) == (2, 0, 4)
    assert left_behind.as_json() == {
        "id": broadcast.id,
        "state": BroadcastState.SENDING,
        "total": 8,
        "sent": 2,
        "failed": 1,
        "unreachable": 1,
        "cancelled": 0,
        "uncertain": 1,
        "left": 3,
    }


def test_a_renewed_claim_is_not_uncertain(db: Session, read: Read) -> None:
    citizens(2, db)
    broadcast = new_broadcast(db)
    db.commit()
    waiting, lost = claim_deliveries(db, broadcast, 2, now=NOW)
    db.commit()

    renew_deliveries(db, [waiting.outbox_id], NOW + RENEW_EVERY)  # its call waits out a 429
    db.commit()

    later = NOW + RENEW_EVERY + CLAIM_LEASE - timedelta(seconds=1)
    assert [row.outbox_id for row in uncertain_deliveries(db, broadcast, later)] == [lost.outbox_id]


def test_resending_queues_exactly_the_uncertain_rows_and_the_broadcast_again(
    db: Session, read: Read
) -> None:
    ana, boris, chavdar = citizens(3, db)
    broadcast = new_broadcast(db)
    db.commit()
    to_ana, _to_boris = claim_deliveries(db, broadcast, 2, now=NOW)
    db.commit()
    settle_sent(db, [to_ana.outbox_id], NOW)
    assert [d.chat_id for d in claim_deliveries(db, broadcast, 5, now=NOW)] == [chavdar.telegram_id]
    db.commit()
    assert claim_deliveries(db, broadcast, 5, now=NOW) == []  # the last, empty claim: done
    db.commit()
    later = NOW + CLAIM_LEASE

    assert resend_uncertain(db, broadcast, later) == 2  # boris's and chavdar's
    db.commit()

    assert read.states(broadcast) == {ana.id: SENT, boris.id: PENDING, chavdar.id: PENDING}
    assert read.broadcast(broadcast).state == BroadcastState.SENDING
    again = claim_deliveries(db, broadcast, 5, now=later)
    assert {d.chat_id for d in again} == {boris.telegram_id, chavdar.telegram_id}
    assert resend_uncertain(db, broadcast, later) == 0  # claimed just now: on their way


def test_a_late_answer_does_not_settle_a_row_queued_again(db: Session, read: Read) -> None:
    (ana,) = citizens(1, db)
    broadcast = new_broadcast(db)
    db.commit()
    (to_ana,) = claim_deliveries(db, broadcast, 1, now=NOW)
    db.commit()
    resend_uncertain(db, broadcast, NOW + CLAIM_LEASE)
    db.commit()

    settle_sent(db, [to_ana.outbox_id], NOW + CLAIM_LEASE)  # the stalled process, at last
    db.commit()

    assert read.states(broadcast) == {ana.id: PENDING}  # sent again, as the organizer asked


def test_rows_never_handed_to_telegram_go_back_to_pending(db: Session, read: Read) -> None:
    ana, boris = citizens(2, db)
    broadcast = new_broadcast(db)
    db.commit()
    _on_its_way, not_yet = claim_deliveries(db, broadcast, 2, now=NOW)
    db.commit()

    release_deliveries(db, [not_yet.outbox_id])
    db.commit()

    assert read.states(broadcast) == {ana.id: SENDING, boris.id: PENDING}
    assert [d.chat_id for d in claim_deliveries(db, broadcast, 5, now=NOW)] == [boris.telegram_id]


def test_progress_of_a_cancelled_broadcast_has_nothing_left(db: Session, read: Read) -> None:
    citizens(4, db)
    broadcast = new_broadcast(db)
    db.commit()
    (delivered,) = claim_deliveries(db, broadcast, 1, now=NOW)
    db.commit()
    settle(db, delivered.outbox_id, SENT)
    db.commit()
    cancel_broadcast(db, broadcast)
    db.commit()

    state = progress(db, read.broadcast(broadcast), NOW)

    assert (state.sent, state.cancelled, state.left) == (1, 3, 0)


# --- what is due --------------------------------------------------------------------------------


def test_a_broadcast_scheduled_later_is_not_due_until_its_time(db: Session) -> None:
    citizens(1, db)
    later = new_broadcast(db, send_at=NOW + timedelta(hours=2))
    db.commit()

    assert next_broadcast(db, NOW) is None
    assert next_broadcast(db, NOW + timedelta(hours=2) - timedelta(seconds=1)) is None
    due = next_broadcast(db, NOW + timedelta(hours=2))
    assert due is not None
    assert due.id == later.id


def test_the_broadcast_due_first_goes_first_and_finished_ones_never_come_back(
    db: Session,
) -> None:
    citizens(1, db)
    second = new_broadcast(db, send_at=NOW + timedelta(minutes=5))
    db.commit()
    first = new_broadcast(db, send_at=NOW)
    db.commit()
    also_at_five = new_broadcast(db, send_at=NOW + timedelta(minutes=5))
    db.commit()
    much_later = NOW + timedelta(days=1)

    order = []
    while (due := next_broadcast(db, much_later)) is not None:
        order.append(due.id)
        while claim_deliveries(db, due, 10, now=NOW):
            pass  # claimed to the end: the last, empty claim marks it done

    assert order == [first.id, second.id, also_at_five.id]
