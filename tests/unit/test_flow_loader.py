"""The flow file loader: every problem is reported as ``file:line: path: message``.

Each test writes a small flow file into ``tmp_path`` and loads it as ``bad.yaml`` (the
working directory is ``tmp_path``), so the expected lines read exactly as an organizer
would see them.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from civic_feedback.flows.library import library_flow_ids, library_flows
from civic_feedback.flows.loader import (
    MAX_FLOW_FILE_BYTES,
    FlowFileError,
    FlowFileProblem,
    load_flow_file,
)
from civic_feedback.flows.schema import Flow, QuestionType
from tests.support.clock import SOFIA

# A valid flow; tests that need one bad key start from a copy of this.
VALID = """\
id: demo
title: {bg: "Обратна връзка", en: "Feedback"}
languages: [bg, en]
questions:
  - id: overall
    type: rating
    text: {bg: "Как оценявате събитието?", en: "How was the event?"}
"""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(text: str, name: str = "bad.yaml") -> Path:
    path = Path(name)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def report(text: str) -> list[str]:
    """The problems of a flow file, one line each, as the organizer reads them."""
    with pytest.raises(FlowFileError) as caught:
        load_flow_file(write(text))
    return str(caught.value).splitlines()


def load(text: str) -> Flow:
    return load_flow_file(write(text))


def test_valid_flow_loads() -> None:
    flow = load(VALID)

    assert flow.id == "demo"
    assert flow.languages == ["bg", "en"]
    assert [(q.id, q.type) for q in flow.questions] == [("overall", QuestionType.RATING)]


# --- unknown keys ------------------------------------------------------------------------


def test_unknown_top_level_key_is_reported() -> None:
    assert report(VALID + "colour: red\n") == ["bad.yaml:8: colour: unknown key"]


def test_misspelt_top_level_key_suggests_the_right_one() -> None:
    assert report(VALID + "anonymus: true\n") == [
        "bad.yaml:8: anonymus: unknown key (did you mean 'anonymous'?)"
    ]


def test_misspelt_question_key_suggests_the_right_one() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: overall
            type: rating
            requird: false
            text: {bg: "Как оценявате събитието?", en: "How was the event?"}
        """
    assert report(text) == [
        "bad.yaml:7: questions[0].requird: unknown key (did you mean 'required'?)"
    ]


def test_unknown_option_key_is_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: topic
            type: single_choice
            text: {bg: "Тема?", en: "Topic?"}
            options:
              - {id: parks, text: {bg: "Паркове", en: "Parks"}}
              - id: roads
                txt: {bg: "Пътища", en: "Roads"}
                text: {bg: "Пътища", en: "Roads"}
        """
    assert report(text) == [
        "bad.yaml:11: questions[0].options[1].txt: unknown key (did you mean 'text'?)"
    ]


def test_unknown_condition_key_is_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: overall
            type: rating
            text: {bg: "Оценка?", en: "Rating?"}
          - id: improve
            type: text
            text: {bg: "Какво да подобрим?", en: "What to improve?"}
            when:
              overall: {maxx: 3}
        """
    assert report(text) == [
        "bad.yaml:12: questions[1].when.overall.maxx: unknown key (did you mean 'max'?)"
    ]


# --- texts and languages -----------------------------------------------------------------


