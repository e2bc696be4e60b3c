"""The Bot API emulator of the sandbox, with what end-to-end tests need on top.

(``timeout`` parameters of the async wait helpers are deliberate, hence the ASYNC109 noqa's.)

:class:`FakeTelegram` is :class:`civic_feedback.sandbox.emulator.BotApiEmulator` (the Bot API
the sandbox serves: messages, edits, files, long polling, HTML parse mode) plus:

* Telegram's refusals: users who blocked the bot get ``403 Forbidden``; ``global_rate`` and
  ``per_chat_rate`` answer ``429 Too Many Requests`` with ``retry_after``, and so does the next
  message to a chat in ``flood_once``; messages sent with ``allow_paid_broadcast`` count
  against ``paid_rate`` instead of ``global_rate`` (Telegram's paid broadcasts); a token in
  ``revoked_tokens`` gets ``401 Unauthorized`` for every method.
* Synchronisation that never sleeps: :meth:`FakeTelegram.wait_for` re-checks a predicate every
  time the fake has handled a bot request.
* More of the citizen's side (stickers, photos, pressing a button by its text, adding the bot
  to a group), counts of the calls the bot made, and Telegram posting updates to webhook
  replicas (:meth:`FakeTelegram.deliver_to_webhooks`).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
from aiohttp import web

from civic_feedback.sandbox.bot_api import ApiError, error_response
from civic_feedback.sandbox.bot_methods import Handler
from civic_feedback.sandbox.chat_records import RequestRecord, SentMessage, UploadedFile
from civic_feedback.sandbox.emulator import CALLBACK_TIMEOUT, BotApiEmulator

__all__ = [
    "MESSAGE_METHODS",
    "FakeTelegram",
    "RequestRecord",
    "SentMessage",
    "UploadedFile",
]

JSON = dict[str, Any]

#: Methods that produce or change a message; subject to the rate limits, counted by
#: :meth:`FakeTelegram.count_message_calls`.
MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
)
#: Methods refused with 403 when the chat is a user in :attr:`FakeTelegram.blocked`.
_BLOCKABLE_METHODS = MESSAGE_METHODS | {"sendChatAction", "getChat", "setChatMenuButton"}


class _SlidingWindow:
    """Timestamps of accepted calls; refuses more than ``rate`` per second."""

    def __init__(self) -> None:
        self._events: deque[float] = deque()

    def retry_after(self, rate: float, now: float) -> int | None:
        if rate <= 0:
            return 1
        # Rates below 1/s: one call per 1/rate seconds.
        window = max(1.0, 1.0 / rate)
        capacity = max(1, math.floor(rate * window + 1e-9))
        while self._events and self._events[0] <= now - window:
            self._events.popleft()
        if len(self._events) < capacity:
            return None
        return max(1, math.ceil(self._events[0] + window - now))

    def record(self, now: float) -> None:
        self._events.append(now)
        while self._events[0] < now - 3600:
            self._events.popleft()


class FakeTelegram(BotApiEmulator):
    """Fake Telegram Bot API server (aiohttp) on 127.0.0.1 with an ephemeral port."""

    def __init__(
        self,
        *,
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
        paid_rate: float | None = None,
        blocked: Iterable[int] = (),
        bot_username: str = "civic_feedback_test_bot",
        bot_first_name: str = "Civic feedback",
        host: str = "127.0.0.1",
        port: int = 0,
        callback_timeout: float | None = CALLBACK_TIMEOUT,
        latency: float = 0.0,
    ) -> None:
        super().__init__(
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            host=host,
            port=port,
            callback_timeout=callback_timeout,
        )
        #: Max message-producing calls per second over all chats (None: unlimited).
        self.global_rate = global_rate
        #: Max message-producing calls per second per chat (None: unlimited).
        self.per_chat_rate = per_chat_rate
        #: Max paid broadcast messages per second over all chats (None: unlimited).
        self.paid_rate = paid_rate
        self._paid_window = _SlidingWindow()
        self._paid_call = False  # the call being carried out has allow_paid_broadcast
        #: User ids that blocked the bot: send*/edit* to them answer 403.
        self.blocked: set[int] = set(blocked)
        self._global_window = _SlidingWindow()
        self._chat_windows: dict[int | str, _SlidingWindow] = {}
        self._chat_waiters: dict[int | str, list[asyncio.Future[None]]] = {}
        #: Updates posted to a webhook again because it did not answer 200.
        self.webhook_retries = 0
        #: Seconds every Bot API call takes to be answered: a slow network, or Telegram.
        self.latency = latency
        #: Tokens @BotFather revoked: every call with one answers 401 Unauthorized.
        self.revoked_tokens: set[str] = set()
        #: Chats whose next message call answers 429 with retry_after 1 (once each).
        self.flood_once: set[int | str] = set()

    async def _handle(self, request: web.Request) -> web.Response:
        if self.latency:
            await asyncio.sleep(self.latency)
        token = request.match_info["token"]
        if token in self.revoked_tokens:
            method = request.match_info["method"]
            self._log.append(
                RequestRecord(method, {}, time.monotonic(), token, 401, "Unauthorized")
            )
            return error_response(ApiError(401, "Unauthorized"))
        return await super()._handle(request)

    async def _carry_out(
        self, record: RequestRecord, handler: Handler, params: JSON, files: dict[str, UploadedFile]
    ) -> web.Response:
        # The handler checks the limits before its first await: the flag is this call's.
        self._paid_call = bool(params.get("allow_paid_broadcast"))
        return await super()._carry_out(record, handler, params, files)

    @property
    def too_many_requests(self) -> int:
        """Number of 429 answers given."""
        return sum(1 for r in self.requests() if r.status == 429)

    @property
    def forbidden(self) -> int:
        """Number of 403 answers given."""
        return sum(1 for r in self.requests() if r.status == 403)

    def count_message_calls(self, chat_id: int | str | None = None) -> int:
        """Successful sendMessage/sendDocument/sendPhoto/editMessageText/editMessageReplyMarkup."""
        return sum(
            1
            for r in self._log
            if r.method in MESSAGE_METHODS
            and r.ok
            and (chat_id is None or r.params.get("chat_id") == chat_id)
        )

    def add_to_group(self, chat_id: int, by_user: int) -> JSON:
        """Someone adds the bot to group ``chat_id`` (a my_chat_member update)."""
        bot = self._bot_json()
        return self.push(
            {
                "update_id": self._next_update_id,
                "my_chat_member": {
                    "chat": self._chat_json(chat_id),
                    "from": self._user_json(by_user, "bg", "Admin"),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "left", "user": bot},
                    "new_chat_member": {"status": "member", "user": bot},
                },
            }
        )

    def send_sticker(
        self, user_id: int, *, language_code: str | None = "bg", first_name: str = "Citizen"
    ) -> JSON:
        sticker = {
            "file_id": f"fake-sticker-{user_id}",
            "file_unique_id": f"sticker{user_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.send_content(
            user_id, {"sticker": sticker}, language_code=language_code, first_name=first_name
        )

    def send_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        language_code: str | None = "bg",
        first_name: str = "Citizen",
    ) -> JSON:
        photo = [
            {
                "file_id": f"fake-photo-{user_id}-{size}",
                "file_unique_id": f"photo{user_id}{size}",
                "width": size,
                "height": size,
                "file_size": size * 10,
            }
            for size in (90, 320, 800)
        ]
        content: JSON = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self.send_content(
            user_id, content, language_code=language_code, first_name=first_name
        )

    def press_button(
        self,
        user_id: int,
        message_id: int,
        button_text: str,
        *,
        language_code: str | None = "bg",
        chat_id: int | None = None,
    ) -> JSON:
        """press() the button whose text equals (or else contains) ``button_text``."""
        chat = user_id if chat_id is None else chat_id
        msg = self.message(chat, message_id)
        buttons = [b for row in self.buttons(msg) for b in row if b[1] is not None]
        match = [b for b in buttons if b[0] == button_text] or [
            b for b in buttons if button_text in b[0]
        ]
        if len(match) != 1:
            raise ValueError(f"{len(match)} buttons match {button_text!r}: {buttons}")
        data = match[0][1]
        assert data is not None
        return self.press(user_id, message_id, data, language_code=language_code, chat_id=chat_id)

    # ---------------------------------------------------------------- webhook delivery

    async def deliver_to_webhooks(
        self, urls: list[str], secret: str, *, connections: int = 40
    ) -> None:
        """Post queued updates to ``urls`` in turn until cancelled: Telegram posting to a
        webhook, behind a proxy that spreads requests over replicas. Up to ``connections``
        requests at once; an update not answered with 200 (its replica down, or killed while
        handling it) is posted again, to the next URL."""
        turn = itertools.count()
        slots = asyncio.Semaphore(connections)
        posts: set[asyncio.Task[None]] = set()
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}

        async def post(update: JSON) -> None:
            try:
                url = urls[next(turn) % len(urls)]
                async with client.post(url, json=update, headers=headers) as response:
                    delivered = response.status == 200
                    if delivered:
                        await self.take_webhook_reply(response)
            except aiohttp.ClientError:
                delivered = False
            finally:
                slots.release()
            if not delivered:
                self.webhook_retries += 1
                await asyncio.sleep(0.05)  # Telegram's back-off, short: only replicas are down
                self.push(update)

        async with aiohttp.ClientSession() as client:
            try:
                while True:
                    async with self._cond:
                        await self._cond.wait_for(lambda: bool(self._updates) or self._closing)
                    if self._closing:
                        return
                    batch, self._updates = self._updates, []
                    for pending in batch:
                        await slots.acquire()
                        task = asyncio.create_task(post(pending.update))
                        posts.add(task)
                        task.add_done_callback(posts.discard)
            finally:
                for task in posts:
                    task.cancel()
                await asyncio.gather(*posts, return_exceptions=True)

    # ---------------------------------------------------------------- synchronisation

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10,
        *,
        what: str | None = None,
    ) -> None:
        """Wait until ``predicate()`` holds; re-checked after every handled bot request."""
        try:
            async with asyncio.timeout(timeout), self._cond:
                await self._cond.wait_for(predicate)
        except TimeoutError:
            desc = what or getattr(predicate, "__qualname__", repr(predicate))
            raise TimeoutError(
                f"condition {desc} did not hold within {timeout} s; {self._recent_summary()}"
            ) from None

    async def wait_for_chat(
        self,
        chat_id: int | str,
        predicate: Callable[[], bool],
        timeout: float = 10,
        *,
        what: str | None = None,
    ) -> None:
        """Like :meth:`wait_for`, re-checked only when the bot sends, edits or deletes a
        message in this chat: a thousand citizens can wait at once without slowing the fake."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    waiter = loop.create_future()
                    self._chat_waiters.setdefault(chat_id, []).append(waiter)
                    await waiter
        except TimeoutError:
            desc = what or getattr(predicate, "__qualname__", repr(predicate))
            raise TimeoutError(
                f"condition {desc} in chat {chat_id} did not hold within {timeout} s; "
                f"{self._recent_summary()}"
            ) from None

    async def wait_for_message(
        self,
        chat_id: int | str,
        *,
        after: int = 0,
        timeout: float = 10,
    ) -> SentMessage:
        """The first bot message in the chat with message_id > ``after`` (deleted ones too)."""
        found: list[SentMessage] = []

        def check() -> bool:
            for m in self._messages.get(chat_id, []):
                if m.message_id > after:
                    found.append(m)
                    return True
            return False

        await self.wait_for(
            check, timeout, what=f"'a bot message in chat {chat_id} with id > {after}'"
        )
        return found[0]

    async def wait_for_text(
        self,
        chat_id: int | str,
        substring: str,
        timeout: float = 10,
    ) -> SentMessage:
        """Wait until the chat's latest bot message (text or caption) contains ``substring``."""

        def check() -> bool:
            last = self.last_message(chat_id)
            return last is not None and substring in last.content

        try:
            await self.wait_for(check, timeout, what=f"'latest message contains {substring!r}'")
        except TimeoutError as exc:
            last = self.last_message(chat_id)
            latest = repr(last.content) if last else "no message"
            raise TimeoutError(f"{exc}; latest message in chat {chat_id}: {latest}") from None
        last = self.last_message(chat_id)
        assert last is not None
        return last

    async def wait_for_polling(self, timeout: float = 10) -> None:
        """Wait until the bot is long-polling getUpdates (i.e. it is up and listening)."""
        await self.wait_for(lambda: self.polling, timeout, what="'bot is polling getUpdates'")

    def _recent_summary(self, n: int = 8) -> str:
        polls = sum(1 for r in self._log if r.method == "getUpdates")
        recent = [r for r in self._log if r.method != "getUpdates"][-n:]
        if not recent:
            return f"no requests besides {polls} getUpdates"
        lines = []
        for r in recent:
            params = {k: v for k, v in r.params.items() if k != "reply_markup"}
            shown = ", ".join(f"{k}={_short(v)}" for k, v in params.items())
            status = r.status if r.status == 200 else f"{r.status} {r.description}"
            lines.append(f"  {r.method}({shown}) -> {status}")
        return f"{polls} getUpdates, last requests:\n" + "\n".join(lines)

    def _check_limits(self, method: str, chat_id: int | str) -> None:
        """403 for blocked users, then 429 for rate limits (nothing is recorded)."""
        if method in _BLOCKABLE_METHODS and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if method not in MESSAGE_METHODS:
            return
        if chat_id in self.flood_once:
            self.flood_once.discard(chat_id)
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        now = time.monotonic()
        waits: list[int] = []
        window, rate = self._overall()
        if rate is not None:
            wait = window.retry_after(rate, now)
            if wait is not None:
                waits.append(wait)
        if self.per_chat_rate is not None:
            window = self._chat_windows.setdefault(chat_id, _SlidingWindow())
            wait = window.retry_after(self.per_chat_rate, now)
            if wait is not None:
                waits.append(wait)
        if waits:
            retry_after = max(waits)
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    def _chat_changed(self, chat_id: int | str) -> None:
        for waiter in self._chat_waiters.pop(chat_id, []):
            if not waiter.done():
                waiter.set_result(None)

    def _overall(self) -> tuple[_SlidingWindow, float | None]:
        """The window over all chats the current call counts in, and its limit."""
        if self._paid_call:
            return self._paid_window, self.paid_rate
        return self._global_window, self.global_rate

    def _record_sent(self, chat_id: int | str) -> None:
        now = time.monotonic()
        self._overall()[0].record(now)
        self._chat_windows.setdefault(chat_id, _SlidingWindow()).record(now)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
