"""How well the themes found in labelled comments match their labels (docs/performance.md).

A found theme *matches* a labelled theme when the stems of its label hold one of that
theme's keywords (stemmed the same way) as consecutive stems (in Turkish a stem may also
start the other, as the themes merge such stems); if it matches several, it
counts for the one it shares most comments with. For the top ``k`` found themes of a
language, ``k`` being the number of labelled themes in its list:

- precision: the share of them (of those found, if fewer) that match a labelled theme;
- recall: of the pairs (comment, labelled theme) other than "none", the share in which a
  found theme matched to that labelled theme holds the comment.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from civic_feedback.core.comment_themes import Theme, find_themes, stop_words
from civic_feedback.core.word_stems import WordStemmer, lowercase

DATA = Path(__file__).parents[1] / "data"
TEST_SET = DATA / "comment_themes.csv"
DEVELOPMENT_SET = DATA / "comment_themes_dev.csv"
KEYWORDS = DATA / "comment_theme_keywords.csv"
NONE = "none"


@dataclass(frozen=True)
class LabelledComment:
    id: int
    language: str
    themes: frozenset[str]
    text: str


@dataclass(frozen=True)
class Scores:
    language: str
    comments: int
    k: int
    precision: float
    recall: float
    labelled_themes_found: int
    matches: list[tuple[str, str | None, int]]  # found label, labelled theme, comments


def labelled_comments(path: Path) -> list[LabelledComment]:
    with path.open(encoding="utf-8", newline="") as source:
        return [
            LabelledComment(
                int(row["id"]), row["language"], frozenset(row["themes"].split("|")), row["text"]
            )
            for row in csv.DictReader(source)
        ]


def theme_keywords(language: str) -> dict[str, list[tuple[str, ...]]]:
    """Each labelled theme of ``language`` with its keywords as stem sequences."""
    keywords: dict[str, list[tuple[str, ...]]] = {}
    with KEYWORDS.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            if row["language"] == language:
                phrases = row["keywords"].split("|")
                keywords[row["theme"]] = [label_stems(p, language) for p in phrases]
    return keywords


def label_stems(text: str, language: str) -> tuple[str, ...]:
    stemmer = WordStemmer(language)
    stop = stop_words(language)
    words = lowercase(text, language).replace("'", " ").split()
    return tuple(stemmer.stem(word) for word in words if word not in stop)


def _same(stem: str, keyword: str, language: str) -> bool:
    """Equal; in Turkish one may start the other, as the themes merge such stems."""
    if language == "tr" and min(len(stem), len(keyword)) >= 3:
        return stem.startswith(keyword) or keyword.startswith(stem)
    return stem == keyword


def _holds(stems: tuple[str, ...], keyword: tuple[str, ...], language: str) -> bool:
    width = len(keyword)
    return width > 0 and any(
        all(_same(s, k, language) for s, k in zip(stems[i : i + width], keyword, strict=True))
        for i in range(len(stems) - width + 1)
    )


def score(comments: list[LabelledComment], language: str) -> Scores:
    mine = [c for c in comments if c.language == language]
    keywords = theme_keywords(language)
    k = len(keywords)
    found = find_themes(((c.id, c.text) for c in mine), language, top=k)
    labelled: dict[str, set[int]] = defaultdict(set)
    for comment in mine:
        for name in comment.themes - {NONE}:
            labelled[name].add(comment.id)
    covered: dict[str, set[int]] = defaultdict(set)
    matches: list[tuple[str, str | None, int]] = []
    for theme in found:
        match = _match(theme, language, keywords, labelled)
        matches.append((theme.label, match, theme.count))
        if match is not None:
            covered[match] |= labelled[match] & set(theme.comment_ids)
    pairs = sum(len(ids) for ids in labelled.values())
    return Scores(
        language=language,
        comments=len(mine),
        k=k,
        precision=sum(match is not None for _, match, _ in matches) / max(1, len(found)),
        recall=sum(len(ids) for ids in covered.values()) / pairs,
        labelled_themes_found=len(covered),
        matches=matches,
    )


def _match(
    theme: Theme,
    language: str,
    keywords: dict[str, list[tuple[str, ...]]],
    labelled: dict[str, set[int]],
) -> str | None:
    stems = label_stems(theme.label, language)
    hits = [
        name
        for name, phrases in keywords.items()
        if any(_holds(stems, phrase, language) for phrase in phrases)
    ]
    if not hits:
        return None
    return max(hits, key=lambda name: (len(labelled[name] & set(theme.comment_ids)), name))
