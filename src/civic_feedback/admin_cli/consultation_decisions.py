"""``feedback-admin consultations`` after the close: the proposals (as a sheet to decide in
Excel), the decisions, the report ("справка") and its publication."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlmodel import Session

from civic_feedback.admin_cli.consultation_lookup import consultation_by_code
from civic_feedback.admin_cli.database import open_session, open_sessions
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.publish_command import CommandUnits, channel_target
from civic_feedback.admin_cli.telegram_identity import call_bot
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.reports.consultation_posts import (
    ReportPost,
    ReportPublished,
    ReportPublishRefusedError,
    SendReport,
    publish_report,
    report_post,
)
from civic_feedback.reports.consultation_report import (
    REPORT_LANGUAGES,
    ConsultationReport,
    ReportNotReadyError,
    build_report,
    write_csv,
    write_docx,
    write_markdown,
    write_xlsx,
)
from civic_feedback.reports.proposal_sheets import (
    ProposalRow,
    SheetError,
    read_decisions,
    write_proposals_csv,
    write_proposals_xlsx,
)
from civic_feedback.services.consultations import (
    DecisionError,
    consultation_for,
    decide_all,
)
from civic_feedback.services.consultations import decide as decide_one
from civic_feedback.settings import Settings, load_settings
from civic_feedback.storage import audit
from civic_feedback.storage.consultations import proposal_counts, proposals_of
from civic_feedback.storage.models import Citizen, Consultation, Decision, utcnow

if TYPE_CHECKING:
    from aiogram import Bot

console = Console(highlight=False)
T = TypeVar("T")


class SheetFormat(StrEnum):
    TABLE = "table"
    XLSX = "xlsx"
    CSV = "csv"


def proposals(
    code: Annotated[str, typer.Argument(help="The consultation's code.")],
    format: Annotated[
        SheetFormat,
        typer.Option("--format", help="table (here), xlsx or csv (to decide in Excel)."),
    ] = SheetFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File for xlsx/csv.")
    ] = None,
) -> None:
    """The proposals (number, date, language, pseudonymous author, text, file), or a sheet
    with empty decision and reasons columns to fill in and give back to `decide --from`."""
    settings = load_settings()
    if format is not SheetFormat.TABLE and output is None:
        raise CliError(f"--format {format.value} needs -o FILE")
    key = settings.require_pseudonym_key()
    with open_session(settings) as session:
        consultation = consultation_by_code(session, code)
        rows = _proposal_rows(session, consultation, key)
        audit.record(session, audit.cli_actor(), "consultation_proposals", consultation.code)
    if format is SheetFormat.XLSX:
        assert output is not None
        write_proposals_xlsx(rows, output, settings.zone)
    elif format is SheetFormat.CSV:
        assert output is not None
        with output.open("w", encoding="utf-8-sig", newline="") as out:
            write_proposals_csv(rows, out, settings.zone)
    else:
        _print_proposals(rows, settings)
        return
    console.print(f"{len(rows)} proposals written to {output}.")
    console.print(
        "Fill in decision and reasons, then: "
        f"feedback-admin consultations decide {consultation.code} --from {output}"
    )


def _proposal_rows(session: Session, consultation: Consultation, key: bytes) -> list[ProposalRow]:
    rows = []
    for proposal in proposals_of(session, consultation.id or 0):
        citizen = session.get(Citizen, proposal.citizen_id) if proposal.citizen_id else None
        attachment = None
        if proposal.attachment_kind:
            attachment = proposal.attachment_name or proposal.attachment_kind
        rows.append(
            ProposalRow(
                number=proposal.number,
                received_at=proposal.created_at,
                language=proposal.text_language or proposal.language,
                author=pseudonym(key, citizen.telegram_id) if citizen else "(erased)",
                text=proposal.text,
                attachment=attachment,
                decision=Decision(proposal.decision) if proposal.decision else None,
                reasons=proposal.reason,
            )
        )
    return rows


def _print_proposals(rows: list[ProposalRow], settings: Settings) -> None:
    if not rows:
        console.print("No proposals yet.")
        return
    table = Table("No.", "received", "lang", "author", "text", "file", "decision", "reasons")
    for row in rows:
        table.add_row(
            str(row.number),
            f"{row.received_at.astimezone(settings.zone):%Y-%m-%d %H:%M}",
            row.language,
            row.author,
            escape(row.text),
            escape(row.attachment or ""),
            row.decision.value if row.decision else "",
            escape(row.reasons or ""),
        )
    console.print(table)


def decide(
    code: Annotated[str, typer.Argument(help="The consultation's code.")],
    number: Annotated[int | None, typer.Argument(help="The proposal's number.", min=1)] = None,
    accepted: Annotated[bool, typer.Option("--accepted", help="Accepted.")] = False,
    partly: Annotated[bool, typer.Option("--partly", help="Partly accepted.")] = False,
    not_accepted: Annotated[bool, typer.Option("--not-accepted", help="Not accepted.")] = False,
    reason: Annotated[
        str | None, typer.Option(help="The reasons (required unless accepted).")
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="The sheet from `proposals --format xlsx|csv`, filled in."),
    ] = None,
) -> None:
    """Record the decision on a proposal, or every decision of a filled-in sheet (all rows
    are checked first; nothing is recorded unless every row is right)."""
    chosen = [
        d
        for d, on in (
            (Decision.ACCEPTED, accepted),
            (Decision.PARTLY, partly),
            (Decision.NOT_ACCEPTED, not_accepted),
        )
        if on
    ]
    if from_file is not None:
        if number is not None or chosen or reason:
            raise CliError("--from takes every decision from the sheet: give no number or decision")
    elif number is None or len(chosen) != 1:
        raise CliError(
            "give a proposal number and one of --accepted, --partly, --not-accepted "
            "(or --from FILE)"
        )
    settings = load_settings()
    actor = audit.cli_actor()
    now = utcnow()
    with open_session(settings) as session:
        consultation = consultation_by_code(session, code)
        if from_file is not None:
            numbers = {p.number for p in proposals_of(session, consultation.id or 0)}
            try:
                planned = read_decisions(from_file, numbers)
            except SheetError as error:
                raise CliError(_not_recorded(from_file.name, error.problems)) from None
        try:
            if from_file is not None:
                count = decide_all(session, consultation, planned, actor=actor, now=now)
            else:
                assert number is not None
                decide_one(session, consultation, number, chosen[0], reason, actor=actor, now=now)
                count = 1
        except DecisionError as error:
            if from_file is not None:
                raise CliError(_not_recorded(from_file.name, str(error).splitlines())) from None
            raise CliError(str(error)) from None
        audit.record(session, actor, "consultation_decide", consultation.code, decisions=count)
        left = proposal_counts(session, consultation.id or 0).undecided
    console.print(f"{count} decisions recorded; {left} proposals still without a decision.")


def _not_recorded(name: str, problems: list[str]) -> str:
    """One problem on the error's line; several, each on a line of its own."""
    if len(problems) == 1:
        return f"{name}: nothing was recorded: {problems[0]}"
    return f"{name}: nothing was recorded:\n" + "\n".join(problems)


