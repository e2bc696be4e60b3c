"""``feedback-admin broadcast``, run as organizers run it: the installed script in a subprocess.

Like tests/support/admin_cli.py: each run happens in ``tmp_path`` (no ``.env``) with its own
environment and a SQLite file there. The test arranges citizens and events in the very
database the CLI uses, and reads back what the CLI queued. Errors are a non-zero exit and
no traceback; bad HTML is one problem per line, and nothing is queued.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlmodel import Session, col, select

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.services.broadcasts import claim_deliveries, next_broadcast, settle
from civic_feedback.storage import audit
from civic_feedback.storage.citizens import set_opted_out
from civic_feedback.storage.models import (
    Broadcast,
    BroadcastState,
    Citizen,
    Outbox,
    OutboxState,
    utcnow,
)
from civic_feedback.storage.tables import CITIZEN_TABLE
from tests.support.admin_cli import (
    Cli,
    insert_event,
    no_traceback,
    ready_cli,
    session_on,
    table_row,
    the_error_line,
)
from tests.support.citizens import add_citizen
from tests.support.keys import PSEUDONYM_KEY

SENT, FAILED, SENDING = OutboxState.SENT, OutboxState.FAILED, OutboxState.SENDING
PENDING = OutboxState.PENDING
UNREACHABLE = OutboxState.UNREACHABLE
INVITE = "<b>Обществено обсъждане</b> на бюджета\nЧетвъртък, 18:00 &amp; онлайн"
INVITE_EN = "<b>Public consultation</b> on the budget\nThursday, 18:00 &amp; online"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The CLI on a migrated database with the built-in forms, and the invitation files."""
    (tmp_path / "invite.html").write_text(INVITE, encoding="utf-8")
    (tmp_path / "invite.en.html").write_text(INVITE_EN, encoding="utf-8")
    return ready_cli(tmp_path, DEFAULT_LANGUAGE="bg")


@pytest.fixture
def db(cli: Cli) -> Iterator[Session]:
    with session_on(cli) as session:
        yield session


@pytest.fixture
def town(db: Session) -> None:
    """Three citizens speak Bulgarian, two English, one has not chosen; one more sent /stop."""
    languages = ["bg", "bg", "bg", "en", "en", None]
    for i, language in enumerate(languages):
        add_citizen(db, telegram_id=1001 + i, language=language)
        db.commit()
    stopped = add_citizen(db, telegram_id=1099, language="bg")
    db.commit()
    set_opted_out(db, stopped, opted_out=True)
    db.commit()


def send(cli: Cli, *options: str) -> str:
    """``broadcast send`` that must succeed; returns its output."""
    run = cli("broadcast", "send", "--text-file", "invite.html", *options)
    no_traceback(run)
    assert run.returncode == 0, run.stderr
    return run.stdout


def queued(db: Session) -> list[Broadcast]:
    db.expire_all()
    return list(db.exec(select(Broadcast).order_by(col(Broadcast.id))))


def outbox(db: Session) -> list[Outbox]:
    db.expire_all()
    return list(db.exec(select(Outbox).order_by(col(Outbox.id))))


def status(cli: Cli, broadcast_id: int | None) -> dict[str, object]:
    assert broadcast_id is not None
    run = cli("broadcast", "status", str(broadcast_id), "--json")
    assert run.returncode == 0, run.stderr
    (line,) = run.stdout.splitlines()  # one JSON object, for scripts
    counts: dict[str, object] = json.loads(line)
    return counts


# --- send ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("town")
def test_a_dry_run_prints_the_recipients_per_language_and_the_texts_and_queues_nothing(
    cli: Cli, db: Session
) -> None:
    out = send(cli, "--segment", "all", "--lang-text", "en=invite.en.html", "--dry-run")

    assert table_row(out, "bg")[1:] == ["3", "bg"]
    assert table_row(out, "en")[1:] == ["2", "en"]
    assert table_row(out, "(not chosen)")[1:] == ["1", "bg"]
    assert "6 recipients in all. Nothing was queued (--dry-run)." in out
    assert INVITE in out
    assert INVITE_EN in out  # the preview shows the markup as written
    assert queued(db) == []
    assert outbox(db) == []


@pytest.mark.usefixtures("town")
def test_a_dry_run_says_who_gets_the_default_text_when_there_is_no_translation(
    cli: Cli,
) -> None:
    out = send(cli, "--segment", "language=en", "--dry-run")

    assert table_row(out, "en")[1:] == ["2", "bg"]
    assert "2 recipients in all." in out


