"""The language of free-text answers: detected once, among the deployment's languages."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, col, select

from civic_feedback.core.text_language import LanguageDetector, detection_languages
from civic_feedback.flows.engine import Button, Skip, Text
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import Answer
from tests.support.citizens import add_citizen
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


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Беше много полезно", "bg"),  # langdetect said Russian, fully sure
        ("Лекторите бяха много добре подготвени", "bg"),
        ("Нямаше достатъчно време за въпроси", "bg"),
        ("Было очень полезно", "ru"),  # ы: a letter Bulgarian does not write
        ("Мэр не ответил на мой вопрос", "ru"),  # э
        ("Спасибо за встречу, очень понравилось", "ru"),  # none of them: its words tell
        ("Фонарь возле аптеки не работает", "ru"),  # ь before a consonant
    ],
)
def test_bulgarian_and_russian_are_told_apart_by_their_own_letters_and_words(
    text: str, language: str
) -> None:
    assert DETECTOR.detect(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "Mnogo hubava sreshta",
        "Blagodarya za organizaciyata",
        "Blagodarq za organizaciqta, beshe mnogo polezno!",
        "6te ima li o6te takiva sre6ti",
        "Lampata pred bloka ne sveti ve4e 2 sedmici",
    ],
)
def test_bulgarian_typed_in_latin_letters_is_bulgarian(text: str) -> None:
    assert DETECTOR.detect(text) == "bg"


@pytest.mark.parametrize(
    "text",
    [
        "Дякую за зустріч, було дуже корисно",  # Ukrainian
        "Ліхтар біля зупинки не працює вже тиждень",  # Ukrainian with ь, a Russian sign
        "Hvala za sastanak, bilo je korisno",  # Croatian
        "Spasibo za vstrechu, ochen ponravilos",  # Russian typed in Latin letters
    ],
)
def test_a_text_in_none_of_the_languages_is_undetermined_not_called_one_of_them(
    text: str,
) -> None:
    assert DETECTOR.detect(text) == "und"


def test_only_the_deployment_languages_can_come_out() -> None:
    bulgarian_only = LanguageDetector(["bg"])
    english_only = LanguageDetector(["en"])

    assert bulgarian_only.detect(SENTENCES["en"]) == "und"
    assert bulgarian_only.detect(SENTENCES["bg"]) == "bg"
    assert english_only.detect(SENTENCES["bg"]) == "und"
    assert english_only.detect(SENTENCES["ru"]) == "ru"  # Russian is always detected


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
