"""Themes in comments: how well they match the labelled set, and how long they take.

Prints, per language, the precision and recall of the top themes on the labelled test set
and on the development set (tests/support/theme_scores.py defines both), then the time to
find the themes of ``--comments`` comments per language (the labelled comments repeated,
each copy with an id of its own) and to pick the quotes of those themes, best of
``--repeat`` runs, each with a fresh stemmer cache. Prints, never asserts.

    python benchmarks/comment_themes.py [--comments 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from tests.support.theme_scores import (
    DEVELOPMENT_SET,
    TEST_SET,
    labelled_comments,
    score,
)

from civic_feedback.core.comment_quotes import theme_quotes
from civic_feedback.core.comment_themes import THEMED_LANGUAGES, find_themes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name, path in (("test", TEST_SET), ("development", DEVELOPMENT_SET)):
        comments = labelled_comments(path)
        print(f"{name} set ({path.name}):")
        for language in THEMED_LANGUAGES:
            scores = score(comments, language)
            print(
                f"  {language}: {scores.comments} comments, top {scores.k}: "
                f"precision {scores.precision:.2f}, recall {scores.recall:.2f}, "
                f"labelled themes found {scores.labelled_themes_found} of {scores.k}"
            )
    labelled = labelled_comments(TEST_SET)
    print(f"speed, {args.comments} comments per language, best of {args.repeat}:")
    for language in THEMED_LANGUAGES:
        mine = [c.text for c in labelled if c.language == language]
        texts = {i: mine[i % len(mine)] for i in range(args.comments)}
        themes_ms, quotes_ms = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            themes = find_themes(texts.items(), language)
            found = time.perf_counter()
            for theme in themes:
                theme_quotes(theme, texts, language)
            themes_ms.append((found - started) * 1000)
            quotes_ms.append((time.perf_counter() - found) * 1000)
        print(
            f"  {language}: themes {min(themes_ms):.0f} ms, quotes of {len(themes)} themes "
            f"{min(quotes_ms):.0f} ms"
        )


if __name__ == "__main__":
    main()
