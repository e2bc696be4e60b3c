"""How a consultation reads in Telegram: its card, the list, and the notice of the report."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from civic_feedback.bot.views.event_texts import moment_text
from civic_feedback.core.consultation_terms import Phase, days_left
from civic_feedback.flows.schema import in_language
from civic_feedback.services.consultations import OwnDecision
from civic_feedback.storage.models import Consultation, Decision

MESSAGE_LIMIT = 4096  # Telegram's, for a text message


def days_left_text(closes_at: datetime, now: datetime) -> str:
    return _("days left: {n}").format(n=days_left(closes_at, now))


def consultation_card(
    consultation: Consultation,
    current: Phase,
    language: str,
    zone: ZoneInfo,
    now: datetime,
    status: str | None,
) -> str:
    """Title, municipality, summary, the term, and what the citizen did so far (HTML)."""
    lines = [f"🏛 <b>{escape(in_language(consultation.title, language))}</b>"]
    if consultation.municipality:
        lines.append(escape(consultation.municipality))
    summary = in_language(consultation.summary, language)
    if summary:
        lines += ["", escape(summary)]
    lines.append("")
    closes = moment_text(consultation.closes_at, language, zone)
    if current is Phase.NOT_YET:
        opens = moment_text(consultation.opens_at, language, zone)
        lines.append("🗓 " + _("Proposals are accepted from {opens}.").format(opens=opens))
    elif current is Phase.OPEN:
        left = days_left_text(consultation.closes_at, now)
        lines.append(
            "🗓 " + _("Proposals until {closes} ({left}).").format(closes=closes, left=left)
        )
    else:
        lines.append("🔒 " + closed_text(consultation, language, zone))
    if status:
        lines += ["", f"<i>{escape(status)}</i>"]
    return "\n".join(lines)


def closed_text(consultation: Consultation, language: str, zone: ZoneInfo) -> str:
    """The consultation is closed, and when (or where) its report is published."""
    closes = moment_text(consultation.closes_at, language, zone)
    text = _("This consultation closed on {closes}.").format(closes=closes)
    if consultation.published_at is not None:
        return text + " " + _("The report on the proposals is published.")
    if consultation.report_due_at is not None:
        due = moment_text(consultation.report_due_at, language, zone).split(",")[0]
        return (
            text
            + " "
            + _("The report on the proposals will be published by {due}.").format(due=due)
        )
    return text + " " + _("We will tell you when the report on the proposals is published.")


def decision_text(decision: Decision | None) -> str:
    if decision is Decision.ACCEPTED:
        return _("accepted")
    if decision is Decision.PARTLY:
        return _("partly accepted")
    if decision is Decision.NOT_ACCEPTED:
        return _("not accepted")
    return _("no decision")


def report_notice(title: dict[str, str], decisions: tuple[OwnDecision, ...], language: str) -> str:
    """The one message a follower gets when the report is published (HTML, within
    Telegram's limit: a long list ends with how many more there are in the report)."""
    head = _("The report on the consultation {title} is published.").format(
        title=f"<b>{escape(in_language(title, language))}</b>"
    )
    if not decisions:
        return head
    lines = [head, "", _("Your proposals:")]
    for shown, own in enumerate(decisions):
        line = "• " + _("Proposal No. {number}: {decision}").format(
            number=own.number, decision=decision_text(own.decision)
        )
        if own.reason:
            line += f"\n  {escape(own.reason)}"
        more = _("…and {count} more: see the report.").format(count=len(decisions) - shown)
        if len("\n".join([*lines, line])) + len(more) + 1 > MESSAGE_LIMIT:
            lines.append(more)
            break
        lines.append(line)
    return "\n".join(lines)
