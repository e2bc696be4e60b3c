"""What naming a comment's language costs on the answer path (``LanguageDetector.detect``).

Prints the one-off cost of the first call (langdetect's profiles are loaded then) and the
milliseconds per call after it, over comments of several lengths in the four languages.
Prints, never asserts.

    python benchmarks/langdetect_cost.py [--calls 5000]
"""

from __future__ import annotations

import argparse
import time

from civic_feedback.core.text_language import LanguageDetector

COMMENTS = [
    "Залата беше студена и нямаше достатъчно столове за всички.",
    "Нямаше достатъчно време за въпроси",
    "The hall was cold and there were not enough chairs for everyone.",
    "Please start on time next time",
    "Salon soğuktu ve herkes için yeterli sandalye yoktu.",
    "В зале было холодно и не хватало стульев для всех.",
    "Да се ремонтира улицата пред училището, защото децата ходят по платното "
    "и шофьорите не намаляват скоростта. Молим общината да постави и светофар.",
    "ok",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    calls = parser.parse_args().calls

    detector = LanguageDetector(["bg", "en", "tr"])
    start = time.perf_counter()
    detector.detect(COMMENTS[0])
    first = time.perf_counter() - start

    start = time.perf_counter()
    for number in range(calls):
        detector.detect(COMMENTS[number % len(COMMENTS)])
    per_call = (time.perf_counter() - start) / calls

    print(f"first call (loads {len(detector.languages)} profiles): {first * 1000:.1f} ms")
    print(f"then: {per_call * 1000:.2f} ms per comment ({calls} comments of 2 to 25 words)")


if __name__ == "__main__":
    main()
