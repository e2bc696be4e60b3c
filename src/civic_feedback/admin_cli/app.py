"""The ``feedback-admin`` command tree."""

from __future__ import annotations

import typer
from rich.console import Console

from civic_feedback.admin_cli import (
    attendance_command,
    audit_command,
    backup_commands,
    broadcast_commands,
    comments_command,
    consultations_commands,
    doctor_command,
    event_changes_commands,
    events_commands,
    export_command,
    flows_commands,
    inbox_commands,
    publish_command,
    report_command,
    rollups_commands,
    summary_command,
    users_commands,
)
from civic_feedback.admin_cli.database import upgrade_schema
from civic_feedback.settings import load_settings

app = typer.Typer(
    name="feedback-admin",
    help="civic-feedback for organizers and staff: forms, exports, the database.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(flows_commands.app, name="flows")
app.add_typer(events_commands.app, name="events")
events_commands.app.command("edit")(event_changes_commands.edit)
events_commands.app.command("reschedule")(event_changes_commands.reschedule)
events_commands.app.command("attendance")(attendance_command.attendance_command)
app.add_typer(broadcast_commands.app, name="broadcast")
app.add_typer(users_commands.app, name="users")
app.add_typer(inbox_commands.app, name="inbox")
app.add_typer(consultations_commands.app, name="consultations")
app.add_typer(comments_command.app, name="comments")
app.add_typer(rollups_commands.app, name="rollups")
app.command("export")(export_command.export)
app.command("summary")(summary_command.summary)
app.command("report")(report_command.report)
app.command("publish")(publish_command.publish)
app.command("audit")(audit_command.audit)
app.command("doctor")(doctor_command.doctor)
app.command("backup")(backup_commands.backup)
app.command("restore")(backup_commands.restore)

console = Console()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the tables or bring them up to date, and install the built-in forms not
    installed yet (the bot also does both when it starts)."""
    installed = upgrade_schema(load_settings().database_url)
    console.print("[green]The database schema is up to date.[/green]")
    if installed:
        console.print(f"Built-in forms installed: {', '.join(installed)}.", markup=False)
