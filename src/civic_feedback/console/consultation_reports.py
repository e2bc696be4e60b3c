"""A consultation's report ("справка") from the console: the same report and writers as
``feedback-admin consultations report`` (DOCX to finish and sign, XLSX, Markdown, CSV), in the
staff member's language, for a consultation in their scope; a final report only once every
proposal has its decision, else a draft when asked for one. Authors are never named here
(the CLI's ``--with-names`` stays on the command line). Each report made is on the audit
log under the staff member's pseudonym, as the CLI's are."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.event_files import XLSX_TYPE
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
from civic_feedback.services.consultations import consultation_for
from civic_feedback.settings import Settings
from civic_feedback.storage import audit

MAX_CODE = 32


Written = Callable[[ConsultationReport], bytes]


def _text(write: Callable[[ConsultationReport, IO[str]], None], encoding: str) -> Written:
    def written(report: ConsultationReport) -> bytes:
        out = io.StringIO(newline="")
        write(report, out)
        return out.getvalue().encode(encoding)

    return written


def _binary(write: Callable[[ConsultationReport, IO[bytes]], None]) -> Written:
    def written(report: ConsultationReport) -> bytes:
        out = io.BytesIO()
        write(report, out)
        return out.getvalue()

    return written


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# format: (media type, the report as bytes); CSV with a BOM, as the CLI writes it for Excel
FORMATS: dict[str, tuple[str, Written]] = {
    "docx": (DOCX_TYPE, _binary(write_docx)),
    "xlsx": (XLSX_TYPE, _binary(write_xlsx)),
    "md": ("text/markdown", _text(write_markdown, "utf-8")),
    "csv": ("text/csv", _text(write_csv, "utf-8-sig")),
}


class ReportRefusedError(ValueError):
    """A report the console cannot make; ``code`` is what the page says."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ReportAsked:
    code: str
    format: str
    draft: bool

    @property
    def name(self) -> str:
        draft = "-draft" if self.draft else ""
        return f"consultation-{self.code}-report{draft}.{self.format}"


@dataclass(frozen=True)
class ReportFile:
    name: str
    media_type: str
    body: bytes


def report_asked(params: dict[str, Any]) -> ReportAsked:
    """``{"code", "format", "draft": "yes" | null}`` as the page sends it; refused otherwise."""
    code, chosen, draft = params.get("code"), params.get("format"), params.get("draft")
    if (
        not isinstance(code, str)
        or not 0 < len(code) <= MAX_CODE
        or not code.isascii()
        or not code.isalnum()
        or chosen not in FORMATS
        or draft not in (None, "yes")
    ):
        raise ReportRefusedError("malformed")
    return ReportAsked(code.lower(), str(chosen), draft == "yes")


def report_name(
    session: Session, access: StaffAccess, settings: Settings, params: dict[str, Any]
) -> str | None:
    """The file's name once the report can be made (nothing recorded); None when there is
    no such consultation for this person."""
    asked = report_asked(params)
    return None if _report(session, access, settings, asked) is None else asked.name


def report_file(
    session: Session,
    access: StaffAccess,
    settings: Settings,
    key: bytes,
    params: dict[str, Any],
) -> ReportFile | None:
    """The report as a file, recorded on the audit log; None when there is no such
    consultation for this person."""
    asked = report_asked(params)
    report = _report(session, access, settings, asked)
    if report is None:
        return None
    media_type, written = FORMATS[asked.format]
    audit.record(
        session,
        audit.telegram_actor(key, access.telegram_id),
        "consultation_report",
        asked.code,
        with_names=False,
        draft=asked.draft,
        by="console",
    )
    return ReportFile(asked.name, media_type, written(report))


def _report(
    session: Session, access: StaffAccess, settings: Settings, asked: ReportAsked
) -> ConsultationReport | None:
    consultation = consultation_for(session, asked.code, access.municipality)
    if consultation is None:
        return None
    language = access.language if access.language in REPORT_LANGUAGES else REPORT_LANGUAGES[0]
    try:
        return build_report(
            session,
            consultation,
            language=language,
            zone=settings.zone,
            with_names=False,
            draft=asked.draft,
        )
    except ReportNotReadyError:
        raise ReportRefusedError("undecided") from None
