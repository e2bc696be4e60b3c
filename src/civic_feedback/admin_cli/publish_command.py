"""``feedback-admin publish``: an event's anonymised results to a public channel or group."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.admin_cli.database import open_session, open_sessions
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.events_commands import event_by_code
from civic_feedback.admin_cli.telegram_identity import call_bot
from civic_feedback.reports.results_posts import (
    LANGUAGES,
    Published,
    PublishRefusedError,
    ResultsPost,
    publish_results,
    results_post,
)
from civic_feedback.reports.results_posts import channel_target as post_target
from civic_feedback.settings import load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.events import find_event
from civic_feedback.storage.models import utcnow

if TYPE_CHECKING:
    from aiogram import Bot

console = Console(highlight=False)
T = TypeVar("T")


def channel_target(text: str, option: str = "--chat") -> str | int:
    """A channel as Telegram takes it: ``@name``, or a group's numeric id."""
    try:
        return post_target(text)
    except PublishRefusedError:
        raise CliError(
            f"{option} {text!r}: write the channel as @name or the group's id (-100…)"
        ) from None


class CommandUnits:
    """The command's database work: each step its own transaction, none held while the
    Bot API is asked."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    async def read(self, work: Callable[[Session], T]) -> T:
        with self.sessions() as session:
            return work(session)

    async def write(self, work: Callable[[Session], T]) -> T:
        with self.sessions.begin() as session:
            return work(session)


async def send_post(bot: Bot, post: ResultsPost) -> int:
    """The figures, then the chart; the figures' message id."""
    from aiogram.types import BufferedInputFile

    message_id = (await bot.send_message(post.chat, post.text)).message_id
    if post.chart is not None:
        await bot.send_photo(post.chat, BufferedInputFile(post.chart, filename=post.chart_name))
    return message_id


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
    if language not in LANGUAGES:
        raise CliError(f"--lang {language!r}: choose {', '.join(LANGUAGES)}")
    target = channel_target(chat)
    if dry_run:
        with open_session(settings) as session:
            found = event_by_code(session, event)
            post = results_post(session, found, target, language, utcnow(), with_chart=False)
        console.print(escape(post.text))
        console.print(
            f"\n{post.participants} citizens who answered would be told. Nothing was sent."
        )
        return
    with open_sessions(settings) as sessions:
        with sessions() as session:  # an unknown event is refused before the bot is needed
            code = event_by_code(session, event).code
        units = CommandUnits(sessions)

        async def publish_with(bot: Bot) -> Published:
            return await publish_results(
                units,
                lambda session: find_event(session, code),
                chat,
                language,
                lambda post: send_post(bot, post),
                audit.cli_actor(),
                utcnow(),
            )

        published = call_bot(settings, f"post to {chat}", publish_with)
    link = f" ({published.url})" if published.url else ""
    owed = published.owed
    console.print(f"Published the results of {code} to {escape(chat)}{escape(link)}.")
    console.print(f"{owed} citizens who answered will be told by the bot (each only once).")
