"""``feedback-admin backup`` and ``restore`` as an operator runs them, on SQLite: what they
print, and every kind of bad file refused with one line while the database stays as it was.

A backup is hostile input when it comes back: damaged on a disk, cut short by a copy, edited,
made for the other backend or by a newer version, or not a backup at all.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from civic_feedback.storage.backup_archive import read_manifest
from tests.support.admin_cli import Cli, ready_cli, session_on, table_row, the_error_line
from tests.support.backups import rewritten
from tests.support.citizens import add_citizen

INSTALL = (
    "install the PostgreSQL client (Debian: apt install postgresql-client) of the server's "
    "major version"
)
AGAIN = "use another backup, or copy this one again from where it is kept"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """A deployment whose database holds two citizens."""
    cli = ready_cli(tmp_path)
    with session_on(cli) as session:
        for telegram_id in (101, 102):
            add_citizen(session, telegram_id=telegram_id, language="bg")
    return cli


@pytest.fixture
def good_backup(cli: Cli) -> Path:
    run = cli("backup", "-o", "good.zip")
    assert run.returncode == 0, run.stderr
    return cli.cwd / "good.zip"


def database_dump(cli: Cli) -> list[str]:
    """Every statement that recreates the database: equal lists, equal databases."""
    path = cli.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.iterdump())


def test_backup_prints_what_it_wrote_and_the_manifest_describes_the_database(cli: Cli) -> None:
    run = cli("backup", "-o", "before-upgrade.zip")

    assert run.returncode == 0, run.stderr
    manifest = read_manifest(cli.cwd / "before-upgrade.zip")
    assert manifest.backend == "sqlite"
    assert manifest.tables["citizen"] == 2
    assert table_row(run.stdout, "file") == ["file", "before-upgrade.zip"]
    assert table_row(run.stdout, "tables") == ["tables", str(len(manifest.tables))]
    assert table_row(run.stdout, "rows") == ["rows", f"{manifest.rows:,}"]
    assert table_row(run.stdout, "size")[1].endswith("KB")
    assert sorted(path.name for path in cli.cwd.iterdir() if path.name.startswith(".")) == []


def test_backup_without_a_name_writes_one_named_by_its_utc_time(cli: Cli) -> None:
    run = cli("backup")

    assert run.returncode == 0, run.stderr
    (written,) = cli.cwd.glob("civic-feedback-*Z.zip")
    assert read_manifest(written).tables["citizen"] == 2


def test_backup_never_overwrites_a_file(cli: Cli, good_backup: Path) -> None:
    kept = good_backup.read_bytes()

    run = cli("backup", "-o", "good.zip")

    assert the_error_line(run) == (
        "error: good.zip already exists: choose another name, or remove it first"
    )
    assert good_backup.read_bytes() == kept


def test_backup_of_a_missing_database_creates_neither(tmp_path: Path) -> None:
    cli = ready_cli(tmp_path)
    cli.env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'elsewhere.db'}"

    run = cli("backup", "-o", "backup.zip")

    assert the_error_line(run) == (
        f"error: no database at {tmp_path / 'elsewhere.db'}: nothing to back up (check "
        "DATABASE_URL)"
    )
    assert not (tmp_path / "backup.zip").exists()
    assert not (tmp_path / "elsewhere.db").exists()


def _flip_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def damaged(backup: Path, into: Path) -> Path:
    """A bit flipped in the stored dump, as a failing disk does: the CRC no longer holds."""
    into.write_bytes(_flip_middle(backup.read_bytes()))
    return into


def truncated(backup: Path, into: Path) -> Path:
    into.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    return into


def forged(backup: Path, into: Path) -> Path:
    """The dump edited and the zip rebuilt: every CRC holds, the manifest's checksum does not."""
    return rewritten(backup, into, dump=_flip_middle)


def of_postgresql(backup: Path, into: Path) -> Path:
    """A whole PostgreSQL backup (its manifest, its dump's name)."""
    return rewritten(backup, into, manifest=_postgresql, rename="database.pgdump")


def _postgresql(manifest: dict[str, Any]) -> None:
    manifest.update(backend="postgresql", postgresql_schema="public")
    manifest["dump"]["file"] = "database.pgdump"


