"""The console's files (posters, attendance lists, exports): each made by one function, which
its page's route and a download link (download_links.py) both call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from civic_feedback.console.access import StaffAccess
from civic_feedback.storage.roles import Permission

# What a file is asked with: JSON strings (or null), as the page sends them.
FileParams = dict[str, Any]


@dataclass(frozen=True)
class DownloadFile:
    name: str
    media_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def response(self) -> web.Response:
        disposition = f'attachment; filename="{self.name}"'
        return web.Response(
            body=self.body,
            content_type=self.media_type,
            headers={"Content-Disposition": disposition, **self.headers},
        )


@dataclass(frozen=True)
class FileKind:
    """One kind of file: who may have it, its name once the request is checked (refused as
    the file itself would be), and the file."""

    permission: Permission
    name: Callable[[StaffAccess, FileParams], Awaitable[str]]
    make: Callable[[StaffAccess, FileParams], Awaitable[DownloadFile]]
