"""The sandbox's chat page and its small JSON API, served beside the Bot API emulator.

- ``GET /?lang=bg``: the page (chat as a demo citizen or the organizer, Telegram language, the
  demo event's links, the fast-forward control), its own labels in ``lang`` (by default the
  deployment's interface language);
- ``GET /api/chat?user=&language=&since=&wait=``: what changed in the user's chat since a
  version, waiting up to ``wait`` seconds for a change (long polling);
- ``POST /api/send``, ``POST /api/press``: the user writes, or presses an inline button;
- ``POST /api/skip`` (``{"page_language": "bg"}``, optional): the next scheduled message
  becomes due now; the answer says so in the page's language;
- ``GET /files/{file_id}``: a photo or document the bot sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from importlib import resources
from string import Template
from typing import Any

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.core.telegram_html import utf16_len
from civic_feedback.sandbox.bot_api import TEXT_LIMIT
from civic_feedback.sandbox.chat_records import JSON
from civic_feedback.sandbox.chat_view import ChatView
from civic_feedback.sandbox.demo import CAST, DemoUser, skip_to_next_message
from civic_feedback.sandbox.emulator import BotApiEmulator

LANGUAGES = {"bg": "Български", "en": "English", "tr": "Türkçe"}
LONGEST_WAIT = 25.0  # seconds a page's long poll is held open
_STATIC = resources.files(__package__) / "static"
_CONTENT_TYPES = {"chat.css": "text/css", "chat.js": "text/javascript"}


@dataclass(frozen=True)
class DemoLinks:
    """What the page's link buttons open: the demo event's and consultation's codes."""

    event_code: str
    consultation_code: str


