"""The summary reads answers and responses from indexes, not from their rows: SQLite's plans.

A busy week is a quarter of a million answers; read from the tables and grouped in one
pass, its summary took three times as long (benchmarks/summary.py). The plans are the same
on an empty database, which is what this test looks at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from civic_feedback.reports.summary import weekly_summary
from civic_feedback.storage.database import create_db_engine
from tests.support.clock import SOFIA
from tests.support.databases import migrated_sqlite, unit_sessions
from tests.support.summary_data import WEEK

# The only rows of answers a summary reads: those with a text, to see that it was given.
TEXT_ROWS = "SEARCH answer USING INDEX ix_answer_texts (response_id=?)"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(migrated_sqlite(tmp_path / "plans.db"))
    yield engine
    engine.dispose()


def summary_plans(engine: Engine) -> list[str]:
    """The query plan of every statement a weekly summary (with its previous week) runs."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        statements.append((sql, parameters))

    event.listen(engine, "before_cursor_execute", record)
    with unit_sessions(engine)() as session:
        weekly_summary(session, WEEK, SOFIA, language="bg")
    event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        return [
            row[3]
            for sql, parameters in statements
            for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)
        ]


def test_the_summary_reads_answers_and_responses_from_covering_indexes(engine: Engine) -> None:
    plans = summary_plans(engine)

    read_from = ("SEARCH answer ", "SEARCH response ", "SEARCH answer_choice ")
    reads = [line for line in plans if line.startswith(read_from)]
    assert any("COVERING INDEX ix_answer_values" in line for line in reads)
    assert any("COVERING INDEX ix_response_completion" in line for line in reads)
    assert any("COVERING INDEX ix_answer_choice_counts" in line for line in reads)
    assert [line for line in reads if "COVERING INDEX" not in line] == [TEXT_ROWS] * 2
    whole_tables = ("SCAN answer", "SCAN response", "SCAN registration")
    assert [line for line in plans if line.startswith(whole_tables)] == []
