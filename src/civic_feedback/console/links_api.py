"""Download links for Telegram's phone apps (download_links.py): the page asks for one with
its init data, then Telegram's app fetches the file with the link alone.

``POST /api/links`` ``{"file": kind, "params": {...}}`` checks the request as the file's own
route would (the same role, the same refusals) and answers the link and the file's name.
``GET /api/links/{token}`` serves the file if the link is ours, unaltered and unexpired,
and its staff member still has the role and municipality they had: the same function makes
it as the page's route does. Anything else is refused with nothing served.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.download_links import (
    MAX_REQUEST,
    FileRequest,
    LinkRefusedError,
    claim_for,
    link_key,
    request_size,
    sign_link,
    verify_link,
)
from civic_feedback.console.files import FileParams
from civic_feedback.storage.roles import Permission, may

log = logging.getLogger(__name__)


def add_routes(door: Door, app: web.Application) -> None:
    key = link_key(door.token)

    async def made(request: web.Request) -> web.Response:
        opened = await door.access(request, Permission.SUMMARY)  # any role; the file's below
        kind_name, params = _file_request(await json_body(request))
        kind = door.files.get(kind_name)
        if kind is None:
            raise refusal(web.HTTPUnprocessableEntity, "malformed")
        if not may(opened.role, kind.permission):
            log.warning("console_refused reason=permission permission=%s", kind.permission.value)
            raise refusal(web.HTTPForbidden, "not_allowed")
        name = await kind.name(opened, params)
        claim = claim_for(
            opened.telegram_id, opened.municipality, FileRequest(kind_name, params), door.clock()
        )
        return web.json_response({"url": f"api/links/{sign_link(key, claim)}", "name": name})

    async def used(request: web.Request) -> web.Response:
        try:
            claim = verify_link(key, request.match_info["token"], door.clock())
        except LinkRefusedError as refused:
            log.warning("console_refused reason=link_%s", refused.reason)
            raise refusal(web.HTTPForbidden, "link_refused") from None
        kind = door.files.get(claim.request.kind)
        if kind is None:  # a kind this version no longer makes
            raise refusal(web.HTTPForbidden, "link_refused")
        access = await door.staff(claim.telegram_id, None, kind.permission)
        if access.municipality != claim.municipality:
            log.warning("console_refused reason=link_municipality")
            raise refusal(web.HTTPForbidden, "link_refused")
        return (await kind.make(access, claim.request.params)).response()

    app.router.add_post("/api/links", made)
    app.router.add_get("/api/links/{token}", used)


def _file_request(body: Any) -> tuple[str, FileParams]:
    """A file's kind and its parameters: strings or nulls, a few short fields."""
    if not isinstance(body, dict):
        raise refusal(web.HTTPUnprocessableEntity, "malformed")
    kind, params = body.get("file"), body.get("params")
    if (
        not isinstance(kind, str)
        or not isinstance(params, dict)
        or not all(value is None or isinstance(value, str) for value in params.values())
        or request_size(params) > MAX_REQUEST
    ):
        raise refusal(web.HTTPUnprocessableEntity, "malformed")
    return kind, params