def oversized_manifest(backup: Path, into: Path) -> Path:
    return rewritten(backup, into, manifest=lambda m: m.update(padding="x" * (2 << 20)))


def not_an_archive(backup: Path, into: Path) -> Path:
    into.write_text("id,answer\n1,5\n", encoding="utf-8")
    return into


def escaping(backup: Path, into: Path) -> Path:
    return rewritten(backup, into, extra={"../escaped.txt": b"written outside"})


def newer_schema(backup: Path, into: Path) -> Path:
    return rewritten(backup, into, manifest=lambda m: m.update(schema_revision="0999"))


def newer_format(backup: Path, into: Path) -> Path:
    return rewritten(backup, into, manifest=lambda m: m.update(format=2))


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (damaged, "bad.zip is damaged ("),
        (truncated, f"bad.zip is cut short (truncated): {AGAIN}"),
        (forged, "bad.zip does not hold the dump its manifest describes (SHA-256 mismatch): "),
        (
            of_postgresql,
            "bad.zip is a PostgreSQL backup, but DATABASE_URL is a SQLite database: restore it "
            "into a PostgreSQL one",
        ),
        (
            oversized_manifest,
            "bad.zip is not a civic-feedback backup: its manifest.json is 2.0 MB, more than the "
            "1.0 MB a backup's manifest may have",
        ),
        (not_an_archive, "bad.zip is not a civic-feedback backup (not a zip archive); "),
        (
            escaping,
            "bad.zip is not a civic-feedback backup: it holds '../escaped.txt', which a backup "
            "never does; nothing was extracted",
        ),
        (newer_schema, "bad.zip holds schema revision 0999, newer than this version of "),
        (newer_format, "bad.zip was written by a newer civic-feedback (backup format 2; "),
    ],
)
def test_a_bad_file_is_refused_with_one_line_and_changes_nothing(
    cli: Cli, good_backup: Path, spoil: Callable[[Path, Path], Path], says: str
) -> None:
    bad = spoil(good_backup, cli.cwd / "bad.zip")
    before = database_dump(cli)
    files = sorted(cli.cwd.parent.rglob("*"))

    run = cli("restore", "bad.zip", "--force")  # even forced: the file is checked first

    assert the_error_line(run).startswith(f"error: {says}")
    assert run.stdout == ""
    assert database_dump(cli) == before
    assert sorted(cli.cwd.parent.rglob("*")) == files  # nothing extracted anywhere
    assert bad.exists()


def test_restore_prints_what_it_restored(cli: Cli, good_backup: Path, tmp_path: Path) -> None:
    cli.env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'new.db'}"

    run = cli("restore", "good.zip")

    assert run.returncode == 0, run.stderr
    assert "Backup restored, row counts checked" in run.stdout
    assert table_row(run.stdout, "rows") == ["rows", f"{read_manifest(good_backup).rows:,}"]
    assert "Schema upgraded" not in run.stdout  # it was current already


def test_postgresql_without_its_client_tools_says_what_to_install(
    cli: Cli, good_backup: Path
) -> None:
    cli.env["DATABASE_URL"] = "postgresql+psycopg://feedback@127.0.0.1:1/feedback"
    cli.env["PATH"] = str(cli.cwd / "no-tools")
    of_postgresql(good_backup, cli.cwd / "pg.zip")

    backup = cli("backup", "-o", "new.zip")
    restore = cli("restore", "pg.zip")

    assert the_error_line(backup) == f"error: pg_dump not found: {INSTALL}"
    assert the_error_line(restore) == f"error: pg_restore not found: {INSTALL}"
    assert not (cli.cwd / "new.zip").exists()


def test_the_manifest_is_plain_json_an_operator_can_read(good_backup: Path) -> None:
    with zipfile.ZipFile(good_backup) as archive:
        assert sorted(archive.namelist()) == ["database.sqlite3", "manifest.json"]
        manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest) >= {"format", "backend", "schema_revision", "created_at", "tables"}
    assert set(manifest["dump"]) == {"file", "bytes", "sha256"}