@pytest.mark.usefixtures("town")
def test_send_queues_one_row_per_recipient_and_prints_the_id(cli: Cli, db: Session) -> None:
    out = send(cli, "--segment", "all", "--lang-text", "en=invite.en.html")

    (broadcast,) = queued(db)
    assert out.strip() == f"Broadcast {broadcast.id} queued for 6 citizens, sent now."
    assert broadcast.texts == {"bg": INVITE, "en": INVITE_EN}
    assert (broadcast.segment, broadcast.button, broadcast.state) == ("all", None, "queued")
    assert len(outbox(db)) == 6
    assert {row.state for row in outbox(db)} == {OutboxState.PENDING}
    due = next_broadcast(db, utcnow())
    assert due is not None
    assert due.id == broadcast.id


@pytest.mark.usefixtures("town")
def test_a_button_to_an_event_or_a_form_is_stored_with_the_broadcast(cli: Cli, db: Session) -> None:
    code = insert_event(db)

    send(cli, "--segment", "all", "--button", f"event={code.upper()}")
    send(cli, "--segment", "all", "--button", "form=general-feedback")

    assert [b.button for b in queued(db)] == [{"event": code}, {"form": "general-feedback"}]


@pytest.mark.usefixtures("town")
def test_a_broadcast_at_a_later_time_stays_queued_until_then(cli: Cli, db: Session) -> None:
    out = send(cli, "--segment", "all", "--at", "2030-12-01 10:00")

    (broadcast,) = queued(db)
    assert f"Broadcast {broadcast.id} queued for 6 citizens, sent at 2030-12-01 10:00." in out
    assert broadcast.send_at.replace(tzinfo=UTC) == datetime(2030, 12, 1, 8, 0, tzinfo=UTC)
    assert next_broadcast(db, utcnow()) is None
    assert status(cli, broadcast.id)["state"] == "queued"
    assert status(cli, broadcast.id)["left"] == 6


@pytest.mark.usefixtures("town")
def test_invalid_html_is_one_problem_per_line_and_nothing_is_queued(
    cli: Cli, db: Session, tmp_path: Path
) -> None:
    (tmp_path / "bad.html").write_text("<div>Budget</div>\n<b>1 < 2", encoding="utf-8")
    (tmp_path / "bad.en.html").write_text("parks & gardens", encoding="utf-8")

    run = cli(
        "broadcast", "send", "--text-file", "bad.html", "--lang-text", "en=bad.en.html",
        "--segment", "all",
    )  # fmt: skip

    no_traceback(run)
    assert run.returncode != 0
    assert run.stderr.splitlines() == [
        "error: the message is not valid Telegram HTML:",
        "bg: line 1: <div> is not allowed in Telegram messages",
        "bg: <b> is never closed",
        "bg: a '<' that is not a tag: write &lt; instead",
        "en: a '&' that is not an entity: write &amp; instead",
    ]
    assert queued(db) == []
    assert outbox(db) == []


def test_invalid_html_is_refused_in_a_dry_run_too(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "bad.html").write_text('<a href="javascript:alert(1)">x</a>', encoding="utf-8")

    run = cli("broadcast", "send", "--text-file", "bad.html", "--segment", "all", "--dry-run")

    no_traceback(run)
    assert run.returncode != 0
    assert "bg: line 1: a link must start with https://" in run.stderr.splitlines()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--segment", "everyone"), "unknown segment 'everyone': write all, municipality=NAME"),
        (("--segment", "event=zzzzzzzz"), "no event 'zzzzzzzz': see `feedback-admin events list`"),
        (("--segment", "responded=Not a form"), "'Not a form' is not a form id"),
        (
            ("--segment", "all", "--button", "event=zzzzzzzz"),
            "--button 'event=zzzzzzzz': write event=CODE or form=FORM-ID of an existing one",
        ),
        (("--segment", "all", "--button", "form=no-such-form"), "--button 'form=no-such-form'"),
        (("--segment", "all", "--button", "poll=1"), "--button 'poll=1'"),
        (("--segment", "all", "--lang-text", "xx=invite.html"), "--lang-text 'xx=invite.html'"),
        (("--segment", "all", "--lang-text", "en"), "write e.g. en=invite.en.md"),
        (("--segment", "all", "--lang-text", "en=missing.html"), "missing.html"),
        (("--segment", "all", "--at", "next Friday"), "--at 'next Friday' is not a date"),
    ],
)
@pytest.mark.usefixtures("town")
def test_a_bad_option_is_one_clear_line_and_nothing_is_queued(
    cli: Cli, db: Session, options: tuple[str, ...], message: str
) -> None:
    run = cli("broadcast", "send", "--text-file", "invite.html", *options)

    assert message in the_error_line(run)
    assert queued(db) == []


