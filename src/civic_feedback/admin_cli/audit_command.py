"""``feedback-admin audit``: who broadcast, exported, granted and erased, and when."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.times import parse_time
from civic_feedback.settings import load_settings
from civic_feedback.storage.audit import entries

console = Console(highlight=False)


def audit(
    since: Annotated[
        str | None, typer.Option(help='From this time on: "2026-11-01" or "2026-11-01 09:00".')
    ] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action: broadcast, export, grant, revoke, …")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The audit log, oldest first. People appear as pseudonyms, never Telegram ids."""
    settings = load_settings()
    start = parse_time(since, settings.zone, "--since") if since else None
    with open_session(settings) as session:
        rows = entries(session, since=start, action=action)
    if as_json:
        for entry in rows:
            line = {
                "at": entry.at.astimezone(settings.zone).isoformat(timespec="seconds"),
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "details": entry.details,
            }
            print(json.dumps(line, ensure_ascii=False))
        return
    table = Table("at", "actor", "action", "subject", "details")
    for entry in rows:
        table.add_row(
            f"{entry.at.astimezone(settings.zone):%Y-%m-%d %H:%M:%S}",
            escape(entry.actor),
            entry.action,
            escape(entry.subject or ""),
            escape(json.dumps(entry.details, ensure_ascii=False) if entry.details else ""),
        )
    console.print(table if rows else "The audit log is empty for this period.")
