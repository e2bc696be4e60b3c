"""How inbox items read: the post in the staff group, the answer in the citizen's chat."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from sqlmodel import Session

from civic_feedback.bot.callbacks import InboxAction, InboxCb
from civic_feedback.core.pseudonyms import pseudonym
from civic_feedback.flows.schema import Option, in_language
from civic_feedback.services.inbox import ItemFacts, inbox_topics, item_facts, topic_text
from civic_feedback.services.inbox_media import PLACES, map_link
from civic_feedback.settings import Settings
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.models import (
    AttachmentKind,
    InboxAttachment,
    InboxItem,
    InboxStatus,
)


def post_view(
    session: Session, item: InboxItem, settings: Settings, catalog: FlowCatalog
) -> PostView:
    """The item as its post shows it now, in the staff's language (DEFAULT_LANGUAGE)."""
    return PostView(
        item=item,
        facts=item_facts(session, item),
        topics=inbox_topics(session, catalog),
        language=settings.interface_language,
        zone=settings.zone,
        key=settings.require_pseudonym_key(),
    )


@dataclass(frozen=True)
class PostView:
    """What the staff group sees of an item, in the staff's language."""

    item: InboxItem
    facts: ItemFacts
    topics: list[Option]
    language: str  # the staff's: DEFAULT_LANGUAGE
    zone: ZoneInfo
    key: bytes  # PSEUDONYM_KEY: the citizen is shown by pseudonym unless they agreed


# A Telegram message holds 4096 characters: a long text leaves room for the lines around it.
_ROOM = 3500


def _clip(text: str, number: int | None) -> str:
    """The text, escaped; a longer one is cut, saying where the whole of it is."""
    if len(text) <= _ROOM:
        return escape(text)
    whole = _("the whole text: feedback-admin inbox show {number}").format(number=number)
    return escape(text[:_ROOM]) + f"… ({whole})"


def citizen_label(view: PostView) -> str:
    """Who wrote: their name only when they agreed to be contacted, else a pseudonym."""
    item = view.item
    telegram_id = view.facts.citizen_telegram_id
    if telegram_id is None:
        return _("unknown: answers cannot reach the author")
    if item.contact_allowed and item.contact_name:
        return escape(item.contact_name) + " · " + _("agreed to be contacted")
    return "<code>" + pseudonym(view.key, telegram_id) + "</code>"


def _heading(view: PostView) -> str:
    item = view.item
    place = escape(item.municipality) if item.municipality else _("no municipality chosen")
    topic = escape(topic_text(view.topics, item.topic, view.language))
    number = _("Message #{number}").format(number=item.id)
    return f"📨 <b>{number}</b> · {place} · <i>{topic}</i>"


def _status_line(view: PostView) -> str:
    item = view.item
    reason = f": {escape(item.status_reason)}" if item.status_reason else ""
    if item.status == InboxStatus.ANSWERED and view.facts.answered_by is not None:
        name, moment = view.facts.answered_by
        when = f"{moment.astimezone(view.zone):%d.%m %H:%M}"
        return _("✅ Answered by {name}, {when}").format(name=escape(name), when=when)
    if item.status == InboxStatus.NEW:
        return _("🆕 Waiting for an answer")
    if item.status == InboxStatus.CLOSED:
        return _("☑️ Closed")
    line = _STATUS_ICONS.get(InboxStatus(item.status), "") + status_name(item.status) + reason
    if item.confirmed:
        line += "\n" + _("👍 The citizen confirms it is resolved")
        if item.resolution_rating:
            line += " " + _("(rated {rating}/5)").format(rating=item.resolution_rating)
    return line


_STATUS_ICONS = {
    InboxStatus.IN_PROGRESS: "🔧 ",
    InboxStatus.RESOLVED: "✅ ",
    InboxStatus.NOT_OURS: "↪️ ",
    InboxStatus.WONT_DO: "⛔ ",
}


def attachment_lines(attachments: list[InboxAttachment]) -> list[str]:
    """The place (with a map link) and how many photos, files and voice notes follow."""
    lines = []
    for place in (a for a in attachments if a.kind in PLACES):
        if place.latitude is None or place.longitude is None:
            continue
        link = map_link(place.latitude, place.longitude)
        where = escape(place.venue) + " · " if place.venue else ""
        lines.append(f'📍 {where}<a href="{escape(link, quote=True)}">{_("Map")}</a>')
    counts = Counter(a.kind for a in attachments)
    files = [
        label.format(count=counts[kind])
        for kind, label in (
            (AttachmentKind.PHOTO, _("photos: {count}")),
            (AttachmentKind.DOCUMENT, _("files: {count}")),
            (AttachmentKind.VOICE, _("voice notes: {count}")),
        )
        if counts[kind]
    ]
    if files:
        lines.append("📎 " + ", ".join(files) + " " + _("(below)"))
    return lines


