"""An event's results posted to a public channel: what ``feedback-admin publish`` and the
console's **Publish** both do, through ``publish_results``.

Three steps, so that no database connection is held while Telegram is asked: the post is
made from the figures (a read), sent by the caller's door (its Bot API client), then
recorded (the publication, the audit entry, and each participant owed one message, never a
second one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

from civic_feedback.reports.event_results import (
    LABELS,
    event_results,
    results_chart,
    results_text,
)
from civic_feedback.services.publications import participants, record_publication
from civic_feedback.storage import audit
from civic_feedback.storage.models import Event, Publication

T = TypeVar("T")
LANGUAGES = tuple(sorted(LABELS))  # the languages a post is written in


class PublishProblem(StrEnum):
    NO_EVENT = "not_found"
    BAD_CHAT = "bad_chat"
    BAD_LANGUAGE = "bad_language"


class PublishRefusedError(ValueError):
    """Nothing was posted: ``problem`` says why, ``value`` is what was given."""

    def __init__(self, problem: PublishProblem, value: str) -> None:
        super().__init__(f"{problem.value}: {value!r}")
        self.problem = problem
        self.value = value


class Units(Protocol):
    """Where the database work runs: the console's door, the command line's sessions."""

    async def read(self, work: Callable[[Session], T]) -> T: ...

    async def write(self, work: Callable[[Session], T]) -> T: ...


@dataclass(frozen=True)
class ResultsPost:
    """What goes to the channel: the figures (Telegram HTML), then the chart if any."""

    event_id: int
    event_code: str
    chat: str | int  # as Telegram takes it: @name or a group's id
    language: str
    text: str
    chart: bytes | None
    participants: int  # citizens who answered, told once after the post

    @property
    def chart_name(self) -> str:
        return f"results-{self.event_code}.png"


@dataclass(frozen=True)
class Published:
    url: str | None  # None: a private group has no public link
    owed: int  # citizens the bot will tell (those told before are not told again)


# Sends the post with the door's Bot API client; returns the figures' message id.
SendPost = Callable[[ResultsPost], Awaitable[int]]


def channel_target(text: str) -> str | int:
    """A channel as Telegram takes it: ``@name``, or a group's numeric id."""
    chat = text.strip()
    if chat.startswith("@") and 5 < len(chat) <= 33 and chat[1:].replace("_", "").isalnum():
        return chat
    if chat.lstrip("-").isdigit() and len(chat) <= 20:
        return int(chat)
    raise PublishRefusedError(PublishProblem.BAD_CHAT, text)


def post_language(language: str) -> str:
    if language not in LABELS:
        raise PublishRefusedError(PublishProblem.BAD_LANGUAGE, language)
    return language


def post_url(chat: str | int, message_id: int) -> str | None:
    """A link citizens can open: public channels have one; private chats do not."""
    if isinstance(chat, str):
        return f"https://t.me/{chat.removeprefix('@')}/{message_id}"
    return None


def results_post(
    session: Session,
    event: Event,
    chat: str | int,
    language: str,
    now: datetime,
    *,
    with_chart: bool = True,
) -> ResultsPost:
    """The post of ``event``'s results up to ``now`` (without the chart for a preview)."""
    assert event.id is not None
    results = event_results(session, event, now, language)
    return ResultsPost(
        event_id=event.id,
        event_code=event.code,
        chat=chat,
        language=language,
        text=results_text(results, language),
        chart=results_chart(results, language) if with_chart else None,
        participants=participants(session, event.id),
    )


def record_post(
    session: Session,
    post: ResultsPost,
    message_id: int,
    actor: str,
    now: datetime,
    **details: Any,
) -> Published:
    """The post on record, in the audit log under ``actor``, and each participant owed one
    message with its link."""
    publication = Publication(
        event_id=post.event_id,
        chat=str(post.chat),
        message_id=message_id,
        url=post_url(post.chat, message_id),
        language=post.language,
    )
    audit.record(session, actor, "publish", post.event_code, chat=str(post.chat), **details)
    owed = record_publication(session, publication, now)
    return Published(publication.url, owed)


async def publish_results(
    units: Units,
    find: Callable[[Session], Event | None],
    chat: str,
    language: str,
    send: SendPost,
    actor: str,
    now: datetime,
    **details: Any,
) -> Published:
    """Post the results of the event ``find`` gives (None: refused as not found) to
    ``chat``; PublishRefusedError before anything is sent when the input is wrong."""
    target, language = channel_target(chat), post_language(language)

    def prepare(session: Session) -> ResultsPost:
        event = find(session)
        if event is None:
            raise PublishRefusedError(PublishProblem.NO_EVENT, "")
        return results_post(session, event, target, language, now)

    post = await units.read(prepare)
    message_id = await send(post)
    return await units.write(
        lambda session: record_post(session, post, message_id, actor, now, **details)
    )
