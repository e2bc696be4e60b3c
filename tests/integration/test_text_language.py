"""The language of free-text answers: detected once, among the deployment's languages."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, col, select

from civic_feedback.core.text_language import LanguageDetector, detection_languages
from civic_feedback.flows.engine import Button, Skip, Text
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.citizens import add_citizen
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import Answer
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

SENTENCES = {
    "bg": "Залата беше студена и нямаше достатъчно столове за всички.",
    "en": "The hall was cold and there were not enough chairs for everyone.",
    "tr": "Salon soğuktu ve herkes için yeterli sandalye yoktu.",
    "ru": "В зале было холодно и не хватало стульев для всех.",
}
DETECTOR = LanguageDetector(["bg", "en", "tr"])


def test_russian_is_always_among_the_languages_detected() -> None:
    assert detection_languages(["bg", "en", "tr"]) == ("bg", "en", "ru", "tr")
    assert detection_languages(["bg"]) == ("bg", "ru")


@pytest.mark.parametrize(("language", "sentence"), sorted(SENTENCES.items()))
def test_a_sentence_is_detected_in_its_language(language: str, sentence: str) -> None:
    assert DETECTOR.detect(sentence) == language


@pytest.mark.parametrize(
    "text",
    ["ok", "👍", "12345", "Great hall", "Благодаря, София!", "👍👍👍 ok ok", "1 2 3 4 5 6 7 8"],
)
def test_a_text_too_short_to_tell_is_undetermined(text: str) -> None:
    assert DETECTOR.detect(text) == "und"


def test_a_text_langdetect_is_unsure_about_is_undetermined() -> None:
    # Two of langdetect's seven trials say Bulgarian: 0.71 sure of Russian is not enough.
    assert DETECTOR.detect("Благодаря за поканата, беше интересно") == "und"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Беше много полезно", "und"),  # langdetect: Russian, fully sure
        ("Лекторите бяха много добре подготвени", "und"),  # the same
        ("Нямаше достатъчно време за въпроси", "bg"),
        ("Было очень полезно", "ru"),  # ы: a letter Bulgarian does not write
        ("Мэр не ответил на мой вопрос", "ru"),  # э
    ],
)
def test_russian_needs_a_letter_bulgarian_does_not_write(text: str, language: str) -> None:
    assert DETECTOR.detect(text) == language


def test_only_the_deployment_languages_can_come_out() -> None:
    bulgarian_only = LanguageDetector(["bg"])

    assert bulgarian_only.detect(SENTENCES["en"]) in {"bg", "ru", "und"}
    assert bulgarian_only.detect(SENTENCES["bg"]) == "bg"


def test_the_same_text_always_gets_the_same_language_even_from_many_threads() -> None:
    fresh = LanguageDetector(["bg", "en", "tr"])  # loads its profiles under the threads
    texts = [*SENTENCES.values(), "Много хубаво събитие", "Беше много полезно"] * 20

    with ThreadPoolExecutor(max_workers=8) as pool:
        in_threads = list(pool.map(fresh.detect, texts))

    assert in_threads == [DETECTOR.detect(text) for text in texts]


def test_a_text_answer_is_stored_with_its_language(session: Session) -> None:
    install_library(session)
    session.commit()
    citizen = add_citizen(session, telegram_id=5005, language="bg")
    session.commit()
    runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode(), detector=DETECTOR)
    # event-satisfaction: overall 2 shows the comment question; the suggestion is skipped.
    steps: list[Step] = [Button("2"), Button("7"), 1, Button("4"), Text(SENTENCES["tr"]), Skip()]

    walk_form(session, runs, citizen, "event-satisfaction", steps, language="bg")

    stored = session.exec(
        select(Answer.question_id, Answer.text_language).order_by(col(Answer.id))
    ).all()
    assert [tuple(row) for row in stored] == [
        ("overall", None),
        ("recommend", None),
        ("most_useful", None),
        ("organisation", None),
        ("comment", "tr"),
        ("suggestion", None),
    ]