def test_question_text_missing_a_language_is_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: overall
            type: rating
            text: {bg: "Как оценявате събитието?"}
        """
    assert report(text) == ["bad.yaml:7: questions[0].text: missing text for language en"]


def test_blank_text_counts_as_missing() -> None:
    text = """\
        id: demo
        title: {bg: "   ", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: overall
            type: rating
            text: {bg: "Оценка?", en: "Rating?"}
        """
    assert report(text) == ["bad.yaml:2: title: missing text for language bg"]


def test_option_text_missing_languages_lists_them_all() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback", tr: "Geri bildirim"}
        languages: [bg, en, tr]
        questions:
          - id: topic
            type: single_choice
            text: {bg: "Тема?", en: "Topic?", tr: "Konu?"}
            options:
              - {id: parks, text: {bg: "Паркове"}}
              - {id: roads, text: {bg: "Пътища", en: "Roads", tr: "Yollar"}}
        """
    assert report(text) == [
        "bad.yaml:9: questions[0].options[0].text: missing text for language en, tr"
    ]


# --- question ids and references ---------------------------------------------------------


def test_duplicate_question_id_is_reported_on_the_second_one() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: overall
            type: rating
            text: {bg: "Оценка?", en: "Rating?"}
          - id: overall
            type: nps
            text: {bg: "Препоръка?", en: "Recommend?"}
        """
    assert report(text) == ["bad.yaml:8: questions[1].id: duplicate question id 'overall'"]


def test_condition_on_a_later_question_is_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: improve
            type: text
            text: {bg: "Какво да подобрим?", en: "What to improve?"}
            when: {overall: {max: 3}}
          - id: overall
            type: rating
            text: {bg: "Оценка?", en: "Rating?"}
        """
    assert report(text) == ["bad.yaml:8: questions[0].when: 'overall' is not an earlier question"]


def test_condition_on_the_question_itself_is_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: overall
            type: rating
            text: {bg: "Оценка?", en: "Rating?"}
            when: {overall: {answered: false}}
        """
    assert report(text) == ["bad.yaml:8: questions[0].when: 'overall' is not an earlier question"]


def test_condition_on_an_unknown_question_is_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: overall
            type: rating
            text: {bg: "Оценка?", en: "Rating?"}
          - id: improve
            type: text
            text: {bg: "Какво да подобрим?", en: "What to improve?"}
            when: {ovrall: {max: 3}}
        """
    assert report(text) == ["bad.yaml:11: questions[1].when: 'ovrall' is not an earlier question"]


# --- ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("flow_id", ["Demo", "demo_flow", "demo flow", "a" * 65])
def test_bad_flow_id_is_reported(flow_id: str) -> None:
    text = VALID.replace("id: demo", f"id: {flow_id}", 1)
    assert report(text) == [
        f"bad.yaml:1: id: '{flow_id}' is not valid: "
        "a flow id is 1-64 lowercase letters, digits and '-'"
    ]


@pytest.mark.parametrize("question_id", ["Overall", "over-all", "a" * 65])
def test_bad_question_id_is_reported(question_id: str) -> None:
    text = VALID.replace("id: overall", f"id: {question_id}")
    assert report(text) == [
        f"bad.yaml:5: questions[0].id: '{question_id}' is not valid: "
        "an id is 1-64 lowercase letters, digits and '_'"
    ]


def test_bad_option_id_is_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: topic
            type: single_choice
            text: {bg: "Тема?", en: "Topic?"}
            options:
              - {id: parks, text: {bg: "Паркове", en: "Parks"}}
              - {id: Roads, text: {bg: "Пътища", en: "Roads"}}
        """
    assert report(text) == [
        "bad.yaml:10: questions[0].options[1].id: 'Roads' is not valid: "
        "an id is 1-64 lowercase letters, digits and '_'"
    ]


def test_duplicate_option_ids_are_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: topic
            type: single_choice
            text: {bg: "Тема?", en: "Topic?"}
            options:
              - {id: parks, text: {bg: "Паркове", en: "Parks"}}
              - {id: parks, text: {bg: "Градини", en: "Gardens"}}
        """
    assert report(text) == ["bad.yaml:5: questions[0]: option ids must be unique"]


# --- keys that depend on the question type -----------------------------------------------


def test_min_choices_above_max_choices_is_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: topics
            type: multi_choice
            text: {bg: "Теми?", en: "Topics?"}
            min_choices: 3
            max_choices: 2
            options:
              - {id: parks, text: {bg: "Паркове", en: "Parks"}}
              - {id: roads, text: {bg: "Пътища", en: "Roads"}}
              - {id: schools, text: {bg: "Училища", en: "Schools"}}
        """
    assert report(text) == [
        "bad.yaml:5: questions[0]: min_choices (3) is greater than max_choices (2)"
    ]


def test_type_problems_are_reported_beside_a_bad_key_of_the_same_question() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        questions:
          - id: topics
            type: multi_choice
            text: {bg: "Теми?", en: "Topics?"}
            min_choices: 3
            max_choices: 2
            options:
              - {id: Parks, text: {bg: "Паркове", en: "Parks"}}
              - {id: roads, text: {bg: "Пътища", en: "Roads"}}
        """
    assert report(text) == [
        "bad.yaml:5: questions[0]: min_choices (3) is greater than max_choices (2)",
        "bad.yaml:11: questions[0].options[0].id: 'Parks' is not valid: "
        "an id is 1-64 lowercase letters, digits and '_'",
    ]


@pytest.mark.parametrize("scale", [2, 11])
def test_rating_scale_outside_3_to_10_is_refused(scale: int) -> None:
    text = VALID.replace("    type: rating\n", f"    type: rating\n    scale: {scale}\n")
    assert report(text) == [
        f"bad.yaml:5: questions[0]: scale must be between 3 and 10, not {scale}"
    ]


@pytest.mark.parametrize("scale", [3, 10])
def test_rating_scale_of_3_to_10_is_accepted(scale: int) -> None:
    flow = load(VALID.replace("    type: rating\n", f"    type: rating\n    scale: {scale}\n"))
    assert flow.questions[0].rating_scale == scale


@pytest.mark.parametrize(
    ("kind", "key_line"),
    [
        ("text", "scale: 5"),
        ("nps", "scale: 10"),
        ("yes_no", "max_length: 100"),
        ("number", "max_length: 100"),
        ("text", "min: 1"),
        ("rating", "max: 5"),
        ("single_choice", "max_choices: 1"),
        ("yes_no", "options: []"),
    ],
)
def test_key_that_does_not_apply_to_the_question_type_is_reported(kind: str, key_line: str) -> None:
    key = key_line.split(":")[0]
    options = (
        "\n    options:\n"
        '      - {id: a, text: {bg: "А", en: "A"}}\n'
        '      - {id: b, text: {bg: "Б", en: "B"}}'
    )
    text = VALID.replace("    type: rating\n", f"    type: {kind}\n    {key_line}\n")
    if kind == "single_choice":
        text = text.rstrip("\n") + options + "\n"
    assert report(text) == [
        f"bad.yaml:5: questions[0]: '{key}' does not apply to a {kind} question"
    ]


@pytest.mark.parametrize("max_length", [0, 4001])
def test_text_max_length_outside_1_to_4000_is_refused(max_length: int) -> None:
    text = VALID.replace("    type: rating\n", f"    type: text\n    max_length: {max_length}\n")
    assert report(text) == ["bad.yaml:5: questions[0]: max_length must be between 1 and 4000"]


def test_text_max_length_of_4000_is_accepted() -> None:
    flow = load(VALID.replace("    type: rating\n", "    type: text\n    max_length: 4000\n"))
    assert flow.questions[0].text_limit == 4000


def test_number_question_with_min_above_max_is_reported() -> None:
    text = VALID.replace("    type: rating\n", "    type: number\n    min: 120\n    max: 14\n")
    assert report(text) == ["bad.yaml:5: questions[0]: min (120) is greater than max (14)"]


# --- conditions --------------------------------------------------------------------------

CHOICE_AND_CONDITION = """\
id: demo
title: {bg: "Обратна връзка", en: "Feedback"}
languages: [bg, en]
questions:
  - id: topic
    type: single_choice
    text: {bg: "Тема?", en: "Topic?"}
    options:
      - {id: parks, text: {bg: "Паркове", en: "Parks"}}
      - {id: roads, text: {bg: "Пътища", en: "Roads"}}
  - id: attended
    type: yes_no
    text: {bg: "Присъствахте ли?", en: "Did you attend?"}
  - id: details
    type: text
    text: {bg: "Подробности?", en: "Details?"}
    when:
      CONDITION
"""


def test_condition_with_two_tests_is_reported() -> None:
    text = CHOICE_AND_CONDITION.replace("CONDITION", "attended: {equals: true, answered: true}")
    assert report(text) == [
        "bad.yaml:18: questions[2].when.attended: "
        "write exactly one of equals, any_of, min, max, answered"
    ]


def test_condition_with_no_test_is_reported() -> None:
    text = CHOICE_AND_CONDITION.replace("CONDITION", "attended: {}")
    assert report(text) == [
        "bad.yaml:18: questions[2].when.attended: "
        "write exactly one of equals, any_of, min, max, answered"
    ]


@pytest.mark.parametrize(
    ("condition", "kind"),
    [("topic: {min: 1}", "single_choice"), ("attended: {max: 0}", "yes_no")],
)
def test_condition_min_or_max_on_a_question_that_is_not_numeric_is_reported(
    condition: str, kind: str
) -> None:
    text = CHOICE_AND_CONDITION.replace("CONDITION", condition)
    ref = condition.split(":")[0]
    assert report(text) == [
        f"bad.yaml:18: questions[2].when.{ref}: "
        f"min/max only apply to rating, nps and number questions, not {kind}"
    ]


@pytest.mark.parametrize(
    "condition", ["topic: {equals: gardens}", "topic: {any_of: [parks, gardens]}"]
)
def test_condition_with_an_option_that_does_not_exist_is_reported(condition: str) -> None:
    text = CHOICE_AND_CONDITION.replace("CONDITION", condition)
    assert report(text) == [
        "bad.yaml:18: questions[2].when.topic: 'gardens' is not an option of 'topic'"
    ]


def test_condition_comparing_yes_no_with_a_string_is_reported() -> None:
    text = CHOICE_AND_CONDITION.replace("CONDITION", 'attended: {equals: "yes"}')
    assert report(text) == [
        "bad.yaml:18: questions[2].when.attended: a yes_no question is compared with true or false"
    ]


@pytest.mark.parametrize(
    "condition",
    [
        "topic: {equals: roads}",
        "topic: {any_of: [parks, roads]}",
        "attended: {equals: false}",
        "attended: {answered: true}",
    ],
)
def test_well_formed_conditions_are_accepted(condition: str) -> None:
    flow = load(CHOICE_AND_CONDITION.replace("CONDITION", condition))
    assert flow.questions[2].when is not None


# --- YAML and file level problems --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "detail"),
    [
        ("id: demo\ntitle: {en: Feedback}\n\tlanguages: [en]\n", 3, "'\\t'"),
        ("id: demo\ntitle: a: b\nlanguages: [en]\n", 2, "mapping values are not allowed"),
        ("id: demo\nlanguages: [en]\n  questions: []\n", 3, "expected <block end>"),
        ("id: demo\n---\nid: other\n", 2, "another document"),
    ],
    ids=["tab", "colon-in-value", "bad-indent", "two-documents"],
)
def test_yaml_syntax_error_is_reported_on_its_line(text: str, line: int, detail: str) -> None:
    [problem] = report(text)
    assert problem.startswith(f"bad.yaml:{line}: invalid YAML: ")
    assert detail in problem


