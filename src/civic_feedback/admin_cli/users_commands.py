"""``feedback-admin users``: who has a staff role. Every change is written to the audit log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.municipalities import known_municipality
from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.services.erasure import erase_citizen
from civic_feedback.services.staff_roles import is_telegram_user_id
from civic_feedback.settings import load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.models import Role
from civic_feedback.storage.roles import grant, revoke, staff_members

app = typer.Typer(
    help="Staff roles (grant, revoke, list) and erasing a person (forget).", no_args_is_help=True
)
console = Console(highlight=False)

_ROLES = ", ".join(role.value for role in Role)


def _role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise CliError(f"unknown role {text!r}: choose {_ROLES}") from None


def _telegram_id(value: int) -> int:
    if not is_telegram_user_id(value):
        raise CliError(f"{value} is not a Telegram user id (a positive number, see @userinfobot)")
    return value


@app.command("grant")
def grant_command(
    telegram_id: Annotated[int, typer.Argument(help="The person's Telegram user id.")],
    role: Annotated[str, typer.Argument(help=f"One of: {_ROLES}.")],
    municipality: Annotated[
        str | None, typer.Option(help="Staff of this municipality only (inbox, summaries).")
    ] = None,
) -> None:
    """Give someone a role (or change it): admin, organizer or staff."""
    settings = load_settings()
    key = settings.require_pseudonym_key()
    chosen, place = _role(role), known_municipality(settings, municipality)
    with open_session(settings) as session:
        audit.record(
            session,
            audit.cli_actor(),
            "grant",
            pseudonym(key, _telegram_id(telegram_id)),
            role=chosen.value,
            municipality=place,
        )
        grant(session, telegram_id, chosen, granted_by=audit.cli_actor(), municipality=place)
    where = f" for {place}" if place else ""
    console.print(f"{telegram_id} is now {chosen.value}{escape(where)}.")
    if telegram_id in settings.admin_ids:
        console.print("Note: this id is in ADMIN_IDS, so it stays admin whatever the role here.")


@app.command("revoke")
def revoke_command(
    telegram_id: Annotated[int, typer.Argument(help="The person's Telegram user id.")],
) -> None:
    """Take someone's role away; they are a citizen again."""
    settings = load_settings()
    key = settings.require_pseudonym_key()
    with open_session(settings) as session:
        audit.record(session, audit.cli_actor(), "revoke", pseudonym(key, telegram_id))
        if revoke(session, _telegram_id(telegram_id)) is None:
            raise CliError(f"{telegram_id} has no role: see `feedback-admin users list`")
    console.print(f"{telegram_id} has no role any more.")
    if telegram_id in settings.admin_ids:
        console.print("Note: this id is in ADMIN_IDS; remove it there to take admin away.")


@app.command("list")
def list_command() -> None:
    """Everyone with a role, ADMIN_IDS included."""
    settings = load_settings()
    with open_session(settings) as session:
        members = staff_members(session)
    table = Table("telegram id", "role", "municipality", "granted by", "granted at")
    for telegram_id in settings.admin_ids:
        table.add_row(str(telegram_id), "admin", "", "ADMIN_IDS", "")
    for member in members:
        table.add_row(
            str(member.telegram_id),
            member.role,
            escape(member.municipality or ""),
            escape(member.granted_by),
            f"{member.granted_at.astimezone(settings.zone):%Y-%m-%d %H:%M}",
        )
    console.print(table if table.row_count else "Nobody has a role yet; ADMIN_IDS is empty.")


@app.command("forget")
def forget_command(
    telegram_id: Annotated[int, typer.Argument(help="The citizen's Telegram user id.")],
    answers: Annotated[
        AnswersOnErasure | None,
        typer.Option(help="detach or delete their answers; default: ERASE_ANSWERS."),
    ] = None,
) -> None:
    """Erase a citizen's personal data, as /forget does (for a request made by letter)."""
    settings = load_settings()
    key = settings.require_pseudonym_key()
    with open_session(settings) as session:
        citizen = find_citizen(session, _telegram_id(telegram_id))
        if citizen is None:
            raise CliError(f"the bot stores nothing about {telegram_id}")
        chosen = answers or settings.erase_answers
        audit.record(session, audit.cli_actor(), "erase", pseudonym(key, telegram_id))
        erased = erase_citizen(session, citizen, key, chosen)
    verb = "detached from them" if chosen is AnswersOnErasure.DETACH else "deleted"
    noun = "response" if erased.responses == 1 else "responses"
    console.print(f"Erased {telegram_id}; {erased.responses} {noun} {verb}.")
    if erased.copies:
        console.print(
            f"The bot deletes {erased.copies} copies of their photos, files and places in staff "
            "groups (asking staff to, where Telegram no longer lets it)."
        )
