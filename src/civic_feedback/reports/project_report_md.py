"""The project report as Markdown; its charts are PNG files in a folder beside it."""

from __future__ import annotations

from pathlib import Path

from civic_feedback.reports.project_report_layout import (
    Block,
    Bullets,
    Chart,
    Heading,
    Paragraph,
    Table,
)


def _md(text: str) -> str:
    """Citizens' words as text, never as Markdown or HTML: markup characters escaped."""
    for mark in "\\`*_[]<>|#":
        text = text.replace(mark, "\\" + mark)
    return text


def _cell(text: str) -> str:
    return "<br>".join(_md(line) for line in text.split("\n"))


def write_markdown(blocks: list[Block], path: Path) -> list[Path]:
    """Write ``path`` and its charts (``<name>-charts/*.png``); returns the charts written."""
    folder = path.with_name(f"{path.stem}-charts")
    charts: list[Path] = []
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * (block.level + 1) + " " + _md(block.text), ""]
        elif isinstance(block, Paragraph):
            lines += [_md(block.text), ""]
        elif isinstance(block, Bullets):
            lines += [*(f"- {_md(item)}" for item in block.items), ""]
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(_cell(c) for c in block.columns) + " |")
            lines.append("|" + "---|" * len(block.columns))
            rows = [[_cell(c) for c in row] for row in block.rows]
            if block.total and rows:
                rows[-1] = [f"**{c}**" if c else c for c in rows[-1]]
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            lines.append("")
        elif isinstance(block, Chart):
            folder.mkdir(exist_ok=True)
            image = folder / f"{block.name}.png"
            image.write_bytes(block.draw())
            charts.append(image)
            alt = _md(block.alt).replace("\n", " ")
            lines += [f"![{alt}]({folder.name}/{image.name})", "", f"*{_md(block.caption)}*", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return charts
