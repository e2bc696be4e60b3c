"""Quotes of a theme: short sentences that hold it, with personal details taken out."""

from __future__ import annotations

from civic_feedback.core.comment_quotes import sentences, theme_quotes
from civic_feedback.core.comment_themes import Theme

PARKING = Theme("паркиране", ("паркир",), (1, 2, 3, 4, 5), ("паркиране", "паркирането"))


def test_quotes_are_the_shortest_sentences_that_hold_the_theme_once_each() -> None:
    texts = {
        1: "Срещата беше добра. Паркирането обаче е невъзможно около читалището вечер.",
        2: "Няма паркиране.",
        3: "Платеното паркиране трябва да стигне до болницата.",
        4: "Платеното паркиране трябва да стигне до болницата.",
        5: "Трябва нов паркинг и повече места до пазара, казвам го от години.",
    }

    quotes = theme_quotes(PARKING, texts, "bg")

    assert quotes == [
        "Платеното паркиране трябва да стигне до болницата.",
        "Паркирането обаче е невъзможно около читалището вечер.",
        "Няма паркиране.",
    ]


def test_quotes_name_nobody() -> None:
    texts = {1: "Г-н Петров обеща паркиране пред блока на ул. Шипка 5, тел. 0888 123 456."}

    assert theme_quotes(PARKING, texts, "bg") == [
        "Г-н [име] обеща паркиране пред блока на [адрес], тел. [телефон]."
    ]


def test_a_long_sentence_is_cut_at_words_around_the_theme() -> None:
    words = " ".join(["много"] * 40)
    texts = {1: f"{words} паркиране около залата {words}"}

    [quote] = theme_quotes(PARKING, texts, "bg", max_length=80)

    assert len(quote) <= 80
    assert quote.startswith("…")
    assert quote.endswith("…")
    assert "паркиране около залата" in quote


def test_sentences_keep_abbreviations_and_markers_inside() -> None:
    text = "Сметосъбирането в кв. Речица е нередовно. Пишете на тел. [телефон]. Mr. Smith knows!"

    assert sentences(text) == [
        "Сметосъбирането в кв. Речица е нередовно.",
        "Пишете на тел. [телефон].",
        "Mr. Smith knows!",
    ]
