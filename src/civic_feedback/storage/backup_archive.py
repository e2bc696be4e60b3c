"""The backup file: one zip archive holding the database's dump and a JSON manifest.

Zip rather than tar: its directory sits at the end and lists every member with its size
before anything is read, so the manifest is read without touching the dump, a truncated
file (no directory) is refused at once, sizes are known before a byte is extracted, and
every member carries a CRC that catches a damaged copy. An IT person can also open it with
the file manager of any system to see what is inside.

A backup is hostile input when it is restored: it may be damaged, cut short, forged or not
a backup at all. ``read_manifest`` and ``extract_dump`` accept exactly the two members a
backup has, under the names this module gives them (nothing is extracted under a name taken
from the archive, so no path can lead outside the temporary folder), read at most
``MAX_MANIFEST_BYTES`` of manifest, write no more than the dump's declared size and only
when the disk has room for it, and check the dump's SHA-256 against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
import zlib
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT = 1  # the manifest's format; a reader refuses a newer one
MANIFEST = "manifest.json"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MAX_MANIFEST_BYTES = 1 << 20  # a real one is a few KB: a table name and a count per table
CHUNK = 1 << 20
FREE_MARGIN = 64 << 20  # left free on the disk after extracting a dump
TABLE_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,62}"  # names are quoted, and still checked

Backend = Literal["sqlite", "postgresql"]


class BackupError(Exception):
    """The backup cannot be taken or restored; the message is one line saying what to do."""


class DumpInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    """What a backup holds: checked before the dump is extracted, and again after restoring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int
    product: Literal["civic-feedback"] = "civic-feedback"
    backend: Backend
    schema_revision: str = Field(pattern=r"^[A-Za-z0-9_]{1,64}$")  # Alembic's, of the dump
    created_at: datetime  # when the dump's moment was fixed, UTC
    tables: dict[str, int]  # rows per table at that moment
    dump: DumpInfo
    postgresql_schema: str | None = Field(default=None, pattern=f"^{TABLE_NAME}$")

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def write_archive(path: Path, dump: Path, manifest: Manifest) -> None:
    """Write the archive at ``path`` (which must not be where the caller will keep it: the
    caller renames it there once complete). PostgreSQL's custom dump is compressed already,
    so it is stored as it is; SQLite's file is deflated at level 1, which on the benchmark's
    database takes a quarter of the default level's time for 15 % more bytes."""
    method = zipfile.ZIP_STORED if manifest.backend == "postgresql" else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", allowZip64=True) as archive:
        archive.writestr(MANIFEST, manifest.model_dump_json(indent=2), zipfile.ZIP_DEFLATED)
        archive.write(dump, manifest.dump.file, compress_type=method, compresslevel=1)
    with path.open("rb") as written:
        os.fsync(written.fileno())


def read_manifest(path: Path) -> Manifest:
    """The archive's manifest, after checking that the file is an archive of this shape."""
    with _open(path) as archive:
        return _manifest(path, archive)


def extract_dump(path: Path, manifest: Manifest, folder: Path) -> Path:
    """Extract the dump into ``folder`` under its fixed name and check it against the
    manifest (size, SHA-256). Raises BackupError and leaves nothing behind on any problem."""
    target = folder / DUMP_NAMES[manifest.backend]
    with _open(path) as archive:
        info = archive.getinfo(manifest.dump.file)
        if info.file_size != manifest.dump.bytes:
            raise BackupError(
                f"{path} is damaged: its dump is {info.file_size} bytes, its manifest says "
                f"{manifest.dump.bytes}; {_AGAIN}"
            )
        free = shutil.disk_usage(folder).free
        if info.file_size + FREE_MARGIN > free:
            raise BackupError(
                f"restoring {path} needs {_mb(info.file_size + FREE_MARGIN)} free in {folder}, "
                f"which has {_mb(free)}: free some space, or set TMPDIR to a folder with room"
            )
        digest = hashlib.sha256()
        written = 0
        try:
            with archive.open(info) as source, target.open("wb") as out:
                while block := source.read(CHUNK):
                    written += len(block)
                    if written > info.file_size:
                        raise BackupError(f"{path} is damaged: its dump is longer than declared")
                    digest.update(block)
                    out.write(block)
        except _DAMAGE as error:
            target.unlink(missing_ok=True)
            raise BackupError(f"{path} is damaged ({_reason(error)}): {_AGAIN}") from None
        except BackupError:
            target.unlink(missing_ok=True)
            raise
    if digest.hexdigest() != manifest.dump.sha256:
        target.unlink(missing_ok=True)
        raise BackupError(
            f"{path} does not hold the dump its manifest describes (SHA-256 mismatch): it was "
            f"altered or damaged; {_AGAIN}"
        )
    return target


