"""Telegram's HTML parse mode as the Bot API answers it: text and entities, or Telegram's
own ``400 Bad Request: can't parse entities: ...`` at the markup's first fault, so the bugs
that would fail against Telegram fail in the sandbox and the tests too."""

from __future__ import annotations

from civic_feedback.core.telegram_html import Fault, FaultKind, read_telegram_html
from civic_feedback.sandbox.bot_api import bad_request
from civic_feedback.sandbox.chat_records import JSON


def _description(fault: Fault) -> str:
    """Telegram's words for ``fault``."""
    at = f"at byte offset {fault.byte_offset}"
    match fault.kind:
        case FaultKind.UNSUPPORTED_TAG:
            kind = "end" if fault.closing else "start"
            return f'Unsupported {kind} tag "{fault.tag}" {at}'
        case FaultKind.NOT_A_TAG:
            return f'Unsupported start tag "{fault.tag}" {at}'
        case FaultKind.UNTERMINATED_TAG:
            return f"Unclosed start tag {at}"
        case FaultKind.UNEXPECTED_END_TAG:
            return f"Unexpected end tag {at}"
        case FaultKind.UNMATCHED_END_TAG:
            return f'Unmatched end tag {at}, expected "</{fault.detail}>", found "</{fault.tag}>"'
        case FaultKind.SPAN_WITHOUT_SPOILER:
            return f'Tag "span" must have class "tg-spoiler" {at}'
        case FaultKind.UNCLOSED_TAG:
            return f'Can\'t find end tag corresponding to start tag "{fault.tag}"'
    raise ValueError(f"Telegram accepts a text with {fault.kind.value}")


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: (plain text, entities) or a 400 ``ApiError``."""
    parsed = read_telegram_html(source)
    if parsed.refusal is not None:
        raise bad_request(f"can't parse entities: {_description(parsed.refusal)}")
    return parsed.text, parsed.entities
