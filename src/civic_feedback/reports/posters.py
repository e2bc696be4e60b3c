"""A printable poster: what scanning does, the QR code of a deep link, the title, and where
and when, in the deployment's language.

Texts in the poster's language come from the short table here (reports/ has no translation
catalogue of its own); a language missing from it falls back to Bulgarian.
"""

from __future__ import annotations

import textwrap
from enum import StrEnum
from pathlib import Path

POSTER_FORMATS = (".png", ".svg", ".pdf")


class PosterAction(StrEnum):
    """What the code opens, hence what the poster asks people to do."""

    REGISTER = "register"  # the event's card
    CHECK_IN = "check_in"
    FEEDBACK = "feedback"
    PROPOSE = "propose"  # a public consultation


CALLS: dict[PosterAction, dict[str, str]] = {
    PosterAction.REGISTER: {
        "bg": "Сканирайте, за да се регистрирате",
        "en": "Scan to register",
        "tr": "Kayıt olmak için tarayın",
    },
    PosterAction.CHECK_IN: {
        "bg": "Сканирайте, за да отбележите присъствие",
        "en": "Scan to check in",
        "tr": "Katılımınızı bildirmek için tarayın",
    },
    PosterAction.FEEDBACK: {
        "bg": "Сканирайте, за да дадете мнение",
        "en": "Scan to give your feedback",
        "tr": "Görüşünüzü bildirmek için tarayın",
    },
    PosterAction.PROPOSE: {
        "bg": "Сканирайте, за да изпратите предложение",
        "en": "Scan to send a proposal",
        "tr": "Öneri göndermek için tarayın",
    },
}


def call_to_action(action: PosterAction, language: str) -> str:
    return CALLS[action].get(language, CALLS[action]["bg"])


def write_qr_poster(
    link: str, *, action: PosterAction, language: str, title: str, details: str, path: Path
) -> None:
    """Draw, on an A5 page: what scanning does, the QR code of ``link``, the title, the
    ``details`` (place and time) and the link itself for those who type it.

    SVG keeps its texts as text (a print shop can edit them). matplotlib and segno are
    imported here, not at module load: only posters need them.
    """
    import matplotlib
    import segno

    matplotlib.use("Agg")
    from matplotlib import pyplot

    if path.suffix.lower() not in POSTER_FORMATS:
        raise ValueError(f"write the poster as {', '.join(POSTER_FORMATS)}, not {path.suffix!r}")
    matrix = [list(row) for row in segno.make(link, error="m", micro=False).matrix]
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure = pyplot.figure(figsize=(5.83, 8.27))  # A5 portrait, inches
        try:
            call = "\n".join(textwrap.wrap(call_to_action(action, language), width=36)[:2])
            figure.text(0.5, 0.96, call, ha="center", va="top", fontsize=15, weight="bold")
            axes = figure.add_axes((0.15, 0.33, 0.7, 0.7 * 5.83 / 8.27))
            axes.imshow(matrix, cmap="binary", interpolation="nearest")
            axes.set_axis_off()
            wrapped = "\n".join(textwrap.wrap(title, width=30)[:3])
            figure.text(0.5, 0.29, wrapped, ha="center", va="top", fontsize=16, weight="bold")
            lines = "\n".join(textwrap.wrap(details, width=50)[:3])
            figure.text(0.5, 0.12, lines, ha="center", va="top", fontsize=11)
            figure.text(0.5, 0.03, link, ha="center", va="bottom", fontsize=8, color="#333333")
            figure.savefig(path, dpi=300)
        finally:
            pyplot.close(figure)