def test_a_text_file_that_is_not_utf8_is_one_clear_line(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "latin1.html").write_bytes("Обсъждане".encode("cp1251"))

    run = cli("broadcast", "send", "--text-file", "latin1.html", "--segment", "all")

    assert "latin1.html is not UTF-8 text" in the_error_line(run)


# --- status, list, cancel -----------------------------------------------------------------------


def deliver(
    db: Session, outcomes: list[OutboxState], *, claimed_at: datetime | None = None
) -> None:
    """What the bot would have done: claim the next rows and settle them so (a row left
    ``sending`` is on its way, or was when the bot stopped ``claimed_at``)."""
    broadcast = next_broadcast(db, utcnow())
    assert broadcast is not None
    claimed = claim_deliveries(db, broadcast, len(outcomes), now=claimed_at or utcnow())
    db.commit()
    for delivery, outcome in zip(claimed, outcomes, strict=True):
        if outcome != SENDING:
            settle(db, delivery.outbox_id, outcome, "error" if outcome == "failed" else None)
            db.commit()


@pytest.mark.usefixtures("town")
def test_status_json_prints_the_counts_as_one_object(cli: Cli, db: Session) -> None:
    send(cli, "--segment", "all")
    (broadcast,) = queued(db)
    assert status(cli, broadcast.id) == {
        "id": broadcast.id, "state": "queued", "total": 6, "sent": 0, "failed": 0,
        "unreachable": 0, "cancelled": 0, "uncertain": 0, "left": 6,
    }  # fmt: skip

    deliver(db, [SENT, FAILED, UNREACHABLE, SENDING])  # the last one still on its way

    assert status(cli, broadcast.id) == {
        "id": broadcast.id, "state": "sending", "total": 6, "sent": 1, "failed": 1,
        "unreachable": 1, "cancelled": 0, "uncertain": 0, "left": 3,
    }  # fmt: skip


@pytest.mark.usefixtures("town")
def test_status_prints_one_line_and_follow_ends_once_nothing_is_left(cli: Cli, db: Session) -> None:
    send(cli, "--segment", "all")
    (broadcast,) = queued(db)
    deliver(db, [SENT] * 5 + [UNREACHABLE])
    counts = "sent 5 · failed 0 · unreachable 1 · uncertain 0 · left 0 of 6"
    line = f"Broadcast {broadcast.id} (sending, all): {counts}"

    plain = cli("broadcast", "status", str(broadcast.id))
    follow = cli("broadcast", "status", str(broadcast.id), "--follow")

    assert plain.stdout.strip() == line
    assert follow.returncode == 0, follow.stderr
    assert follow.stdout.splitlines()[-1] == line


def test_status_of_an_unknown_broadcast_is_one_clear_line(cli: Cli) -> None:
    for command in (("status", "7"), ("status", "7", "--json"), ("cancel", "7")):
        run = cli("broadcast", *command)
        assert the_error_line(run) == "error: no broadcast 7: see `feedback-admin broadcast list`"


@pytest.mark.usefixtures("town")
def test_list_shows_the_latest_broadcasts_with_their_progress(cli: Cli, db: Session) -> None:
    assert cli("broadcast", "list").stdout.strip() == "No broadcasts yet."
    send(cli, "--segment", "language=en")
    send(cli, "--segment", "all", "--at", "2030-12-01 10:00")
    deliver(db, [SENT])

    out = cli("broadcast", "list").stdout

    first, later = queued(db)
    assert table_row(out, str(first.id))[2:] == [
        "sending", "language=en", "2", "1", "0", "0", "0", "1",
    ]  # fmt: skip
    assert table_row(out, str(later.id))[1:] == [
        "2030-12-01 10:00", "queued", "all", "6", "0", "0", "0", "0", "6",
    ]  # fmt: skip
    assert out.index(f"│ {later.id} ") < out.index(f"│ {first.id} ")  # the latest first


