"""Broadcast texts are checked against Telegram's HTML subset before anything is queued.

``html_problems`` is pure: the text in, every reason Telegram would refuse it out (empty when
Telegram accepts it). Bad markup must be a clear error for the organizer, never a broadcast
that fails for every recipient. The fake Bot API parses HTML the way Telegram does, so each
valid text here is also checked to be one the fake (Telegram) really accepts, and the two are
checked to agree on tricky and random markup: both read it with one parser.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic_feedback.core.telegram_html import MAX_MESSAGE_LENGTH, html_problems
from civic_feedback.sandbox.bot_api import TEXT_LIMIT, ApiError
from civic_feedback.sandbox.message_content import render_text

VALID = {
    "plain text": "A public consultation on the city budget, Thursday at 18:00.",
    "bold, italic, underline, strikethrough": "<b>bold</b> <i>italic</i> <u>under</u> <s>gone</s>",
    "synonyms": "<strong>b</strong> <em>i</em> <ins>u</ins> <strike>s</strike> <del>s</del>",
    "https link": '<a href="https://sliven.bg/budget?year=2027&amp;part=2">the draft</a>',
    "tg link": '<a href="tg://user?id=123456">the organizer</a>',
    "code and pre": "<code>feedback</code> <pre>line 1\nline 2</pre>",
    "pre with a language": '<pre><code class="language-python">print(1)</code></pre>',
    "blockquote": "<blockquote>Citizens first.</blockquote>",
    "expandable blockquote": "<blockquote expandable>a long quote</blockquote>",
    "tg-spoiler": "The winner is <tg-spoiler>the park</tg-spoiler>.",
    "span spoiler": 'The winner is <span class="tg-spoiler">the park</span>.',
    "custom emoji": '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    "nesting": "<b>bold <i>and italic <u>and underlined</u></i></b>",
    "entities": "1 &lt; 2 &amp;&amp; 3 &gt; 2, &quot;quoted&quot;, &#128512; &#x1F600;",
    "multi-line with a Cyrillic text": "<b>Обществено обсъждане</b>\n\nЕлате в четвъртък!",
    "upper-case tags": "<B>bold</B>",
    "exactly the maximum length": "x" * MAX_MESSAGE_LENGTH,
    "an entity counts as one character": "&lt;" * MAX_MESSAGE_LENGTH,
    "markup does not count towards the length": "<b>" + "x" * MAX_MESSAGE_LENGTH + "</b>",
}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_a_message_telegram_accepts_has_no_problems(text: str) -> None:
    assert html_problems(text) == []
    assert telegram_accepts(text)  # and Telegram (the fake) accepts it indeed


# (text, a fragment of the one problem reported)
REFUSED = {
    "unknown tag": ("<marquee>news</marquee>", "<marquee> is not allowed"),
    "line break tag": ("one<br>two", "<br> is not allowed"),
    "heading tag": ("<h1>Title</h1>", "<h1> is not allowed"),
    "unclosed tag": ("<b>bold for ever", "<b> is never closed"),
    "closing tag without opening": ("bold</b>", "</b> where no closing tag was expected"),
    "stray '<'": ("1 < 2", "write &lt; instead"),
    "stray '<' before a digit": ("I <3 my town", "write &lt; instead"),
    "bare '&'": ("parks & gardens", "write &amp; instead"),
    "bare '&' in a link": ('<a href="https://x.bg/?a=1&b=2">x</a>', "write &amp; instead"),
    "named entity Telegram does not know": ("a&nbsp;b", "write &amp; instead"),
    "javascript: link": ('<a href="javascript:alert(1)">x</a>', "must start with https://"),
    "relative link": ('<a href="/budget">x</a>', "must start with https://"),
    "span without the spoiler class": ("<span>secret</span>", 'needs class="tg-spoiler"'),
    "span with another class": ('<span class="red">x</span>', 'needs class="tg-spoiler"'),
    "attribute not allowed": ('<b style="color:red">x</b>', "cannot have the attribute 'style'"),
    "onclick on a link": (
        '<a href="https://x.bg" onclick="steal()">x</a>',
        "cannot have the attribute 'onclick'",
    ),
    "empty text": ("", "the message is empty"),
    "only white space": (" \n\t ", "the message is empty"),
    "text over 4096 characters": (
        "x" * (MAX_MESSAGE_LENGTH + 1),
        f"{MAX_MESSAGE_LENGTH + 1} characters long; Telegram allows {MAX_MESSAGE_LENGTH}",
    ),
}


@pytest.mark.parametrize(("text", "problem"), REFUSED.values(), ids=REFUSED.keys())
def test_each_refusal_is_one_clear_problem(text: str, problem: str) -> None:
    (reported,) = html_problems(text)

    assert problem in reported


@pytest.mark.parametrize(
    "text",
    [
        "<b><i>crossed</b></i>",
        "<b>bold <i>italic</b>",
        "<a href='https://x.bg'><b>link</a></b>",
    ],
)
def test_bad_nesting_says_which_closing_tag_was_expected(text: str) -> None:
    problems = html_problems(text)

    assert problems
    assert any("was expected" in problem for problem in problems), problems


def test_a_problem_says_on_which_line_it_is() -> None:
    text = "<b>Consultation</b>\n\nSee <a href='ftp://x.bg'>the draft</a>\n<foo>x</foo>"

    assert html_problems(text) == [
        "line 3: a link must start with https://",
        "line 4: <foo> is not allowed in Telegram messages",
    ]


def test_every_problem_is_reported_not_only_the_first() -> None:
    problems = html_problems("<div>1 < 2 & 3</div><b>open")

    assert len(problems) == 4
    assert "<div> is not allowed" in problems[0]
    assert "<b> is never closed" in problems[1]
    assert "write &lt; instead" in problems[2]
    assert "write &amp; instead" in problems[3]


def _send(text: str) -> None:
    """What the fake Bot API does with a sendMessage text in HTML parse mode."""
    render_text(text, "HTML", None, limit=TEXT_LIMIT, caption=False)


def telegram_accepts(text: str) -> bool:
    try:
        _send(text)
    except ApiError:
        return False
    return True


@pytest.mark.parametrize("text", ["<b> </b>", "<i></i>", "<b>\n</b>  <u> </u>"])
def test_markup_around_no_visible_text_is_an_empty_message(text: str) -> None:
    with pytest.raises(ApiError, match="message text is empty"):
        _send(text)  # Telegram refuses it...

    assert html_problems(text) == ["the message is empty"]  # ...so the checker must say so


# Markup Telegram accepts but shows otherwise than it reads: only the checker refuses it.
SHOWN_OTHERWISE = ("write &amp; instead", "cannot have the attribute", "must start with https://")


def assert_checker_agrees_with_telegram(text: str) -> None:
    problems = html_problems(text)
    refused_by_telegram = [p for p in problems if not any(s in p for s in SHOWN_OTHERWISE)]

    assert telegram_accepts(text) == (not refused_by_telegram), problems


TRICKY = [
    *VALID.values(),
    *(text for text, _ in REFUSED.values()),
    "<b><i>crossed</b></i>",
    "<b>bold <i>italic</b>",
    "<b><i>never</i>",
    "<b><i>never closed",
    "</i>",
    "x</div>",
    "<div>a</div><div>b</div>",
    "<b/>",
    "<>",
    "<!-- a comment -->text",
    "1 < 2 > 0",
    "<b x</b>",
    "<b",
    "a &amp b",
    "a &#12 b",
    "<a>no href</a>",
    '<a href="">empty href</a>',
    "<A HREF='HTTPS://X.BG'>shouting</A>",
    '<span class="tg-spoiler" style="x">y</span>',
    "<blockquote expandable><b>deep <i>and <u>deeper <s>still</s></u></i></b></blockquote>",
    '<pre><code class="language-py">x</code></pre><code class="other">y</code>',
    "😀" * (MAX_MESSAGE_LENGTH // 2),
    "😀" * (MAX_MESSAGE_LENGTH // 2 + 1),
    "<b>" + "x" * MAX_MESSAGE_LENGTH + "</b>&amp;",
    "<b>\n</b>&#32;",
]


@pytest.mark.parametrize("text", TRICKY)
def test_the_checker_refuses_exactly_what_telegram_refuses(text: str) -> None:
    assert_checker_agrees_with_telegram(text)


PIECES = [
    "<b>", "</b>", "<i>", "</i>", "<div>", "</div>", "<span>", '<span class="tg-spoiler">',
    "</span>", '<a href="https://x.bg">', '<a href="ftp://x">', "</a>", "<b/>", "<pre>",
    '<code class="language-py">', "</code>", "</pre>", '<b style="x">', "<blockquote expandable>",
    "</blockquote>", "<", ">", "&", "&amp;", "&lt;", "&nbsp;", " ", "\n", "x", "Ж", "😀",
    "x" * 2000, "😀" * 1100,
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_the_checker_and_telegram_agree_on_random_markup(text: str) -> None:
    assert_checker_agrees_with_telegram(text)
