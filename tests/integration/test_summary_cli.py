"""``feedback-admin summary`` as staff run it: every format, and one clear line on a mistake."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from civic_feedback.reports.summary_formats import CSV_COLUMNS
from civic_feedback.storage.models import InboxItem, RegistrationStatus
from tests.support.admin_cli import BOM, Cli, ready_cli, session_on, the_error_line
from tests.support.summary_data import WEEK, WeekData, answers, sofia

TOP_KEYS = {
    "format_version",
    "week",
    "timezone",
    "start",
    "end",
    "filters",
    "overall",
    "municipalities",
    "flows",
    "events",
    "previous_week",
    "inbox",
}


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The CLI on a database with one event in Видин and responses in week 2026-W47."""
    cli = ready_cli(tmp_path)
    with session_on(cli) as session:
        data = WeekData(session)
        event = data.event("Видин", sofia(18, 18), title="Обществено обсъждане | бюджет")
        data.register(event, RegistrationStatus.ATTENDED, 4)
        vidin = data.citizen("Видин")
        data.respond(
            answers(overall=5, recommend=10, topics=("transport", "parks"), comment="Браво"),
            completed=sofia(18, 21),
            citizen=vidin,
            event=event,
        )
        data.respond(answers(overall=2, recommend=3, topics=("parks",)), completed=sofia(19))
        data.respond(answers(overall=4), completed=sofia(10))  # the week before
        message = InboxItem(municipality="Видин", topic="other", language="bg")
        message.created_at, message.first_answered_at = sofia(17, 9), sofia(17, 12)
        session.add(message)
        session.commit()
    return cli


def output(cli: Cli, *args: str) -> str:
    run = cli("summary", "--week", WEEK, *args)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_json_has_the_documented_keys_and_figures(cli: Cli) -> None:
    document = json.loads(output(cli, "--format", "json"))

    assert set(document) == TOP_KEYS
    assert document["overall"]["completed"] == 2
    assert document["overall"]["csat"] == 0.5
    assert [place["name"] for place in document["municipalities"]] == ["unknown", "Видин"]
    (flow,) = document["flows"]
    assert flow["flow_id"] == "week-demo"
    topics = next(q for q in flow["questions"] if q["id"] == "topics")
    assert topics["options"] == {"transport": 1, "parks": 2, "schools": 0}
    (event,) = document["events"]
    assert event["title"] == "Обществено обсъждане | бюджет"
    assert (event["attended"], event["responses"], event["response_rate"]) == (4, 1, 0.25)
    assert document["previous_week"]["overall"]["completed"] == {"previous": 1, "change": 1}
    (place,) = document["inbox"]["municipalities"]
    assert place["name"] == "Видин"
    assert (place["received"], place["answered"], place["median_hours_to_answer"]) == (1, 1, 3.0)


def test_json_to_a_file_keeps_cyrillic_as_written(cli: Cli) -> None:
    run = cli("summary", "--week", WEEK, "--format", "json", "-o", "week.json")

    assert run.returncode == 0, run.stderr
    text = (cli.cwd / "week.json").read_text(encoding="utf-8")
    assert "Видин" in text
    assert json.loads(text)["week"] == WEEK


def test_csv_is_one_figure_per_row_with_a_bom_for_excel(cli: Cli) -> None:
    run = cli("summary", "--week", WEEK, "--format", "csv", "-o", "week.csv")

    assert run.returncode == 0, run.stderr
    raw = (cli.cwd / "week.csv").read_bytes()
    assert raw.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    figure = {
        (r["section"], r["municipality"], r["question_id"], r["metric"], r["option"]): r["value"]
        for r in rows
        if not r["event_code"]
    }
    assert figure["overall", "", "", "completed", ""] == "2"
    assert figure["municipality", "Видин", "", "nps", ""] == "100"
    assert figure["flow_question", "", "topics", "options", "parks"] == "2"
    assert figure["flow_question", "", "overall", "distribution", "5"] == "1"
    assert figure["previous_week", "", "", "completed", "change"] == "1"
    assert figure["overall", "", "", "response_rate", ""] == "0.25"
    assert {r["section"] for r in rows} == {
        "overall",
        "municipality",
        "flow",
        "flow_question",
        "event",
        "event_question",
        "previous_week",
        "inbox",
    }
    assert figure["inbox", "Видин", "", "median_hours_to_answer", ""] == "3.0"


