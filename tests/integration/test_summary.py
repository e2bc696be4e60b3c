"""The weekly summary computed from the database, on SQLite and PostgreSQL alike.

Each test stores a handful of responses at chosen moments of week 2026-W47 in Sofia and
checks figures computed by hand.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from civic_feedback.flows.schema import Flow
from civic_feedback.reports.figures import QuestionFigures
from civic_feedback.reports.headline import EMPTY_HEADLINE, Change, changes
from civic_feedback.reports.summary import WeeklySummary, weekly_summary
from civic_feedback.reports.summary_formats import summary_json, write_json
from civic_feedback.storage.flow_versions import flow_definition
from civic_feedback.storage.models import Event, RegistrationStatus
from tests.support.clock import SOFIA
from tests.support.summary_data import PREVIOUS, QUESTIONS, WEEK, WeekData, answers, sofia


@pytest.fixture
def data(session: Session) -> WeekData:
    return WeekData(session)


def summarize(
    data: WeekData, week: str = WEEK, zone: ZoneInfo = SOFIA, **filters: Any
) -> WeeklySummary:
    return weekly_summary(data.session, week, zone, language="bg", **filters)


def question(summary: WeeklySummary, question_id: str) -> QuestionFigures:
    (flow,) = summary.period.flows
    return next(q for q in flow.questions if q.id == question_id)


def no_nan(constant: str) -> None:
    raise AssertionError(f"{constant} in the JSON")


# --- rating, NPS, choices, yes/no, texts ----------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "nps", "promoters", "passives", "detractors"),
    [
        ([9, 10, 10], 100, 3, 0, 0),
        ([0, 3, 6], -100, 0, 0, 3),
        ([7, 8], 0, 0, 2, 0),
        ([], None, 0, 0, 0),
        ([10, 9, 0, 7, 8, 8, 8, 8], 13, 2, 5, 1),  # 12.5 rounds away from zero
        ([0, 0, 9, 7, 7, 7, 7, 7], -13, 1, 5, 2),  # -12.5 too
    ],
)
def test_nps_is_promoters_minus_detractors_per_hundred_answers(
    data: WeekData,
    scores: list[int],
    nps: int | None,
    promoters: int,
    passives: int,
    detractors: int,
) -> None:
    for score in scores:
        data.respond(answers(overall=4, recommend=score), completed=sofia(18))
    data.respond(answers(overall=4, recommend=None), completed=sofia(18))  # skipped

    figures = question(summarize(data), "recommend")

    assert (figures.nps, figures.promoters, figures.passives, figures.detractors) == (
        nps,
        promoters,
        passives,
        detractors,
    )
    assert figures.answered == len(scores)
    assert summarize(data).period.headlines.overall.nps == nps


def test_csat_is_the_share_of_the_top_two_points_of_each_scale(data: WeekData) -> None:
    for three, ten in ((3, 10), (2, 9), (1, 8), (1, 1)):
        data.respond(answers(overall=5, short=three, wide=ten), completed=sofia(17))

    summary = summarize(data)
    short, wide, overall = (question(summary, q) for q in ("short", "wide", "overall"))

    assert (short.scale, short.csat, short.average) == (3, 0.5, 1.75)
    assert short.distribution == {"1": 2, "2": 1, "3": 1}
    assert (wide.scale, wide.csat, wide.average) == (10, 0.5, 7.0)
    assert wide.distribution == {str(p): {1: 1, 8: 1, 9: 1, 10: 1}.get(p, 0) for p in range(1, 11)}
    assert (overall.scale, overall.csat, overall.average) == (5, 1.0, 5.0)
    # Overall CSAT: 4 + 2 + 2 of the 12 rating answers are in their scale's top two.
    assert summary.period.headlines.overall.csat == round(8 / 12, 4)
    assert summary.period.headlines.overall.ratings == 12


def test_multi_choice_counts_every_ticked_option_not_combinations(data: WeekData) -> None:
    for picked in (("transport", "parks"), ("parks",), ("parks", "schools"), None):
        data.respond(answers(overall=4, topics=picked, role="ngo"), completed=sofia(19))

    summary = summarize(data)

    topics, role = question(summary, "topics"), question(summary, "role")
    assert topics.answered == 3  # the skipped one is not answered
    assert topics.options == {"transport": 1, "parks": 3, "schools": 1}
    assert (role.answered, role.options) == (4, {"citizen": 0, "ngo": 4})


def test_yes_no_shares_and_comments_by_language(data: WeekData) -> None:
    given = [
        (True, "Добре беше", "bg"),
        (True, "Fine", "en"),
        (False, "Тъмна зала", None),  # language not detected yet: counted as und
        (None, None, None),  # both skipped
    ]
    for flag, text, language in given:
        reply = answers(overall=4, again=flag, comment=text)
        reply.languages["comment"] = language
        data.respond(reply, completed=sofia(20))

    summary = summarize(data)

    again, comment = question(summary, "again"), question(summary, "comment")
    assert (again.answered, again.yes, again.no) == (3, 2, 1)
    assert (again.yes_share, again.no_share) == (0.6667, 0.3333)
    assert comment.answered == 3
    assert comment.languages == {"bg": 1, "en": 1, "und": 1}
    assert summary.period.headlines.overall.comments == 3


def test_skipped_and_hidden_questions_are_not_answered(data: WeekData) -> None:
    data.respond(answers(overall=5, comment=None, age=None), completed=sofia(18))  # improve hidden
    data.respond(answers(overall=2, comment="Студено", improve=None, age=41), completed=sofia(18))

    summary = summarize(data)

    answered = {q.id: q.answered for q in summary.period.flows[0].questions}
    assert answered == {**dict.fromkeys(QUESTIONS, 0), "overall": 2, "comment": 1, "age": 1}
    assert question(summary, "improve").languages == {}
    assert question(summary, "age").average == 41.0


def test_questions_nobody_answered_show_as_such(data: WeekData) -> None:
    data.respond(answers(overall=3), completed=sofia(18))

    document = summary_json(summarize(data))

    by_id = {q["id"]: q for q in document["flows"][0]["questions"]}
    assert list(by_id) == QUESTIONS
    assert by_id["recommend"] == {
        "id": "recommend",
        "type": "nps",
        "answered": 0,
        "average": None,
        "distribution": {str(p): 0 for p in range(11)},
        "nps": None,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
    }
    assert by_id["wide"]["csat"] is None
    assert by_id["again"] == {
        "id": "again",
        "type": "yes_no",
        "answered": 0,
        "yes": 0,
        "no": 0,
        "yes_share": None,
        "no_share": None,
    }


# --- which responses a week counts ----------------------------------------------------------


def test_an_empty_week_is_zeros_and_nulls_never_nan(data: WeekData) -> None:
    data.respond(answers(overall=5), completed=sofia(2))  # another week

    summary = summarize(data)
    out = io.StringIO()
    write_json(summary, out)
    document = json.loads(out.getvalue(), parse_constant=no_nan)

    assert summary.period.headlines.overall == EMPTY_HEADLINE
    assert document["overall"] == {
        "started": 0,
        "completed": 0,
        "completion_rate": None,
        "events": 0,
        "registered": 0,
        "attended": 0,
        "event_responses": 0,
        "response_rate": None,
        "ratings": 0,
        "csat": None,
        "nps_answers": 0,
        "nps": None,
        "comments": 0,
    }
    assert (document["flows"], document["events"], document["municipalities"]) == ([], [], [])
    assert document["previous_week"]["week"] == PREVIOUS


def test_a_sunday_night_in_sofia_is_that_week_and_just_after_midnight_the_next(
    data: WeekData,
) -> None:
    data.respond(answers(overall=5), completed=sofia(22, 23, 30))  # Sunday 23:30
    data.respond(answers(overall=1), completed=sofia(23, 0, 10))  # Monday 00:10

    in_sofia = summarize(data).period.headlines.overall
    next_week = summarize(data, "2026-W48").period.headlines.overall
    in_utc = summarize(data, zone=ZoneInfo("UTC")).period.headlines.overall

    assert (in_sofia.completed, in_sofia.csat) == (1, 1.0)
    assert (next_week.completed, next_week.csat) == (1, 0.0)
    assert (in_utc.completed, in_utc.csat) == (2, 0.5)  # 22:10 UTC on Sunday


def test_started_counts_by_start_completed_and_answers_by_completion(data: WeekData) -> None:
    data.respond(answers(overall=5), started=sofia(15), completed=sofia(16))  # begun in W46
    data.respond(answers(overall=4), completed=sofia(17))
    data.respond(answers(overall=1), started=sofia(18), completed=None)  # not finished
    data.respond(answers(overall=3), started=sofia(22, 23), completed=sofia(23, 1))  # W48

    overall = summarize(data).period.headlines.overall

    assert (overall.started, overall.completed) == (3, 2)
    assert overall.completion_rate == 0.3333  # one of the three begun was finished in the week
    assert overall.ratings == 2  # answers of the two completed, not of the unfinished one


def test_anonymous_responses_count_under_unknown_municipality(data: WeekData) -> None:
    vratsa = data.citizen("Враца")
    data.respond(answers(overall=5), completed=sofia(17), citizen=vratsa)
    data.respond(answers(overall=4), completed=sofia(17))  # anonymous (or erased)

    summary = summarize(data)

    assert summary.period.headlines.overall.completed == 2
    assert {n: h.completed for n, h in summary.period.headlines.municipalities.items()} == {
        "unknown": 1,
        "Враца": 1,
    }


def test_event_responses_belong_to_the_events_municipality(data: WeekData) -> None:
    montana = data.citizen("Монтана")
    meeting = data.event("Видин", sofia(18, 18))
    data.respond(answers(overall=5), completed=sofia(18, 21), citizen=montana, event=meeting)
    data.respond(answers(overall=2), completed=sofia(19), citizen=montana)

    places = summarize(data).period.headlines.municipalities

    assert {name: h.completed for name, h in places.items()} == {"Видин": 1, "Монтана": 1}
    assert (places["Видин"].csat, places["Монтана"].csat) == (1.0, 0.0)


def test_municipality_filter_applies_to_every_section(data: WeekData) -> None:
    vidin_event = data.event("Видин", sofia(18, 18))
    other_event = data.event("Враца", sofia(18, 18))
    data.register(vidin_event, RegistrationStatus.ATTENDED, 2)
    data.register(other_event, RegistrationStatus.ATTENDED, 5)
    data.respond(answers(overall=5, again=True), completed=sofia(18, 21), event=vidin_event)
    data.respond(answers(overall=1, again=False), completed=sofia(18, 21), event=other_event)
    data.respond(
        answers(overall=1, again=False), completed=sofia(19), citizen=data.citizen("Враца")
    )

    summary = summarize(data, municipality="Видин")

    headline = summary.period.headlines.overall
    assert (headline.completed, headline.attended, headline.response_rate) == (1, 2, 0.5)
    assert list(summary.period.headlines.municipalities) == ["Видин"]
    assert [e.code for e in summary.period.events] == [vidin_event.code]
    assert (question(summary, "overall").average, question(summary, "again").yes) == (5.0, 1)
    assert summary.previous is not None
    assert list(summary.previous.municipalities) == ["Видин"]


# --- events ---------------------------------------------------------------------------------


def event_summary(summary: WeeklySummary, event: Event) -> Any:
    return next(e for e in summary.period.events if e.code == event.code)


def test_response_rate_divides_by_attendance_or_by_registrations_without_check_in(
    data: WeekData,
) -> None:
    checked = data.event("Видин", sofia(17, 18))
    unchecked = data.event("Видин", sofia(18, 18))
    data.register(checked, RegistrationStatus.ATTENDED, 4)
    data.register(checked, RegistrationStatus.REGISTERED, 6)  # did not come
    data.register(checked, RegistrationStatus.WAITLISTED, 3)
    data.register(unchecked, RegistrationStatus.REGISTERED, 5)
    data.register(unchecked, RegistrationStatus.CANCELLED, 2)
    for _ in range(3):
        data.respond(answers(overall=4), completed=sofia(17, 21), event=checked)
    data.respond(answers(overall=4), completed=sofia(19), event=unchecked)

    summary = summarize(data)
    first, second = event_summary(summary, checked), event_summary(summary, unchecked)

    assert (first.registered, first.attended, first.rate_base) == (10, 4, "attended")
    assert (first.responses, first.response_rate) == (3, 0.75)
    assert (second.registered, second.attended, second.rate_base) == (5, 0, "registered")
    assert (second.responses, second.response_rate) == (1, 0.2)
    headline = summary.period.headlines.overall
    assert (headline.events, headline.event_responses) == (2, 4)
    assert headline.response_rate == round(4 / 9, 4)
    assert [q.answered for q in first.questions if q.id == "overall"] == [3]


def test_an_event_held_in_the_week_shows_even_without_responses_and_one(
    data: WeekData,
) -> None:
    silent = data.event("Видин", sofia(20, 10))
    data.register(silent, RegistrationStatus.REGISTERED, 2)
    data.event("Видин", sofia(2, 10))  # held two weeks earlier, no responses: not shown
    earlier = data.event("Видин", sofia(12, 10), title="По-рано")  # answered this week
    data.register(earlier, RegistrationStatus.ATTENDED, 2)
    data.respond(answers(overall=5), completed=sofia(13), event=earlier)
    data.respond(answers(overall=4), completed=sofia(17), event=earlier)

    summary = summarize(data)

    assert [e.code for e in summary.period.events] == [earlier.code, silent.code]
    late = event_summary(summary, earlier)
    assert (late.completed, late.responses, late.response_rate) == (1, 2, 1.0)
    quiet = event_summary(summary, silent)
    assert (quiet.completed, quiet.responses, quiet.response_rate) == (0, 0, 0.0)
    assert all(q.answered == 0 for q in quiet.questions)


def test_event_filter_restricts_the_summary_to_one_event(data: WeekData) -> None:
    chosen = data.event("Видин", sofia(18, 18))
    data.respond(answers(overall=5), completed=sofia(18, 21), event=chosen)
    data.respond(answers(overall=1), completed=sofia(18, 21))

    assert chosen.id is not None
    summary = summarize(data, event=(chosen.id, chosen.code))

    assert summary.period.headlines.overall.completed == 1
    assert question(summary, "overall").distribution == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert [e.code for e in summary.period.events] == [chosen.code]


# --- week on week ---------------------------------------------------------------------------


def test_each_headline_figure_has_the_previous_weeks_value_and_the_change(
    data: WeekData,
) -> None:
    for score, day in ((10, 10), (0, 11), (10, 17), (10, 18), (9, 19), (3, 20)):
        data.respond(answers(overall=5 if score > 5 else 1, recommend=score), completed=sofia(day))

    summary = summarize(data)
    document = summary_json(summary)

    deltas = document["previous_week"]["overall"]
    assert document["previous_week"]["week"] == PREVIOUS
    assert deltas["completed"] == {"previous": 2, "change": 2}
    assert deltas["nps"] == {"previous": 0, "change": 50}  # 3 promoters, 1 detractor of 4
    assert deltas["csat"] == {"previous": 0.5, "change": 0.25}
    assert deltas["response_rate"] == {"previous": None, "change": None}
    assert deltas["comments"] == {"previous": 0, "change": 0}


def test_a_municipality_quiet_this_week_still_shows_its_drop(data: WeekData) -> None:
    data.respond(answers(overall=5), completed=sofia(10), citizen=data.citizen("Враца"))

    summary = summarize(data)

    assert summary.period.headlines.municipalities == {"Враца": EMPTY_HEADLINE}
    document = summary_json(summary)
    place = document["previous_week"]["municipalities"][0]
    assert place["name"] == "Враца"
    assert place["completed"] == {"previous": 1, "change": -1}
    assert place["csat"] == {"previous": 1.0, "change": None}


def test_without_comparison_no_previous_week_is_read(data: WeekData) -> None:
    summary = summarize(data, compare=False)

    assert (summary.previous, summary.previous_week) == (None, None)
    assert summary_json(summary)["previous_week"] is None


def test_change_of_rates_is_the_difference_of_the_rounded_values() -> None:
    now, before = replace(EMPTY_HEADLINE, csat=0.6667), replace(EMPTY_HEADLINE, csat=0.3333)

    assert changes(now, before)["csat"] == Change(0.3333, 0.3334)


# --- versions -------------------------------------------------------------------------------


def test_a_rating_whose_scale_changed_is_summarised_once_per_scale(data: WeekData) -> None:
    data.respond(answers(overall=4), completed=sofia(17))
    definition = flow_definition(data.flow)
    definition["questions"][0]["scale"] = 10
    data.publish(Flow.model_validate(definition))
    data.respond(answers(overall=9), completed=sofia(18))

    (flow,) = summarize(data).period.flows

    ratings = [(q.id, q.scale, q.answered, q.csat) for q in flow.questions if q.id == "overall"]
    assert ratings == [("overall", 10, 1, 1.0), ("overall", 5, 1, 1.0)]


def test_times_in_the_json_are_local_with_their_offset(data: WeekData) -> None:
    document = summary_json(summarize(data))

    assert (document["week"], document["timezone"]) == (WEEK, "Europe/Sofia")
    assert document["start"] == "2026-11-16T00:00+02:00"
    assert document["end"] == "2026-11-23T00:00+02:00"
    assert datetime.fromisoformat(document["start"]).astimezone(UTC).hour == 22
