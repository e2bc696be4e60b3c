"""``feedback-admin inbox`` with what came with the messages: listed by reference, fetched
from Telegram on demand with ``show --save``, under names that cannot leave the folder; and
why a message waits when its municipality has no staff group."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlmodel import select

from civic_feedback.services.inbox import save_draft, send_draft
from civic_feedback.services.inbox_media import Incoming
from civic_feedback.storage.models import AttachmentKind, AuditEntry, InboxSupporter
from tests.support.admin_cli import (
    Cli,
    no_traceback,
    ready_cli,
    run_cli,
    session_on,
    table_row,
    telegram_for,
    the_error_line,
)
from tests.support.citizens import add_citizen

PDF = b"%PDF-1.4 the complaint"
PHOTO = b"\xff\xd8\xff\xe0 a photo"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return ready_cli(
        tmp_path,
        MUNICIPALITIES="Sliven,Haskovo",
        STAFF_CHATS="Sliven:-100500",
        DEFAULT_LANGUAGE="en",
    )


def message_with(cli: Cli, municipality: str, parts: list[Incoming], text: str = "") -> int:
    with session_on(cli) as session:
        citizen = add_citizen(session, telegram_id=6001, language="en")
        citizen.municipality = municipality
        session.commit()
        draft = save_draft(
            session, citizen, text, language="en", text_language=None, attachments=parts
        )
        send_draft(session, citizen, draft.id or 0, "other")
        session.commit()
        return draft.id or 0


def test_the_list_says_why_a_message_waits(cli: Cli) -> None:
    number = message_with(cli, "Haskovo", [], "The park is dark at night")

    run = cli("inbox")

    no_traceback(run)
    row = table_row(run.stdout, str(number))
    assert "no staff group for Haskovo; add it to STAFF_CHATS" in " ".join(row)


async def test_show_lists_files_and_the_place_and_save_fetches_them_safely(cli: Cli) -> None:
    async with telegram_for(cli) as telegram:
        pdf_id = telegram.store_file("complaint.pdf", PDF, "application/pdf")
        photo_id = telegram.store_file("photo.jpg", PHOTO, "image/jpeg")
        number = message_with(
            cli,
            "Sliven",
            [
                Incoming(AttachmentKind.DOCUMENT, 6001, 1, file_id=pdf_id, file_size=len(PDF),
                         file_name="../../../etc/cron.d/evil $(rm -rf).pdf"),
                Incoming(AttachmentKind.PHOTO, 6001, 2, file_id=photo_id, file_size=len(PHOTO)),
                Incoming(AttachmentKind.VENUE, 6001, 3, latitude=42.68, longitude=26.32,
                         venue="Central market, bul. Tsar Osvoboditel 1"),
            ],
            "Broken bench",
        )  # fmt: skip
        folder = cli.cwd / "files"

        shown = await run_cli(cli, "inbox", "show", str(number))
        saved = await run_cli(cli, "inbox", "show", str(number), "--save", str(folder))
        again = await run_cli(cli, "inbox", "show", str(number), "--save", str(folder))

    no_traceback(shown)
    assert f"(file id {pdf_id})" in shown.stdout
    assert "📍 Central market, bul. Tsar Osvoboditel 1 · 42.680000, 26.320000" in shown.stdout
    assert "openstreetmap.org" in shown.stdout
    assert saved.returncode == 0, saved.stderr
    assert "2 files saved" in saved.stdout
    files = sorted(p.name for p in folder.iterdir())
    assert files == [f"{number}-1-evil _rm -rf_.pdf", f"{number}-2.jpg"]
    assert (folder / files[0]).read_bytes() == PDF
    assert not (cli.cwd / "etc").exists()
    assert "exists already" in the_error_line(again)  # never overwrites


def test_the_gis_export_rounds_places_unless_exact_ones_are_asked_for(cli: Cli) -> None:
    pin = Incoming(AttachmentKind.LOCATION, 6001, 1, latitude=42.682349, longitude=26.322911)
    number = message_with(cli, "Sliven", [pin], "Street light out")
    with session_on(cli) as session:
        other = add_citizen(session, telegram_id=6002, language="en")
        session.commit()
        session.add(InboxSupporter(item_id=number, citizen_id=other.id or 0))
        session.commit()

    rounded = cli("inbox", "export", "--format", "geojson", "-o", "map.geojson")
    exact = cli("inbox", "export", "--format", "csv", "-o", "map.csv", "--exact-locations")

    assert rounded.returncode == 0, rounded.stderr
    assert "places rounded to about 100 m" in rounded.stdout
    (feature,) = json.loads((cli.cwd / "map.geojson").read_text())["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [26.323, 42.682]}
    assert feature["properties"]["supporters"] == 1
    assert feature["properties"]["status"] == "new"
    assert exact.returncode == 0, exact.stderr
    with (cli.cwd / "map.csv").open(encoding="utf-8-sig", newline="") as sheet:
        (row,) = csv.DictReader(sheet)
    assert (row["latitude"], row["longitude"]) == ("42.682349", "26.322911")
    with session_on(cli) as session:
        audited = session.exec(select(AuditEntry).where(AuditEntry.action == "inbox_export")).all()
    assert [entry.details["exact_locations"] for entry in audited] == [False, True]
