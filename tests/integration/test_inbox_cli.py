"""``feedback-admin inbox``: list, show, reply and close citizens' messages, on the record."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from civic_feedback.services.inbox import save_draft, send_draft
from civic_feedback.storage.models import AuditEntry, InboxItem, InboxMessage, InboxStatus
from tests.support.admin_cli import Cli, no_traceback, ready_cli, session_on, the_error_line
from tests.support.citizens import add_citizen


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = ready_cli(tmp_path, MUNICIPALITIES="Сливен,Хасково", DEFAULT_LANGUAGE="en")
    with session_on(cli) as session:
        for telegram_id, place, text, topic in [
            (6001, "Сливен", "Дупка на ул. Раковски", "roads_transport"),
            (6002, "Хасково", "The park is dark at night", "parks_public_spaces"),
        ]:
            citizen = add_citizen(session, telegram_id=telegram_id, language="bg")
            session.commit()
            citizen.municipality = place
            session.commit()
            draft = save_draft(session, citizen, text, language="bg", text_language=None)
            session.commit()
            send_draft(session, citizen, draft.id or 0, topic)
            session.commit()
        unsent = add_citizen(session, telegram_id=6003, language="bg")
        session.commit()
        save_draft(session, unsent, "never sent", language="bg", text_language=None)
        session.commit()
    return cli


def ok(cli: Cli, *args: str) -> str:
    run = cli("inbox", *args)
    no_traceback(run)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_the_list_shows_sent_messages_with_topic_and_filters(cli: Cli) -> None:
    listing = ok(cli)
    assert "Дупка на ул. Раковски" in listing
    assert "Roads and transport" in listing
    assert "The park is dark at night" in listing
    assert "never sent" not in listing

    only = ok(cli, "--municipality", "хасково", "--status", "new")
    assert "The park is dark at night" in only
    assert "Раковски" not in only
    assert "No messages match." in ok(cli, "--topic", "education")


def test_reply_stores_an_answer_for_the_bot_to_relay_and_is_audited(cli: Cli) -> None:
    out = ok(cli, "reply", "1", "--text", "  Ще я запълним до петък.  ")
    assert "Answer to #1 stored" in out

    with session_on(cli) as session:
        item = session.get(InboxItem, 1)
        assert item is not None
        assert item.status == InboxStatus.ANSWERED
        assert item.first_answered_at is not None
        answer = session.exec(select(InboxMessage).where(col(InboxMessage.author) == "staff")).one()
        assert (answer.text, answer.state) == ("Ще я запълним до петък.", "pending")
        (entry,) = session.exec(select(AuditEntry))
    assert (entry.action, entry.subject) == ("inbox_answer", "inbox:1")
    shown = ok(cli, "show", "1")
    assert "Дупка на ул. Раковски" in shown
    assert "Ще я запълним до петък." in shown
    assert "(pending)" in shown


def test_close_closes_and_bad_input_is_one_line(cli: Cli) -> None:
    assert "#2 is closed." in ok(cli, "close", "2")
    assert "closed" in ok(cli, "--status", "closed")

    for args, message in [
        (("show", "3"), "there is no message #3: see `feedback-admin inbox`"),  # a draft
        (("reply", "99", "--text", "hi"), "there is no message #99"),
        (("reply", "1", "--text", "   "), "the answer is empty"),
        (("--status", "lost"), "unknown status 'lost': choose new, answered, in_progress"),
        (("--municipality", "Видин"), "unknown municipality 'Видин'"),
    ]:
        run = cli("inbox", *args)
        no_traceback(run)
        assert run.returncode == 1
        assert message in the_error_line(run)
