"""``feedback-admin`` run as organizers run it: its ``main`` with the arguments, a clean
environment, a working directory, stdin, stdout and stderr of its own, and an exit status.

By default a run happens in this process, in a thread of its own (the command may run an
event loop), which spares an interpreter start per run; ``own_process=True`` runs the
installed console script instead, for the tests about the script itself.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import traceback
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from civic_feedback.admin_cli.__main__ import main
from civic_feedback.flows.engine import Button, Skip, Text
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.events import add_event as store_event
from civic_feedback.storage.events import find_event
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import Event, EventKind
from tests.support.citizens import add_citizen
from tests.support.databases import migrated_sqlite, sqlite_url, unit_sessions
from tests.support.fake_telegram import FakeTelegram
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

BOM = b"\xef\xbb\xbf"


def console_script(name: str) -> str:
    """The installed script of this interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    assert found is not None, f"{name} is not installed"
    return found


FEEDBACK_ADMIN = console_script("feedback-admin")


@dataclass
class Cli:
    """Runs feedback-admin in ``cwd`` with ``env``; a test may change variables per run."""

    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    own_process: bool = False  # the installed script in a process of its own

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    def __call__(
        self,
        *args: str,
        stdin: str | None = None,
        env: dict[str, str | None] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        run_env = dict(self.env)
        for name, value in (env or {}).items():
            if value is None:
                run_env.pop(name, None)
            else:
                run_env[name] = value
        if not self.own_process:
            return _run_here([FEEDBACK_ADMIN, *args], self.cwd, run_env, stdin or "")
        return subprocess.run(
            [FEEDBACK_ADMIN, *args],
            cwd=self.cwd,
            env=run_env,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )


_ONE_AT_A_TIME = threading.Lock()  # the environment, directory and streams are the process's


def _run_here(
    argv: list[str], cwd: Path, env: dict[str, str], stdin: str
) -> subprocess.CompletedProcess[str]:
    """``main`` as the console script runs it, in a thread of its own."""
    result: list[subprocess.CompletedProcess[str]] = []
    thread = threading.Thread(target=lambda: result.append(_main(argv, cwd, env, stdin)))
    thread.start()
    thread.join(timeout=120)
    assert result, f"{' '.join(argv)} did not finish in 120 s"
    return result[0]


def _main(
    argv: list[str], cwd: Path, env: dict[str, str], stdin: str
) -> subprocess.CompletedProcess[str]:
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="") for _ in "12")
    saved = (dict(os.environ), os.getcwd(), sys.argv, sys.stdin, sys.stdout, sys.stderr)
    with _ONE_AT_A_TIME:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        sys.argv, sys.stdin, sys.stdout, sys.stderr = argv, io.StringIO(stdin), out, err
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except BaseException:  # what would end the process with a traceback
            traceback.print_exc(file=err)
            code = 1
        finally:
            environ, directory, sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
            os.environ.clear()
            os.environ.update(environ)
            os.chdir(directory)
    return subprocess.CompletedProcess(argv, code, _text(out), _text(err))


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", errors="replace")


def cli_in(tmp_path: Path, **settings: str) -> Cli:
    """feedback-admin in ``tmp_path`` with a clean environment (no .env is read)."""
    return Cli(
        cwd=tmp_path,
        env={
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
            "COLUMNS": "200",  # wide enough that tables are never cut
            "NO_COLOR": "1",
            "DATABASE_URL": sqlite_url(tmp_path / "feedback.db"),
            "PSEUDONYM_KEY": PSEUDONYM_KEY,
            "TIMEZONE": "Europe/Sofia",
            **settings,
        },
    )


def ready_cli(tmp_path: Path, **settings: str) -> Cli:
    """The CLI on a migrated database with the built-in forms published."""
    cli = cli_in(tmp_path, **settings)
    migrated_sqlite(cli.cwd / "feedback.db")
    with session_on(cli) as session:
        install_library(session)
        session.commit()
    return cli


@contextmanager
def session_on(cli: Cli) -> Iterator[Session]:
    """A session on the very database the CLI uses."""
    engine = create_db_engine(cli.database_url)
    try:
        with unit_sessions(engine)() as session:
            yield session
    finally:
        engine.dispose()


def no_traceback(run: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in run.stdout + run.stderr, run.stderr


def the_error_line(run: subprocess.CompletedProcess[str]) -> str:
    """The one line a failing command prints, after checking that it is one line."""
    no_traceback(run)
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    return lines[0]


def low_rating_answered(session: Session, telegram_id: int, *, comment: str) -> None:
    """A citizen answers event-satisfaction with a low rating, as the bot would store it."""
    citizen = add_citizen(session, telegram_id=telegram_id, language="bg")
    session.commit()
    runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())
    steps: list[Step] = [Button("2"), Button("7"), 1, Button("4"), Text(comment), Skip()]
    walk_form(session, runs, citizen, "event-satisfaction", steps, language="bg")


BOT_TOKEN = "42:TEST-events-cli"


async def run_cli(cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI without blocking the event loop the fake Bot API answers on."""
    return await asyncio.to_thread(cli, *args)


def insert_event(
    session: Session,
    title: str = "Кръгла маса за бюджета",
    *,
    starts_at: datetime = datetime(2030, 12, 3, 16, 0, tzinfo=UTC),  # 18:00 in Sofia
    capacity: int | None = None,
    municipality: str | None = None,
    title_en: str | None = None,
) -> str:
    """An event stored directly (quicker than ``events add`` where that is not the subject)."""
    event = store_event(
        session,
        Event(
            code="",
            kind=EventKind.ROUND_TABLE,
            municipality=municipality,
            title={"bg": title, **({"en": title_en} if title_en else {})},
            place="Town hall",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            capacity=capacity,
            flow_id="event-satisfaction",
            reminder_offsets=[24 * 3600, 3600],
        ),
    )
    session.commit()
    return event.code


def stored_event(session: Session, code: str) -> Event:
    session.expire_all()
    event = find_event(session, code)
    assert event is not None
    return event


def table_row(output: str, first_cell: str) -> list[str]:
    """The cells of the Rich table row that starts with ``first_cell``."""
    for line in output.splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{output}")


def events_cli(tmp_path: Path) -> Cli:
    """The CLI ready (see ``ready_cli``) in a deployment serving two municipalities."""
    return ready_cli(tmp_path, MUNICIPALITIES="Sliven,Haskovo")


@asynccontextmanager
async def telegram_for(cli: Cli) -> AsyncIterator[FakeTelegram]:
    """The fake Bot API, and the CLI pointed at it with a valid-looking token."""
    async with FakeTelegram() as fake:
        cli.env.update({"TELEGRAM_API_URL": fake.url, "BOT_TOKEN": BOT_TOKEN})
        yield fake
