"""How an inbox item reads in the staff group: who wrote, its text, its status."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.views.inbox_texts import PostView, post_text
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.schema import Option
from civic_feedback.services.inbox import ItemFacts
from civic_feedback.storage.models import InboxItem, InboxStatus
from tests.support.keys import PSEUDONYM_KEY

KEY = PSEUDONYM_KEY.encode()
TOPICS = [Option(id="other", text={"en": "Other", "bg": "Друго"})]


def post(item: InboxItem, text: str, answered_by: tuple[str, datetime] | None = None) -> str:
    view = PostView(
        item=item,
        facts=ItemFacts(text, 6001, answered_by, []),
        topics=TOPICS,
        language="en",
        zone=ZoneInfo("Europe/Sofia"),
        key=KEY,
    )
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        return post_text(view)


def item(**fields: object) -> InboxItem:
    return InboxItem.model_validate({"id": 7, "topic": "other", "language": "bg", **fields})


def test_the_citizen_is_a_pseudonym_unless_they_agreed_and_their_text_cannot_inject_markup() -> (
    None
):
    shown = post(item(contact_name="Мария <b>", contact_allowed=False), "<a href='x'>hi</a> & bye")
    assert pseudonym(KEY, 6001) in shown
    assert "Мария" not in shown
    assert "&lt;a href=&#x27;x&#x27;&gt;hi&lt;/a&gt; &amp; bye" in shown

    agreed = post(item(contact_name="Мария <b>", contact_allowed=True), "hi")
    assert "Мария &lt;b&gt; · agreed to be contacted" in agreed
    assert pseudonym(KEY, 6001) not in agreed


def test_a_long_message_is_cut_to_fit_telegram_and_says_where_the_rest_is() -> None:
    shown = post(item(), "я" * 4000)
    assert len(shown) < 4096
    assert "the whole text: feedback-admin inbox show 7" in shown


def test_the_status_line_says_who_answered_and_when_in_local_time() -> None:
    moment = datetime(2026, 11, 23, 12, 5, tzinfo=UTC)
    shown = post(item(status=InboxStatus.ANSWERED), "hi", ("Иван Петров", moment))
    assert "✅ Answered by Иван Петров, 23.11 14:05" in shown
    assert "Waiting for an answer" in post(item(), "hi")
    assert "Closed" in post(item(status=InboxStatus.CLOSED), "hi")