def test_duplicate_yaml_keys_are_all_reported() -> None:
    text = """\
        id: demo
        title: {bg: "Обратна връзка", en: "Feedback"}
        languages: [bg, en]
        id: demo2
        questions:
          - id: overall
            type: rating
            type: nps
            text: {bg: "Оценка?", en: "Rating?"}
        """
    assert report(text) == [
        "bad.yaml:4: id: duplicate key",
        "bad.yaml:8: questions[0].type: duplicate key",
    ]


@pytest.mark.parametrize("text", ["", "\n  \n", "---\n", "~\n"])
def test_empty_file_is_reported(text: str) -> None:
    assert report(text) == ["bad.yaml:1: the file is empty"]


@pytest.mark.parametrize("text", ["# TODO: write the questions\n", "\n# one\n\n# two\n"])
def test_file_with_only_comments_is_reported_as_empty(text: str) -> None:
    assert report(text) == ["bad.yaml:1: the file is empty"]


@pytest.mark.parametrize("text", ["- id: demo\n- id: other\n", "just some words\n", "42\n"])
def test_file_that_is_not_a_mapping_is_reported(text: str) -> None:
    assert report(text) == ["bad.yaml:1: a flow file must be a mapping of keys"]


def test_file_over_256_kb_is_refused_before_parsing() -> None:
    path = Path("big.yaml")
    padding = "# padding\n" * (MAX_FLOW_FILE_BYTES // 10)
    path.write_text(VALID + padding, encoding="utf-8")
    assert path.stat().st_size > MAX_FLOW_FILE_BYTES

    with pytest.raises(FlowFileError) as caught:
        load_flow_file(path)

    assert str(caught.value) == "big.yaml:1: the file is larger than 256 KB"


def test_file_of_exactly_256_kb_is_loaded() -> None:
    path = Path("big.yaml")
    text = VALID + "#" * (MAX_FLOW_FILE_BYTES - len(VALID.encode("utf-8")) - 1) + "\n"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size == MAX_FLOW_FILE_BYTES

    assert load_flow_file(path).id == "demo"


def test_file_that_is_not_utf8_is_refused() -> None:
    path = Path("cp1251.yaml")
    path.write_bytes(VALID.encode("cp1251"))

    with pytest.raises(FlowFileError) as caught:
        load_flow_file(path)

    assert str(caught.value) == "cp1251.yaml:1: the file is not UTF-8 text"


def test_missing_file_is_reported() -> None:
    with pytest.raises(FlowFileError) as caught:
        load_flow_file(Path("missing.yaml"))

    assert str(caught.value) == "missing.yaml:1: cannot read the file: No such file or directory"


def test_unreadable_path_is_reported() -> None:
    folder = Path("flows")
    folder.mkdir()

    with pytest.raises(FlowFileError) as caught:
        load_flow_file(folder)

    assert str(caught.value) == "flows:1: cannot read the file: Is a directory"


# --- when the form takes answers (opens, closes) ------------------------------------------


def test_opens_and_closes_are_read_in_timezone_unless_they_carry_an_offset() -> None:
    text = VALID + "opens: 2026-12-03 18:00\ncloses: 2026-12-05T12:00+01:00\n"

    flow = load_flow_file(write(text), zone=SOFIA)

    assert flow.opens == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 18:00 in Sofia
    assert flow.closes == datetime(2026, 12, 5, 11, 0, tzinfo=UTC)


def test_a_date_alone_opens_at_the_start_of_the_day_and_closes_at_its_end() -> None:
    flow = load_flow_file(write(VALID + "opens: 2026-12-03\ncloses: 2026-12-05\n"), zone=SOFIA)

    assert flow.opens == datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # 03.12 00:00 in Sofia
    assert flow.closes == datetime(2026, 12, 5, 22, 0, tzinfo=UTC)  # 06.12 00:00 in Sofia


def test_a_form_may_open_and_close_on_the_same_day() -> None:
    flow = load(VALID + "opens: 2026-12-05 18:00\ncloses: 2026-12-05\n")

    assert flow.opens is not None
    assert flow.closes is not None
    assert flow.opens < flow.closes


def test_a_form_without_opens_and_closes_has_no_window() -> None:
    flow = load(VALID)

    assert (flow.opens, flow.closes) == (None, None)


def test_closes_before_opens_is_reported_on_the_line_of_closes() -> None:
    text = VALID + "opens: 2026-12-05 18:00\ncloses: 2026-12-05 12:00\n"

    assert report(text) == [
        "bad.yaml:9: closes: must be after opens: the form would close before it opens"
    ]


def test_closes_at_the_moment_it_opens_is_reported() -> None:
    assert report(VALID + "opens: 2026-12-06\ncloses: 2026-12-05\n") == [
        "bad.yaml:9: closes: must be after opens: the form would close before it opens"
    ]


def test_a_time_that_cannot_be_read_is_reported_on_its_line_with_an_example() -> None:
    text = VALID + "opens: next tuesday\ncloses: 05.12.2026\n"

    assert report(text) == [
        "bad.yaml:8: opens: 'next tuesday' is not a date and time; "
        "write e.g. 2026-12-03 18:00 or 2026-12-03",
        "bad.yaml:9: closes: '05.12.2026' is not a date and time; "
        "write e.g. 2026-12-03 18:00 or 2026-12-03",
    ]


def test_a_window_problem_is_reported_beside_the_others() -> None:
    text = VALID.replace('en: "How was the event?"', 'en: ""') + "closes: soon\n"

    assert report(text) == [
        "bad.yaml:7: questions[0].text: missing text for language en",
        "bad.yaml:8: closes: 'soon' is not a date and time; "
        "write e.g. 2026-12-03 18:00 or 2026-12-03",
    ]


def test_a_misspelt_window_key_suggests_the_right_one() -> None:
    assert report(VALID + "close: 2026-12-05\n") == [
        "bad.yaml:8: close: unknown key (did you mean 'closes'?)"
    ]


def test_the_window_is_not_part_of_the_forms_content() -> None:
    windowed = load(VALID + "opens: 2026-12-03\ncloses: 2026-12-05\n")

    dumped = windowed.model_dump(mode="json", exclude_none=True)

    assert "opens" not in dumped
    assert "closes" not in dumped
    assert Flow.model_validate(dumped) == load(VALID)


# --- everything at once ------------------------------------------------------------------


def test_every_problem_is_reported_at_once_sorted_by_line() -> None:
    text = """\
        id: Demo
        title: {bg: "Обратна връзка"}
        languages: [bg, en]
        colour: red
        questions:
          - id: overall
            type: rating
            scale: 11
            text: {bg: "Оценка?", en: "Rating?"}
          - id: improve
            type: text
            text: {bg: "Какво да подобрим?", en: "What to improve?"}
            when: {ovrall: {max: 3}}
          - id: overall
            type: yes_no
            text: {bg: "Отново?", en: "Again?"}
          - id: topic
            type: single_choice
            text: {bg: "Тема?", en: "Topic?"}
            options:
              - {id: parks, text: {bg: "Паркове", en: "Parks"}, colour: green}
              - {id: Roads, text: {bg: "Пътища", en: "Roads"}}
        """
    expected = [
        "bad.yaml:1: id: 'Demo' is not valid: a flow id is 1-64 lowercase letters, digits and '-'",
        "bad.yaml:2: title: missing text for language en",
        "bad.yaml:4: colour: unknown key",
        "bad.yaml:6: questions[0]: scale must be between 3 and 10, not 11",
        "bad.yaml:13: questions[1].when: 'ovrall' is not an earlier question",
        "bad.yaml:14: questions[2].id: duplicate question id 'overall'",
        "bad.yaml:21: questions[3].options[0].colour: unknown key",
        "bad.yaml:22: questions[3].options[1].id: 'Roads' is not valid: "
        "an id is 1-64 lowercase letters, digits and '_'",
    ]

    with pytest.raises(FlowFileError) as caught:
        load_flow_file(write(text))

    error = caught.value
    assert [str(problem) for problem in error.problems] == expected
    assert error.problems == sorted(error.problems)
    assert [problem.line for problem in error.problems] == [1, 2, 4, 6, 13, 14, 21, 22]
    assert str(error) == "\n".join(expected)


def test_problem_without_a_path_reads_file_line_message() -> None:
    assert str(FlowFileProblem("a.yaml", 3, "", "oops")) == "a.yaml:3: oops"
    assert (
        str(FlowFileProblem("a.yaml", 3, "questions[0]", "oops")) == "a.yaml:3: questions[0]: oops"
    )


# --- the built-in flows ------------------------------------------------------------------

LIBRARY = {flow.id: flow for flow in library_flows()}


def every_text(flow: Flow) -> list[dict[str, str]]:
    texts = [flow.title]
    texts += [text for text in (flow.intro, flow.outro) if text is not None]
    for question in flow.questions:
        texts.append(question.text)
        texts += [option.text for option in question.options or []]
    return texts


def test_library_has_the_four_built_in_flows() -> None:
    assert sorted(LIBRARY) == [
        "consultation-survey",
        "event-satisfaction",
        "general-feedback",
        "training-evaluation",
    ]


def test_each_built_in_file_is_named_for_its_flow() -> None:
    # A restart knows the built-in forms are installed from the file names alone.
    assert library_flow_ids() == [flow.id for flow in library_flows()]


@pytest.mark.parametrize("flow_id", sorted(LIBRARY))
def test_built_in_flow_is_in_bulgarian_english_and_turkish(flow_id: str) -> None:
    flow = LIBRARY[flow_id]

    assert flow.languages == ["bg", "en", "tr"]
    for text in every_text(flow):
        assert {lang for lang, words in text.items() if words.strip()} == {"bg", "en", "tr"}


@pytest.mark.parametrize("flow_id", sorted(LIBRARY))
def test_built_in_flow_file_loads_from_disk(flow_id: str) -> None:
    source = Path(__file__).parents[2] / "src/civic_feedback/flows/library" / f"{flow_id}.yaml"
    assert load_flow_file(source) == LIBRARY[flow_id]


def test_event_satisfaction_asks_the_agreed_questions() -> None:
    flow = LIBRARY["event-satisfaction"]
    questions = {q.id: q for q in flow.questions}

    assert [(q.id, q.type.value) for q in flow.questions] == [
        ("overall", "rating"),
        ("recommend", "nps"),
        ("most_useful", "multi_choice"),
        ("organisation", "rating"),
        ("comment", "text"),
        ("suggestion", "text"),
    ]
    assert questions["most_useful"].choice_limits[1] == 2
    comment = questions["comment"]
    assert not comment.required
    assert comment.when is not None
    assert {ref: test.model_dump(exclude_none=True) for ref, test in comment.when.items()} == {
        "overall": {"max": 3}
    }
    assert not questions["suggestion"].required
    assert questions["suggestion"].when is None


def test_consultation_survey_is_anonymous() -> None:
    assert LIBRARY["consultation-survey"].anonymous


def test_general_feedback_is_repeatable() -> None:
    assert LIBRARY["general-feedback"].repeatable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: &name demo\ntitle: {bg: *name}\n",
            "bad.yaml:1: anchors and aliases (& and *) are not allowed: write each value out",
        ),
        (
            "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
            "bad.yaml:1: anchors and aliases (& and *) are not allowed: write each value out",
        ),
        (
            "loop: &a [*a]\n",
            "bad.yaml:1: anchors and aliases (& and *) are not allowed: write each value out",
        ),
        ("[" * 100_000 + "]" * 100_000, "bad.yaml:1: nested more than 16 levels deep"),
    ],
)
def test_anchors_aliases_and_deep_nesting_are_refused_before_anything_expands(
    text: str, expected: str
) -> None:
    assert report(text) == [expected]
