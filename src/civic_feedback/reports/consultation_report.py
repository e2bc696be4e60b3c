"""The report on a public consultation ("справка за постъпилите предложения"): each proposal,
its author as "citizen" (or their name, when they agreed and staff ask for names), the
decision and its reasons, the counts, and the questionnaire's figures when one was attached.

Texts in the report's language from a short table here (reports/ has no translation
catalogs); Bulgarian by default.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from sqlmodel import Session

from civic_feedback.flows.schema import in_language
from civic_feedback.reports.event_results import LABELS as FIGURE_LABELS
from civic_feedback.reports.event_results import figures_line
from civic_feedback.reports.export import spreadsheet_cell
from civic_feedback.reports.summary import summarize_period
from civic_feedback.storage.consultations import ProposalCounts, proposal_counts, proposals_of
from civic_feedback.storage.flow_versions import FlowCatalog, latest_version_id
from civic_feedback.storage.models import Consultation, Decision
from civic_feedback.storage.summary_scope import Scope

REPORT_LANGUAGES = ("bg", "en", "tr")
LABELS: dict[str, dict[str, str]] = {
    "bg": {
        "heading": "Справка за постъпилите предложения",
        "draft": "ПРОЕКТ — не всички предложения имат решение",
        "municipality": "Община",
        "period": "Срок за предложения",
        "short_term": "Причина за по-краткия срок",
        "closed_early": "Приключена предсрочно",
        "document": "Проект на акта",
        "proposals": "Предложения",
        "number": "№",
        "received": "Дата",
        "author": "Автор",
        "text": "Предложение",
        "decision": "Решение",
        "reasons": "Мотиви",
        "citizen": "гражданин",
        "none": "Не са постъпили предложения.",
        "figures": "Обобщение",
        "count_received": "Постъпили предложения",
        "count_accepted": "Приети",
        "count_partly": "Частично приети",
        "count_not_accepted": "Неприети",
        "count_undecided": "Без решение",
        "questionnaire": "Анкета",
        "responses": "Попълнени анкети",
        Decision.ACCEPTED: "Приема се",
        Decision.PARTLY: "Приема се частично",
        Decision.NOT_ACCEPTED: "Не се приема",
        "undecided": "(без решение)",
    },
    "en": {
        "heading": "Report on the proposals received",
        "draft": "DRAFT — not every proposal has a decision",
        "municipality": "Municipality",
        "period": "Open for proposals",
        "short_term": "Reason for the shorter term",
        "closed_early": "Closed early",
        "document": "Draft act",
        "proposals": "Proposals",
        "number": "No.",
        "received": "Date",
        "author": "Author",
        "text": "Proposal",
        "decision": "Decision",
        "reasons": "Reasons",
        "citizen": "citizen",
        "none": "No proposals were received.",
        "figures": "Summary",
        "count_received": "Proposals received",
        "count_accepted": "Accepted",
        "count_partly": "Partly accepted",
        "count_not_accepted": "Not accepted",
        "count_undecided": "No decision yet",
        "questionnaire": "Questionnaire",
        "responses": "Questionnaires completed",
        Decision.ACCEPTED: "Accepted",
        Decision.PARTLY: "Partly accepted",
        Decision.NOT_ACCEPTED: "Not accepted",
        "undecided": "(no decision)",
    },
    "tr": {
        "heading": "Alınan önerilere ilişkin rapor",
        "draft": "TASLAK — her önerinin kararı henüz yok",
        "municipality": "Belediye",
        "period": "Öneri süresi",
        "short_term": "Kısa sürenin gerekçesi",
        "closed_early": "Erken kapatıldı",
        "document": "Tasarı",
        "proposals": "Öneriler",
        "number": "No.",
        "received": "Tarih",
        "author": "Sahibi",
        "text": "Öneri",
        "decision": "Karar",
        "reasons": "Gerekçe",
        "citizen": "vatandaş",
        "none": "Hiç öneri gelmedi.",
        "figures": "Özet",
        "count_received": "Alınan öneriler",
        "count_accepted": "Kabul edilen",
        "count_partly": "Kısmen kabul edilen",
        "count_not_accepted": "Kabul edilmeyen",
        "count_undecided": "Kararı olmayan",
        "questionnaire": "Anket",
        "responses": "Tamamlanan anketler",
        Decision.ACCEPTED: "Kabul edildi",
        Decision.PARTLY: "Kısmen kabul edildi",
        Decision.NOT_ACCEPTED: "Kabul edilmedi",
        "undecided": "(karar yok)",
    },
}


class ReportNotReadyError(ValueError):
    """A final report while some proposals have no decision."""


@dataclass(frozen=True)
class ReportLine:
    number: int
    received_at: datetime
    author: str
    text: str
    decision: Decision | None
    reasons: str | None


@dataclass(frozen=True)
class ConsultationReport:
    code: str
    title: str
    municipality: str | None
    opens_at: datetime
    closes_at: datetime
    short_term_reason: str | None
    closed_early_reason: str | None
    document_url: str | None
    lines: list[ReportLine]
    counts: ProposalCounts
    questionnaire: list[tuple[str, str]]  # (question, its figures) of public questions
    responses: int | None  # completed questionnaires; None without a questionnaire
    draft: bool
    language: str
    zone: ZoneInfo

    def word(self, key: str) -> str:
        return LABELS[self.language][key]

    def decision_text(self, decision: Decision | None) -> str:
        return self.word(decision) if decision else self.word("undecided")

    def local(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.zone):%d.%m.%Y %H:%M}"

    def figures(self) -> list[tuple[str, int]]:
        rows = [
            (self.word("count_received"), self.counts.received),
            (self.word("count_accepted"), self.counts.accepted),
            (self.word("count_partly"), self.counts.partly),
            (self.word("count_not_accepted"), self.counts.not_accepted),
        ]
        if self.counts.undecided:
            rows.append((self.word("count_undecided"), self.counts.undecided))
        return rows

    def facts(self) -> list[tuple[str, str]]:
        """The lines under the title: municipality, term, reasons, the draft act."""
        facts = []
        if self.municipality:
            facts.append((self.word("municipality"), self.municipality))
        facts.append(
            (self.word("period"), f"{self.local(self.opens_at)} – {self.local(self.closes_at)}")
        )
        if self.short_term_reason:
            facts.append((self.word("short_term"), self.short_term_reason))
        if self.closed_early_reason:
            facts.append((self.word("closed_early"), self.closed_early_reason))
        if self.document_url:
            facts.append((self.word("document"), self.document_url))
        return facts


def build_report(
    session: Session,
    consultation: Consultation,
    *,
    language: str,
    zone: ZoneInfo,
    with_names: bool = False,
    draft: bool = False,
) -> ConsultationReport:
    """The report's content; ReportNotReadyError when final and a proposal has no decision."""
    assert consultation.id is not None
    counts = proposal_counts(session, consultation.id)
    if counts.undecided and not draft:
        raise ReportNotReadyError(
            f"{counts.undecided} proposals have no decision yet: decide them, or write a "
            "draft with --draft"
        )
    citizen = LABELS[language]["citizen"]
    lines = [
        ReportLine(
            number=p.number,
            received_at=p.created_at,
            author=(p.author_name if with_names and p.author_name else citizen),
            text=p.text,
            decision=Decision(p.decision) if p.decision else None,
            reasons=p.reason,
        )
        for p in proposals_of(session, consultation.id)
    ]
    questionnaire, responses = _questionnaire(session, consultation, language)
    return ConsultationReport(
        code=consultation.code,
        title=in_language(consultation.title, language),
        municipality=consultation.municipality,
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        short_term_reason=consultation.short_term_reason,
        closed_early_reason=consultation.closed_early_reason,
        document_url=consultation.document_url,
        lines=lines,
        counts=counts,
        questionnaire=questionnaire,
        responses=responses,
        draft=draft and counts.undecided > 0,
        language=language,
        zone=zone,
    )