def test_xlsx_has_overall_one_sheet_per_form_and_events(cli: Cli) -> None:
    run = cli("summary", "--week", WEEK, "--format", "xlsx", "-o", "week.xlsx")

    assert run.returncode == 0, run.stderr
    book = load_workbook(cli.cwd / "week.xlsx")
    assert book.sheetnames == ["overall", "week-demo", "events", "inbox"]
    overall = book["overall"]
    assert overall["A2"].value == "Figure"
    assert overall["A2"].font.bold
    assert overall.freeze_panes == "B3"
    values = {row[0]: row[1:] for row in overall.iter_rows(min_row=3, values_only=True) if row[0]}
    assert values["Responses completed"][:3] == (2, 1, 1)
    assert values["CSAT"][0] == 0.5
    assert values["Видин"][1] == 1  # municipalities below: completed
    events = book["events"]
    assert events["B3"].value == "Обществено обсъждане | бюджет"


def test_markdown_has_the_tables(cli: Cli) -> None:
    text = output(cli, "--format", "md")

    assert text.startswith(f"# Satisfaction summary {WEEK} (Europe/Sofia)")
    assert "| Responses completed | 2 | 1 | +1 |" in text
    assert "| Видин |" in text
    assert "Обществено обсъждане \\| бюджет" in text  # a pipe in a title stays in its cell
    assert "| topics | multi_choice | 2 |" in text


def test_the_terminal_shows_rich_tables(cli: Cli) -> None:
    text = output(cli)

    assert f"Overall, {WEEK}" in text
    assert "Responses completed" in text
    assert "Обществено обсъждане | бюджет" in text
    assert "promoters 1 · passives 0 · detractors 1" in text


def test_municipality_and_event_filters(cli: Cli) -> None:
    only_vidin = json.loads(output(cli, "--format", "json", "--municipality", "Видин"))
    code = only_vidin["events"][0]["code"]
    only_event = json.loads(output(cli, "--format", "json", "--event", code.upper()))

    assert only_vidin["overall"]["completed"] == 1
    assert only_vidin["filters"] == {"municipality": "Видин", "event": None}
    assert only_event["filters"] == {"municipality": None, "event": code}
    assert only_event["overall"]["completed"] == 1


def test_without_week_the_last_complete_week_is_summarised(cli: Cli) -> None:
    run = cli("summary", "--format", "json")

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["week"][4:6] == "-W"


def test_charts_are_written_into_the_folder_and_listed(cli: Cli) -> None:
    code = json.loads(output(cli, "--format", "json"))["events"][0]["code"]

    run = cli("summary", "--week", WEEK, "--format", "json", "--charts", "out/charts")

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["week"] == WEEK  # the summary is still written
    folder = cli.cwd / "out" / "charts"
    expected = ["nps.png", f"rating-{code}.png", "trend.png"]
    assert sorted(path.name for path in folder.iterdir()) == expected
    for name in expected:
        assert f"Chart written to out/charts/{name}" in run.stderr
        assert Image.open(folder / name).width == 1200


def test_an_empty_week_draws_only_the_trend_and_says_so(cli: Cli) -> None:
    run = cli("summary", "--week", "2026-W30", "--charts", "charts")

    assert run.returncode == 0, run.stderr
    assert [path.name for path in (cli.cwd / "charts").iterdir()] == ["trend.png"]
    assert "No rating or NPS answers in 2026-W30: only the trend was drawn." in run.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--week", "2026-47"],
            "--week: '2026-47' is not an ISO week: write the year and week, e.g. 2026-W47",
        ),
        (["--week", "2027-W53"], "2027 has weeks 01 to 52, not 53"),
        (["--event", "nosuchev"], "no event 'nosuchev': see `feedback-admin events list`"),
        (["--municipality", "Атлантида"], "no municipality 'Атлантида': choose one of"),
        (["--format", "xlsx"], "--format xlsx writes a file: add -o summary.xlsx"),
        (["--charts", "feedback.db"], "--charts: feedback.db is a file, not a folder"),
    ],
)
def test_a_mistake_is_one_clear_line_and_a_non_zero_exit(
    cli: Cli, args: list[str], says: str
) -> None:
    run = cli("summary", *args)

    assert says in the_error_line(run)
    assert run.returncode == 1
