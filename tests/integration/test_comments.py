"""Citizens' comments: chosen by ISO week in TIMEZONE and by detected language."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from civic_feedback.core.weeks import iso_week_bounds
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.storage.comments import iter_comments
from civic_feedback.storage.export_rows import ResponseFilter
from civic_feedback.storage.flow_versions import install_library, publish_flow
from tests.support.admin_cli import Cli, ready_cli, session_on, the_error_line
from tests.support.clock import SOFIA
from tests.support.comments import BULGARIAN, ENGLISH, REMARKS, answer

# 2026-W47 in Sofia: Monday 16 November 00:00 (15 Nov 22:00 UTC) to Monday 23 November.
SUNDAY_BEFORE = datetime(2026, 11, 15, 21, 59, tzinfo=UTC)  # 23:59 on Sunday in W46
MONDAY_MIDNIGHT = datetime(2026, 11, 15, 22, tzinfo=UTC)
SUNDAY_LAST_MINUTE = datetime(2026, 11, 22, 21, 59, tzinfo=UTC)
MONDAY_AFTER = datetime(2026, 11, 22, 22, tzinfo=UTC)
MARKUP = "[bold red]Кметът[/bold red] не дойде на срещата в читалището."


def week_47(session: Session) -> None:
    publish_flow(session, load_flow_text(REMARKS))
    session.commit()
    answer(session, 1, "Твърде рано за W47 всъщност.", completed_at=SUNDAY_BEFORE)
    session.commit()
    answer(session, 2, BULGARIAN, completed_at=MONDAY_MIDNIGHT)
    session.commit()
    answer(session, 3, ENGLISH, completed_at=SUNDAY_LAST_MINUTE)
    session.commit()
    answer(session, 4, "ok", completed_at=SUNDAY_LAST_MINUTE)
    session.commit()
    answer(session, 5, None, completed_at=SUNDAY_LAST_MINUTE)  # skipped: no comment
    session.commit()
    answer(session, 6, "Already the next week, sadly.", completed_at=MONDAY_AFTER)
    session.commit()


def test_a_week_holds_the_comments_completed_from_monday_to_sunday_in_sofia(
    session: Session,
) -> None:
    week_47(session)
    start, end = iso_week_bounds("2026-W47", SOFIA)

    found = list(iter_comments(session, ResponseFilter(completed_from=start, completed_before=end)))

    assert [(c.text, c.language) for c in found] == [
        (BULGARIAN, "bg"),
        (ENGLISH, "en"),
        ("ok", "und"),
    ]
    assert {(c.flow_id, c.question_id, c.event_code) for c in found} == {("remarks", "note", None)}
    assert found[0].completed_at is not None
    assert found[0].completed_at.replace(tzinfo=UTC) == MONDAY_MIDNIGHT


def test_comments_in_one_language(session: Session) -> None:
    week_47(session)

    english = list(iter_comments(session, ResponseFilter(), language="en"))
    unclear = list(iter_comments(session, ResponseFilter(), language="und"))

    assert [c.text for c in english] == [ENGLISH, "Already the next week, sadly."]
    assert [c.text for c in unclear] == ["ok"]


# --- the command -------------------------------------------------------------------------


@pytest.fixture
def commented(tmp_path: Path) -> Cli:
    cli = ready_cli(tmp_path, COLUMNS="120")
    with session_on(cli) as session:
        install_library(session)
        session.commit()
        week_47(session)
        answer(session, 7, MARKUP, completed_at=MONDAY_MIDNIGHT)
        session.commit()
    return cli


def test_comments_show_as_a_table_with_citizens_text_as_written(commented: Cli) -> None:
    run = commented("comments", "--week", "2026-W47", "--lang", "bg")

    assert run.returncode == 0, run.stderr
    assert "[bold red]Кметът[/bold red]" in run.stdout  # markup shown, not obeyed
    assert "2026-11-16T00:00:00+02:00" in run.stdout
    assert "Нямаше достатъчно време" in run.stdout
    assert ENGLISH[:20] not in run.stdout


def test_comments_as_csv_and_json_for_analysis(commented: Cli) -> None:
    as_csv = commented("comments", "--week", "2026-W47", "--format", "csv", "-o", "c.csv")
    as_json = commented("comments", "--flow", "remarks", "--lang", "en", "--format", "json")

    assert as_csv.returncode == 0, as_csv.stderr
    raw = (commented.cwd / "c.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert [row["text"] for row in rows] == [BULGARIAN, ENGLISH, "ok", MARKUP]
    assert rows[0]["completed_at"] == "2026-11-16T00:00:00+02:00"
    assert as_json.returncode == 0, as_json.stderr
    assert [c["text"] for c in json.loads(as_json.stdout)] == [
        ENGLISH,
        "Already the next week, sadly.",
    ]


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--week", "2026-47"], "--week: '2026-47' is not an ISO week: write the year and week"),
        (["--week", "2025-W53"], "--week: 2025 has weeks 01 to 52"),
        (["--lang", "de"], "--lang 'de': choose one of bg, en, ru, tr, und"),
        (["--event", "nosuch22"], "no event 'nosuch22'"),
        (["--flow", "no-such-form"], "no form 'no-such-form'"),
        (["-o", "c.txt"], "a table is for the screen"),
    ],
    ids=["week-format", "week-53", "lang", "event", "flow", "table-to-file"],
)
def test_comments_refuse_a_wrong_option_in_one_line(
    commented: Cli, options: list[str], says: str
) -> None:
    assert says in the_error_line(commented("comments", *options))
