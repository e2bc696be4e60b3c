"""``feedback-admin comments relabel``: comments stored with a wrong language are named
again; the right ones, the other answers and a dry run change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from civic_feedback.admin_cli import comments_relabel
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.services.comment_languages import Relabelling, relabel_batch
from civic_feedback.storage.audit import entries
from civic_feedback.storage.flow_versions import publish_flow
from civic_feedback.storage.models import Answer
from tests.support.admin_cli import Cli, ready_cli, session_on
from tests.support.comments import ENGLISH, REMARKS, answer

# Each comment with the language an older detector stored, and the one it should have.
STORED = [
    ("Беше много полезно", "und", "bg"),  # plain Bulgarian, called Russian before
    ("Спасибо за встречу, очень понравилось", "bg", "ru"),  # Russian without ы, э or ё
    ("Mnogo hubava sreshta", "en", "bg"),  # Bulgarian typed in Latin letters
    (ENGLISH, "en", "en"),
    ("Благодаря за поканата, беше интересно", None, "bg"),  # stored before detection
    ("ok", "und", "und"),
]


def languages(cli: Cli) -> list[tuple[str, str | None, str | None]]:
    """Every answer, in order: its question, text and stored language."""
    with session_on(cli) as session:
        rows = session.exec(
            select(Answer.question_id, Answer.text_value, Answer.text_language).order_by(
                col(Answer.id)
            )
        ).all()
    return [(question, text, language) for question, text, language in rows]


def table_rows(printed: str) -> list[list[str]]:
    """The body rows of the table a command printed, as cells."""
    rows = (line.strip("│").split("│") for line in printed.splitlines() if line[:1] == "│")
    return [[cell.strip() for cell in row] for row in rows]


@pytest.fixture
def stored(tmp_path: Path) -> Cli:
    """Remarks answered, then their languages set back to what an older detector said."""
    cli = ready_cli(tmp_path)
    with session_on(cli) as session:
        publish_flow(session, load_flow_text(REMARKS))
        session.commit()
        for number, (text, old, _) in enumerate(STORED):
            answer(session, number + 1, text)
            session.execute(
                update(Answer).where(col(Answer.text_value) == text).values(text_language=old)
            )
            session.commit()
        answer(session, 99, None)  # a skipped comment: no text, no language
    return cli


def test_relabel_changes_exactly_the_comments_whose_language_was_wrong(stored: Cli) -> None:
    before = languages(stored)

    run = stored("comments", "relabel", "--batch", "2")

    assert run.returncode == 0, run.stderr
    after = languages(stored)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert [(b[1], b[2], a[2]) for b, a in changed] == [
        (text, old, new) for text, old, new in STORED if old != new
    ]
    assert {row[2] for row in after if row[0] == "score"} == {None}  # ratings untouched
    assert "6 comments checked; 4 changed language." in run.stdout
    assert "и" not in run.stdout  # counts only, never a citizen's text
    assert sorted(table_rows(run.stdout)) == [
        ["bg", "ru", "1"], ["en", "bg", "1"], ["none", "bg", "1"], ["und", "bg", "1"]
    ]  # fmt: skip


def test_relabel_is_audited_with_its_counts(stored: Cli) -> None:
    stored("comments", "relabel")

    with session_on(stored) as session:
        (entry,) = entries(session, action="comments_relabel")
    assert entry.actor.startswith("cli:")
    assert entry.details["checked"] == 6
    assert entry.details["changes"] == {"und->bg": 1, "bg->ru": 1, "en->bg": 1, "none->bg": 1}


def test_a_second_relabel_changes_nothing(stored: Cli) -> None:
    stored("comments", "relabel")
    once = languages(stored)

    again = stored("comments", "relabel")

    assert again.returncode == 0, again.stderr
    assert "6 comments checked; 0 changed language." in again.stdout
    assert languages(stored) == once


def test_a_dry_run_changes_nothing_and_says_what_would_change(stored: Cli) -> None:
    before = languages(stored)

    run = stored("comments", "relabel", "--dry-run")

    assert run.returncode == 0, run.stderr
    assert "6 comments checked; 4 would change language (dry run: nothing was written)." in (
        run.stdout
    )
    assert languages(stored) == before
    with session_on(stored) as session:
        assert entries(session, action="comments_relabel") == []


def test_relabel_goes_on_after_the_answer_it_is_given(stored: Cli) -> None:
    with session_on(stored) as session:
        ids = session.exec(
            select(Answer.id).where(Answer.question_id == "note").order_by(col(Answer.id))
        ).all()

    run = stored("comments", "relabel", "--after", str(ids[2]))  # the first three done

    assert run.returncode == 0, run.stderr
    assert "3 comments checked; 1 changed language." in run.stdout
    assert [row[2] for row in languages(stored) if row[0] == "note"] == [
        "und", "bg", "en", "en", "bg", "und", None
    ]  # fmt: skip


def test_a_stopped_relabel_keeps_its_batches_and_goes_on_where_it_says(
    stored: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    def stopped_in_second_batch(*args: Any, **kwargs: Any) -> Relabelling:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return relabel_batch(*args, **kwargs)

    monkeypatch.setattr(comments_relabel, "relabel_batch", stopped_in_second_batch)
    stopped = stored("comments", "relabel", "--batch", "2")
    monkeypatch.undo()

    assert stopped.returncode == 130
    assert "Traceback" not in stopped.stderr
    says = stopped.stderr.splitlines()[-1]  # after the progress lines
    assert says.startswith("error: stopped: answers up to #")
    resume = says.split("`feedback-admin ")[1].rstrip("`").split()
    assert resume[:3] == ["comments", "relabel", "--after"]
    notes = [row[2] for row in languages(stored) if row[0] == "note"]
    assert notes == ["bg", "ru", "en", "en", None, "und", None]  # the first batch only
    finished = stored(*resume)
    assert finished.returncode == 0, finished.stderr
    assert "4 comments checked; 2 changed language." in finished.stdout
    assert [row[2] for row in languages(stored) if row[0] == "note"] == [
        new for _, _, new in STORED
    ] + [None]


def test_the_comments_listing_still_answers_beside_relabel(stored: Cli) -> None:
    run = stored("comments", "--lang", "en", "--format", "json")

    assert run.returncode == 0, run.stderr
    assert "Mnogo hubava sreshta" in run.stdout  # still stored as English until relabelled
