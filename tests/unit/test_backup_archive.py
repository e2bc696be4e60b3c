"""The backup archive as a file format: what is written is read back, and what a hostile file
declares is bounded before anything is extracted (the command-line tests restore real ones)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from civic_feedback.storage.backup_archive import (
    BackupError,
    DumpInfo,
    Manifest,
    extract_dump,
    read_manifest,
    sha256_of,
    write_archive,
)
from tests.support.backups import rewritten

DUMP = b"SQLite format 3\x00" + bytes(range(256)) * 64


def archive_of(folder: Path, content: bytes = DUMP) -> Path:
    dump = folder / "database.sqlite3"
    dump.write_bytes(content)
    manifest = Manifest(
        format=1,
        backend="sqlite",
        schema_revision="0014",
        created_at=datetime(2026, 12, 3, 1, 41, tzinfo=UTC),
        tables={"citizen": 2, "answer": 40},
        dump=DumpInfo(file=dump.name, bytes=dump.stat().st_size, sha256=sha256_of(dump)),
    )
    path = folder / "backup.zip"
    write_archive(path, dump, manifest)
    dump.unlink()
    return path


def test_what_is_written_is_read_back(tmp_path: Path) -> None:
    archive = archive_of(tmp_path)
    out = tmp_path / "out"
    out.mkdir()

    manifest = read_manifest(archive)
    extracted = extract_dump(archive, manifest, out)

    assert (manifest.rows, manifest.created_at) == (42, datetime(2026, 12, 3, 1, 41, tzinfo=UTC))
    assert extracted == out / "database.sqlite3"
    assert extracted.read_bytes() == DUMP


def test_a_dump_larger_than_the_free_space_is_refused_before_a_byte_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = archive_of(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    full = shutil.disk_usage(out)._replace(free=10 << 20)
    monkeypatch.setattr(shutil, "disk_usage", lambda _: full)

    with pytest.raises(BackupError) as refused:
        extract_dump(archive, read_manifest(archive), out)

    assert str(refused.value) == (
        f"restoring {archive} needs 64.0 MB free in {out}, which has 10.0 MB: free some space, "
        "or set TMPDIR to a folder with room"
    )
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda m: m["tables"].update({'x"; DROP TABLE answer; --': 1}), "its manifest lists"),
        (lambda m: m["dump"].update(bytes=-1), "its manifest's dump.bytes: "),
        (lambda m: m.update(backend="mysql"), "its manifest's backend: "),
        (lambda m: m.update(product="another-bot"), "its manifest's product: "),
    ],
)
def test_a_manifest_that_lies_about_its_shape_is_refused(
    tmp_path: Path, edit: Any, says: str
) -> None:
    forged = rewritten(archive_of(tmp_path), tmp_path / "forged.zip", manifest=edit)

    with pytest.raises(BackupError) as refused:
        read_manifest(forged)

    assert str(refused.value).startswith(f"{forged} is not a civic-feedback backup: {says}")