def _questionnaire(
    session: Session, consultation: Consultation, language: str
) -> tuple[list[tuple[str, str]], int | None]:
    """The public questions' figures of the responses started while it was open."""
    if consultation.flow_id is None:
        return [], None
    version = latest_version_id(session.connection(), consultation.flow_id)
    if version is None:
        return [], None
    flow = FlowCatalog().flow(session.connection(), version)
    scope = Scope(consultation.opens_at, consultation.closes_at)
    period = summarize_period(session, scope, language=language)
    summary = next((f for f in period.flows if f.flow_id == consultation.flow_id), None)
    if summary is None:
        return [], 0
    words = FIGURE_LABELS[language]
    lines = []
    for figures in summary.questions:
        question = flow.question(figures.id)
        if question is None or question.is_private or not figures.answered:
            continue
        line = figures_line(question, figures, words, language)
        if line:
            lines.append((in_language(question.text, language), line))
    return lines, summary.completed


# --- formats -------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text safe in a Markdown table cell: no pipes, no line breaks, no raw HTML."""
    return (
        " ".join(text.split())
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def write_markdown(report: ConsultationReport, out: IO[str]) -> None:
    w = report.word
    out.write(f"# {w('heading')}\n\n## {_md(report.title)}\n\n")
    if report.draft:
        out.write(f"**{w('draft')}**\n\n")
    for label, value in report.facts():
        out.write(f"- {label}: {_md(value)}\n")
    out.write(f"\n## {w('proposals')}\n\n")
    if not report.lines:
        out.write(w("none") + "\n")
    else:
        header = [w("number"), w("received"), w("author"), w("text"), w("decision"), w("reasons")]
        out.write("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n")
        for line in report.lines:
            cells = [
                str(line.number),
                report.local(line.received_at),
                _md(line.author),
                _md(line.text),
                report.decision_text(line.decision),
                _md(line.reasons or ""),
            ]
            out.write("| " + " | ".join(cells) + " |\n")
    out.write(f"\n## {w('figures')}\n\n")
    for label, count in report.figures():
        out.write(f"- {label}: {count}\n")
    if report.responses is not None:
        out.write(f"\n## {w('questionnaire')}\n\n- {w('responses')}: {report.responses}\n")
        for question, figures in report.questionnaire:
            out.write(f"- {_md(question)}: {_md(figures)}\n")


CSV_COLUMNS = ("number", "received_at", "author", "text", "decision", "reasons")


def write_csv(report: ConsultationReport, out: IO[str]) -> None:
    """The proposals table with the decision in the report's language (utf-8-sig for Excel)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in report.lines:
        values = [
            line.number,
            line.received_at.astimezone(report.zone).isoformat(timespec="seconds"),
            line.author,
            line.text,
            report.decision_text(line.decision),
            line.reasons or "",
        ]
        writer.writerow([spreadsheet_cell(value) for value in values])


def write_xlsx(report: ConsultationReport, path: Path | IO[bytes]) -> None:
    from openpyxl import Workbook  # imported here: it slows every other command's start
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    def clean(value: str | int) -> str | int:
        cell = spreadsheet_cell(value)
        return ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else value

    w = report.word
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    sheet = workbook.create_sheet("report")
    bold = Font(bold=True)
    sheet.append([w("heading")])
    sheet.append([clean(report.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].font = bold
    if report.draft:
        sheet.append([w("draft")])
    for label, value in report.facts():
        sheet.append([label, clean(value)])
    sheet.append([])
    header = [w("number"), w("received"), w("author"), w("text"), w("decision"), w("reasons")]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in report.lines:
        sheet.append(
            [
                line.number,
                report.local(line.received_at),
                clean(line.author),
                clean(line.text),
                report.decision_text(line.decision),
                clean(line.reasons or ""),
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = wrap
    sheet.append([])
    for label, count in report.figures():
        sheet.append([label, count])
    if report.responses is not None:
        sheet.append([])
        sheet.append([w("questionnaire")])
        sheet[f"A{sheet.max_row}"].font = bold
        sheet.append([w("responses"), report.responses])
        for question, figures in report.questionnaire:
            sheet.append([clean(question), clean(figures)])
    for letter, width in {"A": 22, "B": 18, "C": 16, "D": 60, "E": 18, "F": 50}.items():
        sheet.column_dimensions[letter].width = width
    workbook.save(path)


def write_docx(report: ConsultationReport, path: Path | IO[bytes]) -> None:
    """An editable Word document staff can finish and sign (to a file, or a stream)."""
    from docx import Document  # imported here: only this format needs it

    w = report.word
    document = Document()
    document.add_heading(w("heading"), level=0)
    document.add_heading(_plain(report.title), level=1)
    if report.draft:
        document.add_paragraph().add_run(w("draft")).bold = True
    for label, value in report.facts():
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(_plain(value))
    document.add_heading(w("proposals"), level=2)
    if not report.lines:
        document.add_paragraph(w("none"))
    else:
        header = [w("number"), w("received"), w("author"), w("text"), w("decision"), w("reasons")]
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for line in report.lines:
            values = [
                str(line.number),
                report.local(line.received_at),
                line.author,
                line.text,
                report.decision_text(line.decision),
                line.reasons or "",
            ]
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = _plain(text)
    document.add_heading(w("figures"), level=2)
    for label, count in report.figures():
        document.add_paragraph(f"{label}: {count}", style="List Bullet")
    if report.responses is not None:
        document.add_heading(w("questionnaire"), level=2)
        document.add_paragraph(f"{w('responses')}: {report.responses}", style="List Bullet")
        for question, figures in report.questionnaire:
            document.add_paragraph(f"{_plain(question)}: {_plain(figures)}", style="List Bullet")
    document.save(str(path) if isinstance(path, Path) else path)


def _plain(text: str) -> str:
    """Text Word can hold: XML forbids control characters other than tab and line breaks."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 32)
