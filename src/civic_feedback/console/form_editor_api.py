"""The form editor's routes: where a form starts (blank, built-in, published), the model
checked, tried, written as YAML (downloaded at once, or kept a minute or two for a download
link: download_drafts.py) and published, and an uploaded YAML opened as a model (admins and
organizers; publishing only for those who may change forms; see form_editor.py).
Where a form starts, the answer names TIMEZONE too: the window's times are written in it.

Reading a form takes time (a 58 KB form: 0.03 s, and 0.2 s more when it has a problem, as the
loader then reads it again with the pure-Python parser to name it), so the loader runs in a
worker thread, never on the event loop the bot's updates share.
"""

from __future__ import annotations

from asyncio import to_thread

from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.files import DownloadFile, FileKind, FileParams
from civic_feedback.console.form_editor import (
    checked_model,
    library_model,
    model_file,
    model_of_yaml,
    published_model,
    starters,
)
from civic_feedback.console.form_preview import PreviewRefusedError, preview
from civic_feedback.console.forms import ConsoleActor, FormRefusedError, check_summary, publish
from civic_feedback.console.forms_api import ALLOWED, FORM_ID, refused
from civic_feedback.storage.download_drafts import draft_for, keep_draft

BASE = "/api/form-editor"
YAML_TYPE = "application/yaml"
MAX_DRAFT_ID = 32


def add_routes(door: Door, app: web.Application) -> None:
    zone = door.settings.zone

    async def starting_points(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        started = await to_thread(starters, access.language)
        return web.json_response({**started, "zone": door.settings.timezone})

    async def built_in(request: web.Request) -> web.Response:
        await door.access(request, ALLOWED)
        model = await to_thread(library_model, request.match_info["flow_id"])
        if model is None:
            raise refusal(web.HTTPNotFound, "not_found")
        return web.json_response({**model, "zone": door.settings.timezone})

    async def published(request: web.Request) -> web.Response:
        await door.access(request, ALLOWED)
        flow_id = request.match_info["flow_id"]
        model = await door.read(lambda session: published_model(session, flow_id, zone))
        if model is None:
            raise refusal(web.HTTPNotFound, "not_found")
        return web.json_response({**model, "zone": door.settings.timezone})

    async def check(request: web.Request) -> web.Response:
        await door.access(request, ALLOWED)
        body = await json_body(request)
        try:
            return web.json_response(check_summary(await to_thread(checked_model, body, zone)))
        except FormRefusedError as error:
            raise refused(error) from None

    async def written(body: object) -> tuple[str, bytes]:
        try:
            return await to_thread(model_file, body)
        except FormRefusedError as error:
            raise refused(error) from None

    async def as_yaml(request: web.Request) -> web.Response:
        await door.access(request, ALLOWED)
        name, text = await written(await json_body(request))
        return DownloadFile(name, YAML_TYPE, text).response()

    async def kept(request: web.Request) -> web.Response:
        """The same file kept for a download link (Telegram's phone apps): its draft id."""
        access = await door.access(request, ALLOWED)
        name, text = await written(await json_body(request))
        now = door.clock()
        draft = await door.write(lambda s: keep_draft(s, access.telegram_id, name, text, now))
        return web.json_response({"draft": draft})

    async def draft_file(access: StaffAccess, params: FileParams) -> DownloadFile:
        """A kept draft, for the staff member it was kept for, until it expires."""
        draft_id = params.get("draft")
        if not isinstance(draft_id, str) or len(draft_id) > MAX_DRAFT_ID:
            raise refusal(web.HTTPUnprocessableEntity, "malformed")
        now = door.clock()

        def work(session: Session) -> DownloadFile | None:
            draft = draft_for(session, draft_id, access.telegram_id, now)
            return None if draft is None else DownloadFile(draft.name, YAML_TYPE, draft.body)

        found = await door.read(work)
        if found is None:
            raise refusal(web.HTTPNotFound, "not_found")
        return found

    async def draft_name(access: StaffAccess, params: FileParams) -> str:
        return (await draft_file(access, params)).name

    door.files["form-draft"] = FileKind(ALLOWED, draft_name, draft_file)

    async def read_yaml(request: web.Request) -> web.Response:
        await door.access(request, ALLOWED)
        body = await json_body(request)
        try:
            return web.json_response(await to_thread(model_of_yaml, body))
        except FormRefusedError as error:
            raise refused(error) from None

    async def try_draft(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        body = await json_body(request)
        try:
            flow = await to_thread(checked_model, body, zone)
            return web.json_response(preview(flow, body, access.language))
        except FormRefusedError as error:
            raise refused(error) from None
        except PreviewRefusedError:
            raise refusal(web.HTTPUnprocessableEntity, "bad_inputs") from None

    async def publish_route(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        actor = ConsoleActor(access, door.settings.require_pseudonym_key())
        body, now = await json_body(request), door.clock()
        try:
            done = await door.write(lambda s: publish(s, actor, body, now, zone, checked_model))
        except FormRefusedError as error:
            raise refused(error) from None
        return web.json_response(done)

    app.router.add_get(f"{BASE}/starters", starting_points)
    app.router.add_get(f"{BASE}/library/{FORM_ID}", built_in)
    app.router.add_get(f"{BASE}/forms/{FORM_ID}", published)
    app.router.add_post(f"{BASE}/check", check)
    app.router.add_post(f"{BASE}/yaml", as_yaml)
    app.router.add_post(f"{BASE}/draft", kept)
    app.router.add_post(f"{BASE}/read", read_yaml)
    app.router.add_post(f"{BASE}/preview", try_draft)
    app.router.add_post(f"{BASE}/publish", publish_route)