class ReportFormat(StrEnum):
    MD = "md"
    XLSX = "xlsx"
    DOCX = "docx"
    CSV = "csv"


def _language(lang: str | None, settings: Settings) -> str:
    language = lang or settings.interface_language
    if language not in REPORT_LANGUAGES:
        raise CliError(f"--lang {language!r}: choose {', '.join(REPORT_LANGUAGES)}")
    return language


def _build(
    session: Session,
    consultation: Consultation,
    settings: Settings,
    language: str,
    *,
    with_names: bool,
    draft: bool,
) -> ConsultationReport:
    try:
        return build_report(
            session,
            consultation,
            language=language,
            zone=settings.zone,
            with_names=with_names,
            draft=draft,
        )
    except ReportNotReadyError as error:
        raise CliError(str(error)) from None


def report(
    code: Annotated[str, typer.Argument(help="The consultation's code.")],
    format: Annotated[ReportFormat, typer.Option("--format", help="md, xlsx, docx or csv.")] = (
        ReportFormat.MD
    ),
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (md and csv: default here)."),
    ] = None,
    lang: Annotated[str | None, typer.Option(help="bg (default), en or tr.")] = None,
    with_names: Annotated[
        bool, typer.Option("--with-names", help="Name the authors who agreed to be named.")
    ] = False,
    draft: Annotated[
        bool, typer.Option("--draft", help="Allow proposals without a decision; marked a draft.")
    ] = False,
) -> None:
    """The report on the proposals received: each proposal, its decision and reasons, counts,
    and the questionnaire's figures."""
    settings = load_settings()
    language = _language(lang, settings)
    if format in (ReportFormat.XLSX, ReportFormat.DOCX) and output is None:
        raise CliError(f"--format {format.value} needs -o FILE")
    with open_session(settings) as session:
        consultation = consultation_by_code(session, code)
        content = _build(
            session, consultation, settings, language, with_names=with_names, draft=draft
        )
        audit.record(
            session,
            audit.cli_actor(),
            "consultation_report",
            consultation.code,
            with_names=with_names,
        )
    if format is ReportFormat.XLSX:
        assert output is not None
        write_xlsx(content, output)
    elif format is ReportFormat.DOCX:
        assert output is not None
        write_docx(content, output)
    else:
        writer = write_markdown if format is ReportFormat.MD else write_csv
        if output is None:
            writer(content, sys.stdout)
            return
        encoding = "utf-8-sig" if format is ReportFormat.CSV else "utf-8"
        with output.open("w", encoding=encoding, newline="") as out:
            writer(content, out)
    console.print(f"Report written to {output}.")


