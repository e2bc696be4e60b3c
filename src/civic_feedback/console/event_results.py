"""An event's results in the console: the figures ``feedback-admin publish`` posts, as text
and as a table, its rating chart with the same counts written out, where they were posted
already, and the post itself (through the service the command uses)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.events import event_in_scope
from civic_feedback.core.local_times import local_time_text
from civic_feedback.flows.schema import in_language
from civic_feedback.reports.event_results import (
    EventResults,
    event_results,
    public_ratings,
    public_results,
    responses_line,
    results_chart,
)
from civic_feedback.reports.results_posts import LANGUAGES
from civic_feedback.services.publications import participants, publish_channels
from civic_feedback.settings import Settings
from civic_feedback.storage.models import Publication
from civic_feedback.storage.roles import Permission, may

PUBLISH = Permission.BROADCAST  # speaking to the public for the municipality: admins, organizers
SHOWN_PUBLICATIONS = 10  # the latest posts of the event's results


@dataclass(frozen=True)
class ResultsRead:
    """What the database gives; the chart is drawn after its session is closed."""

    results: EventResults
    page: dict[str, Any]


def post_languages(settings: Settings) -> list[str]:
    """The languages a post can be written in, the deployment's own first."""
    offered = [code for code in settings.languages if code in LANGUAGES]
    default = settings.interface_language
    return [default, *(code for code in offered if code != default)]


def read_results(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    code: str,
    language: str,
    now: datetime,
) -> ResultsRead | None:
    """The results of the event with ``code`` in ``language`` (the deployment's when it is
    not one a post is written in); None when the event does not exist for this person."""
    event = event_in_scope(session, access, code)
    if event is None:
        return None
    assert event.id is not None
    languages = post_languages(settings)
    language = language if language in languages else languages[0]
    results = event_results(session, event, now, language)
    posted = session.exec(
        select(Publication)
        .where(col(Publication.event_id) == event.id)
        .order_by(col(Publication.id).desc())
        .limit(SHOWN_PUBLICATIONS)
    )
    page = {
        "code": event.code,
        "language": language,
        "languages": languages,
        "title": in_language(event.title, language),
        "responses": responses_line(results, language),
        "questions": [
            {"text": shown.text, "answered": shown.answered, "figures": shown.figures}
            for shown in public_results(results, language)
        ],
        "chart_text": [
            {
                "question": in_language(question.text, language),
                "counts": dict(figures.distribution or {}),
            }
            for figures in public_ratings(results)
            if (question := results.flow.question(figures.id)) is not None
        ],
        "participants": participants(session, event.id),
        "published": [
            {
                "chat": publication.chat,
                "url": publication.url,
                "at": local_time_text(publication.published_at, settings.zone),
            }
            for publication in posted
        ],
        "channels": publish_channels(session),
        "may_publish": may(access.role, PUBLISH),
    }
    return ResultsRead(results, page)


def with_chart(read: ResultsRead) -> dict[str, Any]:
    """The page with the chart the channel gets, as a PNG data address (None: nothing to
    draw)."""
    chart = results_chart(read.results, read.page["language"])
    encoded = None if chart is None else base64.b64encode(chart).decode("ascii")
    return {**read.page, "chart": None if encoded is None else f"data:image/png;base64,{encoded}"}
