"""Telegram's HTML parse mode, read once (pure, no Telegram).

:func:`read_telegram_html` reads a ``parse_mode=HTML`` text the way the Bot API does: the
plain text a user sees, its entities, and every fault in the markup, in the order they occur.
Telegram refuses a text at its first fault that :attr:`Fault.telegram_refuses` (the sandbox
answers with that one); the other faults are markup Telegram accepts but shows otherwise than
it reads (an ignored attribute, a link that is no link, an ``&`` that is no entity).
:func:`html_problems` words every fault for the organizer who wrote the text, before it is
queued.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

Entity = dict[str, Any]  # a Bot API MessageEntity

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units, like Telegram

_ENTITY_TYPES = {
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
ALLOWED_TAGS = frozenset(_ENTITY_TYPES)
_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "tg-emoji": {"emoji-id"}, "code": {"class"},
               "blockquote": {"expandable"}}  # fmt: skip
_LINK_SCHEMES = ("https://", "http://", "tg://")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_ATTR_RE = re.compile(r"""([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_BARE_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);)")


class FaultKind(Enum):
    """What is wrong where a fault is; the values say it in words."""

    # Telegram refuses the text.
    UNSUPPORTED_TAG = "unsupported tag"
    UNEXPECTED_END_TAG = "end tag with no tag open"
    UNMATCHED_END_TAG = "end tag of another tag than the open one"
    SPAN_WITHOUT_SPOILER = 'span without class="tg-spoiler"'
    NOT_A_TAG = "'<' that starts no tag"
    UNTERMINATED_TAG = "'<' with no '>' after it"
    UNCLOSED_TAG = "start tag never closed"
    # Telegram accepts the text but shows it otherwise than it reads.
    IGNORED_ATTRIBUTE = "attribute Telegram ignores"
    NOT_A_LINK = "href Telegram makes no link of"
    BARE_AMPERSAND = "'&' that is no entity"


_ACCEPTED_BY_TELEGRAM = {
    FaultKind.IGNORED_ATTRIBUTE,
    FaultKind.NOT_A_LINK,
    FaultKind.BARE_AMPERSAND,
}


@dataclass(frozen=True)
class Fault:
    """One fault in the markup, where it starts in the source."""

    kind: FaultKind
    tag: str  # lower-case name; for a stray '<', what follows it
    byte_offset: int  # in the UTF-8 source, as Telegram reports it
    line: int
    closing: bool = False  # the fault is in an end tag
    detail: str = ""  # the expected end tag's name, or the ignored attribute's

    @property
    def telegram_refuses(self) -> bool:
        return self.kind not in _ACCEPTED_BY_TELEGRAM