@pytest.mark.usefixtures("town")
def test_cancel_stops_what_was_not_sent_and_a_second_cancel_is_an_error(
    cli: Cli, db: Session
) -> None:
    send(cli, "--segment", "all")
    (broadcast,) = queued(db)
    deliver(db, [SENT, SENT])

    run = cli("broadcast", "cancel", str(broadcast.id))

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"Broadcast {broadcast.id} cancelled; 4 messages will not be sent."
    assert [row.state for row in outbox(db)] == ["sent"] * 2 + ["cancelled"] * 4
    assert status(cli, broadcast.id) | {"id": 0} == {
        "id": 0, "state": "cancelled", "total": 6, "sent": 2, "failed": 0, "unreachable": 0,
        "cancelled": 4, "uncertain": 0, "left": 0,
    }  # fmt: skip
    again = cli("broadcast", "cancel", str(broadcast.id))
    assert the_error_line(again) == f"error: broadcast {broadcast.id} is already cancelled"


@pytest.mark.usefixtures("town")
def test_a_scheduled_broadcast_can_be_cancelled_before_it_goes_out(cli: Cli, db: Session) -> None:
    send(cli, "--segment", "all", "--at", "2030-12-01 10:00")
    (broadcast,) = queued(db)

    run = cli("broadcast", "cancel", str(broadcast.id))

    assert run.returncode == 0, run.stderr
    assert queued(db)[0].state == BroadcastState.CANCELLED
    assert next_broadcast(db, datetime(2031, 1, 1, tzinfo=UTC)) is None


@pytest.mark.usefixtures("town")
def test_a_finished_broadcast_cannot_be_cancelled(cli: Cli, db: Session) -> None:
    send(cli, "--segment", "language=en")
    (broadcast,) = queued(db)
    deliver(db, [SENT] * 2)
    assert claim_deliveries(db, broadcast, 10, now=utcnow()) == []  # the last, empty claim: done
    db.commit()

    run = cli("broadcast", "cancel", str(broadcast.id))

    assert the_error_line(run) == f"error: broadcast {broadcast.id} is already done"


# --- uncertain messages -------------------------------------------------------------------------

A_MINUTE_AGO = timedelta(minutes=1)  # longer than the claim lease: that bot is gone


@pytest.mark.usefixtures("town")
def test_a_message_left_sending_by_a_stopped_bot_counts_as_uncertain_not_sent(
    cli: Cli, db: Session
) -> None:
    send(cli, "--segment", "all")
    (broadcast,) = queued(db)
    deliver(db, [SENT, SENDING, SENT], claimed_at=utcnow() - A_MINUTE_AGO)
    (left_behind,) = [row for row in outbox(db) if row.state == SENDING]
    citizen = db.get(Citizen, left_behind.citizen_id)
    assert citizen is not None

    counts = status(cli, broadcast.id)
    plain = cli("broadcast", "status", str(broadcast.id)).stdout
    listed = cli("broadcast", "status", str(broadcast.id), "--uncertain").stdout
    listed_json = cli("broadcast", "status", str(broadcast.id), "--uncertain", "--json").stdout

    assert (counts["sent"], counts["uncertain"], counts["left"]) == (2, 1, 3)
    assert "sent 2 · failed 0 · unreachable 0 · uncertain 1 · left 3 of 6" in plain
    assert f"broadcast resend-uncertain {broadcast.id}" in plain
    recipient = pseudonym(PSEUDONYM_KEY.encode(), citizen.telegram_id)
    assert table_row(listed, recipient)[1] == citizen.language
    assert "1 uncertain message:" in listed
    assert [row["recipient"] for row in json.loads(listed_json)] == [recipient]
    assert table_row(cli("broadcast", "list").stdout, str(broadcast.id))[4:] == [
        "6", "2", "0", "0", "1", "3",
    ]  # fmt: skip


@pytest.mark.usefixtures("town")
def test_a_message_on_its_way_now_is_not_uncertain(cli: Cli, db: Session) -> None:
    send(cli, "--segment", "all")
    (broadcast,) = queued(db)
    deliver(db, [SENT, SENDING])  # claimed just now by a running bot

    assert status(cli, broadcast.id)["uncertain"] == 0
    run = cli("broadcast", "resend-uncertain", str(broadcast.id), "--yes")
    assert run.stdout.strip() == (
        f"Broadcast {broadcast.id} has no uncertain messages; nothing to send."
    )
    assert [row.state for row in outbox(db)].count(SENDING) == 1


