"""A printable poster: the QR code of a deep link with the event's title underneath."""

from __future__ import annotations

import textwrap
from pathlib import Path

import segno

POSTER_FORMATS = (".png", ".svg", ".pdf")


def write_qr_poster(link: str, title: str, caption: str, path: Path) -> None:
    """Draw the QR code of ``link`` on an A5 page with the title (and a caption) below it.

    matplotlib is imported here, not at module load: only this command needs it.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    if path.suffix.lower() not in POSTER_FORMATS:
        raise ValueError(f"write the poster as {', '.join(POSTER_FORMATS)}, not {path.suffix!r}")
    matrix = [list(row) for row in segno.make(link, error="m", micro=False).matrix]
    figure = pyplot.figure(figsize=(5.83, 8.27))  # A5 portrait, inches
    try:
        axes = figure.add_axes((0.1, 0.32, 0.8, 0.8 * 5.83 / 8.27))
        axes.imshow(matrix, cmap="binary", interpolation="nearest")
        axes.set_axis_off()
        wrapped = "\n".join(textwrap.wrap(title, width=28)[:4])
        figure.text(0.5, 0.24, wrapped, ha="center", va="top", fontsize=20, weight="bold")
        figure.text(0.5, 0.06, caption, ha="center", va="bottom", fontsize=9, color="#333333")
        figure.savefig(path, dpi=300)
    finally:
        pyplot.close(figure)
