"""What came with inbox messages, from the command line: described, and fetched on demand
from Telegram (the database keeps only Telegram's references)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.admin_cli.telegram_identity import call_bot
from civic_feedback.services.inbox_media import map_link
from civic_feedback.settings import Settings
from civic_feedback.storage.models import AttachmentKind, InboxAttachment

if TYPE_CHECKING:
    from aiogram import Bot

_EXTENSIONS = {AttachmentKind.PHOTO: ".jpg", AttachmentKind.VOICE: ".ogg"}
_UNSAFE = re.compile(r"[^\w.\- ]+")


def describe(part: InboxAttachment) -> str:
    """One line: the kind, name and size, or the place with its map link."""
    if part.latitude is not None and part.longitude is not None:
        where = f"{part.venue} · " if part.venue else ""
        link = map_link(part.latitude, part.longitude)
        return f"📍 {where}{part.latitude:.6f}, {part.longitude:.6f} {link}"
    size = f", {part.file_size / 1024:.0f} KB" if part.file_size else ""
    name = f" {part.file_name}" if part.file_name else ""
    return f"📎 {part.kind}{name}{size} (file id {part.file_id})"


def file_name(part: InboxAttachment, number: int) -> str:
    """A safe local name: the item, the attachment, and the sender's name with nothing that
    could leave the folder or trouble a shell."""
    given = Path(part.file_name or "").name
    given = _UNSAFE.sub("_", given).strip(" .")[:80]
    stem = f"{number}-{part.id}"
    return f"{stem}-{given}" if given else stem + _EXTENSIONS.get(AttachmentKind(part.kind), "")


def save_files(
    settings: Settings, parts: list[InboxAttachment], folder: Path, number: int
) -> list[Path]:
    """Fetch each file from Telegram into ``folder``; an existing file is never overwritten."""
    if folder.exists() and not folder.is_dir():
        raise CliError(f"--save {folder}: not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    targets = [(part, folder / file_name(part, number)) for part in parts]
    taken = [str(path) for _, path in targets if path.exists()]
    if taken:
        raise CliError(f"--save: {taken[0]} exists already; choose an empty folder")

    async def fetch(bot: Bot) -> list[Path]:
        saved = []
        for part, path in targets:
            assert part.file_id is not None
            found = await bot.get_file(part.file_id)
            if found.file_path is None:
                continue  # too large for the Bot API to hand over (over 20 MB)
            await bot.download_file(found.file_path, destination=path)
            saved.append(path)
        return saved

    return call_bot(settings, "fetch the files from Telegram", fetch)
