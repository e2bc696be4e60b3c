"""Publishing a consultation's report, shared by ``feedback-admin consultations publish`` and
the staff console: the checks before anything is sent (closed, every proposal decided, not
published before), the channel post if a channel is given (the summary, then the report as
DOCX), then the report marked published, each follower owed one notice, on the audit log."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.reports.consultation_report import (
    REPORT_LANGUAGES,
    ConsultationReport,
    build_report,
    write_docx,
)
from civic_feedback.reports.results_posts import Units, post_url
from civic_feedback.services.consultations import DecisionError, check_publishable, mark_published
from civic_feedback.storage import audit
from civic_feedback.storage.consultations import proposal_counts
from civic_feedback.storage.models import Consultation


class ReportPublishRefusedError(ValueError):
    """Nothing was posted or marked: ``problem`` says why (``not_found``, ``bad_language``,
    ``not_publishable`` with the service's sentence in ``detail``)."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(detail or problem)
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class ReportPost:
    """What goes to the channel: the summary (Telegram HTML), then the report as DOCX."""

    code: str
    chat: str | int | None  # None: no channel, the report is only marked published
    text: str
    document: bytes
    followers: int  # citizens who sent or follow a proposal: told once after

    @property
    def document_name(self) -> str:
        return f"report-{self.code}.docx"


@dataclass(frozen=True)
class ReportPublished:
    url: str | None  # the post's public link; None without a channel or in a private group
    owed: int  # citizens the bot will tell their decisions (each once)


SendReport = Callable[[ReportPost], Awaitable[int]]  # the summary's message id


def post_text(content: ConsultationReport) -> str:
    """The channel post: the title, the term and the counts (Telegram HTML)."""
    lines = [f"<b>{escape(content.word('heading'))}</b>", escape(content.title), ""]
    lines += [f"{escape(label)}: {count}" for label, count in content.figures()]
    if content.responses is not None:
        lines.append(f"{escape(content.word('responses'))}: {content.responses}")
    return "\n".join(lines)


def report_post(
    session: Session,
    consultation: Consultation,
    chat: str | int | None,
    language: str,
    zone: ZoneInfo,
    now: datetime,
) -> ReportPost:
    """The post of the final report; refused unless it may be published now."""
    assert consultation.id is not None
    if language not in REPORT_LANGUAGES:
        raise ReportPublishRefusedError("bad_language", language)
    try:
        check_publishable(session, consultation, now)
    except DecisionError as error:
        raise ReportPublishRefusedError("not_publishable", str(error)) from None
    content = build_report(session, consultation, language=language, zone=zone)
    document = io.BytesIO()
    write_docx(content, document)
    return ReportPost(
        code=consultation.code,
        chat=chat,
        text=post_text(content),
        document=document.getvalue(),
        followers=proposal_counts(session, consultation.id).followers,
    )


async def publish_report(
    units: Units,
    find: Callable[[Session], Consultation | None],
    chat: str | int | None,
    language: str,
    zone: ZoneInfo,
    send: SendReport,
    actor: str,
    now: datetime,
    **details: Any,
) -> ReportPublished:
    """Publish the report of the consultation ``find`` gives (None: refused as not found):
    posted to ``chat`` with ``send`` when there is one, then marked published."""

    def prepare(session: Session) -> ReportPost:
        consultation = find(session)
        if consultation is None:
            raise ReportPublishRefusedError("not_found")
        return report_post(session, consultation, chat, language, zone, now)

    post = await units.read(prepare)
    url = None if post.chat is None else post_url(post.chat, await send(post))
    written_chat = None if post.chat is None else str(post.chat)

    def record(session: Session) -> ReportPublished:
        consultation = find(session)
        if consultation is None:
            raise ReportPublishRefusedError("not_found")
        try:
            owed = mark_published(session, consultation, now, chat=written_chat, url=url)
        except DecisionError as error:  # published by someone else meanwhile
            raise ReportPublishRefusedError("not_publishable", str(error)) from None
        audit.record(
            session, actor, "consultation_publish", consultation.code, chat=written_chat, **details
        )
        return ReportPublished(url, owed)

    return await units.write(record)
