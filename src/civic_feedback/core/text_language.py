"""The language of a free-text answer, named once when it is stored (``answer.text_language``).

Pure (no database, no network). A wrong language is worse than none, so a text too short to
tell, or one the signs below do not settle, is ``und`` (undetermined), never a guess:

- Cyrillic: Bulgarian or Russian by the letters, words and endings only one of them has
  (``bulgarian_or_russian``); when those are missing or disagree, the model decides if it is
  sure, and never against the signs. Letters of other Cyrillic alphabets (і, є, ў, ј...):
  neither.
- Latin letters: Bulgarian when most words are Bulgarian words typed in Latin letters
  (``latin_bulgarian``); a text partly made of them is undetermined; else the model names
  English or Turkish if it is sure.

The model is Lingua's (lingua-language-detector): n-gram models shipped inside the package,
deterministic, no download. It knows our four languages and two look-alikes, Croatian and
Slovene: Bulgarian typed in Latin letters that the word list misses looks like them rather
than like English or Turkish, and is then undetermined instead of wrong. It runs in its
low-accuracy mode (trigrams only): about 20 MB and 0.1 s to load, against 140-250 MB and
1-2 s, and at least as right on comments once the rules have done their part
(docs/performance.md).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from civic_feedback.core.bulgarian_or_russian import signs
from civic_feedback.core.latin_bulgarian import bulgarian_share, is_mostly_bulgarian

if TYPE_CHECKING:
    import lingua

UNDETERMINED = "und"  # ISO 639 for a text whose language was not detected
ALSO_DETECTED = ("ru",)  # not an interface language, but citizens write in it
# Shorter texts ("ok", "Great hall", "👍") carry too few words to tell bg from ru.
MIN_WORDS = 3
MIN_LETTERS = 12
# How sure the model must be (its confidence values over the languages it knows add up to 1).
MIN_CONFIDENCE = 0.8
# A Latin text with this share of Bulgarian words, though not enough to call it Bulgarian,
# is mixed or oddly typed: undetermined rather than English or Turkish.
PARTLY_BULGARIAN = 0.3
MODEL_LANGUAGES = ("bg", "en", "ru", "tr")  # whatever LANGUAGES offers, the model knows these
LOOK_ALIKES = ("hr", "sl")  # named by the model for Latin Bulgarian it is unsure of: und
_CYRILLIC = ("bg", "ru")
_LATIN = ("en", "tr")
# Ukrainian, Belarusian, Serbian and Macedonian letters: a text of neither of our languages.
_OTHER_CYRILLIC = re.compile("[іїєґўјљњќѓџѕ]", re.IGNORECASE)


def detection_languages(interface_languages: Iterable[str]) -> tuple[str, ...]:
    """The languages a text may be detected as: LANGUAGES plus Russian, sorted."""
    return tuple(sorted({*interface_languages, *ALSO_DETECTED}))


class LanguageDetector:
    """Names a text's language among a fixed set; safe to share between threads."""

    def __init__(self, interface_languages: Iterable[str]) -> None:
        self.languages = detection_languages(interface_languages)
        self._model: lingua.LanguageDetector | None = None  # loaded by the first text needing it
        self._loading = threading.Lock()

    def detect(self, text: str) -> str:
        """A language code from ``languages``, or ``und``. The same text always gets the same."""
        words = [word for word in text.split() if any(c.isalpha() for c in word)]
        if len(words) < MIN_WORDS or sum(c.isalpha() for c in text) < MIN_LETTERS:
            return UNDETERMINED
        cyrillic = sum("\u0400" <= c <= "\u04ff" for c in text)
        latin = sum(c.isalpha() and c < "\u0250" for c in text)
        if cyrillic > latin:
            language = self._cyrillic(text)
        elif latin > cyrillic:
            language = self._latin(text)
        else:
            language = UNDETERMINED
        return language if language in self.languages else UNDETERMINED

    def _cyrillic(self, text: str) -> str:
        if _OTHER_CYRILLIC.search(text):
            return UNDETERMINED
        found = signs(text)
        verdict = found.verdict()
        if verdict is not None:
            return verdict
        guess = self._model_choice(text, _CYRILLIC)
        return guess if found.allow(guess) else UNDETERMINED

    def _latin(self, text: str) -> str:
        bulgarian, total = bulgarian_share(text)
        if is_mostly_bulgarian(bulgarian, total):
            return "bg"
        if bulgarian >= max(1, PARTLY_BULGARIAN * total):
            return UNDETERMINED
        return self._model_choice(text, _LATIN)

    def _model_choice(self, text: str, among: tuple[str, ...]) -> str:
        """The language of ``among`` the model is sure of, or ``und`` (also when it names
        another: a look-alike, or a language of the text's other script)."""
        values = self._lingua().compute_language_confidence_values(text)
        if not values or values[0].value < MIN_CONFIDENCE:
            return UNDETERMINED
        best = str(values[0].language.iso_code_639_1.name.lower())
        return best if best in among else UNDETERMINED

    def _lingua(self) -> lingua.LanguageDetector:
        if self._model is None:
            with self._loading:
                if self._model is None:
                    self._model = self._load_model()
        return self._model

    def _load_model(self) -> lingua.LanguageDetector:
        """Lingua's detector for MODEL_LANGUAGES and LOOK_ALIKES, their trigrams loaded now."""
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        codes = (*MODEL_LANGUAGES, *LOOK_ALIKES)
        known = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes]
        builder = LanguageDetectorBuilder.from_languages(*known).with_low_accuracy_mode()
        return builder.with_preloaded_language_models().build()
