"""``feedback-admin consultations``: a draft act open for proposals: add, list, show, its
poster, and an early close. After the close: consultation_decisions.py."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civic_feedback.admin_cli import consultation_decisions
from civic_feedback.admin_cli.consultation_lookup import (
    LINK_PREFIX,
    consultation_by_code,
    title_of,
)
from civic_feedback.admin_cli.database import open_session
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.telegram_identity import bot_username, deep_link
from civic_feedback.admin_cli.times import parse_time
from civic_feedback.core.consultation_terms import REPORT_AFTER, Phase, check_term, days_left
from civic_feedback.reports.posters import POSTER_FORMATS, PosterAction, write_qr_poster
from civic_feedback.services.consultations import (
    DecisionError,
    close_early,
    consultation_phase,
)
from civic_feedback.settings import Settings, load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.consultations import (
    add_consultation,
    all_consultations,
    proposal_counts,
)
from civic_feedback.storage.flow_versions import latest_version
from civic_feedback.storage.models import Consultation, utcnow

app = typer.Typer(
    help="Public consultations: add, list, show, close, proposals, decide, report, publish.",
    no_args_is_help=True,
)
console = Console(highlight=False)

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # what the bot sends citizens as the draft's PDF


def _texts(given: dict[str, str | None]) -> dict[str, str]:
    """The texts given, per language; empty ones left out."""
    return {k: v.strip() for k, v in given.items() if v and v.strip()}


def _pdf(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CliError(f"--document: cannot read {path}: {error.strerror}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise CliError(f"--document: {path.name} is over 20 MB; give a link with --document-url")
    if not data.startswith(b"%PDF-"):
        raise CliError(f"--document: {path.name} is not a PDF file")
    return data


@app.command("add")
def add(
    title: Annotated[str, typer.Option(help="Title in DEFAULT_LANGUAGE (Bulgarian by default).")],
    closes: Annotated[
        str, typer.Option(help='Last moment for proposals, e.g. "2027-01-15 23:59".')
    ],
    opens: Annotated[str | None, typer.Option(help="When proposals open (default: now).")] = None,
    summary: Annotated[str | None, typer.Option(help="A short summary (DEFAULT_LANGUAGE).")] = None,
    title_en: Annotated[str | None, typer.Option(help="Title in English.")] = None,
    title_tr: Annotated[str | None, typer.Option(help="Title in Turkish.")] = None,
    summary_en: Annotated[str | None, typer.Option(help="Summary in English.")] = None,
    summary_tr: Annotated[str | None, typer.Option(help="Summary in Turkish.")] = None,
    municipality: Annotated[str | None, typer.Option(help="One of MUNICIPALITIES.")] = None,
    document_url: Annotated[
        str | None, typer.Option(help="Where the draft act is published (https://…).")
    ] = None,
    document: Annotated[
        Path | None, typer.Option(help="The draft act as a PDF file, sent to citizens in Telegram.")
    ] = None,
    form: Annotated[
        str | None, typer.Option(help="A published form citizens may answer about the draft.")
    ] = None,
    short_term_reason: Annotated[
        str | None,
        typer.Option(help="Why it is open less than 30 days (required then; 14 days at least)."),
    ] = None,
    report_by: Annotated[
        str | None, typer.Option(help="When the report will be published (default: 14 days after).")
    ] = None,
) -> None:
    """Open a draft act for proposals; prints its code and the link for posters."""
    settings = load_settings()
    zone = settings.zone
    now = utcnow()
    opens_at = parse_time(opens, zone, "--opens") if opens else now
    closes_at = parse_time(closes, zone, "--closes")
    problem = check_term(opens_at, closes_at, short_term_reason, zone=zone)
    if problem:
        raise CliError(problem.message)
    if closes_at <= now:
        raise CliError("--closes is in the past")
    report_due = parse_time(report_by, zone, "--report-by") if report_by else None
    if report_due is not None and report_due < closes_at:
        raise CliError("--report-by must be after --closes")
    if municipality is not None and municipality not in settings.municipalities:
        known = ", ".join(settings.municipalities) or "none yet: set MUNICIPALITIES"
        raise CliError(f"unknown municipality {municipality!r}; known: {known}")
    if document_url is not None and not document_url.startswith("https://"):
        raise CliError("--document-url must be a web address starting with https://")
    data = _pdf(document) if document is not None else None
    default = settings.interface_language
    titles = _texts({default: title, "en": title_en, "tr": title_tr})
    if not titles:
        raise CliError("--title must not be empty")
    consultation = Consultation(
        code="",
        municipality=municipality,
        title=titles,
        summary=_texts({default: summary, "en": summary_en, "tr": summary_tr}),
        document_url=document_url,
        document_name=document.name[:200] if document is not None else None,
        opens_at=opens_at,
        closes_at=closes_at,
        short_term_reason=(short_term_reason or "").strip() or None,
        report_due_at=report_due or closes_at + REPORT_AFTER,
        flow_id=form,
        created_by=audit.cli_actor(),
    )
    with open_session(settings) as session:
        if form is not None and latest_version(session, form) is None:
            raise CliError(f"no form {form!r}: publish it first (feedback-admin flows publish)")
        add_consultation(session, consultation, data)
        audit.record(session, audit.cli_actor(), "consultation_add", consultation.code)
    console.print(f"Consultation [bold]{consultation.code}[/bold] added: {escape(title)}")
    console.print(f"Link and counts: `feedback-admin consultations show {consultation.code}`")


def _state(consultation: Consultation, now: datetime, settings: Settings) -> str:
    current = consultation_phase(consultation, now)
    if current is Phase.NOT_YET:
        return f"opens {consultation.opens_at.astimezone(settings.zone):%d.%m.%Y %H:%M}"
    if current is Phase.OPEN:
        return f"open, {days_left(consultation.closes_at, now)} days left"
    return "report published" if consultation.published_at else "closed"


@app.command("list")
def list_command(
    municipality: Annotated[str | None, typer.Option(help="Only this municipality.")] = None,
) -> None:
    """Every consultation, the newest first, with its proposals."""
    settings = load_settings()
    now = utcnow()
    with open_session(settings) as session:
        rows = [
            (c, proposal_counts(session, c.id or 0))
            for c in all_consultations(session, municipality)
        ]
    table = Table()
    table.add_column("code", no_wrap=True)  # a code must never be cut to fit
    for name in ("title", "municipality", "opens", "closes", "state", "proposals", "undecided"):
        table.add_column(name)
    for consultation, counts in rows:
        table.add_row(
            consultation.code,
            escape(title_of(consultation, settings)),
            escape(consultation.municipality or ""),
            f"{consultation.opens_at.astimezone(settings.zone):%Y-%m-%d %H:%M}",
            f"{consultation.closes_at.astimezone(settings.zone):%Y-%m-%d %H:%M}",
            _state(consultation, now, settings),
            str(counts.received),
            str(counts.undecided),
        )
    console.print(table if rows else "No consultations.")


@app.command("show")
def show(code: Annotated[str, typer.Argument(help="The consultation's code.")]) -> None:
    """Details, counts, days left and the link for posters."""
    settings = load_settings()
    now = utcnow()
    with open_session(settings) as session:
        consultation = consultation_by_code(session, code)
        counts = proposal_counts(session, consultation.id or 0)
    zone = settings.zone
    table = Table(show_header=False)
    for language, title in consultation.title.items():
        table.add_row(f"title ({language})", escape(title))
    table.add_row("municipality", escape(consultation.municipality or "—"))
    table.add_row("state", _state(consultation, now, settings))
    table.add_row("opens", f"{consultation.opens_at.astimezone(zone):%Y-%m-%d %H:%M}")
    table.add_row("closes", f"{consultation.closes_at.astimezone(zone):%Y-%m-%d %H:%M}")
    if consultation.short_term_reason:
        table.add_row("shorter term because", escape(consultation.short_term_reason))
    if consultation.closed_early_reason:
        table.add_row("closed early because", escape(consultation.closed_early_reason))
    if consultation.report_due_at:
        table.add_row("report by", f"{consultation.report_due_at.astimezone(zone):%Y-%m-%d}")
    table.add_row(
        "draft act", escape(consultation.document_url or consultation.document_name or "—")
    )
    table.add_row("questionnaire", consultation.flow_id or "—")
    table.add_row(
        "proposals",
        f"{counts.received} (accepted {counts.accepted}, partly {counts.partly}, "
        f"not accepted {counts.not_accepted}, undecided {counts.undecided})",
    )
    table.add_row("followers", str(counts.followers))
    if consultation.published_at:
        where = consultation.published_url or consultation.published_chat or "citizens only"
        table.add_row(
            "report published",
            f"{consultation.published_at.astimezone(zone):%Y-%m-%d %H:%M} ({escape(where)})",
        )
    console.print(table)
    link = deep_link(bot_username(settings), f"{LINK_PREFIX}_{consultation.code}")
    console.print(f"link:      {link}", soft_wrap=True)


@app.command("qr")
def qr(
    code: Annotated[str, typer.Argument(help="The consultation's code.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="poster.png, .svg or .pdf")],
) -> None:
    """A printable QR code that opens the consultation in Telegram."""
    if output.suffix.lower() not in POSTER_FORMATS:
        raise CliError(f"-o must end in {', '.join(POSTER_FORMATS)}")
    settings = load_settings()
    with open_session(settings) as session:
        consultation = consultation_by_code(session, code)
    link = deep_link(bot_username(settings), f"{LINK_PREFIX}_{consultation.code}")
    until = f"{consultation.closes_at.astimezone(settings.zone):%d.%m.%Y}"
    write_qr_poster(
        link,
        action=PosterAction.PROPOSE,
        language=settings.interface_language,
        title=title_of(consultation, settings),
        details=f"→ {until}",
        path=output,
    )
    console.print(f"Poster written to {output} ({link})")


@app.command("close")
def close(
    code: Annotated[str, typer.Argument(help="The consultation's code.")],
    reason: Annotated[str, typer.Option(help="Why it closes before its term (kept on record).")],
) -> None:
    """Close a consultation early: no more proposals; the reason goes in the audit log."""
    if not reason.strip():
        raise CliError("--reason must not be empty")
    settings = load_settings()
    with open_session(settings) as session:
        consultation = consultation_by_code(session, code)
        planned = consultation.closes_at
        try:
            close_early(session, consultation, utcnow(), reason)
        except DecisionError as error:
            raise CliError(str(error)) from None
        audit.record(
            session,
            audit.cli_actor(),
            "consultation_close",
            consultation.code,
            reason=reason.strip(),
            planned_close=planned.isoformat(),
        )
    console.print(f"Consultation {consultation.code} is closed; proposals are no longer taken.")


app.command("proposals")(consultation_decisions.proposals)
app.command("decide")(consultation_decisions.decide)
app.command("report")(consultation_decisions.report)
app.command("publish")(consultation_decisions.publish)
