"""``feedback-admin consultations``, run as staff run it: the installed script in a subprocess.

Like tests/integration/test_events_cli.py: each run happens in ``tmp_path`` (no ``.env``) on a
SQLite file the test also reads. ``show``, ``qr`` and ``publish --channel`` talk to the Bot
API, so those tests point ``TELEGRAM_API_URL`` at the fake Bot API on loopback and run the CLI
in a worker thread. Consultations, proposals and followers that are not the subject of a test
are stored directly (tests/support/consultations.py).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from civic_feedback.core.consultation_terms import Phase
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.reports.proposal_sheets import COLUMNS
from civic_feedback.services.consultations import (
    Attachment,
    begin_proposal,
    consultation_phase,
    draft_of,
)
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.consultations import document_of
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.models import AuditEntry, Consultation, Decision, utcnow
from tests.support.admin_cli import (
    Cli,
    no_traceback,
    ready_cli,
    run_cli,
    session_on,
    table_row,
    telegram_for,
    the_error_line,
)
from tests.support.consultations import (
    citizen_of,
    decided,
    decisions_of,
    follow_only,
    insert_consultation,
    notice_states,
    propose,
    stored_consultation,
    survey_answered,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY

BOT_USERNAME = "civic_feedback_test_bot"  # FakeTelegram's
CHANNEL = "@sliven_consultations"
SOFIA = ZoneInfo("Europe/Sofia")
KEY = PSEUDONYM_KEY.encode()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ACCEPTED, PARTLY, NOT_ACCEPTED = Decision.ACCEPTED, Decision.PARTLY, Decision.NOT_ACCEPTED

# Far ahead, in winter (no change of clocks inside the term).
OPENS = "2031-01-10 09:00"
CLOSES_30 = "2031-02-09 09:00"  # exactly 30 days
CLOSES_20 = "2031-01-30 09:00"
CLOSES_13 = "2031-01-23 09:00"

# A one-page blank PDF, as small as a valid one gets.
SMALL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
    b"trailer <</Root 1 0 R>>\n"
    b"%%EOF\n"
)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return ready_cli(tmp_path, MUNICIPALITIES="Sliven,Haskovo")


@pytest.fixture
def cli_db(cli: Cli) -> Iterator[Session]:
    with session_on(cli) as session:
        yield session


@pytest.fixture
async def telegram(cli: Cli) -> AsyncIterator[FakeTelegram]:
    async with telegram_for(cli) as fake:
        yield fake


def add(cli: Cli, *options: str, title: str = "Наредба за паркирането") -> str:
    """``consultations add`` of a lawful 30-day term unless ``options`` say otherwise; the
    printed code."""
    run = cli(
        "consultations", "add", "--title", title, "--opens", OPENS, "--closes", CLOSES_30,
        *options,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    no_traceback(run)
    found = re.search(r"Consultation ([a-z2-9]{8}) added", run.stdout)
    assert found is not None, run.stdout
    return found[1]


def consultations_in(session: Session) -> list[Consultation]:
    session.expire_all()
    return list(session.exec(select(Consultation)))


def audit_entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def closed_consultation(session: Session) -> str:
    """A consultation that closed five days ago; its code."""
    now = utcnow()
    return insert_consultation(
        session, opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=5),
        municipality="Sliven",
    )  # fmt: skip


HOSTILE_TEXT = "<script>alert(1)</script> | колона\nнов ред"


def decided_consultation(session: Session) -> str:
    """A closed consultation, every proposal decided: 5 received, 2 accepted, 1 partly,
    2 not accepted; four citizens proposed (one of them twice, one agreed to be named) and
    one more follows it."""
    code = closed_consultation(session)
    propose(session, code, 880011, "Повече паркоместа в центъра")
    propose(session, code, 880012, HOSTILE_TEXT)
    propose(session, code, 880013, "Зелена зона около училищата", author_name="Мария Иванова")
    propose(session, code, 880011, "Безплатно паркиране в неделя")
    propose(session, code, 880014, "Велоалеи по булеварда")
    follow_only(session, code, 880015)
    decided(
        session,
        code,
        {
            1: (ACCEPTED, None),
            2: (NOT_ACCEPTED, "Извън обхвата | виж чл. 5"),
            3: (PARTLY, "Само около две училища"),
            4: (NOT_ACCEPTED, "Няма средства"),
            5: (ACCEPTED, None),
        },
    )
    return code


FOLLOWERS = {880011, 880012, 880013, 880014, 880015}


# --- add ------------------------------------------------------------------------------------


def test_add_a_thirty_day_term_stores_it_in_local_time_and_writes_the_audit_log(
    cli: Cli, cli_db: Session
) -> None:
    code = add(
        cli, "--title-en", "Parking ordinance", "--summary", "Нови зони за паркиране",
        "--municipality", "Sliven", "--document-url", "https://sliven.bg/naredba.pdf",
        "--form", "consultation-survey",
    )  # fmt: skip

    consultation = stored_consultation(cli_db, code)
    assert consultation.opens_at == datetime(2031, 1, 10, 7, 0, tzinfo=UTC)  # 09:00 in Sofia
    assert consultation.closes_at == datetime(2031, 2, 9, 7, 0, tzinfo=UTC)
    assert consultation.title == {"bg": "Наредба за паркирането", "en": "Parking ordinance"}
    assert consultation.summary == {"bg": "Нови зони за паркиране"}
    assert consultation.municipality == "Sliven"
    assert consultation.document_url == "https://sliven.bg/naredba.pdf"
    assert consultation.flow_id == "consultation-survey"
    assert consultation.short_term_reason is None
    assert consultation.report_due_at == consultation.closes_at + timedelta(days=14)
    (entry,) = audit_entries(cli_db, "consultation_add")
    assert entry.subject == code
    assert entry.actor.startswith("cli:")


async def test_add_under_thirty_days_needs_the_reason_and_show_states_it_with_the_pdf(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    pdf = cli.cwd / "проект-наредба.pdf"
    pdf.write_bytes(SMALL_PDF)
    refused = await run_cli(
        cli, "consultations", "add", "--title", "Спешна наредба", "--opens", OPENS,
        "--closes", CLOSES_20, "--document", str(pdf),
    )  # fmt: skip
    assert "under 30 days (20.0) the law requires the reason" in the_error_line(refused)
    assert "--short-term-reason" in the_error_line(refused)
    assert consultations_in(cli_db) == []

    code = add(
        cli, "--closes", CLOSES_20, "--short-term-reason", "Промяна в закона от 1 март",
        "--document", str(pdf),
    )  # fmt: skip
    shown = await run_cli(cli, "consultations", "show", code)

    assert shown.returncode == 0, shown.stderr
    assert table_row(shown.stdout, "shorter term because")[1] == "Промяна в закона от 1 март"
    assert table_row(shown.stdout, "draft act")[1] == "проект-наредба.pdf"
    consultation = stored_consultation(cli_db, code)
    assert consultation.short_term_reason == "Промяна в закона от 1 март"
    assert consultation.id is not None
    assert document_of(cli_db, consultation.id) == SMALL_PDF
    assert consultation.document_name == "проект-наредба.pdf"


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (
            ["--closes", CLOSES_13, "--short-term-reason", "Спешно"],
            "a consultation must stay open at least 14 days (this one: 13.0)",
        ),
        (
            ["--opens", "2020-01-10 09:00", "--closes", "2020-02-20 09:00"],
            "--closes is in the past",
        ),
        (["--form", "no-such-form"], "no form 'no-such-form': publish it first"),
        (["--document", "draft.pdf"], "--document: draft.pdf is not a PDF file"),
        (["--municipality", "Varna"], "unknown municipality 'Varna'; known: Sliven, Haskovo"),
        (
            ["--document-url", "http://sliven.bg/naredba.pdf"],
            "--document-url must be a web address starting with https://",
        ),
    ],
    ids=[
        "13-days",
        "closes-in-the-past",
        "unknown-form",
        "not-a-pdf",
        "unknown-municipality",
        "plain-http",
    ],
)
def test_add_refuses_bad_input_in_one_line_and_stores_nothing(
    cli: Cli, cli_db: Session, options: list[str], says: str
) -> None:
    (cli.cwd / "draft.pdf").write_text("<html>Проект</html>", encoding="utf-8")

    run = cli(
        "consultations", "add", "--title", "Наредба", "--opens", OPENS, "--closes", CLOSES_30,
        *options,
    )  # fmt: skip

    assert says in the_error_line(run)
    assert consultations_in(cli_db) == []
    assert audit_entries(cli_db, "consultation_add") == []


# --- list, show, qr -------------------------------------------------------------------------


def test_list_shows_the_state_of_each_consultation_and_filters_by_municipality(
    cli: Cli, cli_db: Session
) -> None:
    now = utcnow()
    opened = insert_consultation(
        cli_db, "Отворена", opens_at=now - timedelta(days=20),
        closes_at=now + timedelta(days=10, hours=12), municipality="Sliven",
    )  # fmt: skip
    later = insert_consultation(
        cli_db, "По-късно", opens_at=datetime(2031, 1, 10, 7, 0, tzinfo=UTC),
        municipality="Haskovo",
    )  # fmt: skip
    closed = insert_consultation(
        cli_db, "Приключила", opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=30), municipality="Sliven",
    )  # fmt: skip
    published = insert_consultation(
        cli_db, "Публикувана", opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=60), published_at=now - timedelta(days=40),
    )  # fmt: skip
    propose(cli_db, opened, 1001, "Първо")
    propose(cli_db, opened, 1002, "Второ")
    decided(cli_db, opened, {1: (ACCEPTED, None)})

    everything = cli("consultations", "list")
    in_sliven = cli("consultations", "list", "--municipality", "Sliven")

    assert everything.returncode == 0, everything.stderr
    out = everything.stdout
    assert table_row(out, "code")[1:] == [
        "title", "municipality", "opens", "closes", "state", "proposals", "undecided",
    ]  # fmt: skip
    assert table_row(out, opened)[1:3] == ["Отворена", "Sliven"]
    assert table_row(out, opened)[5:] == ["open, 11 days left", "2", "1"]
    assert table_row(out, later)[3] == "2031-01-10 09:00"
    assert table_row(out, later)[5:] == ["opens 10.01.2031 09:00", "0", "0"]
    assert table_row(out, closed)[5] == "closed"
    assert table_row(out, published)[5] == "report published"
    order = [out.index(code) for code in (later, opened, closed, published)]
    assert order == sorted(order)  # the newest first
    assert opened in in_sliven.stdout
    assert closed in in_sliven.stdout
    assert later not in in_sliven.stdout
    assert published not in in_sliven.stdout


async def test_show_prints_the_counts_the_days_left_and_the_co_link(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    now = utcnow()
    code = insert_consultation(
        cli_db, title_en="Parking ordinance", opens_at=now - timedelta(days=5),
        closes_at=now + timedelta(days=2, hours=1), municipality="Sliven",
    )  # fmt: skip
    for telegram_id in (2001, 2002, 2003, 2001):
        propose(cli_db, code, telegram_id, f"Предложение от {telegram_id}")
    follow_only(cli_db, code, 2004)
    decided(cli_db, code, {1: (ACCEPTED, None), 2: (PARTLY, "Отчасти"), 3: (NOT_ACCEPTED, "Не")})

    run = await run_cli(cli, "consultations", "show", code)

    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert table_row(out, "title (bg)")[1] == "Наредба за паркирането"
    assert table_row(out, "title (en)")[1] == "Parking ordinance"
    assert table_row(out, "municipality")[1] == "Sliven"
    assert table_row(out, "state")[1] == "open, 3 days left"
    assert table_row(out, "proposals")[1] == "4 (accepted 1, partly 1, not accepted 1, undecided 1)"
    assert table_row(out, "followers")[1] == "4"  # three who proposed, one who only follows
    link = f"https://t.me/{BOT_USERNAME}?start=co_{code}"
    assert re.search(rf"^link:\s+{re.escape(link)}$", out, re.MULTILINE), out
    assert len(telegram.requests("getMe")) == 1


async def test_qr_writes_a_poster_of_the_co_link(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    code = insert_consultation(cli_db)
    poster = cli.cwd / "poster.png"

    run = await run_cli(cli, "consultations", "qr", code, "-o", str(poster))

    assert run.returncode == 0, run.stderr
    assert f"https://t.me/{BOT_USERNAME}?start=co_{code}" in run.stdout
    assert poster.read_bytes().startswith(PNG_SIGNATURE)


# --- close ----------------------------------------------------------------------------------


def test_close_stops_the_proposals_and_records_the_reason_and_the_planned_close(
    cli: Cli, cli_db: Session
) -> None:
    code = insert_consultation(cli_db)
    planned = stored_consultation(cli_db, code).closes_at

    first = cli("consultations", "close", code, "--reason", "Проектът е оттеглен")
    second = cli("consultations", "close", code, "--reason", "Пак")

    assert first.returncode == 0, first.stderr
    assert f"Consultation {code} is closed" in first.stdout
    assert f"consultation {code} is already closed" in the_error_line(second)
    consultation = stored_consultation(cli_db, code)
    assert consultation.closes_at <= utcnow()
    assert consultation.closed_early_reason == "Проектът е оттеглен"
    citizen = citizen_of(cli_db, 3001)
    assert begin_proposal(cli_db, citizen, consultation, utcnow()) is Phase.CLOSED
    assert draft_of(cli_db, citizen) is None
    entries = audit_entries(cli_db, "consultation_close")
    assert [(entry.subject, entry.details) for entry in entries] == [
        (code, {"reason": "Проектът е оттеглен", "planned_close": planned.isoformat()})
    ]


def test_close_without_a_reason_is_refused_and_the_consultation_stays_open(
    cli: Cli, cli_db: Session
) -> None:
    code = insert_consultation(cli_db)
    planned = stored_consultation(cli_db, code).closes_at

    run = cli("consultations", "close", code, "--reason", "   ")

    assert "--reason must not be empty" in the_error_line(run)
    consultation = stored_consultation(cli_db, code)
    assert consultation.closes_at == planned
    assert consultation.closed_early_reason is None
    assert audit_entries(cli_db, "consultation_close") == []


def test_a_consultation_closed_before_it_opened_stays_closed(cli: Cli, cli_db: Session) -> None:
    code = insert_consultation(cli_db, opens_at=datetime(2031, 1, 10, 7, 0, tzinfo=UTC))

    first = cli("consultations", "close", code, "--reason", "Отменена")
    second = cli("consultations", "close", code, "--reason", "Пак")

    assert first.returncode == 0, first.stderr
    assert f"consultation {code} is already closed" in the_error_line(second)
    consultation = stored_consultation(cli_db, code)
    assert consultation_phase(consultation, utcnow()) is Phase.CLOSED  # not "opens 10.01.2031"
    assert consultation_phase(consultation, consultation.opens_at) is Phase.CLOSED


# --- proposals ------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("https://evil.example","Кликни")'
SKETCH = Attachment(kind="document", file_id="file-1", name="скица.pdf", size=12_000)


def test_proposals_lists_each_proposal_under_a_pseudonym_never_the_telegram_id(
    cli: Cli, cli_db: Session
) -> None:
    code = insert_consultation(cli_db)
    propose(cli_db, code, 700001, "Повече паркоместа", attachment=SKETCH)
    propose(cli_db, code, 700002, "More bike lanes", language="en")
    decided(cli_db, code, {2: (NOT_ACCEPTED, "Няма място")})

    run = cli("consultations", "proposals", code)

    assert run.returncode == 0, run.stderr
    first, second = table_row(run.stdout, "1"), table_row(run.stdout, "2")
    assert first[2:] == ["bg", pseudonym(KEY, 700001), "Повече паркоместа", "скица.pdf", "", ""]
    assert second[2:] == [
        "en", pseudonym(KEY, 700002), "More bike lanes", "", "not_accepted", "Няма място",
    ]  # fmt: skip
    assert "700001" not in run.stdout
    assert "700002" not in run.stdout


def test_proposals_as_xlsx_and_csv_have_the_columns_to_fill_in(cli: Cli, cli_db: Session) -> None:
    code = insert_consultation(cli_db)
    propose(cli_db, code, 700001, FORMULA, attachment=SKETCH)
    propose(cli_db, code, 700002, "More bike lanes", language="en")
    received = (stored_consultation(cli_db, code).opens_at + timedelta(hours=1)).astimezone(SOFIA)
    local = received.isoformat(timespec="seconds")
    xlsx, sheet_csv = cli.cwd / "proposals.xlsx", cli.cwd / "proposals.csv"

    as_xlsx = cli("consultations", "proposals", code, "--format", "xlsx", "-o", str(xlsx))
    as_csv = cli("consultations", "proposals", code, "--format", "csv", "-o", str(sheet_csv))

    assert as_xlsx.returncode == 0, as_xlsx.stderr
    assert f"2 proposals written to {xlsx}" in as_xlsx.stdout
    assert f"consultations decide {code} --from {xlsx}" in as_xlsx.stdout
    workbook = load_workbook(xlsx, read_only=True)
    rows = list(workbook["proposals"].iter_rows(values_only=True))
    workbook.close()
    assert rows == [
        COLUMNS,
        (1, local, "bg", pseudonym(KEY, 700001), "'" + FORMULA, "скица.pdf", None, None),
        (2, local, "en", pseudonym(KEY, 700002), "More bike lanes", None, None, None),
    ]
    assert COLUMNS == (
        "number", "received_at", "language", "author", "text", "attachment", "decision",
        "reasons",
    )  # fmt: skip
    assert as_csv.returncode == 0, as_csv.stderr
    assert sheet_csv.read_bytes().startswith(b"\xef\xbb\xbf")  # so that Excel reads Cyrillic
    with sheet_csv.open(encoding="utf-8-sig", newline="") as opened:
        assert list(csv.reader(opened)) == [
            list(COLUMNS),
            ["1", local, "bg", pseudonym(KEY, 700001), "'" + FORMULA, "скица.pdf", "", ""],
            ["2", local, "en", pseudonym(KEY, 700002), "More bike lanes", "", "", ""],
        ]
    for run in (as_xlsx, as_csv):
        assert "700001" not in run.stdout


def test_proposals_as_a_file_needs_o(cli: Cli, cli_db: Session) -> None:
    code = insert_consultation(cli_db)

    run = cli("consultations", "proposals", code, "--format", "xlsx")

    assert "--format xlsx needs -o FILE" in the_error_line(run)


# --- decide ---------------------------------------------------------------------------------


def four_proposals(session: Session) -> str:
    code = closed_consultation(session)
    for telegram_id, text in (
        (4001, "Повече паркоместа"),
        (4002, "Зелена вълна на светофарите"),
        (4003, "Паркинг на няколко етажа"),
        (4004, "По-евтин абонамент"),
    ):
        propose(session, code, telegram_id, text)
    return code


def test_decide_one_proposal_at_a_time(cli: Cli, cli_db: Session) -> None:
    code = four_proposals(cli_db)

    accepted = cli("consultations", "decide", code, "1", "--accepted")
    no_reason = cli("consultations", "decide", code, "2", "--not-accepted")
    partly = cli("consultations", "decide", code, "3", "--partly", "--reason", "Само в центъра")
    unknown = cli("consultations", "decide", code, "9", "--accepted")

    assert accepted.returncode == 0, accepted.stderr
    assert "1 decisions recorded; 3 proposals still without a decision." in accepted.stdout
    assert "proposal No. 2: a proposal not (or only partly) accepted needs its reasons" in (
        the_error_line(no_reason)
    )
    assert "1 decisions recorded; 2 proposals still without a decision." in partly.stdout
    assert f"consultation {code} has no proposal No. 9" in the_error_line(unknown)
    assert decisions_of(cli_db, code) == {
        1: ("accepted", None),
        2: (None, None),
        3: ("partly", "Само в центъра"),
        4: (None, None),
    }


def fill_in(path: Path, decisions: dict[int, tuple[str, str | None]]) -> None:
    """Staff write decisions and reasons into the sheet in Excel (here: openpyxl) and save."""
    workbook = load_workbook(path)
    sheet = workbook["proposals"]
    header = [cell.value for cell in sheet[1]]
    decision_at, reasons_at = header.index("decision"), header.index("reasons")
    for row in sheet.iter_rows(min_row=2):
        number = row[0].value
        if number in decisions:
            word, reasons = decisions[int(str(number))]
            row[decision_at].value = word
            row[reasons_at].value = reasons
    workbook.save(path)


def test_decide_from_the_xlsx_sheet_filled_in_with_bulgarian_words(
    cli: Cli, cli_db: Session
) -> None:
    code = four_proposals(cli_db)
    sheet = cli.cwd / "решения.xlsx"
    written = cli("consultations", "proposals", code, "--format", "xlsx", "-o", str(sheet))
    assert written.returncode == 0, written.stderr
    fill_in(
        sheet,
        {
            1: ("прието", None),
            2: ("Частично прието", "Само по главните улици"),
            3: ("не се приема", "Няма бюджет"),
        },
    )

    run = cli("consultations", "decide", code, "--from", str(sheet))

    assert run.returncode == 0, run.stderr
    assert "3 decisions recorded; 1 proposals still without a decision." in run.stdout
    assert decisions_of(cli_db, code) == {
        1: ("accepted", None),
        2: ("partly", "Само по главните улици"),
        3: ("not_accepted", "Няма бюджет"),
        4: (None, None),
    }
    assert len(audit_entries(cli_db, "consultation_decide")) == 1


def test_decide_from_a_csv_saved_by_excel_in_bulgarian(cli: Cli, cli_db: Session) -> None:
    code = four_proposals(cli_db)
    exported = cli.cwd / "proposals.csv"
    written = cli("consultations", "proposals", code, "--format", "csv", "-o", str(exported))
    assert written.returncode == 0, written.stderr
    with exported.open(encoding="utf-8-sig", newline="") as opened:
        rows = list(csv.reader(opened))
    decision_at, reasons_at = rows[0].index("decision"), rows[0].index("reasons")
    rows[1][decision_at] = "Прието"
    rows[4][decision_at], rows[4][reasons_at] = "не се приема", "Противоречи на наредбата"
    saved = cli.cwd / "решения.csv"
    with saved.open("w", encoding="cp1251", newline="") as out:  # Excel's "CSV" in Bulgarian
        csv.writer(out, delimiter=";").writerows(rows)

    run = cli("consultations", "decide", code, "--from", str(saved))

    assert run.returncode == 0, run.stderr
    assert "2 decisions recorded" in run.stdout
    assert decisions_of(cli_db, code) == {
        1: ("accepted", None),
        2: (None, None),
        3: (None, None),
        4: ("not_accepted", "Противоречи на наредбата"),
    }


def write_sheet(path: Path, rows: list[tuple[object, str, str]]) -> None:
    """A sheet of (number, decision, reasons) rows under the header ``proposals`` writes."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for number, decision, reasons in rows:
            writer.writerow([number, "", "bg", "c-x", "текст", "", decision, reasons])


