"""Themes in citizens' comments: the phrases of one to three words that many comments share.

Pure and deterministic: the same comments give the same themes, in the same order. Per
language, in four steps (docs/exports.md#themes-in-comments says what staff see):

1. Each comment is cut into clauses at punctuation and digits; the words of a clause are put
   in lower case and stemmed (``word_stems``). Stop words (``theme_words/stop_*.txt``) carry
   no theme, but a phrase may span them: "време за въпроси", "time for questions".
2. A candidate is a run of one to three content words of one clause with at most
   ``_MAX_GAP`` stop words between neighbours, keyed by its stems. Generic words
   (``theme_words/generic_*.txt``: meeting, municipality, good...) may be part of a
   candidate, never all of it. A candidate counts the comments that hold it, once each.
3. Candidates held by at least ``min_comments`` comments (2, or 2 % of them if that is more)
   are ranked by that count times a weight that grows with the number of words, so a
   two-word phrase that most comments with its words share comes before the single word.
   Taken in that order, a candidate that shares a word with a chosen theme and whose
   comments are mostly that theme's joins it (its comments count for the theme: the
   comments that say only "излъчване" join "онлайн излъчване"); one whose comments the
   chosen themes already hold is dropped; any other becomes a new theme, up to ``top``.
4. A theme is labelled with the most frequent way its first phrase was written.

Turkish adds one step between 1 and 2: a stem that starts with another stem of the same
comments is merged into it ("toplantı", "toplant" -> "topla"), because the Snowball
stemmer cuts some bare Turkish nouns shorter than their suffixed forms.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from civic_feedback.core.word_stems import STEMMED_LANGUAGES, WordStemmer, lowercase

THEMED_LANGUAGES = STEMMED_LANGUAGES
_MAX_WORDS = 3
_MAX_GAP = 2  # stop words allowed between two words of a phrase
_LENGTH_WEIGHT = (0.0, 1.0, 1.5, 1.8)  # by number of words
_MIN_COMMENTS = 2
_MIN_SHARE = 0.02
_JOIN_SHARE = 0.5  # a candidate joins a theme holding at least this share of its comments
_COVERED_SHARE = 0.8  # a candidate this covered by the chosen themes is not a new theme
_TURKISH_MIN_PREFIX = 3

# A clause is a run of words, spaces, hyphens and apostrophes; anything else ends it.
_CLAUSE = re.compile(r"(?:[^\W\d_]+(?:[-'’&][^\W\d_]+)*[\s]*)+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’&][^\W\d_]+)*")
_BULGARIAN_DEGREE = re.compile(r"^(?:по|най)-")


@dataclass(frozen=True)
class Theme:
    """A phrase many comments share, and the comments (ids, ascending) that mention it."""

    label: str
    stems: tuple[str, ...]
    comment_ids: tuple[int, ...]
    forms: tuple[str, ...]  # the labelled phrase as written (lower case), most frequent first

    @property
    def count(self) -> int:
        return len(self.comment_ids)


@dataclass(frozen=True)
class _Word:
    stem: str
    start: int
    end: int
    position: int  # in the clause, stop words included


@dataclass
class _Candidate:
    stems: tuple[str, ...]
    comments: set[int] = field(default_factory=set)
    forms: Counter[str] = field(default_factory=Counter)


@dataclass
class _Chosen:
    head: _Candidate
    stems: set[str]
    comments: set[int]


def find_themes(
    comments: Iterable[tuple[int, str]], language: str, *, top: int = 10
) -> list[Theme]:
    """The ``top`` themes of ``comments`` (id, text) written in ``language``, most held first."""
    if language not in THEMED_LANGUAGES:
        raise ValueError(f"themes are found in {', '.join(THEMED_LANGUAGES)}, not {language!r}")
    stemmer = WordStemmer(language)
    stop = stop_words(language)
    texts: list[tuple[int, str, list[list[_Word]]]] = []
    for comment_id, text in comments:
        lowered = lowercase(text, language)
        texts.append((comment_id, lowered, list(_clauses(lowered, language, stop, stemmer))))
    merged = _merged_stems(texts) if language == "tr" else {}
    generic = {merged.get(stem, stem) for stem in generic_stems(language)}
    candidates = _candidates(texts, merged, generic)
    least = max(_MIN_COMMENTS, math.ceil(_MIN_SHARE * len(texts)))
    ranked = sorted(
        (c for c in candidates.values() if len(c.comments) >= least),
        key=lambda c: (-len(c.comments) * _LENGTH_WEIGHT[len(c.stems)], -len(c.stems), c.stems),
    )
    chosen = _choose(ranked, top)
    themes = [_theme(theme) for theme in chosen]
    return sorted(themes, key=lambda theme: (-theme.count, theme.label))


def _clauses(
    lowered: str, language: str, stop: frozenset[str], stemmer: WordStemmer
) -> Iterable[list[_Word]]:
    """Each clause's content words, with their place; stop words only advance the place."""
    for clause in _CLAUSE.finditer(lowered):
        words: list[_Word] = []
        for position, match in enumerate(_WORD.finditer(lowered, clause.start(), clause.end())):
            word = match.group()
            if language == "tr":
                word = re.split("['’]", word, maxsplit=1)[0]  # "bey'e": the suffix goes
            elif language == "bg":
                word = _BULGARIAN_DEGREE.sub("", word)  # "по-добри": the degree goes
            if len(word) < 2 or word in stop:
                continue
            words.append(_Word(stemmer.stem(word), match.start(), match.end(), position))
        if words:
            yield words


