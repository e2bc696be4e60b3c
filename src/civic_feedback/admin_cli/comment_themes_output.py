"""``feedback-admin comments --themes``: the themes per language on screen, or as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civic_feedback.reports.comment_themes import CommentThemes, comment_themes_json


def print_themes(result: CommentThemes) -> None:
    """One table per language: theme, comments, one quote. Citizens' text is escaped."""
    console = Console(highlight=False)
    if not result.languages:
        console.print("No comments to find themes in: leave out --week, --lang or --event.")
    if result.one_in > 1:
        console.print(
            f"An even sample was read: one comment in {result.one_in}; "
            "the counts below are of the comments read."
        )
    for found in result.languages:
        console.print(f"[bold]{found.language}[/bold]: {found.comments} comments")
        if not found.themes:
            console.print("  no phrase is shared by enough comments to be a theme")
            continue
        table = Table()
        table.add_column("theme", no_wrap=True)
        table.add_column("comments", justify="right")
        table.add_column("example", overflow="fold", min_width=30)
        for theme in found.themes:
            example = theme.quotes[0] if theme.quotes else ""
            table.add_row(escape(theme.label), str(theme.count), escape(example))
        console.print(table)
    if result.not_analysed:
        counts = ", ".join(f"{code} {count}" for code, count in result.not_analysed.items())
        console.print(f"Not analysed (no themes in these languages): {counts}")


def write_themes_json(result: CommentThemes, output: Path | None) -> None:
    """The themes as JSON, to ``output`` or standard output."""
    text = json.dumps(comment_themes_json(result), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        Console(highlight=False, soft_wrap=True).out(text, end="")
        return
    output.write_text(text, encoding="utf-8")
    themes = sum(len(found.themes) for found in result.languages)
    Console(stderr=True).print(f"{themes} themes written to {escape(str(output))}")
