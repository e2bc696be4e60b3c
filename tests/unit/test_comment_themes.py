"""Themes: the phrases many comments share, found per language, labelled as written."""

from __future__ import annotations

import random

import pytest

from civic_feedback.core.comment_themes import find_themes
from civic_feedback.core.word_stems import WordStemmer, bulgarian_stem, lowercase
from tests.support.theme_scores import TEST_SET, labelled_comments, score

# Measured on tests/data/comment_themes.csv (docs/performance.md): bg 1.00 / 0.57,
# en 0.82 / 0.55, tr 1.00 / 0.73. The thresholds leave a margin for small changes.
THRESHOLDS = {"bg": (0.85, 0.48), "en": (0.7, 0.45), "tr": (0.85, 0.6)}


@pytest.mark.parametrize("language", sorted(THRESHOLDS))
def test_top_themes_of_the_labelled_set_match_its_labels(language: str) -> None:
    least_precision, least_recall = THRESHOLDS[language]

    scores = score(labelled_comments(TEST_SET), language)

    assert scores.precision >= least_precision, scores.matches
    assert scores.recall >= least_recall, scores.matches


def test_the_same_comments_in_any_order_give_the_same_themes() -> None:
    comments = [(c.id, c.text) for c in labelled_comments(TEST_SET) if c.language == "bg"]
    shuffled = comments[:]
    random.Random(7).shuffle(shuffled)

    assert find_themes(shuffled, "bg") == find_themes(comments, "bg")


def test_a_theme_is_labelled_as_most_comments_wrote_it_and_names_its_comments() -> None:
    comments = [
        (1, "Паркирането е истински проблем."),
        (2, "Няма паркиране около залата."),
        (3, "Паркирането пред общината е хаос."),
        (4, "Паркирам на километър."),
        (5, "Благодаря за срещата."),
    ]

    [theme] = find_themes(comments, "bg")

    assert (theme.label, theme.comment_ids, theme.stems) == (
        "паркирането",
        (1, 2, 3, 4),
        ("паркир",),
    )


def test_a_phrase_may_hold_stop_words_between_its_words() -> None:
    comments = [
        (1, "Нямаше време за въпроси."),
        (2, "Искаме повече време за въпроси!"),
        (3, "Малко време за въпросите, много презентации."),
    ]

    assert [t.label for t in find_themes(comments, "bg")] == ["време за въпроси"]


def test_generic_words_are_part_of_a_theme_at_most() -> None:
    comments = [
        (i, text) for i, text in enumerate(["Good meeting.", "A good meeting!", "Meeting good"])
    ]

    assert find_themes(comments, "en") == []


def test_a_phrase_of_few_comments_is_no_theme() -> None:
    comments = [(1, "The ramp was blocked."), (2, "Bins overflowing."), (3, "No lights.")]

    assert find_themes(comments, "en") == []


def test_turkish_forms_of_one_phrase_are_one_theme() -> None:
    comments = [
        (1, "Toplantı saati çok erken."),
        (2, "Toplantının saati uygun değildi."),
        (3, "TOPLANTI SAATLERİ değişmeli."),
    ]

    [theme] = find_themes(comments, "tr")

    assert theme.count == 3
    assert theme.label == "toplantı saati"


def test_themes_are_found_in_bulgarian_english_and_turkish_only() -> None:
    with pytest.raises(ValueError, match="themes are found in bg, en, tr, not 'ru'"):
        find_themes([(1, "Парковка")], "ru")


@pytest.mark.parametrize(
    "forms",
    [
        ["паркиране", "паркирането", "паркирам", "паркира", "паркирания"],
        ["площадка", "площадката", "площадки", "площадките"],
        ["детски", "детска", "детската", "детските", "детския"],
        ["излъчване", "излъчването", "излъчва", "излъчвайте"],
        ["осветление", "осветлението", "осветления"],
        ["кмет", "кмета", "кметът"],
        ["път", "пътя", "пътят", "пътища", "пътищата"],
        ["училище", "училището", "училища"],
    ],
)
def test_the_forms_of_a_bulgarian_word_share_a_stem(forms: list[str]) -> None:
    assert len({bulgarian_stem(form) for form in forms}) == 1


def test_a_bulgarian_stem_keeps_three_letters_and_a_vowel() -> None:
    assert bulgarian_stem("пътя") == "път"
    assert bulgarian_stem("мост") == "мост"  # "ост" would leave no vowel
    assert bulgarian_stem("ден") == "ден"


def test_turkish_lower_case_keeps_dotted_and_dotless_i_apart() -> None:
    assert lowercase("IŞIK İLAN", "tr") == "ışık ilan"
    assert WordStemmer("en").stem("questions") == "question"
