"""The layers import one way: flows <- storage <- reports <- (bot, admin_cli) <- ... sandbox.

The sandbox runs the bot, so it sits above it; the bot reaches the sandbox in one place only,
``feedback-bot sandbox`` in its entry point."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "civic_feedback"

# What each layer may import from the project, and which outside libraries it must not use.
ALLOWED = {
    "flows": {"flows"},
    "storage": {"flows", "storage"},
    "reports": {"flows", "storage", "reports"},
    "bot": {"flows", "storage", "reports", "bot", "settings"},
    "admin_cli": {"flows", "storage", "reports", "admin_cli", "settings"},
    "sandbox": {"flows", "storage", "reports", "bot", "sandbox", "settings"},
}
# Modules allowed one more layer than their own.
ENTRY_POINTS = {"bot/__main__.py": {"sandbox"}}
FORBIDDEN_LIBRARIES = {
    "flows": {"aiogram", "sqlalchemy", "sqlmodel", "alembic"},
    "storage": {"aiogram"},
    "reports": {"aiogram"},
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


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_the_layers_below_it(layer: str) -> None:
    wrong = set()
    for path in (PACKAGE / layer).rglob("*.py"):
        allowed = ALLOWED[layer] | ENTRY_POINTS.get(str(path.relative_to(PACKAGE)), set())
        for module in imported_modules(path):
            parts = module.split(".")
            if parts[0] == "civic_feedback" and len(parts) > 1 and parts[1] not in allowed:
                wrong.add(f"{path.relative_to(PACKAGE)} imports {module}")
            if parts[0] in FORBIDDEN_LIBRARIES.get(layer, set()):
                wrong.add(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not wrong, "\n".join(sorted(wrong))
