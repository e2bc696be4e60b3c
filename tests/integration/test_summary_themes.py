"""The line of the week's leading comment themes in /summary and the Monday digest: counted
from the week's comments of the reader's municipality, escaped, left out without themes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.views.summary_message import compute_summary, summary_text, themes_line
from civic_feedback.reports.comment_themes import QuotedTheme
from civic_feedback.settings import Settings
from tests.support.keys import PSEUDONYM_KEY
from tests.support.summary_data import WEEK, Answers, WeekData, sofia

PARKING = [
    "Няма къде да се паркира, паркирането в центъра е невъзможно.",
    "Паркирането в центъра е ужасно вечер.",
    "Трябва повече паркиране в центъра.",
]
LIGHTS = ["Уличното осветление не работи на нашата улица.", "Уличното осветление е слабо."]
GARDEN = ["Градинката <b>Б&Б</b> е мръсна.", "Градинката <b>Б&Б</b> трябва да се почисти."]


def comment(text: str) -> Answers:
    return Answers({"overall": 4, "comment": text}, {"comment": "bg"})


@pytest.fixture
def bulgarian() -> Iterator[None]:
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("bg"):
        yield


def week_text(sessions: sessionmaker[Session], municipality: str | None = None) -> str:
    settings = Settings(_env_file=None, pseudonym_key=PSEUDONYM_KEY)
    return summary_text(compute_summary(sessions, WEEK, settings, "bg", municipality))


def themes_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("Теми в коментарите")]


@pytest.mark.usefixtures("bulgarian")
def test_the_weeks_themes_are_one_line_most_mentioned_first_with_their_comments(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        data = WeekData(session)
        for text in [*PARKING, *LIGHTS, *GARDEN]:
            data.respond(comment(text), completed=sofia(18))
        data.respond(comment(PARKING[0]), completed=sofia(13))  # the week before: not counted

    text = week_text(sessions)

    assert themes_of(text) == [
        "Теми в коментарите: паркирането в центъра (3), б&amp;б (2), уличното осветление (2)"
    ]
    assert "<b>Б" not in text  # citizens' words never become markup


@pytest.mark.usefixtures("bulgarian")
def test_a_week_without_comments_has_no_themes_line(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        data = WeekData(session)
        data.respond(Answers({"overall": 5}, {}), completed=sofia(18))
        data.respond(comment("Всичко беше наред."), completed=sofia(19))  # one: no theme

    text = week_text(sessions)

    assert "Попълнени анкети: 2" in text
    assert themes_of(text) == []


@pytest.mark.usefixtures("bulgarian")
def test_staff_of_a_municipality_get_the_themes_of_its_comments_only(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        data = WeekData(session)
        vidin, lom = data.citizen("Видин"), data.citizen("Лом")
        for text in PARKING:
            data.respond(comment(text), completed=sofia(18), citizen=vidin)
        for text in LIGHTS:
            data.respond(comment(text), completed=sofia(18), citizen=lom)

    assert themes_of(week_text(sessions, "Видин")) == [
        "Теми в коментарите: паркирането в центъра (3)"
    ]
    assert themes_of(week_text(sessions, "Лом")) == ["Теми в коментарите: уличното осветление (2)"]
    assert themes_of(week_text(sessions)) == [
        "Теми в коментарите: паркирането в центъра (3), уличното осветление (2)"
    ]


@pytest.mark.usefixtures("bulgarian")
def test_a_theme_label_is_escaped_for_telegrams_html() -> None:
    hostile = QuotedTheme('<b>паркинг</b> & <a href="x">', (1, 2, 3), ())

    line = themes_line([hostile])

    assert line == (
        "Теми в коментарите: &lt;b&gt;паркинг&lt;/b&gt; &amp; &lt;a href=&quot;x&quot;&gt; (3)"
    )