def test_a_sheet_with_bad_rows_lists_every_problem_by_row_and_records_nothing(
    cli: Cli, cli_db: Session
) -> None:
    code = four_proposals(cli_db)
    sheet = cli.cwd / "решения.csv"
    write_sheet(
        sheet,
        [
            (1, "може би", ""),  # row 2: no such decision
            (9, "прието", ""),  # row 3: no proposal No. 9
            (2, "прието", ""),  # row 4: fine
            (2, "не се приема", "Дублира"),  # row 5: No. 2 again
            (3, "", "Мотиви без решение"),  # row 6
            (4, "не се приема", ""),  # row 7: no reasons
        ],
    )

    run = cli("consultations", "decide", code, "--from", str(sheet))

    no_traceback(run)
    assert run.returncode != 0
    errors = run.stderr
    assert "nothing was recorded" in errors
    assert re.search(r"row 2: decision 'може би' is not one of", errors), errors
    assert re.search(r"row 3: .*No\. 9", errors), errors
    assert "row 5: proposal No. 2 is also on row 4" in errors
    assert "row 6: reasons without a decision" in errors
    assert re.search(r"row 7: .*needs its reasons", errors), errors
    assert "row 4" not in errors.replace("on row 4", "")
    assert set(decisions_of(cli_db, code).values()) == {(None, None)}
    assert audit_entries(cli_db, "consultation_decide") == []


