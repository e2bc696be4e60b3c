"""One chat's updates one at a time, in arrival order; other chats run freely."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PerChatOrderMiddleware(BaseMiddleware):
    """Handle one chat's updates one at a time, in arrival order; other chats run freely.

    Two quick button presses must not race on the same form; the second one waits.
    """

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        key = chat.id if chat else user.id if user else None
        if key is None:
            return await handler(event, data)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                return await handler(event, data)
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody waits: forget the lock, memory stays flat
                del self._users[key], self._locks[key]
