"""Exports of raw answers: the rows streamed from storage and the JSON and CSV writers.

Responses are made the way the bot makes them (FormRuns), except for the streaming tests,
which insert thousands of rows directly.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.engine import Button, Input, Skip, Text
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.flows.schema import Flow
from civic_feedback.reports.export import ExportOptions, write_csv, write_json
from civic_feedback.services.form_runs import Expected, FormRuns, Prompt
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.export_rows import export_columns, iter_export_rows
from civic_feedback.storage.flow_versions import FlowCatalog, flow_definition, publish_flow
from civic_feedback.storage.models import Answer, AnswerChoice, Citizen, Response, utcnow
from tests.support.citizens import add_citizen
from tests.support.export_columns import FIXED
from tests.support.keys import PSEUDONYM_KEY

KEY = PSEUDONYM_KEY.encode()
ZONE = ZoneInfo("Asia/Kolkata")  # +05:30 all year: an offset no server clock has by chance

ADDED = ["event_code", "municipality"]
RECORD_KEYS = {*FIXED, *ADDED, "answers", "languages"}

DEMO_FLOW = """\
id: export-demo
title: {en: "Export demo"}
languages: [en]
questions:
  - {id: overall, type: rating, text: {en: "Overall?"}}
  - {id: recommend, type: nps, text: {en: "Recommend?"}}
  - id: role
    type: single_choice
    text: {en: "Role?"}
    options:
      - {id: citizen, text: {en: "Citizen"}}
      - {id: ngo, text: {en: "NGO"}}
      - {id: business, text: {en: "Business"}}
  - id: topics
    type: multi_choice
    text: {en: "Topics?"}
    options:
      - {id: transport, text: {en: "Transport"}}
      - {id: parks, text: {en: "Parks"}}
      - {id: schools, text: {en: "Schools"}}
  - {id: again, type: yes_no, text: {en: "Again?"}}
  - {id: age, type: number, required: false, min: 14, max: 120, text: {en: "Age?"}}
  - id: improve
    type: text
    required: false
    when: {overall: {max: 3}}
    text: {en: "What to improve?"}
  - {id: comment, type: text, required: false, text: {en: "Anything else?"}}
"""
DEMO_QUESTIONS = [
    "overall",
    "recommend",
    "role",
    "topics",
    "again",
    "age",
    "improve",
    "comment",
]

NOTES_FLOW = """\
id: notes
title: {en: "Notes"}
languages: [en]
repeatable: true
questions:
  - {id: note, type: text, text: {en: "Your note?"}}
"""

STREAM_FLOW = """\
id: stream-demo
title: {en: "Stream"}
languages: [en]
questions:
  - {id: score, type: rating, text: {en: "Score?"}}
  - id: picks
    type: multi_choice
    required: false
    text: {en: "Picks?"}
    options:
      - {id: a, text: {en: "A"}}
      - {id: b, text: {en: "B"}}
      - {id: c, text: {en: "C"}}
