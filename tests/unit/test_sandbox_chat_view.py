"""The chat page shows Telegram's formatting and nothing else: every text is escaped."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from civic_feedback.sandbox.chat_records import JSON, SentMessage, UploadedFile, UserMessage
from civic_feedback.sandbox.chat_view import ChatView
from civic_feedback.sandbox.telegram_html import parse_html

VIEW = ChatView("civic_feedback_sandbox_bot", ZoneInfo("Europe/Sofia"))


def shown(source: str) -> str:
    """The page's HTML for a text the bot sent with parse_mode=HTML."""
    text, entities = parse_html(source)
    return VIEW.text_html(text, entities)


@pytest.mark.parametrize(
    ("sent", "page"),
    [
        ("<b>Въпрос</b> 1 от 5", "<b>Въпрос</b> 1 от 5"),
        ("<i>a</i><b>b <i>c</i></b>", "<i>a</i><b>b </b><b><i>c</i></b>"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('Tom &amp; "Jerry" \'s', "Tom &amp; &quot;Jerry&quot; &#x27;s"),
        ("<code>x &lt; y</code>", "<code>x &lt; y</code>"),
        ("😀 <b>ok</b>", "😀 <b>ok</b>"),  # entity offsets count an emoji as two units
    ],
)
def test_formatting_becomes_tags_and_everything_else_is_escaped(sent: str, page: str) -> None:
    assert shown(sent) == page


def test_links_open_safely_and_bot_links_send_start() -> None:
    assert shown('<a href="https://example.org/a?b=1&amp;c=2">map</a>') == (
        '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" '
        'rel="noopener noreferrer">map</a>'
    )
    assert shown('<a href="javascript:alert(1)">click</a>') == "click"
    assert shown('<a href="https://t.me/civic_feedback_sandbox_bot?start=ev_abc">Open</a>') == (
        '<a href="https://t.me/civic_feedback_sandbox_bot?start=ev_abc" data-start="ev_abc">'
        "Open</a>"
    )
    # A bare address is a link, as Telegram shows it; its surrounding punctuation is not.
    assert shown("See https://t.me/civic_feedback_sandbox_bot?start=f_general-feedback.") == (
        'See <a href="https://t.me/civic_feedback_sandbox_bot?start=f_general-feedback" '
        'data-start="f_general-feedback">'
        "https://t.me/civic_feedback_sandbox_bot?start=f_general-feedback</a>."
    )


def test_keyboard_buttons_carry_escaped_callback_data() -> None:
    message = SentMessage(
        message_id=7,
        chat_id=1001,
        date=0,
        method="sendMessage",
        text="Rate <it>",
        reply_markup={
            "inline_keyboard": [
                [{"text": "<5>", "callback_data": 'r:"5"'}],
                [{"text": "Map", "url": "https://example.org"}],
            ]
        },
    )

    html = VIEW.message_json(message)["html"]

    assert 'data-id="7"' in html
    assert "Rate &lt;it&gt;" in html
    assert (
        '<button type=button data-message="7" data-data="r:&quot;5&quot;">&lt;5&gt;</button>'
        in html
    )
    assert '<a class="button" href="https://example.org" target="_blank"' in html


def test_files_users_and_deleted_messages() -> None:
    chart = UploadedFile("chart.png", b"png", "image/png", "file-1", "u1")
    calendar = UploadedFile('a"b.ics', b"x" * 2048, "text/calendar", "file-2", "u2")
    photo = SentMessage(message_id=1, chat_id=1, date=0, method="sendPhoto", photo=chart)
    document = SentMessage(
        message_id=2, chat_id=1, date=0, method="sendDocument", document=calendar
    )
    written = UserMessage(message_id=3, chat_id=1, date=0, text="<b>hi</b>")
    gone = UserMessage(message_id=4, chat_id=1, date=0, text="x", deleted=True)

    assert '<img class="photo" src="/files/file-1"' in VIEW.message_json(photo)["html"]
    assert 'href="/files/file-2" download="a&quot;b.ics"' in VIEW.message_json(document)["html"]
    assert "2.0 KB" in VIEW.message_json(document)["html"]
    assert "&lt;b&gt;hi&lt;/b&gt;" in VIEW.message_json(written)["html"]
    assert 'class="msg me"' in VIEW.message_json(written)["html"]
    assert VIEW.message_json(gone) == {"id": 4, "deleted": True}


def test_in_a_group_others_write_under_their_name_and_a_reply_quotes_what_it_answers() -> None:
    post = SentMessage(
        message_id=1, chat_id=-100, date=0, method="sendMessage", text="📨 Message #1\nBench"
    )
    answer = UserMessage(
        message_id=2, chat_id=-100, date=0, text="<i>Friday</i>", sender_id=9002, reply_to=1
    )
    names = {9002: "Иван <Петров>"}

    own = VIEW.message_json(answer, viewer=9002, names=names, replied=post)["html"]
    others = VIEW.message_json(answer, viewer=9001, names=names, replied=post)["html"]

    assert 'class="msg me"' in own
    assert "from" not in own
    assert '<div class="quote" data-goto="1">📨 Message #1</div>' in own
    assert 'class="msg them"' in others
    assert '<div class="from">Иван &lt;Петров&gt;</div>' in others
    assert "&lt;i&gt;Friday&lt;/i&gt;" in others


def test_what_people_send_shows_as_in_telegram_and_cannot_inject_markup() -> None:
    place = {"latitude": 42.6847, "longitude": 23.319}
    photo: JSON = {"photo": [{"file_id": "file-1"}, {"file_id": 'file-2"x'}], "caption": "<b>B</b>"}
    pin: JSON = {"location": place}
    venue: JSON = {"venue": {"location": place, "title": "НДК", "address": "<bul.>"}}
    document: JSON = {"document": {"file_id": "file-3", "file_name": "a<b>.pdf", "file_size": 4096}}

    def shown(content: JSON) -> str:
        written = UserMessage(message_id=1, chat_id=1001, date=0, text="", content=content)
        return str(VIEW.message_json(written)["html"])

    assert '<img class="photo" src="/files/file-2&quot;x" alt="">' in shown(photo)
    assert '<div class="text">&lt;b&gt;B&lt;/b&gt;</div>' in shown(photo)
    assert (
        '<a class="place" href="https://www.openstreetmap.org/?mlat=42.684700&amp;mlon=23.319000'
        '#map=18/42.684700/23.319000" target="_blank" rel="noopener noreferrer">'
        "📍 42.68470, 23.31900</a>"
    ) in shown(pin)
    assert "📍 НДК, &lt;bul.&gt;</a>" in shown(venue)
    assert 'download="a&lt;b&gt;.pdf">📄 a&lt;b&gt;.pdf <small>4.0 KB</small>' in shown(document)
    copy = SentMessage(message_id=2, chat_id=-100, date=0, method="copyMessage", extra=pin)
    assert "📍 42.68470, 23.31900" in VIEW.message_json(copy)["html"]
