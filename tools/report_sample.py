"""Redo the sample report of docs/report.md from the sandbox's demo data:

    .venv/bin/python tools/report_sample.py

A scratch SQLite database gets the demo of ``feedback-bot sandbox --history`` as it stood on
``SAMPLE_NOW`` (its event, consultation and staff member, and six past weeks); then
``feedback-admin report`` writes those six weeks in Bulgarian as DOCX and as Markdown,
LibreOffice (``soffice``) turns the DOCX into PDF and ``pdftoppm`` its pages into PNG. Written:
docs/images/report-page-<n>.png, docs/report-sample.md with its charts in
docs/report-sample-charts/, and the list of the pages in docs/report.md (between its two
``sample pages`` comments), each with alternative text naming the sections on it, as
``pdftotext`` reads them. Every PNG is reduced to 256 colours, which keeps them small.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from civic_feedback.sandbox.demo import DEMO_MUNICIPALITIES, seed_demo
from civic_feedback.sandbox.demo_history import HISTORY_WEEKS, history_start
from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database
from civic_feedback.storage.flow_versions import install_library

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
IMAGES = DOCS / "images"
MARKDOWN = DOCS / "report-sample.md"
REPORT_DOC = DOCS / "report.md"
PAGES_START = "<!-- sample pages: tools/report_sample.py writes them -->"
PAGES_END = "<!-- end of sample pages -->"
PAGE = "report-page-{}.png"
ZONE = ZoneInfo("Europe/Sofia")
SAMPLE_NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday: six whole weeks before it
RESOLUTION = 90  # dots per inch of the page pictures
TIMEOUT = 300  # seconds for each outside program
PROGRAMS = {
    "soffice": "libreoffice-writer",
    "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils",
}


def main() -> None:
    missing = sorted({package for name, package in PROGRAMS.items() if not shutil.which(name)})
    if missing:
        sys.exit(f"install {' and '.join(missing)} first (apt-get install {' '.join(missing)})")
    first = history_start(SAMPLE_NOW, ZONE)
    last = first + timedelta(weeks=HISTORY_WEEKS, days=-1)
    with tempfile.TemporaryDirectory(prefix="report-sample-") as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'demo.db'}"
        demo_database(url)
        docx = folder / "report.docx"
        feedback_admin(url, (first, last), "docx", docx, folder)
        charts = MARKDOWN.with_name(f"{MARKDOWN.stem}-charts")
        for old in charts.glob("*.png"):  # a chart the report no longer draws goes too
            old.unlink()
        feedback_admin(url, (first, last), "md", MARKDOWN, folder)
        pages = page_pictures(docx, folder)
        sections = page_sections(docx.with_suffix(".pdf"), len(pages))
    list_pages(pages, sections)
    for chart in sorted(charts.glob("*.png")):
        shrink(chart)
    total = sum(path.stat().st_size for path in pages)
    print(f"{len(pages)} pages, {total // 1024} KB, of the report of {first} – {last}:")
    for path in pages:
        print(f"  {path.relative_to(ROOT)}")
    print(f"Markdown: {MARKDOWN.relative_to(ROOT)}")


def demo_database(url: str) -> None:
    """The database as ``feedback-bot sandbox --history`` leaves it on its first start at
    SAMPLE_NOW."""
    upgrade_database(url, then=install_library)
    engine = create_db_engine(url)
    try:
        with session_factory(engine).begin() as session:
            seed_demo(session, ZONE, SAMPLE_NOW, list(DEMO_MUNICIPALITIES), history=True)
    finally:
        engine.dispose()


def feedback_admin(
    url: str, period: tuple[date, date], form: str, output: Path, home: Path
) -> None:
    """``feedback-admin report`` as staff run it, on the demo database (``home``: a scratch
    folder for what the programs it loads keep, matplotlib's font cache)."""
    script = Path(sys.executable).with_name("feedback-admin")
    environment = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "DATABASE_URL": url,
        "TIMEZONE": ZONE.key,
        "MUNICIPALITIES": ",".join(DEMO_MUNICIPALITIES),
    }
    command = [str(script), "report", "--from", f"{period[0]}", "--to", f"{period[1]}"]
    run([*command, "--format", form, "-o", str(output)], environment)


def page_pictures(docx: Path, folder: Path) -> list[Path]:
    """The DOCX's pages as PNG files in docs/images, numbered from 1; earlier ones removed."""
    profile = (folder / "office-profile").as_uri()  # LibreOffice's own, apart from any other
    run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(docx),
        ]
    )
    run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(RESOLUTION),
            str(docx.with_suffix(".pdf")),
            str(folder / "page"),
        ]
    )
    for old in IMAGES.glob(PAGE.format("*")):
        old.unlink()
    drawn = sorted(folder.glob("page-*.png"), key=lambda path: int(path.stem.split("-")[-1]))
    pages = []
    for number, picture in enumerate(drawn, start=1):
        page = IMAGES / PAGE.format(number)
        picture.replace(page)
        shrink(page)
        pages.append(page)
    return pages


def page_sections(pdf: Path, pages: int) -> list[str]:
    """Per page, the report's headings (from its Markdown) on it, in order; the section a page
    goes on with comes first (none when the page starts with the next heading). A heading is
    looked for after the one before it only."""
    headings = [
        re.sub(r"\\(.)", r"\1", line.lstrip("#").strip())  # without Markdown's escapes
        for line in MARKDOWN.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    found, current = [], 0
    for number in range(1, pages + 1):
        page = read(["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"])
        text, on_page = " ".join(page.split()), []
        starts_anew = current < len(headings) and text.startswith(headings[current])
        if current and not starts_anew and not text.startswith(headings[current - 1]):
            on_page.append(f"{headings[current - 1]} (continued)")
        while current < len(headings) and headings[current] in text:
            on_page.append(headings[current])
            text = text[text.index(headings[current]) + len(headings[current]) :]
            current += 1
        found.append("; ".join(on_page))
    return found


def list_pages(pages: list[Path], sections: list[str]) -> None:
    """The pictures of the pages in docs/report.md, each with alternative text."""
    document = REPORT_DOC.read_text(encoding="utf-8")
    before, rest = document.split(PAGES_START)
    after = rest.split(PAGES_END)[1]
    lines = [
        f"![Page {number} of {len(pages)} of the sample report: {on_page}](images/{page.name})\n"
        for number, (page, on_page) in enumerate(zip(pages, sections, strict=True), start=1)
    ]
    listed = "\n".join([PAGES_START, "", *lines, PAGES_END])
    REPORT_DOC.write_text(before + listed + after, encoding="utf-8")


def shrink(picture: Path) -> None:
    """256 colours are plenty for text and charts, and take a third of the bytes or less."""
    with Image.open(picture) as image:
        reduced = image.convert("RGB").quantize(256)
    reduced.save(picture, optimize=True)


def run(command: list[str], environment: dict[str, str] | None = None) -> None:
    read(command, environment)


def read(command: list[str], environment: dict[str, str] | None = None) -> str:
    """What ``command`` printed; a failure ends the script with what it said."""
    done = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


if __name__ == "__main__":
    main()
