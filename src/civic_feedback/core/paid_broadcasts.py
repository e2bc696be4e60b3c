"""What Telegram lets a bot send to many chats, and what paid broadcasts cost.

Without paying, a bot sends about ``FREE_RATE`` messages a second over all chats. A message
sent with ``allow_paid_broadcast`` may go beyond that, up to ``PAID_RATE`` a second, and each
one beyond the free limit is billed in Telegram Stars from the bot's balance (the Bot API's
``TransactionPartnerTelegramApi.request_count``: "requests that exceeded regular limits and
were therefore billed").
"""

from __future__ import annotations

import math
from decimal import Decimal

FREE_RATE = 30  # messages a second over all chats, free
PAID_RATE = 1000  # ... and with paid broadcasts
STARS_PER_MESSAGE = Decimal("0.1")  # Telegram's price of a message beyond the free limit


def billed_messages(recipients: int, rate: float) -> int:
    """About how many of a broadcast's messages Telegram bills at ``rate`` a second: those
    beyond the free ``FREE_RATE`` a second while it is sent (the first second's free ones
    cover a short broadcast)."""
    seconds = max(1.0, recipients / rate)
    return max(0, recipients - math.floor(FREE_RATE * seconds))
