"""A week's headline figures as one Telegram message, for /summary and the Monday digest."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.reports.figures import percent_text
from civic_feedback.reports.headline import Change, Figure, Headline, changes
from civic_feedback.reports.inbox_summary import InboxFigures
from civic_feedback.reports.summary import WeeklySummary, weekly_summary
from civic_feedback.settings import Settings

if TYPE_CHECKING:  # the themes (their stemmer, the quotes' redaction) load with a summary
    from civic_feedback.reports.comment_themes import QuotedTheme

_MUNICIPALITIES_SHOWN = 10
WEEK_THEMES = 5  # the week's most mentioned comment themes, on one line


@dataclass(frozen=True)
class WeekFigures:
    """What the message says: the week's summary and its comments' leading themes."""

    summary: WeeklySummary
    themes: list[QuotedTheme]  # most mentioned first


def _number(value: Figure) -> str:
    return "—" if value is None else f"{value:g}"


def _delta(change: Change | None, *, percent: bool = False) -> str:
    if change is None or change.change is None or change.change == 0:
        return ""
    value = change.change * 100 if percent else change.change
    return f" ({value:+.0f}{' pp' if percent else ''})"


def _lines(headline: Headline, previous: dict[str, Change] | None) -> list[str]:
    def was(name: str) -> Change | None:
        return previous.get(name) if previous else None

    return [
        _("Completed responses: {count}").format(count=headline.completed)
        + _delta(was("completed")),
        _("Completion rate: {rate}").format(rate=percent_text(headline.completion_rate))
        + _delta(was("completion_rate"), percent=True),
        _("Response rate at events: {rate}").format(rate=percent_text(headline.response_rate))
        + _delta(was("response_rate"), percent=True),
        _("Satisfied (CSAT): {rate} of {count} ratings").format(
            rate=percent_text(headline.csat), count=headline.ratings
        )
        + _delta(was("csat"), percent=True),
        _("NPS: {score} ({count} answers)").format(
            score=_number(headline.nps), count=headline.nps_answers
        )
        + _delta(was("nps")),
        _("Comments: {count}").format(count=headline.comments) + _delta(was("comments")),
    ]


def themes_line(themes: list[QuotedTheme]) -> str | None:
    """``Comment themes: parking (12), lighting (7)``; None without themes. The labels are
    citizens' words: escaped for Telegram's HTML."""
    if not themes:
        return None
    listed = ", ".join(f"{escape(theme.label)} ({theme.count})" for theme in themes)
    return _("Comment themes: {themes}").format(themes=listed)


def summary_text(week_figures: WeekFigures) -> str:
    """The week's headline figures, their change since the previous week, the leading themes
    of its comments, and per municipality the responses, CSAT and NPS (Telegram HTML)."""
    summary = week_figures.summary
    headlines = summary.period.headlines
    previous = summary.previous
    overall_changes = changes(headlines.overall, previous.overall) if previous else None
    title = _("Weekly summary {week}").format(week=summary.week)
    if summary.municipality:
        title += f": {summary.municipality}"
    parts = [f"<b>{escape(title)}</b>", *_lines(headlines.overall, overall_changes)]
    if previous is not None and summary.previous_week:
        parts.append(_("In brackets: the change since {week}.").format(week=summary.previous_week))
    themes = themes_line(week_figures.themes)
    if themes is not None:
        parts.append(themes)
    places = sorted(headlines.municipalities.items(), key=lambda item: -item[1].completed)
    if len(places) > 1:
        parts.append("")
        for name, headline in places[:_MUNICIPALITIES_SHOWN]:
            figures = _("{count} responses, CSAT {csat}, NPS {nps}").format(
                count=headline.completed,
                csat=percent_text(headline.csat),
                nps=_number(headline.nps),
            )
            parts.append(f"<b>{escape(name)}</b>: {figures}")
    if headlines.overall.completed == 0:
        parts.append(_("Nobody completed a form this week."))
    inbox = summary.inbox.overall if summary.inbox else None
    if inbox is not None and (
        inbox.received or inbox.answered or inbox.oldest_unanswered or inbox.resolved
    ):
        parts += ["", *_inbox_lines(inbox)]
    return "\n".join(parts)


def _inbox_lines(inbox: InboxFigures) -> list[str]:
    """What came in and how it was answered; the distinct problems and the people behind
    them when citizens joined earlier reports; what was resolved and whether they agree."""
    lines = [_inbox_line(inbox)]
    if inbox.joined:
        lines.append(
            _(
                "Distinct problems: {problems}; people affected: {people}"
                " ({joined} joined an earlier report)"
            ).format(problems=inbox.received, people=inbox.people_affected, joined=inbox.joined)
        )
    if inbox.resolved:
        line = _("Resolved: {count}, in {days} days (median)").format(
            count=inbox.resolved, days=_number(inbox.median_days_to_resolve)
        )
        if inbox.confirmed_share is not None:
            line += _("; confirmed by citizens: {share}").format(
                share=percent_text(inbox.confirmed_share)
            )
        if inbox.resolution_satisfaction is not None:
            line += _("; satisfied with the resolution: {share}").format(
                share=percent_text(inbox.resolution_satisfaction)
            )
        lines.append(line)
    return lines


def _inbox_line(inbox: InboxFigures) -> str:
    line = _("Messages to the municipality: {received} received, {answered} answered").format(
        received=inbox.received, answered=inbox.answered
    )
    if inbox.median_hours_to_answer is not None:
        line += _(", first answer in {hours} h (median)").format(
            hours=_number(inbox.median_hours_to_answer)
        )
    if inbox.oldest_unanswered is not None:
        line += _("; the oldest unanswered, #{number}, has waited {hours} h").format(
            number=inbox.oldest_unanswered, hours=_number(inbox.oldest_waiting_hours)
        )
    return line


def compute_summary(
    sessions: sessionmaker[Session],
    week: str,
    settings: Settings,
    language: str,
    municipality: str | None = None,
) -> WeekFigures:
    """The week's summary and comment themes, of one municipality when given, in a session of
    its own (callers run it in a worker thread)."""
    from civic_feedback.reports.comment_themes import week_themes

    with sessions() as session:
        summary = weekly_summary(
            session, week, settings.zone, language=language, municipality=municipality
        )
        themes = week_themes(
            session, week, settings.zone, municipality=municipality, top=WEEK_THEMES
        )
    return WeekFigures(summary, themes)
