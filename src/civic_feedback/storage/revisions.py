"""Schema revisions read without Alembic: the one a database is at, and those the code knows.

Alembic learns its history by importing every revision file, which brings in its whole
migration machinery (about 9 MB and a tenth of a second); a bot restarting on a current
schema needs only two strings. The files' ``revision`` and ``down_revision`` are read as
Alembic writes them, plain literals (``tests/integration/test_migrations.py`` checks both
readings agree).
"""

from __future__ import annotations

import ast
from functools import cache
from importlib import resources
from pathlib import Path

from sqlalchemy import Connection, inspect, text

VERSIONS = Path(str(resources.files(__package__) / "migrations" / "versions"))
VERSION_TABLE = "alembic_version"


def current_revision(connection: Connection) -> str | None:
    """The revision the database's schema is at; None when no migration has run yet."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    revision = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return str(revision) if revision is not None else None


@cache
def known_revisions() -> dict[str, tuple[str, ...]]:
    """Every revision of the code's migration history, with the revisions it follows."""
    history: dict[str, tuple[str, ...]] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        if path.name.startswith(("__init__", ".#")):  # files Alembic skips too
            continue
        values = _module_literals(path)
        revision, below = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str):
            raise RuntimeError(f"{path.name}: `revision` is not a plain string")
        history[revision] = _revisions(below)
    return history


def newest_revision() -> str:
    """The head of the migration history, which is one line."""
    history = known_revisions()
    followed = {below for parents in history.values() for below in parents}
    heads = sorted(set(history) - followed)
    if len(heads) != 1:
        raise RuntimeError(f"the migration history has {len(heads)} heads: {heads}")
    return heads[0]


def _revisions(value: object) -> tuple[str, ...]:
    """``down_revision``: None (the first), one revision, or several (a merge)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list):
        return tuple(str(v) for v in value)
    return ()


def _module_literals(path: Path) -> dict[str, object]:
    """The module's top-level assignments of literal values, by name."""
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return values