@pytest.mark.usefixtures("town")
def test_resend_uncertain_asks_first_then_queues_exactly_those_messages_and_audits_it(
    cli: Cli, db: Session
) -> None:
    send(cli, "--segment", "all")
    (broadcast,) = queued(db)
    deliver(db, [SENT, SENDING, SENDING, SENT, SENT, SENT], claimed_at=utcnow() - A_MINUTE_AGO)
    assert claim_deliveries(db, broadcast, 10, now=utcnow()) == []
    db.commit()
    uncertain_rows = [row.id for row in outbox(db) if row.state == SENDING]

    refused = cli("broadcast", "resend-uncertain", str(broadcast.id), stdin="n\n")
    assert the_error_line(refused) == "error: nothing was sent again (answer y, or pass --yes)"
    assert [row.id for row in outbox(db) if row.state == SENDING] == uncertain_rows

    run = cli("broadcast", "resend-uncertain", str(broadcast.id), stdin="y\n")

    assert run.returncode == 0, run.stderr
    assert f"Send broadcast {broadcast.id} again to 2 citizens who may already have it?" in (
        run.stdout
    )
    assert f"Broadcast {broadcast.id}: 2 messages queued again" in run.stdout
    assert [row.id for row in outbox(db) if row.state == PENDING] == uncertain_rows
    assert [row.state for row in outbox(db)].count(SENT) == 4
    assert queued(db)[0].state == BroadcastState.SENDING  # the broadcaster takes it up again
    assert status(cli, broadcast.id)["uncertain"] == 0
    db.expire_all()
    (entry,) = audit.entries(db, action="broadcast_resend_uncertain")
    assert (entry.subject, entry.details) == (str(broadcast.id), {"messages": 2})


@pytest.mark.usefixtures("town")
def test_a_cancelled_broadcasts_uncertain_messages_are_not_sent_again(
    cli: Cli, db: Session
) -> None:
    send(cli, "--segment", "all")
    (broadcast,) = queued(db)
    deliver(db, [SENDING], claimed_at=utcnow() - A_MINUTE_AGO)
    assert cli("broadcast", "cancel", str(broadcast.id)).returncode == 0

    run = cli("broadcast", "resend-uncertain", str(broadcast.id), "--yes")

    assert the_error_line(run) == (
        f"error: broadcast {broadcast.id} was cancelled: nothing is sent again"
    )
    assert [row.state for row in outbox(db)].count(SENDING) == 1


# --- paid broadcasts ----------------------------------------------------------------------------


def many_citizens(db: Session, count: int) -> None:
    now = utcnow()
    db.execute(
        insert(CITIZEN_TABLE),
        [
            {"telegram_id": 500_000 + n, "language": "bg", "first_seen": now, "last_seen": now,
             "opted_out": False, "unreachable": False}
            for n in range(count)
        ],
    )  # fmt: skip
    db.commit()


def dry_run(cli: Cli, **env: str) -> str:
    run = cli("broadcast", "send", "--text-file", "invite.html", "--segment", "all", "--dry-run",
              env=dict(env))  # fmt: skip
    assert run.returncode == 0, run.stderr
    return " ".join(run.stdout.split())  # the lines as printed, without the console's wrapping


def test_a_dry_run_of_a_paid_broadcast_says_what_it_costs_in_telegram_stars(
    cli: Cli, db: Session
) -> None:
    many_citizens(db, 3000)
    paid = {"PAID_BROADCAST": "true", "BROADCAST_RATE": "1000"}

    out = dry_run(cli, **paid)
    pricier = dry_run(cli, **paid, PAID_BROADCAST_STARS_PER_MESSAGE="0.25")
    free = dry_run(cli)

    # 3,000 at 1,000 a second take 3 s, of which Telegram's free 30 a second cover 90.
    assert "Sending takes about 3 s at BROADCAST_RATE 1,000 a second." in out
    assert (
        "Paid broadcast (PAID_BROADCAST): about 291 Telegram Stars from the bot's balance, "
        "0.1 for each of about 2,910 messages beyond Telegram's free 30 a second; at most "
        "300 if every message is billed."
    ) in out
    assert "about 727.5 Telegram Stars" in pricier
    assert "Sending takes about 2 min at BROADCAST_RATE 25 a second." in free
    assert "Stars" not in free
    assert queued(db) == []


def test_a_broadcast_rate_above_30_without_paid_broadcast_is_refused_with_what_to_do(
    cli: Cli, db: Session
) -> None:
    run = cli("broadcast", "send", "--text-file", "invite.html", "--segment", "all",
              env={"BROADCAST_RATE": "100"})  # fmt: skip

    assert the_error_line(run) == (
        "error: BROADCAST_RATE=100 is above the 30 messages a second Telegram allows for free: "
        "lower it to 30 or less, or set PAID_BROADCAST=true to pay for faster broadcasts in "
        "Telegram Stars"
    )
    assert queued(db) == []