class ChatPage:
    """The page's routes; ``demo`` says what its link buttons open."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        sessions: sessionmaker[Session],
        view: ChatView,
        demo: DemoLinks,
        clock: Callable[[], datetime],
        i18n: I18n,
    ) -> None:
        self.emulator = emulator
        self.sessions = sessions
        self.view = view
        self.demo = demo
        self.clock = clock
        self.i18n = i18n  # the page's own labels; its default locale is the page's language

    def install(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        app.router.add_get("/static/{name}", self.static)
        app.router.add_get("/api/chat", self.chat)
        app.router.add_post("/api/send", self.send)
        app.router.add_post("/api/press", self.press)
        app.router.add_post("/api/skip", self.skip)
        app.router.add_get("/files/{file_id}", self.file)

    async def page(self, request: web.Request) -> web.Response:
        language = self._page_language(request.query.get("lang"))
        with self.i18n.context(), self.i18n.use_locale(language):
            labels = {key: escape(text) for key, text in page_labels().items()}
        template = Template((_STATIC / "chat.html").read_text(encoding="utf-8"))
        body = template.substitute(
            bot=escape(self.emulator.bot_first_name),
            lang=language,
            page_languages=" · ".join(
                f"<b>{name}</b>" if code == language else f'<a href="/?lang={code}">{name}</a>'
                for code, name in LANGUAGES.items()
            ),
            people="".join(
                f'<option value="{u.telegram_id}" data-language="{u.language}">'
                f"{escape(u.name)} — {labels['organizer' if u.organizer else 'citizen']}</option>"
                for u in CAST
            ),
            languages="".join(f'<option value="{k}">{v}</option>' for k, v in LANGUAGES.items()),
            links="".join(
                f'<button type=button data-start="{kind}_{code}">{labels[kind]}</button>'
                for kind, code in (
                    ("ev", self.demo.event_code),
                    ("ci", self.demo.event_code),
                    ("fb", self.demo.event_code),
                    ("co", self.demo.consultation_code),
                )
            ),
            **labels,
        )
        return web.Response(text=body, content_type="text/html")

    def _page_language(self, asked: object) -> str:
        return asked if isinstance(asked, str) and asked in LANGUAGES else self.i18n.default_locale

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _CONTENT_TYPES:
            raise web.HTTPNotFound()
        text = (_STATIC / name).read_text(encoding="utf-8")
        return web.Response(text=text, content_type=_CONTENT_TYPES[name])

    async def chat(self, request: web.Request) -> web.Response:
        user = _user(request.query.get("user"))
        language = _language(request.query.get("language"))
        since = _number(request.query.get("since"), "since")
        wait = min(max(_number(request.query.get("wait", "0"), "wait"), 0), LONGEST_WAIT)
        version = await self.emulator.wait_for_change(since, wait) if wait else None
        version = self.emulator.version if version is None else version
        changes = self.emulator.chat_changes(user.telegram_id, since)
        toasts = [
            {"text": t.text, "alert": t.show_alert}
            for t in self.emulator.toasts
            if t.user_id == user.telegram_id and t.version > since
        ]
        commands = self.emulator.my_commands(language_code=language) or (
            self.emulator.my_commands()
        )
        return web.json_response(
            {
                "version": version,
                "messages": [self.view.message_json(m) for m in changes],
                "toasts": toasts,
                "commands": commands,
            }
        )

    async def send(self, request: web.Request) -> web.Response:
        body = await _json(request)
        user = _user(body.get("user"))
        text = str(body.get("text") or "").strip()
        if not text or utf16_len(text) > TEXT_LIMIT:
            raise _refuse(f"write a message of 1 to {TEXT_LIMIT} characters")
        self.emulator.send_text(
            user.telegram_id,
            text,
            language_code=_language(body.get("language")),
            first_name=user.name,
        )
        return web.json_response({"ok": True})

    async def press(self, request: web.Request) -> web.Response:
        body = await _json(request)
        user = _user(body.get("user"))
        message_id = _number(body.get("message_id"), "message_id")
        data = body.get("data")
        if not isinstance(data, str):
            raise _refuse("say which button: data is missing")
        try:
            # Not strict: like Telegram, a button still on screen sends its press even if
            # the bot has since moved on; the bot answers that it is no longer active.
            self.emulator.press(
                user.telegram_id,
                message_id,
                data,
                language_code=_language(body.get("language")),
                strict=False,
            )
        except KeyError:
            raise _refuse("that message does not exist in this chat") from None
        return web.json_response({"ok": True})

    async def skip(self, request: web.Request) -> web.Response:
        asked = (await _json(request)).get("page_language") if request.can_read_body else None
        language = self._page_language(asked)
        with self.sessions.begin() as session:
            gap = skip_to_next_message(session, self.clock())
        with self.i18n.context(), self.i18n.use_locale(language):
            if gap is None:
                text = _("Nothing is scheduled: register for the demo event first (Event card).")
            elif gap == timedelta(0):
                text = _("The next message is already due: it is on its way.")
            else:
                text = _("Jumped {time} ahead: the next scheduled message is on its way.").format(
                    time=_duration(gap)
                )
        return web.json_response({"text": text})

    async def file(self, request: web.Request) -> web.Response:
        uploaded = self.emulator.file(request.match_info["file_id"])
        if uploaded is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=uploaded.data,
            content_type=uploaded.content_type or "application/octet-stream",
            headers={"Content-Disposition": f'inline; filename="{_ascii(uploaded.filename)}"'},
        )


def _refuse(reason: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=reason)


async def _json(request: web.Request) -> JSON:
    try:
        body = await request.json()
    except ValueError:
        raise _refuse("send a JSON object") from None
    if not isinstance(body, dict):
        raise _refuse("send a JSON object")
    return body


def _user(value: Any) -> DemoUser:
    for person in CAST:
        if str(person.telegram_id) == str(value):
            return person
    raise _refuse("choose one of the demo people")


def _language(value: Any) -> str:
    return value if isinstance(value, str) and value in LANGUAGES else "bg"


def _number(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _refuse(f"{name} must be a whole number") from None


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c not in '"\\' else "_" for c in name)


def _duration(gap: timedelta) -> str:
    """``1 d 23 h 5 min`` in the current locale; seconds only under a minute."""
    minutes = int(gap.total_seconds()) // 60
    if minutes == 0:
        return _("{count} s").format(count=int(gap.total_seconds()))
    parts = [
        (minutes // 1440, _("{count} d")),
        (minutes // 60 % 24, _("{count} h")),
        (minutes % 60, _("{count} min")),
    ]
    return " ".join(unit.format(count=count) for count, unit in parts if count)


def page_labels() -> dict[str, str]:
    """The page's own labels in the current locale: template fields, roles and link names."""
    return {
        "sandbox": _("sandbox"),
        "summary": _("Sandbox: no Telegram, nothing leaves this computer"),
        "chat_as": _("Chat as"),
        "telegram_language": _("Telegram language"),
        "demo_event": _("Demo event"),
        "clock": _("Clock"),
        "skip": _("Next scheduled message"),
        "skip_hint": _("Move the schedule so that the next reminder or invitation is due now"),
        "commands": _("Commands"),
        "message": _("Message"),
        "send": _("Send"),
        "organizer": _("organizer"),
        "citizen": _("citizen"),
        "ev": _("Event card"),
        "ci": _("Check in"),
        "fb": _("Feedback form"),
        "co": _("Consultation"),
    }
