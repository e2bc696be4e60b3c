"""The console's forms routes: the list, a form's YAML (its route and a download link make
it with one function, files.py), checking and publishing uploaded YAML, opening and closing,
and a preview that answers a form step by step (admins and organizers; see forms.py and
form_preview.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlmodel import Session

from civic_feedback.console.access import StaffAccess
from civic_feedback.console.door import Door, json_body, refusal
from civic_feedback.console.files import DownloadFile, FileKind, FileParams
from civic_feedback.console.form_preview import PreviewRefusedError, preview, published_flow
from civic_feedback.console.forms import (
    ConsoleActor,
    FormRefusedError,
    check_summary,
    checked_flow,
    close_at,
    form_list,
    form_yaml,
    open_now,
    publish,
)
from civic_feedback.flows.schema import is_valid_flow_id
from civic_feedback.storage.roles import Permission

ALLOWED = Permission.FORMS
FORM_ID = "{flow_id:[a-z0-9-]{1,64}}"

Change = Callable[[Session, ConsoleActor, str, Any], dict[str, Any] | None]


def refused(error: FormRefusedError) -> web.HTTPError:
    """403 for a form the person may not change; 422 with the loader's problems otherwise."""
    if error.code == "forms_shared":
        return refusal(web.HTTPForbidden, error.code)
    body = json.dumps({"error": error.code, "problems": error.problems}, ensure_ascii=False)
    return web.HTTPUnprocessableEntity(text=body, content_type="application/json")


def add_routes(door: Door, app: web.Application) -> None:
    zone = door.settings.zone

    async def listed(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        now = door.clock()
        return web.json_response(await door.read(lambda s: form_list(s, access, now, zone)))

    async def yaml_name(access: StaffAccess, params: FileParams) -> str:
        return (await yaml_file(access, params)).name

    async def yaml_file(_access: StaffAccess, params: FileParams) -> DownloadFile:
        """The latest version's YAML; every role allowed forms reads every form."""
        flow_id = params.get("form")
        if not isinstance(flow_id, str) or not is_valid_flow_id(flow_id):
            raise refusal(web.HTTPUnprocessableEntity, "malformed")
        body = await door.read(lambda session: form_yaml(session, flow_id))
        if body is None:
            raise refusal(web.HTTPNotFound, "not_found")
        return DownloadFile(f"{flow_id}.yaml", "application/yaml", body)

    door.files["form"] = FileKind(ALLOWED, yaml_name, yaml_file)

    async def download(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        return (await yaml_file(access, {"form": request.match_info["flow_id"]})).response()

    async def check(request: web.Request) -> web.Response:
        await door.access(request, ALLOWED)
        body = await json_body(request)
        try:
            return web.json_response(check_summary(checked_flow(body, zone)))
        except FormRefusedError as error:
            raise refused(error) from None

    async def publish_route(request: web.Request) -> web.Response:
        actor = await _actor(request)
        body, now = await json_body(request), door.clock()
        try:
            done = await door.write(lambda s: publish(s, actor, body, now, zone))
        except FormRefusedError as error:
            raise refused(error) from None
        return web.json_response(done)

    async def change(request: web.Request, work: Change) -> web.Response:
        actor = await _actor(request)
        body = await json_body(request)
        flow_id = request.match_info["flow_id"]
        try:
            done = await door.write(lambda session: work(session, actor, flow_id, body))
        except FormRefusedError as error:
            raise refused(error) from None
        if done is None:
            raise refusal(web.HTTPNotFound, "not_found")
        return web.json_response(done)

    async def open_route(request: web.Request) -> web.Response:
        now = door.clock()
        return await change(request, lambda s, a, f, _b: open_now(s, a, f, now, zone))

    async def close_route(request: web.Request) -> web.Response:
        now = door.clock()
        return await change(request, lambda s, a, f, b: close_at(s, a, f, b, now, zone))

    async def try_form(request: web.Request) -> web.Response:
        access = await door.access(request, ALLOWED)
        body = await json_body(request)
        flow_id = request.match_info["flow_id"]
        flow = await door.read(lambda session: published_flow(session, flow_id))
        if flow is None:
            raise refusal(web.HTTPNotFound, "not_found")
        try:
            return web.json_response(preview(flow, body, access.language))
        except PreviewRefusedError:
            raise refusal(web.HTTPUnprocessableEntity, "bad_inputs") from None

    async def _actor(request: web.Request) -> ConsoleActor:
        access = await door.access(request, ALLOWED)
        return ConsoleActor(access, door.settings.require_pseudonym_key())

    app.router.add_get("/api/forms", listed)
    app.router.add_post("/api/forms/check", check)
    app.router.add_post("/api/forms/publish", publish_route)
    app.router.add_get(f"/api/forms/{FORM_ID}/yaml", download)
    app.router.add_post(f"/api/forms/{FORM_ID}/open", open_route)
    app.router.add_post(f"/api/forms/{FORM_ID}/close", close_route)
    app.router.add_post(f"/api/forms/{FORM_ID}/preview", try_form)
