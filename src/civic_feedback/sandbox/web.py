"""The sandbox's chat page and its small JSON API, served beside the Bot API emulator.

- ``GET /?lang=bg``: the page (chat as a demo person, Telegram language, the demo event's
  links, the fast-forward control, and the staff group's chat), its own labels in ``lang``
  (by default the deployment's interface language);
- ``GET /api/chat?user=&language=&since=&wait=&chat=``: what changed in the user's chat (or
  in staff group ``chat``) since a version, waiting up to ``wait`` seconds for a change (long
  polling);
- ``POST /api/send``, ``POST /api/press``: the user writes (``reply_to`` a bot message), or
  presses an inline button, in their chat with the bot or in a staff group (``chat``);
- ``POST /api/upload?page_language=bg`` (multipart: ``file``, ``kind`` photo or document,
  ``caption`` and the fields of a send): a photo or file (:mod:`.uploads` checks it);
- ``POST /api/place``: a pin (``latitude``, ``longitude``);
- ``POST /api/skip`` (``{"page_language": "bg"}``, optional): the next scheduled message
  becomes due now; the answer says so in the page's language;
- ``GET /files/{file_id}``: a photo or document the bot or a person sent.

Refusals are 4xx with one line saying what to do, in the page's language where a person
could meet them on the page (a file too big, not a photo, a place off the map), and nothing
is kept or sent then.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from importlib import resources
from string import Template
from typing import Any
from urllib.parse import quote

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.core.telegram_html import utf16_len
from civic_feedback.sandbox.bot_api import CAPTION_LIMIT, TEXT_LIMIT
from civic_feedback.sandbox.chat_records import JSON, SentMessage
from civic_feedback.sandbox.chat_view import ChatView
from civic_feedback.sandbox.demo import (
    CAST,
    DEMO_PLACES,
    ORGANIZER,
    STAFF_GROUP_MEMBERS,
    DemoUser,
    skip_to_next_message,
)
from civic_feedback.sandbox.emulator import BotApiEmulator, text_content
from civic_feedback.sandbox.uploads import (
    UPLOAD_LIMIT,
    UploadRefusedError,
    document_type,
    photo_sizes,
    read_upload,
    safe_filename,
    too_big,
)

LANGUAGES = {"bg": "Български", "en": "English", "tr": "Türkçe"}
LONGEST_WAIT = 25.0  # seconds a page's long poll is held open
_STATIC = resources.files(__package__) / "static"
_CONTENT_TYPES = {"chat.css": "text/css", "chat.js": "text/javascript"}
_NAMES = {person.telegram_id: person.name for person in CAST}
#: Files are shown inline only as images; nothing served from /files may run in the page.
_INLINE = frozenset({"image/jpeg", "image/png"})
_FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@dataclass(frozen=True)
class PageDemo:
    """What the page offers: the demo event's and consultation's codes for its link buttons,
    and the staff groups it shows (chat id -> the municipalities whose messages the group
    takes, None for the default group)."""

    event_code: str
    consultation_code: str
    staff_groups: Mapping[int, list[str | None]] = field(default_factory=dict)


class ChatPage:
    """The page's routes; ``demo`` says what the page offers."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        sessions: sessionmaker[Session],
        view: ChatView,
        demo: PageDemo,
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
        app.router.add_post("/api/upload", self.upload)
        app.router.add_post("/api/place", self.place)
        app.router.add_post("/api/skip", self.skip)
        app.router.add_get("/files/{file_id}", self.file)

    async def page(self, request: web.Request) -> web.Response:
        language = self._page_language(request.query.get("lang"))
        with self._speaking(language):
            labels = {key: escape(text) for key, text in page_labels().items()}
            groups = {chat: group_label(names) for chat, names in self.demo.staff_groups.items()}
        template = Template((_STATIC / "chat.html").read_text(encoding="utf-8"))
        body = template.substitute(
            bot=escape(self.emulator.bot_first_name),
            lang=language,
            page_languages=" · ".join(
                f"<b>{name}</b>" if code == language else f'<a href="/?lang={code}">{name}</a>'
                for code, name in LANGUAGES.items()
            ),
            people=_people(CAST, labels),
            staff_people=_people(STAFF_GROUP_MEMBERS, labels),
            groups="".join(
                f'<option value="{chat}">{escape(label)}</option>' for chat, label in groups.items()
            ),
            one_group="hidden" if len(groups) < 2 else "",
            group_title=escape(next(iter(groups.values()), "")),
            places="".join(
                f'<option value="{p.latitude},{p.longitude}">'
                f"{escape(p.name.get(language, p.name['bg']))}</option>"
                for p in DEMO_PLACES
            ),
            upload_limit=UPLOAD_LIMIT,
            organizer_id=ORGANIZER.telegram_id,
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

    @contextmanager
    def _speaking(self, language: str) -> Iterator[None]:
        """The page's own texts in ``language``."""
        with self.i18n.context(), self.i18n.use_locale(language):
            yield

    def _chat(self, value: Any) -> int | None:
        """The staff group a request is about; None for the person's own chat with the bot."""
        if value is None or value == "":
            return None
        chat = _number(value, "chat")
        if chat not in self.demo.staff_groups:
            raise _refuse("chat must be empty (your chat with the bot) or a staff group")
        return chat

    def _reply_to(self, value: Any, chat: int) -> int | None:
        """The bot's message a person replies to, in the chat they write in."""
        if value is None or value == "":
            return None
        replied = self.emulator.chat_message(chat, _number(value, "reply_to"))
        if not isinstance(replied, SentMessage) or replied.deleted:
            raise _refuse("reply to a message of the bot in this chat")
        return replied.message_id

    def _sender(self, fields: Mapping[str, Any]) -> Callable[[JSON], None]:
        """Who writes, where and in reply to what, checked before anything is sent: a
        function that sends the message's content."""
        user = _user(fields.get("user"))
        chat = self._chat(fields.get("chat"))
        reply_to = self._reply_to(fields.get("reply_to"), chat or user.telegram_id)
        language = _language(fields.get("language"))

        def send(content: JSON) -> None:
            self.emulator.send_content(
                user.telegram_id,
                content,
                language_code=language,
                first_name=user.name,
                chat_id=chat,
                reply_to=reply_to,
            )

        return send

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _CONTENT_TYPES:
            raise web.HTTPNotFound()
        text = (_STATIC / name).read_text(encoding="utf-8")
        return web.Response(text=text, content_type=_CONTENT_TYPES[name])

    async def chat(self, request: web.Request) -> web.Response:
        user = _user(request.query.get("user"))
        language = _language(request.query.get("language"))
        group = self._chat(request.query.get("chat"))
        chat = group or user.telegram_id
        since = _number(request.query.get("since"), "since")
        wait = min(max(_number(request.query.get("wait", "0"), "wait"), 0), LONGEST_WAIT)
        version = await self.emulator.wait_for_change(since, wait) if wait else None
        version = self.emulator.version if version is None else version
        changes = self.emulator.chat_changes(chat, since)
        toasts = [
            {"text": t.text, "alert": t.show_alert}
            for t in self.emulator.toasts
            if t.user_id == user.telegram_id and t.chat_id == chat and t.version > since
        ]
        commands = (
            []
            if group
            else self.emulator.my_commands(language_code=language) or self.emulator.my_commands()
        )
        messages = [
            self.view.message_json(
                m,
                viewer=user.telegram_id,
                names=_NAMES,
                replied=self.emulator.chat_message(chat, m.reply_to) if m.reply_to else None,
            )
            for m in changes
        ]
        return web.json_response(
            {"version": version, "messages": messages, "toasts": toasts, "commands": commands}
        )

    async def send(self, request: web.Request) -> web.Response:
        body = await _json(request)
        send = self._sender(body)
        text = str(body.get("text") or "").strip()
        if not text or utf16_len(text) > TEXT_LIMIT:
            raise _refuse(f"write a message of 1 to {TEXT_LIMIT} characters")
        send(text_content(text))
        return web.json_response({"ok": True})

    async def press(self, request: web.Request) -> web.Response:
        body = await _json(request)
        user = _user(body.get("user"))
        chat = self._chat(body.get("chat"))
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
                chat_id=chat,
                strict=False,
            )
        except KeyError:
            raise _refuse("that message does not exist in this chat") from None
        return web.json_response({"ok": True})

    async def upload(self, request: web.Request) -> web.Response:
        """A photo (``kind=photo``, with an optional ``caption``) or a PDF or office file
        (``kind=document``), refused unless it is one (see :mod:`.uploads`)."""
        with self._speaking(self._page_language(request.query.get("page_language"))):
            try:
                upload = await read_upload(request)
                send = self._sender(upload.fields)
                kind, caption = upload.fields.get("kind"), upload.fields.get("caption", "").strip()
                if utf16_len(caption) > CAPTION_LIMIT:
                    raise UploadRefusedError(
                        _("A caption is at most {limit} characters.").format(limit=CAPTION_LIMIT)
                    )
                content: JSON
                if kind == "photo":
                    sizes = await asyncio.to_thread(photo_sizes, upload.data)
                    content = {"photo": self.emulator.photo_sizes(sizes)}
                elif kind == "document":
                    name = safe_filename(upload.filename, "file")
                    content_type = document_type(name, upload.data)
                    content = {
                        "document": self.emulator.document_of(name, upload.data, content_type)
                    }
                else:
                    raise UploadRefusedError("kind must be photo or document")
            except UploadRefusedError as refused:
                return web.Response(status=refused.status, text=refused.reason)
        if caption:
            content["caption"] = caption
        send(content)
        return web.json_response({"ok": True})

    async def place(self, request: web.Request) -> web.Response:
        """A pin: ``latitude`` from -90 to 90 and ``longitude`` from -180 to 180, in degrees."""
        body = await _json(request)
        send = self._sender(body)
        with self._speaking(self._page_language(body.get("page_language"))):
            latitude = _degrees(
                body.get("latitude"), 90, _("Latitude must be a number from -90 to 90.")
            )
            longitude = _degrees(
                body.get("longitude"), 180, _("Longitude must be a number from -180 to 180.")
            )
        send({"location": {"latitude": latitude, "longitude": longitude}})
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
        kept = self.emulator.file(request.match_info["file_id"])
        if kept is None:
            raise web.HTTPNotFound()
        content_type = kept.content_type or "application/octet-stream"
        shown = "inline" if content_type in _INLINE else "attachment"
        name = f"filename=\"{_ascii(kept.filename)}\"; filename*=UTF-8''{quote(kept.filename)}"
        return web.Response(
            body=kept.data,
            content_type=content_type,
            headers={
                "Content-Disposition": f"{shown}; {name}",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": _FILE_POLICY,
            },
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


def _degrees(value: Any, bound: int, refusal: str) -> float:
    """A latitude (``bound`` 90) or longitude (180), to about 10 cm as Telegram gives it."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _refuse(refusal)
    try:
        degrees = float(value)
    except ValueError:
        raise _refuse(refusal) from None
    if not math.isfinite(degrees) or abs(degrees) > bound:
        raise _refuse(refusal)
    return round(degrees, 6)


def _people(people: tuple[DemoUser, ...], labels: Mapping[str, str]) -> str:
    """``<option>`` s for a select of people, each with their Telegram app's language."""
    return "".join(
        f'<option value="{u.telegram_id}" data-language="{u.language}">'
        f"{escape(u.name)} — {labels[u.role.value]}</option>"
        for u in people
    )


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


def group_label(municipalities: list[str | None]) -> str:
    """A staff group as the page names it: by the municipalities it takes messages for."""
    if municipalities == [None]:
        return _("Staff group")
    names = ", ".join(name or _("all others") for name in municipalities)
    return _("Staff group: {municipalities}").format(municipalities=names)


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
        "staff": _("staff member"),
        "citizen_chat": _("Citizen"),
        "staff_chat": _("Staff group"),
        "write_as": _("Write as"),
        "group_empty": _(
            "Citizens' messages to the municipality appear here. "
            "Staff answer a message by replying to its post."
        ),
        "attach": _("Attach a photo, a file or a place"),
        "photo": _("Photo"),
        "document": _("File (PDF, office)"),
        "place": _("Place"),
        "caption": _("Caption (optional)"),
        "demo_places": _("A place in Sofia"),
        "latitude": _("Latitude"),
        "longitude": _("Longitude"),
        "send_place": _("Send the place"),
        "reply": _("Reply"),
        "edited": _("edited"),  # next to the time of a message the bot edited
        "cancel": _("Cancel"),
        "too_big": too_big(),
        "ev": _("Event card"),
        "ci": _("Check in"),
        "fb": _("Feedback form"),
        "co": _("Consultation"),
        "open_console": _("Staff console"),
        "open_console_hint": _("Open the staff console as the organizer, in a new tab"),
    }