def post_text(view: PostView) -> str:
    text = [_clip(view.facts.text, view.item.id)] if view.facts.text else []
    if view.facts.supporters:
        text.append(
            _("👥 +{count}: reported by more citizens nearby").format(count=view.facts.supporters)
        )
    lines = [
        _heading(view),
        _("From: {who}").format(who=citizen_label(view)),
        "",
        *text,
        *attachment_lines(view.facts.attachments),
        "",
        _status_line(view),
    ]
    if view.facts.citizen_telegram_id is not None:
        lines.append(_("↩️ Reply to this message to answer the citizen."))
    return "\n".join(lines)


def followup_text(view: PostView, text: str, attachments: list[InboxAttachment]) -> str:
    """The citizen wrote again: posted as a reply to the item's post."""
    return "\n".join(
        [
            f"💬 <b>#{view.item.id}</b>: " + _("the citizen wrote again"),
            "",
            *([_clip(text, view.item.id)] if text else []),
            *attachment_lines(attachments),
            "",
            _("↩️ Reply to this message to answer the citizen."),
        ]
    )


def forwarded_text(view: PostView, municipality: str) -> str:
    """The old post, once the item went to another municipality's staff."""
    note = _("➡️ Forwarded to {municipality}").format(municipality=escape(municipality))
    return "\n".join([_heading(view), "", _clip(view.facts.text, view.item.id), "", note])


def post_keyboard(item: InboxItem) -> InlineKeyboardMarkup | None:
    if item.status in (InboxStatus.CLOSED, InboxStatus.NOT_OURS, InboxStatus.WONT_DO):
        return None
    number = item.id or 0
    progress = [
        _button(label, InboxCb(id=number, action=InboxAction.STATUS, value=status.value))
        for status, label in (
            (InboxStatus.IN_PROGRESS, _("🔧 In progress")),
            (InboxStatus.RESOLVED, _("✅ Resolved")),
        )
        if item.status != status
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            progress,
            [
                _button(_("☑️ Close"), InboxCb(id=number, action=InboxAction.CLOSE)),
                _button(_("🏷 Topic"), InboxCb(id=number, action=InboxAction.TOPICS)),
                _button(_("➡️ Forward"), InboxCb(id=number, action=InboxAction.PLACES)),
            ],
        ]
    )


def choices_keyboard(
    item: InboxItem, action: InboxAction, choices: list[tuple[str, str]], *, back: str
) -> InlineKeyboardMarkup:
    """Two buttons a row (``action`` with each choice's value), and one more at the end."""
    number = item.id or 0
    buttons = [
        _button(label, InboxCb(id=number, action=action, value=value)) for value, label in choices
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(back, InboxCb(id=number, action=InboxAction.BACK))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def topic_choices(topics: list[Option], language: str) -> list[tuple[str, str]]:
    return [(str(index), in_language(o.text, language)) for index, o in enumerate(topics)]


def _button(text: str, data: InboxCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


# --- the citizen's side ----------------------------------------------------------------


def ask_to_send(municipality: str | None) -> str:
    if municipality:
        question = _("Send this message to the municipality of {municipality}?").format(
            municipality=escape(municipality)
        )
    else:
        question = _("Send this message to the municipality?")
    return "\n".join(
        [
            question,
            _("Choose its topic and it goes to the staff; their answer comes here."),
            "",
            _("To answer a form, send /feedback. For help, send /help."),
        ]
    )


def ask_municipality() -> str:
    return _(
        "Which municipality is your message for? It will also be your municipality in /settings."
    )


def municipality_choices(
    item: InboxItem, choices: list[tuple[str, str]], *, back: str
) -> InlineKeyboardMarkup:
    """The municipalities that take messages here, to send the draft to."""
    return choices_keyboard(item, InboxAction.MUNICIPALITY, choices, back=back)


def kept_text(item: InboxItem) -> str:
    """Kept, not sent: no municipality takes messages in this bot yet."""
    return "\n".join(
        [
            _("📥 Your message #{number} is kept.").format(number=item.id),
            _(
                "The municipality does not take messages in this bot yet: it will get yours "
                "as soon as it does, and its answer will come here."
            ),
        ]
    )


def already_reported(earlier: InboxItem, opening: str, zone: ZoneInfo) -> str:
    when = f"{earlier.created_at.astimezone(zone):%d.%m.%Y}"
    return "\n".join(
        [
            _("This was already reported nearby on {when} (message #{number}):").format(
                when=when, number=earlier.id
            ),
            f"<i>{escape(opening)}</i>",
            "",
            _("Join it to be told of every change, or send yours anyway."),
        ]
    )


def join_keyboard(draft: InboxItem, earlier: InboxItem, topic_index: int) -> InlineKeyboardMarkup:
    number = draft.id or 0
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    _("👍 +1, keep me informed"),
                    InboxCb(id=number, action=InboxAction.JOIN, value=str(earlier.id)),
                )
            ],
            [
                _button(
                    _("✉️ Send mine anyway"),
                    InboxCb(id=number, action=InboxAction.ANYWAY, value=str(topic_index)),
                )
            ],
        ]
    )


