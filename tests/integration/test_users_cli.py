"""``feedback-admin users`` and ``audit``: roles are granted and revoked on the record.

The installed script runs in a subprocess (tests/support/admin_cli.py); the test reads the
roles and the audit log back from the very database the CLI used.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.storage.models import AuditEntry, Citizen, Response, Role, StaffMember
from civic_feedback.storage.roles import Permission, may, role_of
from tests.support.admin_cli import (
    Cli,
    low_rating_answered,
    no_traceback,
    ready_cli,
    session_on,
    the_error_line,
)
from tests.support.keys import PSEUDONYM_KEY

ORGANIZER = 5550001


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return ready_cli(tmp_path, MUNICIPALITIES="Сливен,Хасково", ADMIN_IDS="5550009")


def staff(cli: Cli) -> dict[int, tuple[str, str | None]]:
    with session_on(cli) as session:
        rows = session.exec(select(StaffMember))
        return {m.telegram_id: (m.role, m.municipality) for m in rows}


def audit_log(cli: Cli) -> list[AuditEntry]:
    with session_on(cli) as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


def test_grant_gives_a_role_and_the_audit_log_names_the_person_by_pseudonym(cli: Cli) -> None:
    run = cli("users", "grant", str(ORGANIZER), "organizer")
    no_traceback(run)
    assert run.returncode == 0
    assert f"{ORGANIZER} is now organizer." in run.stdout

    assert staff(cli) == {ORGANIZER: ("organizer", None)}
    (entry,) = audit_log(cli)
    assert entry.action == "grant"
    assert entry.subject == pseudonym(PSEUDONYM_KEY.encode(), ORGANIZER)
    assert entry.actor.startswith("cli:")
    assert entry.details == {"role": "organizer", "municipality": None}
    assert str(ORGANIZER) not in json.dumps(entry.model_dump(mode="json"))


def test_grant_again_changes_the_role_and_matches_the_municipality_whatever_the_case(
    cli: Cli,
) -> None:
    cli("users", "grant", str(ORGANIZER), "organizer")
    run = cli("users", "grant", str(ORGANIZER), "STAFF", "--municipality", "сливен")

    assert run.returncode == 0, run.stderr
    assert staff(cli) == {ORGANIZER: ("staff", "Сливен")}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["users", "grant", "5550001", "boss"], "unknown role 'boss': choose admin, organizer"),
        (
            ["users", "grant", "5550001", "staff", "--municipality", "Ямбол"],
            "unknown municipality 'Ямбол'",
        ),
        (["users", "grant", "0", "staff"], "0 is not a Telegram user id"),
        (["users", "revoke", "5550001"], "5550001 has no role"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    cli: Cli, args: list[str], expected: str
) -> None:
    assert expected in the_error_line(cli(*args))
    assert staff(cli) == {}
    assert audit_log(cli) == []


def test_revoke_takes_the_role_away_on_the_record(cli: Cli) -> None:
    cli("users", "grant", str(ORGANIZER), "organizer")

    run = cli("users", "revoke", str(ORGANIZER))

    assert run.returncode == 0, run.stderr
    assert staff(cli) == {}
    assert [e.action for e in audit_log(cli)] == ["grant", "revoke"]
    with session_on(cli) as session:
        assert role_of(session, ORGANIZER, admin_ids=[]) is None


def test_list_shows_admin_ids_and_granted_roles(cli: Cli) -> None:
    cli("users", "grant", str(ORGANIZER), "staff", "--municipality", "Хасково")

    run = cli("users", "list")

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert any("5550009" in line and "admin" in line and "ADMIN_IDS" in line for line in lines)
    assert any(str(ORGANIZER) in line and "staff" in line and "Хасково" in line for line in lines)


def test_audit_prints_entries_as_json_lines_and_filters_by_action(cli: Cli) -> None:
    cli("users", "grant", str(ORGANIZER), "organizer")
    cli("users", "revoke", str(ORGANIZER))

    run = cli("audit", "--json", "--action", "revoke")

    assert run.returncode == 0, run.stderr
    (line,) = [json.loads(text) for text in run.stdout.splitlines()]
    assert line["action"] == "revoke"
    assert line["subject"] == pseudonym(PSEUDONYM_KEY.encode(), ORGANIZER)
    assert cli("audit", "--since", "2999-01-01").stdout.strip() == (
        "The audit log is empty for this period."
    )
    assert "--since 'yesterday'" in the_error_line(cli("audit", "--since", "yesterday"))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, set(Permission)),
        (
            Role.ORGANIZER,
            {Permission.BROADCAST, Permission.SUMMARY, Permission.EVENTS, Permission.FORMS},
        ),
        (
            Role.STAFF,
            {Permission.SUMMARY, Permission.INBOX, Permission.CONSULTATIONS, Permission.EXPORT},
        ),
        (None, set()),
    ],
)
def test_what_each_role_may_do(role: Role | None, allowed: set[Permission]) -> None:
    assert {p for p in Permission if may(role, p)} == allowed


def test_forget_erases_a_citizen_on_the_record_and_says_when_there_is_nobody(cli: Cli) -> None:
    with session_on(cli) as session:
        low_rating_answered(session, 777001, comment="Слаб звук")

    run = cli("users", "forget", "777001")

    assert run.returncode == 0, run.stderr
    assert "Erased 777001; 1 response detached from them." in run.stdout
    with session_on(cli) as session:
        assert session.exec(select(Citizen)).all() == []
        (response,) = session.exec(select(Response)).all()
        assert response.citizen_id is None
    assert [e.action for e in audit_log(cli)] == ["erase"]
    assert "the bot stores nothing about 777001" in the_error_line(cli("users", "forget", "777001"))


def test_forget_can_delete_the_answers_too(cli: Cli) -> None:
    with session_on(cli) as session:
        low_rating_answered(session, 777001, comment="Слаб звук")

    run = cli("users", "forget", "777001", "--answers", "delete")

    assert "1 response deleted" in run.stdout, run.stderr
    with session_on(cli) as session:
        assert session.exec(select(Response)).all() == []
