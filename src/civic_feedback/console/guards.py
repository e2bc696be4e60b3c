"""What stands between the console and the internet: strict headers on every answer, and a
per-user budget of requests."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Scripts and styles from the console itself, and Telegram's Mini App script; data only from
# the console's own API; framed only by Telegram's clients.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' https://telegram.org",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors https://web.telegram.org https://*.telegram.org",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@web.middleware
async def strict_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:  # the refusals, aiohttp's own (404, 405, 413) too
        error.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    return response


class RequestBudget:
    """At most ``per_minute`` requests per user in any minute; the users tracked are capped,
    the longest quiet forgotten first, so a flood of forged ids cannot grow it."""

    def __init__(
        self,
        per_minute: int = 120,
        users: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.users = users
        self.clock = clock
        self._seen: OrderedDict[int, deque[float]] = OrderedDict()

    def allows(self, telegram_id: int) -> bool:
        now = self.clock()
        times = self._seen.pop(telegram_id, None) or deque()
        while times and now - times[0] >= 60:
            times.popleft()
        allowed = len(times) < self.per_minute
        if allowed:
            times.append(now)
        self._seen[telegram_id] = times
        while len(self._seen) > self.users:
            self._seen.popitem(last=False)
        return allowed