def not_a_zip(path: Path) -> None:
    path.write_text("number,decision,reasons\n1,accepted,\n", encoding="utf-8")


def zip_bomb(path: Path) -> None:
    """A zip of a few hundred KB holding a member of 101 MB of zeros."""
    megabyte = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(101):
            member.write(megabyte)


def oversized(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("number,decision,reasons\n")
        out.write("1,accepted," + "x" * (10 * 1024 * 1024) + "\n")


def empty(path: Path) -> None:
    path.write_bytes(b"")


def wrong_header(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["No.", "Решение", "Мотиви"])
    sheet.append([1, "прието", ""])
    workbook.save(path)


def spreadsheet(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04 an OpenDocument sheet")


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("решения.xlsx", not_a_zip, "решения.xlsx is not an Excel workbook (.xlsx)"),
        ("bomb.xlsx", zip_bomb, "bomb.xlsx unpacks to more than 100 MB"),
        ("big.csv", oversized, "big.csv is 10 MB; a sheet of decisions must be under 10 MB"),
        ("empty.csv", empty, "the sheet is empty"),
        ("other.xlsx", wrong_header, "row 1: no column number, decision, reasons"),
        ("решения.ods", spreadsheet, "решения.ods: give the .xlsx or .csv written by `proposals`"),
    ],
    ids=["not-a-zip", "zip-bomb", "over-10-mb", "empty-csv", "wrong-header", "ods"],
)
def test_a_hostile_or_foreign_file_is_one_clear_error_and_changes_nothing(
    cli: Cli, cli_db: Session, name: str, make: Callable[[Path], None], says: str
) -> None:
    code = four_proposals(cli_db)
    decided(cli_db, code, {1: (ACCEPTED, None)})
    before = decisions_of(cli_db, code)
    path = cli.cwd / name
    make(path)

    run = cli("consultations", "decide", code, "--from", str(path))

    line = the_error_line(run)
    assert says in line
    assert "nothing was recorded" in line
    assert decisions_of(cli_db, code) == before
    assert audit_entries(cli_db, "consultation_decide") == []


