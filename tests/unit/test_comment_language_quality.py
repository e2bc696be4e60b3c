"""The comment language detector on the labelled comments of tests/data (see its README):
at least 98 % named right, at most 1 % named wrong (the rest undetermined)."""

from __future__ import annotations

import csv
from pathlib import Path

from civic_feedback.core.text_language import UNDETERMINED, LanguageDetector

LABELLED = Path(__file__).parents[1] / "data" / "comment_languages.csv"


def test_the_labelled_comments_are_named_right_and_almost_never_wrong() -> None:
    with LABELLED.open(encoding="utf-8", newline="") as file:
        rows = [(row["text"], row["language"]) for row in csv.DictReader(file)]
    detector = LanguageDetector(["bg", "en", "tr"])

    named = [(text, language, detector.detect(text)) for text, language in rows]

    wrong = [
        (text, language, got)
        for text, language, got in named
        if got not in (language, UNDETERMINED)
    ]
    right = sum(got == language for _, language, got in named)
    assert len(rows) >= 400
    assert {language for _, language in rows} == {"bg", "en", "ru", "tr"}
    assert right >= 0.98 * len(rows), f"{right} of {len(rows)} right"
    assert len(wrong) <= 0.01 * len(rows), wrong
