"""Which responses an export holds (event, completion days) and the columns added to it:
event code, municipality, and the language detected for each text answer."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from civic_feedback.core.weeks import local_midnight
from civic_feedback.flows.loader import load_flow_text
from civic_feedback.reports.export import ExportOptions, write_csv, write_json
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.comments import iter_comments
from civic_feedback.storage.events import add_event
from civic_feedback.storage.export_rows import (
    EVERY_RESPONSE,
    ResponseFilter,
    export_columns,
    iter_export_rows,
)
from civic_feedback.storage.flow_versions import FlowCatalog, publish_flow
from civic_feedback.storage.models import Event, EventKind, Response
from tests.support.citizens import add_citizen
from tests.support.clock import SOFIA
from tests.support.comments import BULGARIAN, ENGLISH, REMARKS, answer
from tests.support.keys import PSEUDONYM_KEY

OPTIONS = ExportOptions(PSEUDONYM_KEY.encode(), SOFIA)


def new_event(session: Session, municipality: str | None) -> Event:
    starts_at = datetime(2026, 11, 10, 16, tzinfo=UTC)
    return add_event(
        session,
        Event(
            code="",
            kind=EventKind.CONSULTATION,
            municipality=municipality,
            title={"bg": "Консултация", "en": "Consultation"},
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            flow_id="remarks",
        ),
    )


@pytest.fixture
def remarks(session: Session) -> Session:
    publish_flow(session, load_flow_text(REMARKS))
    session.commit()
    return session


def exported(session: Session, where: ResponseFilter = EVERY_RESPONSE) -> list[dict[str, Any]]:
    out = io.StringIO()
    rows = iter_export_rows(session, "remarks", where)
    write_json(rows, export_columns(session, "remarks"), out, OPTIONS)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def exported_csv(session: Session) -> list[dict[str, str]]:
    out = io.StringIO(newline="")
    write_csv(
        iter_export_rows(session, "remarks"), export_columns(session, "remarks"), out, OPTIONS
    )
    return list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))


def test_each_response_names_its_event_and_the_municipality(remarks: Session) -> None:
    in_sliven = new_event(remarks, "Сливен")
    nowhere = new_event(remarks, None)
    answer(remarks, 1, None, event=in_sliven)
    answer(remarks, 2, None, event=nowhere)  # the citizen's municipality stands in
    answer(remarks, 3, None)  # no event: the citizen's own

    records = exported(remarks)
    rows = exported_csv(remarks)

    assert [(r["event_code"], r["municipality"]) for r in records] == [
        (in_sliven.code, "Сливен"),
        (nowhere.code, "Сливен"),
        (None, "Сливен"),
    ]
    assert [(r["event_code"], r["municipality"]) for r in rows] == [
        (in_sliven.code, "Сливен"),
        (nowhere.code, "Сливен"),
        ("", "Сливен"),
    ]


def test_an_anonymous_or_erased_citizen_gives_no_municipality(remarks: Session) -> None:
    nowhere = new_event(remarks, None)
    response_id = answer(remarks, 1, None, event=nowhere)
    remarks.execute(update(Response).where(col(Response.id) == response_id).values(citizen_id=None))
    remarks.commit()

    (record,) = exported(remarks)

    assert (record["event_code"], record["municipality"]) == (nowhere.code, None)


def test_each_text_answer_comes_with_the_language_detected_when_it_was_stored(
    remarks: Session,
) -> None:
    answer(remarks, 1, BULGARIAN)
    answer(remarks, 2, ENGLISH)
    answer(remarks, 3, "ok")
    answer(remarks, 4, None)

    records = exported(remarks)
    rows = exported_csv(remarks)

    assert [r["languages"] for r in records] == [
        {"note": "bg"},
        {"note": "en"},
        {"note": "und"},
        {"note": None},
    ]
    assert [r["note__language"] for r in rows] == ["bg", "en", "und", ""]
    assert [r["note"] for r in rows] == [BULGARIAN, ENGLISH, "ok", ""]


def test_an_event_export_holds_only_that_events_responses(remarks: Session) -> None:
    first, second = new_event(remarks, "Сливен"), new_event(remarks, "Хасково")
    wanted = [answer(remarks, 1, None, event=first), answer(remarks, 3, None, event=first)]
    answer(remarks, 2, None, event=second)
    answer(remarks, 4, None)

    records = exported(remarks, ResponseFilter(event_id=first.id))

    assert [r["response_id"] for r in records] == wanted
    assert {r["event_code"] for r in records} == {first.code}


def test_days_are_whole_local_days_in_sofia(remarks: Session) -> None:
    # 16 November 2026 in Sofia (UTC+2) is 15 Nov 22:00 to 16 Nov 22:00 UTC.
    last_of_15th = answer(remarks, 1, None, completed_at=datetime(2026, 11, 15, 21, 59, tzinfo=UTC))
    first_of_16th = answer(remarks, 2, None, completed_at=datetime(2026, 11, 15, 22, tzinfo=UTC))
    last_of_16th = answer(remarks, 3, None, completed_at=datetime(2026, 11, 16, 21, 59, tzinfo=UTC))
    first_of_17th = answer(remarks, 4, None, completed_at=datetime(2026, 11, 16, 22, tzinfo=UTC))

    def between(since: date | None, until: date | None) -> list[int]:
        where = ResponseFilter(
            completed_from=None if since is None else local_midnight(since, SOFIA),
            completed_before=None if until is None else local_midnight(until, SOFIA),
        )
        return [r["response_id"] for r in exported(remarks, where)]

    the_16th, the_17th = date(2026, 11, 16), date(2026, 11, 17)
    assert between(the_16th, the_17th) == [first_of_16th, last_of_16th]
    assert between(the_16th, None) == [first_of_16th, last_of_16th, first_of_17th]
    assert between(None, the_16th) == [last_of_15th]


def test_a_completion_period_leaves_out_unfinished_responses(remarks: Session) -> None:
    citizen = add_citizen(remarks, telegram_id=9, language="bg")
    remarks.flush()
    FormRuns(FlowCatalog(), OPTIONS.key).start(
        remarks.connection(), citizen, "remarks", language="bg"
    )
    finished = answer(remarks, 1, None)
    since = local_midnight(date(2000, 1, 1), SOFIA)

    everything = [r["response_id"] for r in exported(remarks)]
    completed = [r["response_id"] for r in exported(remarks, ResponseFilter(completed_from=since))]

    assert len(everything) == 2
    assert completed == [finished]


def test_a_municipality_export_holds_the_responses_its_column_names_it(remarks: Session) -> None:
    in_smolyan, in_sliven, nowhere = (
        new_event(remarks, place) for place in ("Смолян", "Сливен", None)
    )
    wanted = [
        answer(remarks, 1, "Да", event=in_smolyan),  # a citizen of Сливен at Смолян's event
        answer(remarks, 2, "Да", event=nowhere, municipality="Смолян"),
        answer(remarks, 3, "Да", municipality="Смолян"),
    ]
    sliven = [
        answer(remarks, 4, "Не", event=in_sliven, municipality="Смолян"),  # Сливен's event
        answer(remarks, 5, "Не"),  # a citizen of Сливен, no event
    ]
    anonymous = answer(remarks, 6, "Не", municipality="Смолян")
    remarks.execute(update(Response).where(col(Response.id) == anonymous).values(citizen_id=None))
    remarks.commit()
    smolyan = ResponseFilter(flow_id="remarks", municipality="Смолян")

    records = exported(remarks, smolyan)
    comments = list(iter_comments(remarks, smolyan))

    assert [r["response_id"] for r in records] == wanted
    assert {r["municipality"] for r in records} == {"Смолян"}
    assert [comment.text for comment in comments] == ["Да", "Да", "Да"]
    theirs = exported(remarks, ResponseFilter(municipality="Сливен"))
    assert [r["response_id"] for r in theirs] == sliven
