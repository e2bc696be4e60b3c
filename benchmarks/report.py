"""The project report over 24 months of a large deployment, and the weekly summary beside it.

A SQLite file (WAL, as the product configures it), or the empty database ``--database-url``
names (PostgreSQL), gets ``--answers`` answers (default 10,000,000, about 2,000,000
responses) by bulk Core inserts: responses to an event-satisfaction-like form (ratings, NPS,
multi-choice, yes/no, comments drawn from the labelled comments of tests/data) over the 104
weeks 2025-W02 to 2026-W53 (busier towards the end), ``--events`` events (default 1,200) in
thirty municipalities with registrations and check-ins, responses about no event from
citizens or anonymous, a few left unfinished. A database this benchmark filled is measured
again as it is; ``--rollups`` builds the roll-ups first (``feedback-admin rollups rebuild``).

Then, in a fresh process: the report's figures (``project_report``) over the whole period
(2025-01-06 to 2026-12-31, 24 months with the previous period compared, per month and per
event), the whole report written as DOCX (figures, charts, document), and the weekly summary
of the busiest week; each cold, then warm (best of ``--repeats``); CPU time and wall time.
Prints, never asserts. Targets (issue 19): report under 5 s, its figures under 2 s, the
weekly summary under 1 s.

    python benchmarks/report.py [--answers 10000000] [--keep FILE | --database-url URL]
                                [--rollups] [--repeats 3]
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text

from benchmarks.summary import (
    FLOW,
    OPTIONS,
    answer_row,
    answers_stored,
    best_of,
    numbered,
    peak_rss_mb,
    timed,
)
from civic_feedback.core.weeks import iso_week_bounds
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database
from civic_feedback.storage.flow_versions import publish_flow
from civic_feedback.storage.tables import (
    ANSWER_CHOICE_TABLE,
    ANSWER_TABLE,
    CITIZEN_TABLE,
    EVENT_TABLE,
    REGISTRATION_TABLE,
    RESPONSE_TABLE,
)

ZONE = ZoneInfo("Europe/Sofia")
FIRST_DAY, LAST_DAY = date(2025, 1, 6), date(2026, 12, 31)
WEEKS = [f"{year}-W{n:02d}" for year in (2025, 2026) for n in range(2, 53)] + ["2026-W53"]
BUSIEST = "2026-W50"
MUNICIPALITIES = [f"Община {n:02d}" for n in range(1, 31)]
CITIZENS = 200_000
COMMENTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "comment_themes.csv"


def comments() -> list[tuple[str, str]]:
    with COMMENTS.open(encoding="utf-8") as handle:
        return [(row["text"], row["language"]) for row in csv.DictReader(handle)]


def generate(url: str, answers_wanted: int, events_wanted: int) -> int:
    """Fill a new (empty) database; returns the number of answers written."""
    upgrade_database(url)
    engine = create_db_engine(url)
    rng = random.Random(2026)
    with session_factory(engine).begin() as session:
        version_id = publish_flow(session, load_flow_text(FLOW)).version_id
    with engine.begin() as db:
        for first in range(1, CITIZENS + 1, 50_000):
            db.execute(
                insert(CITIZEN_TABLE),
                [
                    {
                        "id": n,
                        "telegram_id": 10_000_000 + n,
                        "municipality": rng.choice([*MUNICIPALITIES, None]),
                    }
                    for n in range(first, min(first + 50_000, CITIZENS + 1))
                ],
            )
        events = _events(db, rng, events_wanted)
    written = _responses(engine, rng, version_id, events, answers_wanted)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return written


def _events(db: Any, rng: random.Random, count: int) -> dict[int, list[tuple[int, datetime]]]:
    """Events by the week they are held in."""
    by_week: dict[int, list[tuple[int, datetime]]] = {}
    registrations: list[dict[str, Any]] = []
    for n in range(1, count + 1):
        week = n * len(WEEKS) // (count + 1)
        start, _ = iso_week_bounds(WEEKS[week], ZONE)
        starts = start + timedelta(days=rng.randint(0, 6), hours=rng.randint(9, 18))
        by_week.setdefault(week, []).append((n, starts))
        db.execute(
            insert(EVENT_TABLE),
            {
                "id": n,
                "code": f"bench{n:05d}",
                "kind": rng.choice(["consultation", "round_table", "training", "conference"]),
                "municipality": MUNICIPALITIES[n % len(MUNICIPALITIES)],
                "title": {"bg": f"Събитие {n}", "en": f"Event {n}"},
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "flow_id": "bench-satisfaction",
            },
        )
        people = rng.sample(range(1, CITIZENS + 1), rng.randint(50, 400))
        registrations += [
            {
                "event_id": n,
                "citizen_id": citizen,
                "status": "attended" if n % 3 and i % 3 else "registered",
            }
            for i, citizen in enumerate(people)
        ]
        if len(registrations) > 50_000:
            db.execute(insert(REGISTRATION_TABLE), registrations)
            registrations = []
    if registrations:
        db.execute(insert(REGISTRATION_TABLE), registrations)
    return by_week


def _responses(
    engine: Engine,
    rng: random.Random,
    version_id: int,
    events: dict[int, list[tuple[int, datetime]]],
    answers_wanted: int,
) -> int:
    answer_id = response_id = 0
    bounds = [iso_week_bounds(week, ZONE) for week in WEEKS]
    weights = [1 + week / 26 for week in range(len(WEEKS))]  # four times as busy at the end
    texts = comments()
    while answer_id < answers_wanted:
        responses: list[dict[str, Any]] = []
        answers: list[dict[str, Any]] = []
        choices: list[dict[str, Any]] = []
        while len(answers) < 100_000 and answer_id < answers_wanted:
            response_id += 1
            week = rng.choices(range(len(WEEKS)), weights)[0]
            start, end = bounds[week]
            completed = start + (end - start) * rng.random()
            held = events.get(week)
            event = rng.choice(held) if held and rng.random() < 0.6 else None
            finished = rng.random() > 0.05
            responses.append(
                {
                    "id": response_id,
                    "flow_version_id": version_id,
                    "flow_id": "bench-satisfaction",
                    "citizen_id": None if rng.random() < 0.2 else rng.randint(1, CITIZENS),
                    "event_id": None if event is None else event[0],
                    "language": "bg",
                    "state": "completed" if finished else "in_progress",
                    "started_at": completed - timedelta(minutes=rng.randint(2, 10)),
                    "completed_at": completed if finished else None,
                }
            )
            answer_id = numbered(
                _answers(rng, texts, response_id, completed, finished), answer_id, answers, choices
            )
        with engine.begin() as db:
            db.execute(insert(RESPONSE_TABLE), responses)
            db.execute(insert(ANSWER_TABLE), answers)
            db.execute(insert(ANSWER_CHOICE_TABLE), choices)
    return answer_id


def _answers(
    rng: random.Random,
    texts: list[tuple[str, str]],
    response_id: int,
    when: datetime,
    finished: bool,
) -> list[tuple[dict[str, Any], list[str]]]:
    def row(question: str, kind: str, **values: Any) -> dict[str, Any]:
        return answer_row(response_id, when, question, kind, **values)

    overall = rng.choices(range(1, 6), [5, 8, 15, 35, 37])[0]
    rows = [
        (row("overall", "rating", number_value=float(overall)), []),
        (row("recommend", "nps", number_value=float(rng.choices(range(11), range(1, 12))[0])), []),
        (row("most_useful", "multi_choice"), rng.sample(OPTIONS, rng.randint(1, 2))),
        (row("organisation", "rating", number_value=float(rng.randint(2, 5))), []),
    ]
    if rng.random() < 0.1:  # one response in ten says something
        said, language = rng.choice(texts)
        rows.append((row("suggestion", "text", text_value=said, text_language=language), []))
    else:
        rows.append((row("again", "yes_no", bool_value=rng.random() < 0.75), []))
    return rows if finished else rows[: rng.randint(1, 3)]


# --- the measures, in their own process -------------------------------------------------------


def measure(url: str, repeats: int, scratch: Path) -> None:
    from civic_feedback.reports.comment_themes import comment_themes
    from civic_feedback.reports.project_report import (
        THEMES_PER_LANGUAGE,
        day_bounds,
        project_report,
    )
    from civic_feedback.reports.project_report_docx import write_docx
    from civic_feedback.reports.project_report_layout import report_blocks
    from civic_feedback.reports.summary import weekly_summary
    from civic_feedback.storage.comments import count_comments
    from civic_feedback.storage.export_rows import ResponseFilter

    engine = create_db_engine(url)
    with session_factory(engine)() as session:

        def figures() -> Any:
            return project_report(session, FIRST_DAY, LAST_DAY, ZONE, language="bg")

        def whole() -> Any:
            report = figures()
            write_docx(report_blocks(report), scratch / "report.docx")
            return report

        def week() -> Any:
            return weekly_summary(session, BUSIEST, ZONE, language="bg")

        start, end = day_bounds(FIRST_DAY, LAST_DAY, ZONE)
        where = ResponseFilter(completed_from=start, completed_before=end)
        expected = count_comments(session, where)  # the report has it from its summary

        def themes() -> Any:  # a part of the figures, as the report asks for them
            return comment_themes(session, where, top=THEMES_PER_LANGUAGE, expected=expected)

        calls = (("figures", figures), ("themes", themes), ("report", whole), ("week", week))
        for name, call in calls:
            cpu, wall, result = timed(call)
            print(f"{name}_cold_cpu={cpu:.3f}\n{name}_cold={wall:.3f}")
            cpu, wall, result = best_of(repeats, call)
            print(f"{name}_warm_cpu={cpu:.3f}\n{name}_warm={wall:.3f}")
            if name == "figures":
                print(f"responses={result.headline.completed}\nevents={len(result.events)}")
    print(f"peak_rss_mb={peak_rss_mb():.0f}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000_000)
    parser.add_argument("--events", type=int, default=1_200)
    parser.add_argument("--keep", type=Path, help="SQLite file to (re)use")
    parser.add_argument("--database-url", help="an empty database to fill instead (PostgreSQL)")
    parser.add_argument("--rollups", action="store_true", help="build the roll-ups first")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if args.measure:
            measure(args.measure, args.repeats, Path(scratch))
            return
        url = args.database_url or f"sqlite:///{args.keep or Path(scratch) / 'report-bench.db'}"
        if not answers_stored(url):
            began = time.perf_counter()
            written = generate(url, args.answers, args.events)
            print(f"generated {written:,} answers in {time.perf_counter() - began:.0f} s")
        if args.rollups:
            began = time.perf_counter()
            built = rebuild(url)
            print(f"rolled up {built} days in {time.perf_counter() - began:.1f} s")
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.report", "--measure", url],
            capture_output=True,
            text=True,
            check=True,
        )
    measured = dict(line.split("=", 1) for line in child.stdout.splitlines())
    print(f"database: {url.split(':', 1)[0]}; {measured['responses']} responses completed, ")
    print(f"{measured['events']} events in {FIRST_DAY} – {LAST_DAY}; CPU / wall seconds:")
    for name, what in (
        ("figures", "report figures, 24 months (target < 2 s)"),
        ("themes", "of which the comments' themes"),
        ("report", "whole report as DOCX (target < 5 s)"),
        ("week", f"weekly summary {BUSIEST} (target < 1 s)"),
    ):
        cold = f"{measured[name + '_cold_cpu']} / {measured[name + '_cold']}"
        warm = f"{measured[name + '_warm_cpu']} / {measured[name + '_warm']}"
        print(f"  {what}: cold {cold}, warm {warm}")
    print(f"peak RSS of the measuring process: {measured['peak_rss_mb']} MB")


def rebuild(url: str) -> int:
    from civic_feedback.services.rollups import roll_up_days

    engine = create_db_engine(url)
    try:
        with session_factory(engine)() as session:
            return roll_up_days(session, ZONE, datetime(2027, 1, 3, tzinfo=UTC))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
