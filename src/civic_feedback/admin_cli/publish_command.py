"""``feedback-admin publish``: an event's anonymised results to a public channel or group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.events_commands import event_by_code
from civic_feedback.admin_cli.telegram_identity import call_bot
from civic_feedback.reports.event_results import (
    LABELS,
    event_results,
    results_chart,
    results_text,
)
from civic_feedback.services.publications import participants, record_publication
from civic_feedback.settings import load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.models import Publication, utcnow

if TYPE_CHECKING:
    from aiogram import Bot

console = Console(highlight=False)


def channel_target(text: str, option: str = "--chat") -> str | int:
    """A channel as Telegram takes it: ``@name``, or a group's numeric id."""
    chat = text.strip()
    if chat.startswith("@") and len(chat) > 5:
        return chat
    if chat.lstrip("-").isdigit():
        return int(chat)
    raise CliError(f"{option} {text!r}: write the channel as @name or the group's id (-100…)")


def post_url(chat: str | int, message_id: int) -> str | None:
    """A link citizens can open: public channels have one; private chats do not."""
    if isinstance(chat, str):
        return f"https://t.me/{chat.removeprefix('@')}/{message_id}"
    return None


def publish(
    event: Annotated[str, typer.Option("--event", help="The event (its code).")],
    chat: Annotated[
        str, typer.Option("--chat", help="@channel or a group id; the bot must be an admin there.")
    ],
    lang: Annotated[
        str | None, typer.Option(help="The channel's language (default: DEFAULT_LANGUAGE).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Show the post; send nothing.")] = False,
) -> None:
    """Post an event's results and rating chart (no names, no free text); tell those who
    answered, once."""
    settings = load_settings()
    language = lang or settings.interface_language
    if language not in LABELS:
        raise CliError(f"--lang {language!r}: choose {', '.join(sorted(LABELS))}")
    target = channel_target(chat)
    with open_session(settings) as session:
        found = event_by_code(session, event)
        assert found.id is not None
        results = event_results(session, found, utcnow(), language)
        text = results_text(results, language)
        told = participants(session, found.id)
        if dry_run:
            console.print(escape(text))
            console.print(f"\n{told} citizens who answered would be told. Nothing was sent.")
            return
        chart = results_chart(results, language)

        async def post(bot: Bot) -> int:
            from aiogram.types import BufferedInputFile

            message_id = (await bot.send_message(target, text)).message_id
            if chart is not None:
                photo = BufferedInputFile(chart, filename=f"results-{found.code}.png")
                await bot.send_photo(target, photo)
            return message_id

        message_id = call_bot(settings, f"post to {chat}", post)
        publication = Publication(
            event_id=found.id,
            chat=str(target),
            message_id=message_id,
            url=post_url(target, message_id),
            language=language,
        )
        audit.record(session, audit.cli_actor(), "publish", found.code, chat=str(target))
        owed = record_publication(session, publication, utcnow())
    link = f" ({publication.url})" if publication.url else ""
    console.print(f"Published the results of {found.code} to {escape(chat)}{escape(link)}.")
    console.print(f"{owed} citizens who answered will be told by the bot (each only once).")
