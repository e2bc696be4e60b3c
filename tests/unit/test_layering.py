"""The layers import one way, from the bottom up:

core <- flows <- storage <- services <- reports <- (console, admin_cli) <- bot <- sandbox

``core`` holds the pure helpers every layer uses, and ``settings`` depends on nothing else.
Inside the bot, the outgoing Bot API layer (``client``) and the ``views`` know no handler or
job; ``middlewares`` and ``handlers`` know no job, and jobs know no handler; ``monitoring``
(the metrics every part counts into, ``/metrics`` and ``/healthz``) knows none of them. The
staff console is another door to the services, which the bot serves on its listener. The
sandbox runs
the bot, so it sits above it; the bot reaches the sandbox in one place only, ``feedback-bot
sandbox`` in its entry point."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "src" / "civic_feedback"

_BELOW_SERVICES = {"core", "flows", "storage", "services"}
# What each layer may import from the project, and which outside libraries it must not use.
ALLOWED = {
    "core": {"core"},
    "settings.py": {"core"},
    "flows": {"core", "flows"},
    "storage": {"core", "flows", "storage"},
    "services": _BELOW_SERVICES,
    "reports": _BELOW_SERVICES | {"reports"},
    "console": _BELOW_SERVICES | {"reports", "console", "settings"},
    "bot": _BELOW_SERVICES | {"reports", "bot", "console", "settings"},
    "admin_cli": _BELOW_SERVICES | {"reports", "admin_cli", "settings"},
    "sandbox": _BELOW_SERVICES | {"reports", "bot", "console", "sandbox", "settings"},
}
# Modules allowed one more layer than their own.
ENTRY_POINTS = {"bot/__main__.py": {"sandbox"}}
FORBIDDEN_LIBRARIES = {
    "core": {"aiogram", "sqlalchemy", "sqlmodel", "alembic", "pydantic_settings"},
    "flows": {"aiogram", "sqlalchemy", "sqlmodel", "alembic"},
    "storage": {"aiogram"},
    "services": {"aiogram"},
    "reports": {"aiogram"},
}
# Inside the bot: which of its parts each part must not import.
BOT_PARTS_FORBIDDEN = {
    "client": {"handlers", "jobs", "views", "middlewares", "dispatcher", "app"},
    "views": {"handlers", "jobs", "middlewares", "dispatcher", "app"},
    "middlewares": {"handlers", "jobs", "dispatcher", "app"},
    "handlers": {"jobs", "dispatcher", "app"},
    "jobs": {"handlers", "middlewares", "dispatcher", "app"},
    "monitoring": {"client", "handlers", "jobs", "views", "middlewares", "dispatcher", "app"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(layer: str) -> list[Path]:
    target = PACKAGE / layer
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_the_layers_below_it(layer: str) -> None:
    wrong = set()
    for path in _files(layer):
        allowed = ALLOWED[layer] | ENTRY_POINTS.get(str(path.relative_to(PACKAGE)), set())
        for module in imported_modules(path):
            parts = module.split(".")
            top = parts[1] if len(parts) > 1 else ""
            if parts[0] == "civic_feedback" and top and top not in allowed:
                wrong.add(f"{path.relative_to(PACKAGE)} imports {module}")
            if parts[0] in FORBIDDEN_LIBRARIES.get(layer, set()):
                wrong.add(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not wrong, "\n".join(sorted(wrong))


@pytest.mark.parametrize("part", sorted(BOT_PARTS_FORBIDDEN))
def test_bot_parts_import_one_way(part: str) -> None:
    wrong = set()
    for path in _files(f"bot/{part}"):
        for module in imported_modules(path):
            parts = module.split(".")
            inside_bot = parts[:2] == ["civic_feedback", "bot"] and len(parts) > 2
            if inside_bot and parts[2] in BOT_PARTS_FORBIDDEN[part]:
                wrong.add(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not wrong, "\n".join(sorted(wrong))


def test_every_module_belongs_to_a_layer() -> None:
    """A new top-level package or module must be placed in the picture above."""
    known = {name.removesuffix(".py") for name in ALLOWED} | {"locales", "__init__"}
    present = {
        path.name.removesuffix(".py")
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" or path.is_dir()) and path.name != "__pycache__"
    }
    assert present <= known, sorted(present - known)