def publish(
    code: Annotated[str, typer.Argument(help="The consultation's code.")],
    channel: Annotated[
        str | None,
        typer.Option(help="@channel or a group id to post the report to; the bot must be admin."),
    ] = None,
    lang: Annotated[str | None, typer.Option(help="The post's language (default bg).")] = None,
    dry_run: Annotated[bool, typer.Option(help="Show the post; send nothing.")] = False,
) -> None:
    """Publish the report: post its summary and the document to the channel, and tell every
    citizen who sent a proposal or follows it their decisions, once."""
    settings = load_settings()
    language = _language(lang, settings)
    target = channel_target(channel, "--channel") if channel else None
    with open_sessions(settings) as sessions:
        with sessions() as session:
            found = consultation_by_code(session, code)
            found_code = found.code
            if dry_run:
                post = _refused_as_cli(
                    lambda: report_post(session, found, target, language, settings.zone, utcnow())
                )
                console.print(escape(post.text))
                console.print(f"\n{post.followers} citizens would be told. Nothing was sent.")
                return
        units = CommandUnits(sessions)

        def published_with(send: SendReport) -> Coroutine[Any, Any, ReportPublished]:
            return publish_report(
                units,
                lambda session: consultation_for(session, found_code, None),
                target,
                language,
                settings.zone,
                send,
                audit.cli_actor(),
                utcnow(),
            )

        if target is None:
            done = _refused_as_cli(lambda: asyncio.run(published_with(_no_channel)))
        else:
            done = _refused_as_cli(
                lambda: call_bot(
                    settings,
                    f"post to {channel}",
                    lambda bot: published_with(lambda post: send_report(bot, post)),
                )
            )
    where = f" to {escape(channel)}" + (f" ({done.url})" if done.url else "") if channel else ""
    console.print(f"The report of {found_code} is published{where}.")
    console.print(f"{done.owed} citizens will be told their decisions by the bot (each only once).")


async def send_report(bot: Bot, post: ReportPost) -> int:
    """The summary, then the report as DOCX; the summary's message id."""
    from aiogram.types import BufferedInputFile

    assert post.chat is not None
    message_id = (await bot.send_message(post.chat, post.text)).message_id
    await bot.send_document(post.chat, BufferedInputFile(post.document, post.document_name))
    return message_id


async def _no_channel(_post: ReportPost) -> int:
    raise AssertionError("no channel: nothing is sent")


def _refused_as_cli(work: Callable[[], T]) -> T:
    try:
        return work()
    except ReportPublishRefusedError as error:
        raise CliError(error.detail or error.problem) from None