"""

# Telegram ids long enough that finding their digits in an export cannot be a coincidence.
ANA, BORIS, CVETAN, DORA = 987654321001, 987654321002, 987654321003, 987654321004

# What a citizen does on one question: an input, or option positions to tick, then Done.
Action: TypeAlias = Input | tuple[int, ...]

ANA_ANSWERS: dict[str, Action] = {
    "overall": Button("2"),
    "recommend": Button("9"),
    "role": Button("ngo"),
    "topics": (2, 0),  # schools ticked before transport
    "again": Button("yes"),
    "age": Text("34"),
    "improve": Text("Start on time"),
    "comment": Text("Great hall"),
}
BORIS_ANSWERS: dict[str, Action] = {
    "overall": Button("5"),
    "recommend": Button("0"),
    "role": Button("citizen"),
    "topics": (1,),
    "again": Button("no"),
    "age": Skip(),
    "comment": Skip(),
}
CVETAN_ANSWERS: dict[str, Action] = {
    "overall": Button("4"),
    "recommend": Button("10"),
    "role": Button("business"),
    "topics": (0, 1, 2),
    "again": Button("yes"),
    "age": Text("40,5"),
    "comment": Text("Благодаря, София!"),
}
SURVEY_ANSWERS: dict[str, Action] = {
    "respondent_group": Button("citizen"),
    "settlement": Button("village"),
    "priorities": (1,),
    "informed": Button("2"),
    "consulted_before": Button("yes"),
    "proposals": Skip(),
}

# The exported answers, each value with its JSON type, so that 1 and True differ.
ANA_EXPORTED = {
    "overall": 2,
    "recommend": 9,
    "role": "ngo",
    "topics": ["transport", "schools"],
    "again": True,
    "age": 34,
    "improve": "Start on time",
    "comment": "Great hall",
}
BORIS_EXPORTED = {
    "overall": 5,
    "recommend": 0,
    "role": "citizen",
    "topics": ["parks"],
    "again": False,
    "age": None,
    "improve": None,  # hidden: overall > 3
    "comment": None,
}
CVETAN_EXPORTED = {
    "overall": 4,
    "recommend": 10,
    "role": "business",
    "topics": ["transport", "parks", "schools"],
    "again": True,
    "age": 40.5,
    "improve": None,
    "comment": "Благодаря, София!",
}
DORA_EXPORTED = {  # stopped after the first question: the rest was never asked
    "overall": 3,
    **dict.fromkeys(DEMO_QUESTIONS[1:]),
}


@dataclass
class Answered:
    """The database after the demo responses: who answered, and when it happened."""

    sessions: sessionmaker[Session]
    before: datetime
    after: datetime


def prompt_of(outcome: Any) -> Prompt:
    assert isinstance(outcome, Prompt), f"expected a prompt, got {outcome!r}"
    return outcome


def respond(
    runs: FormRuns,
    session: Session,
    telegram_id: int,
    flow_id: str,
    script: dict[str, Action],
    *,
    stop_after: int | None = None,
) -> int:
    """One citizen answers a form through FormRuns; returns the response id."""
    person = find_citizen(session, telegram_id) or add_citizen(
        session, telegram_id=telegram_id, language="en"
    )
    session.flush()  # a form is started for a citizen already written
    prompt = prompt_of(runs.start(session.connection(), person, flow_id, language="en"))
    session.commit()
    response_id = prompt.response_id
    answered = 0
    while prompt.question is not None and (stop_after is None or answered < stop_after):
        action = script[prompt.question.id]
        expected = Expected(prompt.response_id, prompt.position)
        if isinstance(action, tuple):
            for index in action:
                prompt = prompt_of(runs.toggle(session.connection(), person, index, expected))
                session.commit()
            prompt = prompt_of(runs.done(session.connection(), person, expected))
            session.commit()
        else:
            prompt = prompt_of(runs.answer(session.connection(), person, action, expected))
            session.commit()
        answered += 1
    return response_id


def publish_text(session: Session, text: str) -> None:
    publish_flow(session, load_flow_text(text))
    session.commit()


def library_flow(flow_id: str) -> Flow:
    return next(flow for flow in library_flows() if flow.id == flow_id)


@pytest.fixture
def answered(sessions: sessionmaker[Session]) -> Answered:
    before = utcnow()
    with sessions() as session:
        publish_text(session, DEMO_FLOW)
        publish_text(session, NOTES_FLOW)
        publish_flow(session, library_flow("consultation-survey"))
        session.commit()
        runs = FormRuns(FlowCatalog(), KEY)
        respond(runs, session, ANA, "export-demo", ANA_ANSWERS)
        respond(runs, session, BORIS, "export-demo", BORIS_ANSWERS)
        respond(runs, session, CVETAN, "export-demo", CVETAN_ANSWERS)
        respond(runs, session, DORA, "export-demo", {"overall": Button("3")}, stop_after=1)
        respond(runs, session, ANA, "consultation-survey", SURVEY_ANSWERS)
        respond(runs, session, BORIS, "consultation-survey", SURVEY_ANSWERS)
        for telegram_id, note in ((ANA, "first"), (ANA, "second"), (BORIS, "third")):
            respond(runs, session, telegram_id, "notes", {"note": Text(note)})
    return Answered(sessions, before, utcnow())


def export_json(session: Session, flow_id: str, zone: ZoneInfo = ZONE) -> list[dict[str, Any]]:
    return json.loads(json_text(session, flow_id, zone))  # type: ignore[no-any-return]


def json_text(session: Session, flow_id: str, zone: ZoneInfo = ZONE) -> str:
    out = io.StringIO()
    columns = export_columns(session, flow_id)
    count = write_json(iter_export_rows(session, flow_id), columns, out, ExportOptions(KEY, zone))
    text = out.getvalue()
    assert count == len(json.loads(text))
    return text


def csv_text(session: Session, flow_id: str) -> str:
    out = io.StringIO(newline="")
    columns = export_columns(session, flow_id)
    count = write_csv(iter_export_rows(session, flow_id), columns, out, ExportOptions(KEY, ZONE))
    text = out.getvalue()
    assert count == len(text.splitlines()) - 1
    return text


def export_csv(session: Session, flow_id: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text(session, flow_id), newline="")))


def typed(answers: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """Values with their types: {'again': ('bool', True)}, so 1 == True cannot pass."""
    return {key: (type(value).__name__, value) for key, value in answers.items()}


# --- JSON --------------------------------------------------------------------------------


def test_json_record_has_exactly_the_documented_keys(answered: Answered) -> None:
    with answered.sessions() as session:
        records = export_json(session, "export-demo")

    assert len(records) == 4
    for record in records:
        assert set(record) == RECORD_KEYS
        assert list(record["answers"]) == DEMO_QUESTIONS
        assert record["flow_id"] == "export-demo"
        assert record["flow_version"] == 1
        assert record["language"] == "en"


def test_json_answers_have_their_natural_types_and_null_when_skipped_or_hidden(
    answered: Answered,
) -> None:
    with answered.sessions() as session:
        records = export_json(session, "export-demo")

    answers = [typed(record["answers"]) for record in records]
    assert answers == [
        typed(ANA_EXPORTED),
        typed(BORIS_EXPORTED),
        typed(CVETAN_EXPORTED),
        typed(DORA_EXPORTED),
    ]


def test_json_lists_responses_in_the_order_they_were_started(answered: Answered) -> None:
    with answered.sessions() as session:
        records = export_json(session, "export-demo")

    ids = [record["response_id"] for record in records]
    assert ids == sorted(ids)
    assert all(isinstance(i, int) for i in ids)


def test_respondent_is_the_keyed_pseudonym_of_the_telegram_id(answered: Answered) -> None:
    with answered.sessions() as session:
        records = export_json(session, "export-demo")

    assert [record["respondent"] for record in records] == [
        pseudonym(KEY, ANA),
        pseudonym(KEY, BORIS),
        pseudonym(KEY, CVETAN),
        pseudonym(KEY, DORA),
    ]
    assert len({record["respondent"] for record in records}) == 4


def test_respondent_is_stable_across_responses_forms_and_exports(answered: Answered) -> None:
    with answered.sessions() as session:
        notes_first = export_json(session, "notes")
        notes_again = export_json(session, "notes")
        demo = export_json(session, "export-demo")

    respondents = [record["respondent"] for record in notes_first]
    assert respondents == [record["respondent"] for record in notes_again]
    assert respondents[0] == respondents[1] == demo[0]["respondent"]  # Ana, three times
    assert respondents[2] == demo[1]["respondent"]  # Boris, in both forms


def test_telegram_ids_never_appear_in_any_export(answered: Answered) -> None:
    with answered.sessions() as session:
        exports = [
            writer(session, flow_id)
            for writer in (json_text, csv_text)
            for flow_id in ("export-demo", "notes", "consultation-survey")
        ]

    for text in exports:
        for telegram_id in (ANA, BORIS, CVETAN, DORA):
            assert str(telegram_id) not in text


def test_anonymous_responses_have_no_respondent(answered: Answered) -> None:
    with answered.sessions() as session:
        records = export_json(session, "consultation-survey")
        rows = export_csv(session, "consultation-survey")

    assert len(records) == 2
    assert [record["respondent"] for record in records] == [None, None]
    assert [row["respondent"] for row in rows] == ["", ""]
    assert records[0]["answers"] == {
        "respondent_group": "citizen",
        "settlement": "village",
        "priorities": ["public_transport"],
        "informed": 2,
        "consulted_before": True,
        "proposals": None,
    }


def test_timestamps_are_iso_8601_in_the_configured_time_zone(answered: Answered) -> None:
    earliest = answered.before.replace(microsecond=0)  # exports keep whole seconds

    with answered.sessions() as session:
        records = export_json(session, "export-demo")

    for record in records[:3]:
        started = datetime.fromisoformat(record["started_at"])
        completed = datetime.fromisoformat(record["completed_at"])
        assert record["started_at"].endswith("+05:30")
        assert record["completed_at"].endswith("+05:30")
        assert earliest <= started <= completed <= answered.after


def test_timestamps_follow_the_zone_given_to_the_writer(answered: Answered) -> None:
    sofia = ZoneInfo("Europe/Sofia")

    with answered.sessions() as session:
        in_sofia = export_json(session, "export-demo", sofia)
        in_kolkata = export_json(session, "export-demo")

    moment = datetime.fromisoformat(in_sofia[0]["completed_at"])
    assert moment.utcoffset() == sofia.utcoffset(moment.replace(tzinfo=None))
    assert moment == datetime.fromisoformat(in_kolkata[0]["completed_at"])


def test_an_unfinished_response_is_exported_without_a_completion_time(
    answered: Answered,
) -> None:
    with answered.sessions() as session:
        records = export_json(session, "export-demo")

    dora = records[-1]
    assert dora["completed_at"] is None
    assert dora["started_at"].endswith("+05:30")


def test_json_of_a_form_without_responses_is_an_empty_list(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        publish_text(session, NOTES_FLOW)
        text = json_text(session, "notes")

    assert json.loads(text) == []


# --- CSV ---------------------------------------------------------------------------------


def test_csv_header_keeps_the_first_columns_in_place_then_adds_new_ones(
    answered: Answered,
) -> None:
    with answered.sessions() as session:
        text = csv_text(session, "export-demo")

    header = next(csv.reader(io.StringIO(text, newline="")))
    assert header == [
        *FIXED,
        *DEMO_QUESTIONS,
        *ADDED,
        "improve__language",
        "comment__language",
    ]


def test_csv_cells_are_what_a_spreadsheet_user_expects(answered: Answered) -> None:
    with answered.sessions() as session:
        rows = export_csv(session, "export-demo")

    ana, boris, cvetan, dora = rows
    assert {question: ana[question] for question in DEMO_QUESTIONS} == {
        "overall": "2",
        "recommend": "9",
        "role": "ngo",
        "topics": "transport;schools",
        "again": "yes",
        "age": "34",
        "improve": "Start on time",
        "comment": "Great hall",
    }
    assert {question: boris[question] for question in DEMO_QUESTIONS} == {
        "overall": "5",
        "recommend": "0",
        "role": "citizen",
        "topics": "parks",
        "again": "no",
        "age": "",
        "improve": "",
        "comment": "",
    }
    assert (cvetan["age"], cvetan["topics"]) == ("40.5", "transport;parks;schools")
    assert cvetan["comment"] == "Благодаря, София!"
    assert (dora["recommend"], dora["completed_at"]) == ("", "")


def test_csv_fixed_columns_match_the_json_record(answered: Answered) -> None:
    with answered.sessions() as session:
        records = export_json(session, "export-demo")
        rows = export_csv(session, "export-demo")

    for record, row in zip(records, rows, strict=True):
        for column in FIXED:
            value = record[column]
            assert row[column] == ("" if value is None else str(value))


@pytest.mark.parametrize(
    ("typed_text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+359 88 123 4567", "'+359 88 123 4567"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("plain words", "plain words"),
        ("1+1=2", "1+1=2"),
    ],
)
def test_csv_defuses_text_that_a_spreadsheet_would_run_as_a_formula(
    sessions: sessionmaker[Session], typed_text: str, cell: str
) -> None:
    with sessions() as session:
        publish_text(session, NOTES_FLOW)
        runs = FormRuns(FlowCatalog(), KEY)
        respond(runs, session, ANA, "notes", {"note": Text(typed_text)})
        rows = export_csv(session, "notes")
        records = export_json(session, "notes")

    assert rows[0]["note"] == cell
    assert records[0]["answers"]["note"] == typed_text  # JSON keeps the text as typed


# --- columns across versions -------------------------------------------------------------


def test_columns_cover_every_version_with_the_latest_order_first(answered: Answered) -> None:
    definition = flow_definition(load_flow_text(DEMO_FLOW))
    kept = [q for q in definition["questions"] if q["id"] != "recommend"]
    venue = {"id": "venue", "type": "yes_no", "text": {"en": "Venue fine?"}}
    definition["questions"] = [venue, *kept]

    with answered.sessions() as session:
        publish_flow(session, Flow.model_validate(definition))
        session.commit()
        runs = FormRuns(FlowCatalog(), KEY)
        respond(runs, session, 555, "export-demo", {**BORIS_ANSWERS, "venue": Button("yes")})
        columns = [c.question_id for c in export_columns(session, "export-demo")]
        records = export_json(session, "export-demo")

    assert columns == ["venue", *(q for q in DEMO_QUESTIONS if q != "recommend"), "recommend"]
    assert [r["flow_version"] for r in records] == [1, 1, 1, 1, 2]
    assert records[0]["answers"]["recommend"] == 9
    assert records[0]["answers"]["venue"] is None
    assert records[-1]["answers"]["venue"] is True
    assert records[-1]["answers"]["recommend"] is None


# --- streaming many responses ------------------------------------------------------------

MANY = 3000


def has_answers(number: int) -> bool:
    """Which of the many responses were answered: most, but with gaps of every shape."""
    return not (
        number == 1  # the very first
        or number % 3 == 0  # one in three, between answered ones
        or 1500 <= number < 1600  # a long run of unanswered ones
        or number > MANY - 5  # the last few
    )


def picks_of(number: int) -> tuple[str, ...] | None:
    chosen = tuple(option for bit, option in enumerate("abc") if number >> bit & 1)
    return chosen or None  # no option: the question was skipped


def insert_many(session: Session) -> dict[int, dict[str, Any]]:
    """MANY responses to stream-demo, inserted directly; returns the answers expected."""
    publish_text(session, STREAM_FLOW)
    version_id = 1
    citizens = [Citizen(telegram_id=700 + n) for n in range(10)]
    session.add_all(citizens)
    session.commit()
    now = utcnow()
    session.execute(
        insert(Response),
        [
            {
                "id": number,
                "flow_version_id": version_id,
                "flow_id": "stream-demo",
                "citizen_id": citizens[number % 10].id if number % 2 == 0 else None,
                "language": "en",
                "state": "completed",
                "started_at": now - timedelta(seconds=MANY - number),
                "completed_at": now,
            }
            for number in range(1, MANY + 1)
        ],
    )
    expected: dict[int, dict[str, Any]] = {number: {} for number in range(1, MANY + 1)}
    answered = [number for number in range(1, MANY + 1) if has_answers(number)]
    random.Random(7).shuffle(answered)  # answer ids in no particular response order
    answers: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    for number in answered:
        score_id, picks_id = len(answers) + 1, len(answers) + 2
        picks = picks_of(number)
        answers += [
            _answer(score_id, number, "score", "rating", number_value=float(number % 5 + 1)),
            _answer(picks_id, number, "picks", "multi_choice"),
        ]
        choices += [
            {"answer_id": picks_id, "option_id": option, "position": position}
            for position, option in enumerate(picks or ())
        ]
        expected[number] = {"score": number % 5 + 1, "picks": picks}
    session.execute(insert(Answer), answers)
    session.execute(insert(AnswerChoice), choices)
    session.commit()
    return expected


def _answer(
    answer_id: int, response_id: int, question_id: str, kind: str, **values: Any
) -> dict[str, Any]:
    return {
        "id": answer_id,
        "response_id": response_id,
        "question_id": question_id,
        "question_type": kind,
        "number_value": None,
        "text_value": None,
        "bool_value": None,
        "answered_at": utcnow(),
        **values,
    }


def test_thousands_of_responses_stream_in_id_order_each_with_its_own_answers(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        expected = insert_many(session)

    with sessions() as session:
        rows = list(iter_export_rows(session, "stream-demo"))

    assert [row.response_id for row in rows] == list(range(1, MANY + 1))
    assert {row.response_id: row.answers for row in rows} == expected
    assert [row.telegram_id is None for row in rows] == [n % 2 == 1 for n in range(1, MANY + 1)]


def test_thousands_of_responses_export_as_json_with_the_right_answers(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        expected = insert_many(session)

    with sessions() as session:
        records = export_json(session, "stream-demo")

    assert len(records) == MANY
    for record in records:
        wanted = expected[record["response_id"]]
        picks = wanted.get("picks")
        assert record["answers"] == {
            "score": wanted.get("score"),
            "picks": None if picks is None else list(picks),
        }
