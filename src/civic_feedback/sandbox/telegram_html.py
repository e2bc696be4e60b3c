"""Telegram's HTML parse mode, as the Bot API applies it to ``parse_mode=HTML`` texts.

Unsupported or unbalanced tags (e.g. an unescaped ``<`` in a citizen's text) are refused with
Telegram's own ``400 Bad Request: can't parse entities: ...``, so the bugs that would fail
against Telegram fail in the sandbox and the tests too.
"""

from __future__ import annotations

import html
import re
from typing import Any

from civic_feedback.sandbox.bot_api import bad_request

JSON = dict[str, Any]

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_ATTR_RE = re.compile(r"""([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets and text limits."""
    return len(text.encode("utf-16-le")) // 2


def _html_attrs(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for m in _ATTR_RE.finditer(raw):
        value = next((g for g in m.groups()[1:] if g is not None), "")
        attrs[m.group(1).lower()] = html.unescape(value)
    return attrs


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: (plain text, entities) or a 400 ``ApiError``."""
    out: list[str] = []
    offset = 0  # UTF-16 code units, like Telegram's entity offsets
    stack: list[tuple[str, int, JSON | None]] = []
    entities: list[JSON] = []
    pos = 0
    while pos < len(source):
        lt = source.find("<", pos)
        chunk = source[pos : lt if lt != -1 else len(source)]
        if chunk:
            plain = html.unescape(chunk)
            out.append(plain)
            offset += utf16_len(plain)
        if lt == -1:
            break
        byte_offset = len(source[:lt].encode())
        m = _TAG_RE.match(source, lt)
        if m is None:
            if source.find(">", lt) == -1:
                raise bad_request(
                    f"can't parse entities: Unclosed start tag at byte offset {byte_offset}"
                )
            name = re.match(r"</?([^\s>]*)", source[lt:])
            tag = name.group(1) if name else ""
            raise bad_request(
                f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset {byte_offset}'
            )
        closing, name_, attrs_raw = m.group(1) == "/", m.group(2).lower(), m.group(3)
        if name_ not in _HTML_ENTITY_TYPES:
            kind = "end" if closing else "start"
            raise bad_request(
                f'can\'t parse entities: Unsupported {kind} tag "{name_}" at byte offset '
                f"{byte_offset}"
            )
        if closing:
            if not stack:
                raise bad_request(
                    f"can't parse entities: Unexpected end tag at byte offset {byte_offset}"
                )
            if stack[-1][0] != name_:
                raise bad_request(
                    f"can't parse entities: Unmatched end tag at byte offset {byte_offset}, "
                    f'expected "</{stack[-1][0]}>", found "</{name_}>"'
                )
            _, start, open_entity = stack.pop()
            if open_entity is not None and offset > start:
                open_entity["offset"] = start
                open_entity["length"] = offset - start
                entities.append(open_entity)
        else:
            attrs = _html_attrs(attrs_raw)
            entity: JSON | None = {"type": _HTML_ENTITY_TYPES[name_]}
            if name_ == "span" and attrs.get("class") != "tg-spoiler":
                raise bad_request(
                    f'can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte '
                    f"offset {byte_offset}"
                )
            if name_ == "a":
                entity = {"type": "text_link", "url": attrs["href"]} if attrs.get("href") else None
            elif name_ == "tg-emoji":
                entity = {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id", "")}
            elif name_ == "blockquote" and "expandable" in attrs:
                entity = {"type": "expandable_blockquote"}
            elif name_ == "code" and attrs.get("class", "").startswith("language-"):
                parent = stack[-1] if stack else None
                if parent is not None and parent[0] == "pre" and parent[2] is not None:
                    parent[2]["language"] = attrs["class"].removeprefix("language-")
                    entity = None
            stack.append((name_, offset, entity))
        pos = m.end()
    if stack:
        raise bad_request(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
