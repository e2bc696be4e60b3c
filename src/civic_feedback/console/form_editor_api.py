"""The form editor's routes: where a form starts (blank, built-in, published), the model
checked, tried, written as YAML and published, and an uploaded YAML opened as a model
(admins and organizers; publishing only for those who may change forms; see form_editor.py).
Where a form starts, the answer names TIMEZONE too: the window's times are written in it.

Reading YAML is slow (pure Python: about 1.4 s for a 64 KB form), so the loader runs in a
worker thread, never on the event loop the bot's updates share.
"""

from __future__ import annotations

from asyncio import to_thread

from aiohttp import web

from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.form_editor import (
    checked_model,
    library_model,
    model_of_yaml,
    model_yaml,
    published_model,
    starters,
)
from civic_feedback.console.form_preview import PreviewRefusedError, preview
from civic_feedback.console.forms import ConsoleActor, FormRefusedError, check_summary, publish
from civic_feedback.console.forms_api import ALLOWED, FORM_ID, refused
from civic_feedback.flows.schema import is_valid_flow_id

BASE = "/api/form-editor"


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

    async def as_yaml(request: web.Request) -> web.Response:
        await door.access(request, ALLOWED)
        body = await json_body(request)
        try:
            text = await to_thread(model_yaml, body)
        except FormRefusedError as error:
            raise refused(error) from None
        form_id = body["form"].get("id")
        name = form_id if is_valid_flow_id(form_id) else "form"  # in a header: only a safe id
        headers = {"Content-Disposition": f'attachment; filename="{name}.yaml"'}
        return web.Response(text=text, content_type="application/yaml", headers=headers)

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
    app.router.add_post(f"{BASE}/read", read_yaml)
    app.router.add_post(f"{BASE}/preview", try_draft)
    app.router.add_post(f"{BASE}/publish", publish_route)
