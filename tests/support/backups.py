"""Backups in tests: citizens answering while one is taken, a database's rows to compare,
and archives damaged or forged the ways a real file can be."""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.flows.engine import Button, Skip, Text
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.flow_versions import FlowCatalog
from tests.support.citizens import add_citizen
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

WAIT = 60.0  # seconds; far more than any step takes, so only a hang reaches it
COMPARED = ("citizen", "response", "answer", "answer_choice")  # what citizens' answers are


class AnsweringCitizens(threading.Thread):
    """Citizens answering event-satisfaction one after another through the real services,
    every answer committed as the bot commits it, until ``stop``."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(name="answering-citizens", daemon=True)
        self.sessions = sessions
        self.finished = 0  # citizens who answered the whole form
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._stopping = threading.Event()

    def run(self) -> None:
        runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
        try:
            with self.sessions() as session:
                while not self._stopping.is_set():
                    number = self.finished
                    citizen = add_citizen(session, telegram_id=900_000 + number, language="bg")
                    session.commit()
                    steps: list[Step] = [
                        *(Button(str(number % 3 + 1)), Button("7"), 1, Button("4")),
                        *(Text(f"Отговор {number}"), Skip()),
                    ]
                    walk_form(session, runs, citizen, "event-satisfaction", steps, language="bg")
                    with self._changed:
                        self.finished += 1
                        self._changed.notify_all()
        except BaseException as error:
            self.error = error
            with self._changed:
                self._changed.notify_all()

    def wait_until(self, finished: int) -> None:
        """Wait until ``finished`` citizens have answered the whole form."""
        with self._changed:
            done = self._changed.wait_for(
                lambda: self.finished >= finished or self.error is not None, WAIT
            )
        assert self.error is None, self.error
        assert done, f"only {self.finished} citizens answered in {WAIT} s"

    def stop(self) -> None:
        self._stopping.set()
        self.join(WAIT)
        assert self.error is None, self.error


def rows_of(database_url: str, tables: tuple[str, ...] = COMPARED) -> dict[str, list[Any]]:
    """Every row of ``tables``, by primary key order: what a restore must give back."""
    engine = create_db_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine, only=list(tables))
        with engine.connect() as connection:
            return {
                name: list(
                    connection.execute(
                        select(metadata.tables[name]).order_by(
                            *metadata.tables[name].primary_key.columns
                        )
                    )
                )
                for name in tables
            }
    finally:
        engine.dispose()


def rewritten(
    archive: Path,
    into: Path,
    *,
    manifest: Callable[[dict[str, Any]], object] | None = None,
    dump: Callable[[bytes], bytes] | None = None,
    rename: str | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A well-formed zip made from ``archive`` with its manifest edited in place, its dump
    changed or renamed, or members added: every CRC is right, only the content lies."""
    with zipfile.ZipFile(archive) as source:
        members = {name: source.read(name) for name in source.namelist()}
    if manifest is not None:
        data = json.loads(members["manifest.json"])
        manifest(data)
        members["manifest.json"] = json.dumps(data).encode()
    name = next(name for name in members if name != "manifest.json")
    if dump is not None:
        members[name] = dump(members[name])
    if rename is not None:
        members[rename] = members.pop(name)
    members.update(extra or {})
    with zipfile.ZipFile(into, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    return into
