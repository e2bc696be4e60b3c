"""The language of a free-text answer, named once when it is stored (``answer.text_language``).

Pure (no database): langdetect, restricted to the deployment's languages. A text too short
to tell, or one langdetect is unsure about, is ``und`` (undetermined), never a guess.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from importlib import resources
from typing import Any

UNDETERMINED = "und"  # ISO 639 for a text whose language was not detected
ALSO_DETECTED = ("ru",)  # not an interface language, but citizens write in it
# Shorter texts ("ok", "Great hall", "👍") carry too few letter sequences to tell bg from ru.
MIN_WORDS = 3
MIN_LETTERS = 12
# langdetect runs 7 seeded random trials; 0.8 means at least 6 of them agree.
MIN_PROBABILITY = 0.8
# Letters Russian writes and Bulgarian does not. langdetect calls plain Bulgarian Russian with
# full confidence ("Беше много полезно"), so Russian without one of these is undetermined,
# and so is "Bulgarian" with one of them.
_RUSSIAN_ONLY_LETTERS = frozenset("ыэёЫЭЁ")


def detection_languages(interface_languages: Iterable[str]) -> tuple[str, ...]:
    """The languages a text may be detected as: LANGUAGES plus Russian, sorted."""
    return tuple(sorted({*interface_languages, *ALSO_DETECTED}))


class LanguageDetector:
    """Names a text's language among a fixed set; safe to share between threads."""

    def __init__(self, interface_languages: Iterable[str]) -> None:
        self.languages = detection_languages(interface_languages)
        self._factory: Any = None  # langdetect's, loaded on the first text: it takes a while
        self._loading = threading.Lock()

    def detect(self, text: str) -> str:
        """A language code from ``languages``, or ``und``. The same text always gets the same."""
        words = [word for word in text.split() if any(c.isalpha() for c in word)]
        letters = sum(c.isalpha() for c in text)
        if len(words) < MIN_WORDS or letters < MIN_LETTERS:
            return UNDETERMINED
        from langdetect.lang_detect_exception import LangDetectException

        detector = self._detector_factory().create()
        detector.append(text)
        try:
            best = detector.get_probabilities()[0]
        except LangDetectException:  # none of the text's letter sequences is in a profile
            return UNDETERMINED
        language = str(best.lang)
        if best.prob < MIN_PROBABILITY:
            return UNDETERMINED
        russian_letters = not _RUSSIAN_ONLY_LETTERS.isdisjoint(text)
        if language in ("bg", "ru") and (language == "ru") != russian_letters:
            return UNDETERMINED
        return language

    def _detector_factory(self) -> Any:
        if self._factory is None:
            with self._loading:
                if self._factory is None:
                    self._factory = _load_factory(self.languages)
        return self._factory


def _load_factory(languages: tuple[str, ...]) -> Any:
    """A langdetect factory that knows only ``languages`` (20 ms, not 0.4 s for all 55)."""
    from langdetect.detector_factory import DetectorFactory

    profiles = resources.files("langdetect") / "profiles"
    factory = DetectorFactory()
    factory.load_json_profile([(profiles / code).read_text("utf-8") for code in languages])
    # Each detection seeds its own random generator with this: same text, same answer.
    factory.seed = 0
    return factory
