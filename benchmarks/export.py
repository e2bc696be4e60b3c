"""``feedback-admin export`` of about a million answers: time and peak memory per format.

Builds a database (a SQLite file in a temporary folder, or ``--database-url``, which must be
empty) holding one form of five questions (rating, NPS, multi-choice, yes/no, text) answered
``--answers / 5`` times, inserted with Core bulk inserts. Then runs the export once per
format, each in a fresh process running the real command, and prints the wall time and that
process's peak RSS. Prints, never asserts; the target is CSV under 200 MB.

    python benchmarks/export.py [--answers 1000000] [--database-url URL] [--formats csv,xlsx]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from civic_feedback.flows.loader import load_flow_text
from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database
from civic_feedback.storage.flow_versions import publish_flow
from civic_feedback.storage.models import utcnow
from civic_feedback.storage.tables import (
    ANSWER_CHOICE_TABLE,
    ANSWER_TABLE,
    CITIZEN_TABLE,
    RESPONSE_TABLE,
)

FLOW = """\
id: bench
title: {bg: "Бенчмарк", en: "Benchmark"}
languages: [bg, en]
questions:
  - {id: score, type: rating, text: {bg: "Оценка?", en: "Score?"}}
  - {id: recommend, type: nps, text: {bg: "Препоръка?", en: "Recommend?"}}
  - id: topics
    type: multi_choice
    text: {bg: "Теми?", en: "Topics?"}
    options:
      - {id: transport, text: {bg: "Транспорт", en: "Transport"}}
      - {id: parks, text: {bg: "Паркове", en: "Parks"}}
      - {id: schools, text: {bg: "Училища", en: "Schools"}}
  - {id: agree, type: yes_no, text: {bg: "Съгласни?", en: "Agree?"}}
  - {id: note, type: text, text: {bg: "Бележка?", en: "Note?"}}
"""
QUESTIONS = 5
CITIZENS = 20_000
CHUNK = 20_000
KEY = "benchmark-pseudonym-key-0123456789"
NOTES = [
    "Залата беше студена и нямаше достатъчно столове за всички.",
    "Please start on time and leave more time for questions.",
    "Повече пейки в парка и осветление по алеите, моля.",
    "=1+1 не е формула",
]


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def build(database_url: str, responses: int) -> None:
    """The form and ``responses`` completed responses with every question answered."""
    upgrade_database(database_url)
    engine = create_db_engine(database_url)
    with session_factory(engine).begin() as session:
        publish_flow(session, load_flow_text(FLOW))
    now = utcnow()
    with engine.begin() as db:
        db.execute(
            insert(CITIZEN_TABLE),
            [
                {"telegram_id": 10**9 + n, "first_seen": now, "last_seen": now}
                for n in range(CITIZENS)
            ],
        )
        for chunk in _chunks(
            {
                "id": n,
                "flow_version_id": 1,
                "flow_id": "bench",
                "citizen_id": n % CITIZENS + 1 if n % 4 else None,
                "language": "bg",
                "state": "completed",
                "started_at": now - timedelta(minutes=n),
                "completed_at": now - timedelta(minutes=n - 3),
            }
            for n in range(1, responses + 1)
        ):
            db.execute(insert(RESPONSE_TABLE), chunk)
        for chunk in _chunks(_answers(responses, now)):
            db.execute(insert(ANSWER_TABLE), chunk)
        for chunk in _chunks(
            {"answer_id": n * QUESTIONS - 2, "option_id": option, "position": position}
            for n in range(1, responses + 1)
            for position, option in enumerate(("transport", "parks")[: n % 2 + 1])
        ):
            db.execute(insert(ANSWER_CHOICE_TABLE), chunk)
    engine.dispose()


def _answers(responses: int, now: Any) -> Iterator[dict[str, Any]]:
    """Five answers per response; answer ids are response * 5 - 4 ... response * 5."""
    for n in range(1, responses + 1):
        note = f"{NOTES[n % len(NOTES)]} #{n}"
        values = [
            ("score", "rating", float(n % 5 + 1), None, None),
            ("recommend", "nps", float(n % 11), None, None),
            ("topics", "multi_choice", None, None, None),
            ("agree", "yes_no", None, None, n % 3 == 0),
            ("note", "text", None, note, None),
        ]
        for offset, (question, kind, number, text, flag) in enumerate(values):
            yield {
                "id": n * QUESTIONS - 4 + offset,
                "response_id": n,
                "question_id": question,
                "question_type": kind,
                "number_value": number,
                "text_value": text,
                "bool_value": flag,
                "text_language": "bg" if text else None,
                "answered_at": now,
            }


def run_export(
    database_url: str, export_format: str, output: Path
) -> tuple[float, float, float, float]:
    """Seconds and peak RSS (MB) of one ``feedback-admin export`` in a process of its own, and
    its resident memory at the end (MB): its own, and the pages of files it maps."""
    env = {**os.environ, "DATABASE_URL": database_url, "PSEUDONYM_KEY": KEY}
    command = [sys.executable, __file__, "--child", export_format, str(output)]
    start = time.perf_counter()
    child = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    *_, parts, peak = child.stdout.strip().splitlines()
    own, mapped = (float(part) for part in parts.split())
    return time.perf_counter() - start, float(peak), own, mapped


def child(export_format: str, output: str) -> None:
    """Inside the measured process: the real command, then this process's peak RSS in MB."""
    from civic_feedback.admin_cli.app import app

    try:
        app(["export", "--flow", "bench", "--format", export_format, "-o", output])
    except SystemExit as stop:
        if stop.code:
            raise
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    own, mapped = (int(status[key].split()[0]) / 1024 for key in ("RssAnon", "RssFile"))
    print(f"{own:.1f} {mapped:.1f}")  # at the end: the process's own memory, file pages mapped
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args()
    responses = args.answers // QUESTIONS
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        start = time.perf_counter()
        build(url, responses)
        built = time.perf_counter() - start
        print(
            f"{responses:,} responses, {responses * QUESTIONS:,} answers inserted in {built:.1f} s"
        )
        for export_format in args.formats.split(","):
            output = Path(folder) / f"out.{export_format}"
            seconds, peak, own, mapped = run_export(url, export_format, output)
            size = output.stat().st_size / 2**20
            print(
                f"{export_format:>4}: {seconds:6.1f} s, peak RSS {peak:6.1f} MB "
                f"(at the end: own {own:.0f} MB, file pages mapped {mapped:.0f} MB), "
                f"file {size:.0f} MB"
            )
        print("target: CSV of 1,000,000 answers under 200 MB peak RSS")


if __name__ == "__main__":
    main()