def joined_text(earlier: InboxItem) -> str:
    return _(
        "✅ You joined message #{number}. We will tell you every change; /myrequests does not "
        "list it as yours."
    ).format(number=earlier.id)


def followup_ack(item: InboxItem) -> str:
    return _("✅ Added to your message #{number}. The staff will see it.").format(number=item.id)


def sent_text(item: InboxItem, topics: list[Option], language: str) -> str:
    topic = escape(topic_text(topics, item.topic, language))
    return "\n".join(
        [
            _("✅ Sent as message #{number} ({topic}).").format(number=item.id, topic=topic),
            _("The answer will come here. /myrequests shows your messages."),
        ]
    )


def answer_text(
    item: InboxItem,
    text: str,
    topics: list[Option],
    language: str,
    attachments: list[InboxAttachment],
) -> str:
    """A staff answer as the citizen receives it (its photos and files follow it)."""
    topic = escape(topic_text(topics, item.topic, language))
    return "\n".join(
        [
            "💬 "
            + _("The municipality answered your message #{number} ({topic}):").format(
                number=item.id, topic=topic
            ),
            "",
            *([escape(text)] if text else []),
            *attachment_lines(attachments),
            "",
            _("↩️ To write back, reply to this message."),
        ]
    )


def status_name(status: str) -> str:
    names = {
        InboxStatus.NEW: _("waiting for an answer"),
        InboxStatus.ANSWERED: _("answered"),
        InboxStatus.IN_PROGRESS: _("in progress"),
        InboxStatus.RESOLVED: _("resolved"),
        InboxStatus.NOT_OURS: _("not the municipality's: passed on"),
        InboxStatus.WONT_DO: _("will not be done"),
        InboxStatus.CLOSED: _("closed"),
    }
    return names.get(InboxStatus(status), status)


def status_notice(
    item: InboxItem, status: str, reason: str, opening: str, *, ask: bool = True
) -> str:
    """A change of status as the citizen is told it (asked "Was it resolved?" the first time
    it is resolved, when ``ask``)."""
    head = _("Your message #{number} is now: {status}.").format(
        number=item.id, status=f"<b>{status_name(status)}</b>"
    )
    if not ask:  # someone who joined it with +1
        head = _("Message #{number}, which you joined, is now: {status}.").format(
            number=item.id, status=f"<b>{status_name(status)}</b>"
        )
    lines = [f"📋 {head}", f"<i>{escape(opening)}</i>"]
    if reason:
        lines.append(escape(reason))
    if ask and status == InboxStatus.RESOLVED and not item.confirmation_asked:
        lines += ["", _("Was it resolved?")]
    return "\n".join(lines)


def confirm_keyboard(item: InboxItem) -> InlineKeyboardMarkup:
    number = item.id or 0
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("👍 Yes"), InboxCb(id=number, action=InboxAction.CONFIRM, value="y")),
                _button(_("👎 No"), InboxCb(id=number, action=InboxAction.CONFIRM, value="n")),
            ]
        ]
    )


def rating_keyboard(number: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(str(r), InboxCb(id=number, action=InboxAction.RATE, value=str(r)))
                for r in range(1, 6)
            ]
        ]
    )


def requests_text(
    items: list[InboxItem],
    texts: dict[int, str],
    topics: list[Option],
    language: str,
    zone: ZoneInfo,
) -> str:
    """/myrequests: the citizen's messages, newest first, with their status."""
    if not items:
        return _(
            "You have not written to the municipality yet. Send me a message, "
            "or use /feedback → Reports and suggestions."
        )
    lines = ["<b>" + _("Your messages to the municipality") + "</b>"]
    for item in items:
        first = texts.get(item.id or 0, "")
        short = first if len(first) <= 80 else first[:79] + "…"
        lines += [
            "",
            f"<b>#{item.id}</b> · {item.created_at.astimezone(zone):%d.%m.%Y} · "
            + escape(topic_text(topics, item.topic, language))
            + f" · <i>{status_name(item.status)}</i>",
            escape(short),
        ]
    return "\n".join(lines)