def _merged_stems(texts: list[tuple[int, str, list[list[_Word]]]]) -> dict[str, str]:
    """Each stem that starts with a shorter stem of the same comments, mapped to the shortest."""
    stems = {word.stem for _, _, clauses in texts for clause in clauses for word in clause}
    merged: dict[str, str] = {}
    for stem in sorted(stems, key=len):
        for end in range(_TURKISH_MIN_PREFIX, len(stem)):
            if stem[:end] in stems:
                merged[stem] = merged.get(stem[:end], stem[:end])
                break
    return merged


def _candidates(
    texts: list[tuple[int, str, list[list[_Word]]]], merged: dict[str, str], generic: set[str]
) -> dict[tuple[str, ...], _Candidate]:
    candidates: dict[tuple[str, ...], _Candidate] = {}
    for comment_id, lowered, clauses in texts:
        for clause in clauses:
            stems = [merged.get(word.stem, word.stem) for word in clause]
            for first in range(len(clause)):
                for last in range(first, min(first + _MAX_WORDS, len(clause))):
                    gap = clause[last].position - clause[last - 1].position - 1
                    if last > first and gap > _MAX_GAP:
                        break
                    key = tuple(stems[first : last + 1])
                    if all(stem in generic for stem in key):
                        continue
                    candidate = candidates.get(key)
                    if candidate is None:
                        candidate = candidates[key] = _Candidate(key)
                    candidate.comments.add(comment_id)
                    form = lowered[clause[first].start : clause[last].end]
                    candidate.forms[" ".join(form.split())] += 1
    return candidates


def _choose(ranked: list[_Candidate], top: int) -> list[_Chosen]:
    chosen: list[_Chosen] = []
    for candidate in ranked:
        comments = candidate.comments
        share = len(comments)
        theme = _theme_to_join(chosen, candidate.stems, comments)
        if theme is not None:
            theme.comments |= comments
            theme.stems.update(candidate.stems)
            _merge_joined_themes(chosen, theme)
            continue
        if len(chosen) >= top:
            continue
        covered = set().union(*(theme.comments for theme in chosen)) & comments
        if len(covered) >= _COVERED_SHARE * share:
            continue
        chosen.append(_Chosen(candidate, set(candidate.stems), set(comments)))
    return chosen


def _theme_to_join(
    chosen: list[_Chosen], stems: Iterable[str], comments: set[int]
) -> _Chosen | None:
    """The first chosen theme sharing a word with a phrase and most of its comments."""
    for theme in chosen:
        shared = len(comments & theme.comments)
        if not theme.stems.isdisjoint(stems) and shared >= _JOIN_SHARE * len(comments):
            return theme
    return None


def _merge_joined_themes(chosen: list[_Chosen], grown: _Chosen) -> None:
    """Later themes that now share a word with ``grown`` and mostly its comments join it:
    "онлайн" and "излъчване" are one theme once "онлайн излъчване" has joined either."""
    for theme in list(chosen):
        if theme is grown or chosen.index(theme) < chosen.index(grown):
            continue
        if _theme_to_join([grown], theme.stems, theme.comments) is grown:
            grown.comments |= theme.comments
            grown.stems |= theme.stems
            chosen.remove(theme)


def _theme(chosen: _Chosen) -> Theme:
    # Most frequent first; on a tie the shorter (the plainer form), then the one typed with
    # more of the language's own letters ("toplantı saati" before "toplanti saati").
    forms = sorted(
        chosen.head.forms.items(),
        key=lambda item: (-item[1], len(item[0]), -sum(not c.isascii() for c in item[0]), item[0]),
    )
    return Theme(
        label=forms[0][0],
        stems=chosen.head.stems,
        comment_ids=tuple(sorted(chosen.comments)),
        forms=tuple(form for form, _ in forms),
    )


def _word_list(name: str) -> list[str]:
    text = (resources.files("civic_feedback.core") / "theme_words" / name).read_text("utf-8")
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return [word for line in lines for word in line.split()]


@cache
def stop_words(language: str) -> frozenset[str]:
    """The words of ``language`` that carry no theme, in lower case."""
    return frozenset(_word_list(f"stop_{language}.txt"))


@cache
def generic_stems(language: str) -> frozenset[str]:
    """The stems of the words that are part of a theme at most, never a theme alone."""
    stemmer = WordStemmer(language)
    return frozenset(stemmer.stem(word) for word in _word_list(f"generic_{language}.txt"))