# What zipfile raises for a member it cannot read back: a bad CRC, a broken deflate stream,
# data cut short, an encrypted member or an unknown compression method.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)
_AGAIN = "use another backup, or copy this one again from where it is kept"


def _open(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        with path.open("rb") as file:
            starts_like_zip = file.read(4) == b"PK\x03\x04"
        if starts_like_zip:
            raise BackupError(f"{path} is cut short (truncated): {_AGAIN}") from None
        raise BackupError(
            f"{path} is not a civic-feedback backup (not a zip archive); a backup is the "
            "file written by `feedback-admin backup` or the nightly backups"
        ) from None
    names = archive.namelist()
    allowed = {MANIFEST, *DUMP_NAMES.values()}
    strange = [name for name in names if name not in allowed]
    if strange or len(names) != len(set(names)) or len(names) > 2:
        archive.close()
        what = repr(strange[0]) if strange else "its members more than once"
        raise BackupError(
            f"{path} is not a civic-feedback backup: it holds {what}, which a backup never "
            "does; nothing was extracted"
        )
    return archive


def _manifest(path: Path, archive: zipfile.ZipFile) -> Manifest:
    not_backup = f"{path} is not a civic-feedback backup"
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise BackupError(f"{not_backup}: it has no {MANIFEST}") from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise BackupError(
            f"{not_backup}: its {MANIFEST} is {_mb(info.file_size)}, more than the "
            f"{_mb(MAX_MANIFEST_BYTES)} a backup's manifest may have"
        )
    try:
        with archive.open(info) as file:
            raw = file.read(MAX_MANIFEST_BYTES + 1)
        data = json.loads(raw)
    except _DAMAGE as error:
        raise BackupError(f"{path} is damaged ({_reason(error)}): {_AGAIN}") from None
    except (ValueError, RecursionError):
        raise BackupError(f"{not_backup}: its {MANIFEST} is not JSON") from None
    if isinstance(data, dict) and isinstance(data.get("format"), int) and data["format"] > FORMAT:
        raise BackupError(
            f"{path} was written by a newer civic-feedback (backup format {data['format']}; "
            f"this version reads {FORMAT}): restore it with that version or a newer one"
        )
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "manifest"
        raise BackupError(f"{not_backup}: its manifest's {where}: {problem['msg']}") from None
    _check_names(path, archive, manifest)
    return manifest


def _check_names(path: Path, archive: zipfile.ZipFile, manifest: Manifest) -> None:
    expected = DUMP_NAMES[manifest.backend]
    if manifest.format != FORMAT or manifest.dump.file != expected:
        raise BackupError(
            f"{path} is not a civic-feedback backup: format {manifest.format}, dump "
            f"{manifest.dump.file!r}"
        )
    if expected not in archive.namelist():
        raise BackupError(f"{path} is damaged: it has a manifest but no {expected}; {_AGAIN}")
    wrong = [name for name in manifest.tables if not re.fullmatch(TABLE_NAME, name)]
    if wrong or any(count < 0 for count in manifest.tables.values()):
        raise BackupError(f"{path} is not a civic-feedback backup: its manifest lists {wrong}")


def _reason(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _mb(count: int) -> str:
    return f"{count / 2**20:.1f} MB"
