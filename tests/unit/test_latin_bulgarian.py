"""Bulgarian words typed in Latin letters, with the endings of articles and plurals."""

from __future__ import annotations

import pytest

from civic_feedback.core.latin_bulgarian import (
    bulgarian_share,
    is_bulgarian_word,
    is_mostly_bulgarian,
)


@pytest.mark.parametrize(
    "word",
    [
        "ulica",  # улица, as listed
        "ulitsata",  # the article, ц typed "ts"
        "lektorite",  # лектори + -те: a listed plural with its article
        "lektorovete",  # the longest ending, -овете
        "zalata",
        "v",  # в: a one-letter Bulgarian word
    ],
)
def test_a_listed_word_is_bulgarian_with_or_without_its_ending(word: str) -> None:
    assert is_bulgarian_word(word)


@pytest.mark.parametrize(
    "word",
    [
        "zalax",  # no such ending
        "zalaovetea",  # an ending longer than any
        "ata",  # an ending alone, no stem
        "x",  # a letter that is no Bulgarian word
        "ulica2",  # a digit that types no Bulgarian letter
        "hall",
    ],
)
def test_anything_else_is_not(word: str) -> None:
    assert not is_bulgarian_word(word)


def test_a_text_is_bulgarian_when_most_of_its_words_are_and_at_least_two() -> None:
    assert bulgarian_share("Zalata beshe studena") == (3, 3)
    assert is_mostly_bulgarian(*bulgarian_share("Zalata beshe studena"))
    assert bulgarian_share("The zala was cold today") == (1, 5)
    assert not is_mostly_bulgarian(1, 5)
    assert not is_mostly_bulgarian(1, 1)  # one word is too few to tell
