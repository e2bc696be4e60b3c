"""Backup and restore of a database holding 100,000 answers: time and size, SQLite and
PostgreSQL.

Fills a database with ``--answers`` answers (20,000 completed responses of a five-question
form, 20,000 citizens: ``benchmarks/export.py``'s data), then takes a backup as
``feedback-admin backup`` does and restores it into a new, empty database as
``feedback-admin restore`` does (the checks, the restore, the row counts compared). SQLite
uses files in a temporary folder; with ``--postgres URL`` (a database on a server this user
may create databases on, e.g. TEST_DATABASE_URL) two databases named after it are created
for the run and dropped after it. Prints, never asserts.

    python benchmarks/backup.py [--answers 100000] [--postgres postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the data comes from the export benchmark
    sys.path.insert(0, str(ROOT))

from benchmarks.export import QUESTIONS, build  # noqa: E402
from civic_feedback.storage.backups import restore_backup, take_backup  # noqa: E402


def database_size(url: str) -> int:
    """Bytes the database takes: the SQLite file, or PostgreSQL's own figure."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(str(parsed.database)).stat().st_size
    engine = create_engine(parsed)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    finally:
        engine.dispose()


@contextmanager
def postgres_databases(server: str, *purposes: str) -> Iterator[list[str]]:
    """New databases on ``server``'s server, named after its database, dropped afterwards."""
    base = make_url(server)
    names = [f"{base.database}_bench_{purpose}" for purpose in purposes]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    try:
        drop()
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield [base.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        drop()
        admin.dispose()


def measure(label: str, source: str, target: str, archive: Path, responses: int) -> None:
    started = time.perf_counter()
    build(source, responses)
    built = time.perf_counter() - started
    taken = take_backup(source, archive)
    restored = restore_backup(target, archive)
    mb = 2**20
    print(
        f"{label}: {responses * QUESTIONS:,} answers ({taken.manifest.rows:,} rows in all, "
        f"inserted in {built:.1f} s), database {database_size(source) / mb:.1f} MB\n"
        f"  backup  {taken.seconds:5.2f} s, archive {taken.size / mb:.1f} MB\n"
        f"  restore {restored.seconds:5.2f} s into an empty database "
        f"({database_size(target) / mb:.1f} MB), row counts checked"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL; its server gets two databases")
    args = parser.parse_args()
    responses = args.answers // QUESTIONS
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source, target = (f"sqlite:///{work / name}" for name in ("source.db", "restored.db"))
        measure("SQLite", source, target, work / "sqlite.zip", responses)
        if args.postgres:
            with postgres_databases(args.postgres, "source", "restored") as (source, target):
                measure("PostgreSQL", source, target, work / "postgresql.zip", responses)


if __name__ == "__main__":
    main()
