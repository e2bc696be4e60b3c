"""Check a message against Telegram's HTML subset before it is queued (pure, no Telegram)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "tg-emoji": {"emoji-id"}, "code": {"class"},
               "blockquote": {"expandable"}}  # fmt: skip
MAX_MESSAGE_LENGTH = 4096
_BARE_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);)")
_TAG = re.compile(r"</?[a-zA-Z][\w-]*(\s+[^<>]*)?/?>")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.text_length = 0
        self.visible = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"line {line}: <{tag}> is not allowed in Telegram messages")
            return
        for name, value in attrs:
            if name not in _ATTRIBUTES.get(tag, set()):
                self.problems.append(f"line {line}: <{tag}> cannot have the attribute {name!r}")
            elif tag == "a" and not (value or "").startswith(("https://", "http://", "tg://")):
                self.problems.append(f"line {line}: a link must start with https://")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self.problems.append(f'line {line}: <span> needs class="tg-spoiler"')
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag not in ALLOWED_TAGS:
            return  # already reported at its start tag
        if not self.open or self.open[-1] != tag:
            expected = f"</{self.open[-1]}>" if self.open else "no closing tag"
            self.problems.append(f"line {line}: </{tag}> where {expected} was expected")
            if tag in self.open:
                del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text_length += len(data)
        self.visible = self.visible or bool(data.strip())


def html_problems(text: str) -> list[str]:
    """Every reason Telegram would refuse ``text`` with parse_mode=HTML; empty when fine."""
    if not text.strip():
        return ["the message is empty"]
    checker = _Checker()
    checker.feed(text)
    checker.close()
    problems = checker.problems
    if not checker.visible:
        problems.append("the message is empty")
    problems += [f"<{tag}> is never closed" for tag in checker.open]
    if checker.text_length > MAX_MESSAGE_LENGTH:
        problems.append(
            f"the message is {checker.text_length} characters long; Telegram allows "
            f"{MAX_MESSAGE_LENGTH}"
        )
    if "<" in _unescaped_angle_check(text):
        problems.append("a '<' that is not a tag: write &lt; instead")
    if _BARE_AMPERSAND.search(text):
        problems.append("a '&' that is not an entity: write &amp; instead")
    return problems


def _unescaped_angle_check(text: str) -> str:
    """What is left of ``text`` after removing well-formed tags: a stray '<' stays."""
    return _TAG.sub("", text)