# --- report ---------------------------------------------------------------------------------

BG_FIGURES = [
    "- Постъпили предложения: 5",
    "- Приети: 2",
    "- Частично приети: 1",
    "- Неприети: 2",
]


def test_report_is_refused_while_a_proposal_has_no_decision_but_a_draft_is_marked(
    cli: Cli, cli_db: Session
) -> None:
    code = closed_consultation(cli_db)
    propose(cli_db, code, 5001, "Първо")
    propose(cli_db, code, 5002, "Второ")
    decided(cli_db, code, {1: (ACCEPTED, None)})

    final = cli("consultations", "report", code)
    draft = cli("consultations", "report", code, "--draft")

    assert "1 proposals have no decision yet" in the_error_line(final)
    assert "--draft" in the_error_line(final)
    assert draft.returncode == 0, draft.stderr
    assert "**ПРОЕКТ — не всички предложения имат решение**" in draft.stdout
    assert "(без решение)" in draft.stdout
    assert "- Без решение: 1" in draft.stdout.splitlines()


def markdown_cells(line: str) -> list[str]:
    """The cells of a Markdown table row: split at the pipes that are not escaped."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_report_in_markdown_counts_the_decisions_and_keeps_the_table_whole(
    cli: Cli, cli_db: Session
) -> None:
    code = decided_consultation(cli_db)

    run = cli("consultations", "report", code)

    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("# Справка за постъпилите предложения\n\n## Наредба за паркирането")
    lines = out.splitlines()
    for figure in BG_FIGURES:
        assert figure in lines
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + 5  # header, rule, one row per proposal
    rows = [markdown_cells(line) for line in table[2:]]
    assert all(len(row) == 6 for row in rows), table
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert [row[2] for row in rows] == ["гражданин"] * 5  # no name without --with-names
    assert rows[1][3] == "&lt;script&gt;alert(1)&lt;/script&gt; \\| колона нов ред"
    assert rows[1][4:] == ["Не се приема", "Извън обхвата \\| виж чл. 5"]
    assert rows[2][4:] == ["Приема се частично", "Само около две училища"]
    assert "<script>" not in out
    assert "Мария Иванова" not in out
    assert "880011" not in out
    assert "ПРОЕКТ" not in out
    assert "Анкета" not in out  # no questionnaire attached


def test_report_as_csv_in_english(cli: Cli, cli_db: Session) -> None:
    code = decided_consultation(cli_db)
    path = cli.cwd / "report.csv"

    run = cli("consultations", "report", code, "--format", "csv", "--lang", "en", "-o", str(path))

    assert run.returncode == 0, run.stderr
    with path.open(encoding="utf-8-sig", newline="") as opened:
        rows = list(csv.reader(opened))
    assert rows[0] == ["number", "received_at", "author", "text", "decision", "reasons"]
    assert [(row[0], row[2], row[4]) for row in rows[1:]] == [
        ("1", "citizen", "Accepted"),
        ("2", "citizen", "Not accepted"),
        ("3", "citizen", "Partly accepted"),
        ("4", "citizen", "Not accepted"),
        ("5", "citizen", "Accepted"),
    ]
    assert rows[2][3] == HOSTILE_TEXT  # a CSV cell keeps the text as written
    assert rows[2][5] == "Извън обхвата | виж чл. 5"


def test_report_as_xlsx(cli: Cli, cli_db: Session) -> None:
    code = decided_consultation(cli_db)
    path = cli.cwd / "справка.xlsx"

    run = cli("consultations", "report", code, "--format", "xlsx", "-o", str(path))

    assert run.returncode == 0, run.stderr
    workbook = load_workbook(path, read_only=True)
    rows = [row[:6] for row in workbook["report"].iter_rows(values_only=True)]
    workbook.close()
    assert rows[0][0] == "Справка за постъпилите предложения"
    assert rows[1][0] == "Наредба за паркирането"
    header = rows.index(("№", "Дата", "Автор", "Предложение", "Решение", "Мотиви"))
    proposals = rows[header + 1 : header + 6]
    assert [(row[0], row[2], row[4]) for row in proposals] == [
        (1, "гражданин", "Приема се"),
        (2, "гражданин", "Не се приема"),
        (3, "гражданин", "Приема се частично"),
        (4, "гражданин", "Не се приема"),
        (5, "гражданин", "Приема се"),
    ]
    figures = {row[0]: row[1] for row in rows[header + 6 :] if row[0]}
    assert figures == {
        "Постъпили предложения": 5,
        "Приети": 2,
        "Частично приети": 1,
        "Неприети": 2,
    }


def test_report_as_docx_names_only_the_authors_who_agreed_when_asked_to(
    cli: Cli, cli_db: Session
) -> None:
    code = decided_consultation(cli_db)
    path = cli.cwd / "справка.docx"

    run = cli("consultations", "report", code, "--format", "docx", "-o", str(path), "--with-names")

    assert run.returncode == 0, run.stderr
    document = Document(str(path))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert paragraphs[0] == "Справка за постъпилите предложения"
    (table,) = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["№", "Дата", "Автор", "Предложение", "Решение", "Мотиви"]
    assert [row[2] for row in rows[1:]] == [
        "гражданин", "гражданин", "Мария Иванова", "гражданин", "гражданин",
    ]  # fmt: skip
    assert rows[2][3] == HOSTILE_TEXT
    for figure in BG_FIGURES:
        assert figure.removeprefix("- ") in paragraphs
    assert audit_entries(cli_db, "consultation_report")[0].details == {"with_names": True}


def test_report_gives_the_questionnaires_figures_when_a_form_is_attached(
    cli: Cli, cli_db: Session
) -> None:
    now = utcnow()
    code = insert_consultation(
        cli_db, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=29),
        flow_id="consultation-survey",
    )  # fmt: skip
    propose(cli_db, code, 6001, "Повече паркове")
    decided(cli_db, code, {1: (ACCEPTED, None)})
    runs = FormRuns(FlowCatalog(), KEY)
    survey_answered(cli_db, runs, citizen_of(cli_db, 6002), informed="4")
    survey_answered(cli_db, runs, citizen_of(cli_db, 6003), informed="2")

    run = cli("consultations", "report", code)

    assert run.returncode == 0, run.stderr
    questionnaire = run.stdout.split("## Анкета", 1)[1].splitlines()
    assert "- Попълнени анкети: 2" in questionnaire
    informed = [line for line in questionnaire if "Доколко се чувствате информирани" in line]
    assert len(informed) == 1
    assert informed[0].endswith(": средно 3.0 от 5, доволни 50%")
    assert not [line for line in questionnaire if "Какви са Вашите предложения" in line]


# --- publish --------------------------------------------------------------------------------


async def test_publish_is_refused_while_open_or_undecided_and_posts_nothing(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    still_open = insert_consultation(cli_db)
    propose(cli_db, still_open, 7001, "Първо")
    decided(cli_db, still_open, {1: (ACCEPTED, None)})
    undecided = closed_consultation(cli_db)
    propose(cli_db, undecided, 7002, "Второ")

    open_run = await run_cli(cli, "consultations", "publish", still_open, "--channel", CHANNEL)
    undecided_run = await run_cli(cli, "consultations", "publish", undecided, "--channel", CHANNEL)

    assert f"consultation {still_open} is still open" in the_error_line(open_run)
    assert "1 proposals have no decision yet" in the_error_line(undecided_run)
    assert telegram.messages(CHANNEL) == []
    assert telegram.count_message_calls() == 0
    for code in (still_open, undecided):
        assert stored_consultation(cli_db, code).published_at is None
        assert set(notice_states(cli_db, code).values()) == {None}


async def test_publish_dry_run_shows_the_post_and_sends_nothing(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    code = decided_consultation(cli_db)

    run = await run_cli(cli, "consultations", "publish", code, "--channel", CHANNEL, "--dry-run")

    assert run.returncode == 0, run.stderr
    for figure in BG_FIGURES:
        assert figure.removeprefix("- ") in run.stdout
    assert "5 citizens would be told. Nothing was sent." in run.stdout
    assert telegram.requests() == []
    assert stored_consultation(cli_db, code).published_at is None
    assert set(notice_states(cli_db, code).values()) == {None}


async def test_publish_to_a_channel_posts_the_counts_and_the_report_and_owes_one_notice_each(
    cli: Cli, cli_db: Session, telegram: FakeTelegram
) -> None:
    code = decided_consultation(cli_db)

    run = await run_cli(cli, "consultations", "publish", code, "--channel", CHANNEL)
    again = await run_cli(cli, "consultations", "publish", code, "--channel", CHANNEL)

    assert run.returncode == 0, run.stderr
    post, document = telegram.messages(CHANNEL)
    assert post.text is not None
    assert "Справка за постъпилите предложения" in post.text
    for figure in BG_FIGURES:
        assert figure.removeprefix("- ") in post.text
    assert document.document is not None
    assert document.document.filename == f"report-{code}.docx"
    report = Document(io.BytesIO(document.document.data))
    assert report.paragraphs[0].text == "Справка за постъпилите предложения"
    assert len(report.tables[0].rows) == 1 + 5
    url = f"https://t.me/sliven_consultations/{post.message_id}"
    assert url in run.stdout
    assert "5 citizens will be told their decisions" in run.stdout
    consultation = stored_consultation(cli_db, code)
    assert consultation.published_at is not None
    assert (consultation.published_chat, consultation.published_url) == (CHANNEL, url)
    assert notice_states(cli_db, code) == dict.fromkeys(FOLLOWERS, "pending")
    assert f"the report of {code} is already published" in the_error_line(again)
    assert len(telegram.messages(CHANNEL)) == 2  # nothing more was posted
    assert len(audit_entries(cli_db, "consultation_publish")) == 1


def test_publish_without_a_channel_still_owes_each_follower_their_notice(
    cli: Cli, cli_db: Session
) -> None:
    code = decided_consultation(cli_db)

    run = cli("consultations", "publish", code)

    assert run.returncode == 0, run.stderr
    assert f"The report of {code} is published." in run.stdout
    assert "5 citizens will be told their decisions" in run.stdout
    consultation = stored_consultation(cli_db, code)
    assert consultation.published_at is not None
    assert consultation.published_chat is None
    assert notice_states(cli_db, code) == dict.fromkeys(FOLLOWERS, "pending")
    assert [entry.subject for entry in audit_entries(cli_db, "consultation_publish")] == [code]