@dataclass
class ParsedHtml:
    text: str  # what the user sees
    entities: list[Entity] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    @property
    def refusal(self) -> Fault | None:
        """The fault Telegram refuses the text for, if any: the first one it refuses."""
        return next((fault for fault in self.faults if fault.telegram_refuses), None)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets and text limits."""
    return len(text.encode("utf-16-le")) // 2


def _attributes(raw: str) -> list[tuple[str, str]]:
    return [
        (m.group(1).lower(), html.unescape(next((g for g in m.groups()[1:] if g is not None), "")))
        for m in _ATTR_RE.finditer(raw)
    ]


class _Reader:
    """One pass over the source; after a fault it reads on, so that every fault is found."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.offset = 0  # UTF-16 code units, like Telegram's entity offsets
        self.open: list[tuple[str, int, Entity | None]] = []  # name, offset, entity
        self.parsed = ParsedHtml("")
        self.unsupported_started: set[str] = set()

    def fault(
        self, kind: FaultKind, tag: str, at: int, closing: bool = False, detail: str = ""
    ) -> None:
        byte_offset = len(self.source[:at].encode())
        line = self.source.count("\n", 0, at) + 1
        self.parsed.faults.append(Fault(kind, tag, byte_offset, line, closing, detail))

    def text(self, chunk: str) -> None:
        plain = html.unescape(chunk)
        self.out.append(plain)
        self.offset += utf16_len(plain)

    def read(self) -> ParsedHtml:
        source, pos = self.source, 0
        while pos < len(source):
            lt = source.find("<", pos)
            if lt == -1:
                self.text(source[pos:])
                break
            self.text(source[pos:lt])
            m = _TAG_RE.match(source, lt)
            if m is None:
                self.stray_lt(lt)
                pos = lt + 1
                continue
            name, attrs = m.group(2).lower(), m.group(3)
            if name not in ALLOWED_TAGS:
                self.unsupported_tag(name, lt, closing=m.group(1) == "/")
            elif m.group(1) == "/":
                self.end_tag(name, lt)
            else:
                self.start_tag(name, _attributes(attrs), lt)
            pos = m.end()
        for name, _, _ in reversed(self.open):  # Telegram names the innermost one
            self.fault(FaultKind.UNCLOSED_TAG, name, len(source))
        if bare := _BARE_AMPERSAND.search(source):
            self.fault(FaultKind.BARE_AMPERSAND, "", bare.start())
        self.parsed.text = "".join(self.out)
        self.parsed.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return self.parsed

    def unsupported_tag(self, name: str, lt: int, closing: bool) -> None:
        if closing and name in self.unsupported_started:
            return  # already a fault at its start tag
        self.unsupported_started.add(name)
        self.fault(FaultKind.UNSUPPORTED_TAG, name, lt, closing=closing)

    def stray_lt(self, lt: int) -> None:
        self.out.append("<")
        self.offset += 1
        if self.source.find(">", lt) == -1:
            self.fault(FaultKind.UNTERMINATED_TAG, "", lt)
        else:
            follows = re.match(r"</?([^\s>]*)", self.source[lt:])
            self.fault(FaultKind.NOT_A_TAG, follows.group(1) if follows else "", lt)

    def start_tag(self, name: str, attrs: list[tuple[str, str]], lt: int) -> None:
        for attr, value in attrs:
            if attr not in _ATTRIBUTES.get(name, set()):
                self.fault(FaultKind.IGNORED_ATTRIBUTE, name, lt, detail=attr)
            elif name == "a" and not value.startswith(_LINK_SCHEMES):
                self.fault(FaultKind.NOT_A_LINK, name, lt)
        values = dict(attrs)
        if name == "span" and values.get("class") != "tg-spoiler":
            self.fault(FaultKind.SPAN_WITHOUT_SPOILER, name, lt)
        entity: Entity | None = {"type": _ENTITY_TYPES[name]}
        if name == "a":
            entity = {"type": "text_link", "url": values["href"]} if values.get("href") else None
        elif name == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": values.get("emoji-id", "")}
        elif name == "blockquote" and "expandable" in values:
            entity = {"type": "expandable_blockquote"}
        elif name == "code" and values.get("class", "").startswith("language-"):
            parent = self.open[-1] if self.open else None
            if parent is not None and parent[0] == "pre" and parent[2] is not None:
                parent[2]["language"] = values["class"].removeprefix("language-")
                entity = None
        self.open.append((name, self.offset, entity))

    def end_tag(self, name: str, lt: int) -> None:
        if not self.open:
            self.fault(FaultKind.UNEXPECTED_END_TAG, name, lt, closing=True)
            return
        if self.open[-1][0] != name:
            self.fault(FaultKind.UNMATCHED_END_TAG, name, lt, closing=True, detail=self.open[-1][0])
            names = [open_name for open_name, _, _ in self.open]
            if name in names:  # read on as if the tags opened inside it were closed too
                del self.open[len(names) - 1 - names[::-1].index(name) :]
            return
        _, start, entity = self.open.pop()
        if entity is not None and self.offset > start:
            self.parsed.entities.append({**entity, "offset": start, "length": self.offset - start})


def read_telegram_html(source: str) -> ParsedHtml:
    """``source`` read as Telegram reads a ``parse_mode=HTML`` text."""
    return _Reader(source).read()


def _tag_problem(fault: Fault) -> str | None:
    """The organizer's wording of a fault in one tag, if ``fault`` is one."""
    tag = f"</{fault.tag}>" if fault.closing else f"<{fault.tag}>"
    problem = {
        FaultKind.UNSUPPORTED_TAG: f"{tag} is not allowed in Telegram messages",
        FaultKind.UNEXPECTED_END_TAG: f"{tag} where no closing tag was expected",
        FaultKind.UNMATCHED_END_TAG: f"{tag} where </{fault.detail}> was expected",
        FaultKind.SPAN_WITHOUT_SPOILER: '<span> needs class="tg-spoiler"',
        FaultKind.IGNORED_ATTRIBUTE: f"{tag} cannot have the attribute {fault.detail!r}",
        FaultKind.NOT_A_LINK: "a link must start with https://",
    }.get(fault.kind)
    return None if problem is None else f"line {fault.line}: {problem}"


def html_problems(text: str) -> list[str]:
    """Every reason Telegram would refuse ``text`` with parse_mode=HTML, or show it otherwise
    than it reads; empty when fine."""
    parsed = read_telegram_html(text)
    kinds = {fault.kind for fault in parsed.faults}
    problems = [p for p in map(_tag_problem, parsed.faults) if p is not None]
    if not parsed.text.strip():
        problems.append("the message is empty")
    problems += [
        f"<{fault.tag}> is never closed"
        for fault in reversed(parsed.faults)
        if fault.kind is FaultKind.UNCLOSED_TAG
    ]
    if (length := utf16_len(parsed.text)) > MAX_MESSAGE_LENGTH:
        problems.append(
            f"the message is {length} characters long; Telegram allows {MAX_MESSAGE_LENGTH}"
        )
    if kinds & {FaultKind.NOT_A_TAG, FaultKind.UNTERMINATED_TAG}:
        problems.append("a '<' that is not a tag: write &lt; instead")
    if FaultKind.BARE_AMPERSAND in kinds:
        problems.append("a '&' that is not an entity: write &amp; instead")
    return problems
