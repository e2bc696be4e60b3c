"""/consultations, a consultation's card (``/start co_<code>``), proposals and following.

"Send a proposal" makes the citizen's next text the proposal; a file or photo sent before
it, or with it as a caption, goes with it. A proposal that comes after the close is refused
with the date of the report, never dropped in silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import TypeVar

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from civic_feedback.bot.callbacks import ConsultationAction, ConsultationCb, database_id
from civic_feedback.bot.context import Context
from civic_feedback.bot.handlers.form_opening import show_form, start_form
from civic_feedback.bot.message_parts import incoming_parts
from civic_feedback.bot.units import Unit
from civic_feedback.bot.views.consultation_texts import (
    closed_text,
    consultation_card,
    days_left_text,
)
from civic_feedback.bot.views.replies import Screen, show_in_place
from civic_feedback.core.consultation_terms import Phase
from civic_feedback.flows.schema import in_language
from civic_feedback.services.consultations import (
    PROPOSAL_LIMIT,
    Attachment,
    Late,
    Received,
    TooLong,
    attach,
    begin_proposal,
    consultation_phase,
    draft_of,
    drop_draft,
    follow,
    is_following,
    name_in_report,
    submit,
    unfollow,
)
from civic_feedback.services.form_runs import NotOpen, Prompt, Refusal
from civic_feedback.storage.consultations import (
    document_of,
    find_consultation,
    open_consultations,
    proposals_sent,
)
from civic_feedback.storage.models import AttachmentKind, Consultation, ProposalDraft

T = TypeVar("T")

DRAFT_LIFETIME = timedelta(hours=2)  # a proposal started and left: later texts are not it


@dataclass(frozen=True)
class Attached:
    """A file came before the proposal's text: it waits for the text."""


@dataclass(frozen=True)
class TooLate:
    """The consultation closed while the proposal was being written."""

    notice: str


# --- the card and the list -----------------------------------------------------------------


def render_card(unit: Unit, ctx: Context, consultation: Consultation) -> Screen:
    """Inside a unit: the consultation's card as the sender sees it now."""
    now = ctx.clock()
    current = consultation_phase(consultation, now)
    assert consultation.id is not None
    sent = proposals_sent(unit.session, consultation.id, unit.citizen.id if unit.citizen else None)
    following = is_following(unit.session, unit.citizen, consultation.id)
    status = None
    if sent:
        status = _("You sent {count} proposal(s). We will tell you the decisions.").format(
            count=sent
        )
    elif following:
        status = _("You follow this consultation: we will tell you when the report is out.")
    text = consultation_card(consultation, current, ctx.language, ctx.settings.zone, now, status)
    return Screen(text, _card_keyboard(consultation, current, following and not sent))


def _card_keyboard(
    consultation: Consultation, current: Phase, may_unfollow: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()

    def button(text: str, action: ConsultationAction) -> None:
        builder.button(
            text=text, callback_data=ConsultationCb(action=action, code=consultation.code)
        )

    if consultation.document_url:
        builder.button(text=_("📄 Read the draft"), url=consultation.document_url)
    elif consultation.document_name:
        button(_("📄 Read the draft"), ConsultationAction.DOCUMENT)
    if current is Phase.OPEN:
        button(_("✍️ Send a proposal"), ConsultationAction.PROPOSE)
        if consultation.flow_id:
            button(_("📝 Answer the questionnaire"), ConsultationAction.QUESTIONNAIRE)
    if consultation.published_url:
        builder.button(text=_("📊 See the report"), url=consultation.published_url)
    elif may_unfollow:
        button(_("🔕 Stop following"), ConsultationAction.UNFOLLOW)
    elif consultation.published_at is None:
        button(_("🔔 Follow"), ConsultationAction.FOLLOW)
    button(_("« All consultations"), ConsultationAction.LIST)
    builder.adjust(1)
    return builder.as_markup()


def render_list(unit: Unit, ctx: Context) -> Screen:
    """Inside a unit: the open consultations, the sender's municipality first."""
    now = ctx.clock()
    mine = unit.citizen.municipality if unit.citizen else None
    found = open_consultations(unit.session, now)
    if not found:
        return Screen(_("There are no open consultations right now. Please look again later."))
    found.sort(key=lambda c: (mine is None or c.municipality != mine, c.closes_at))
    builder = InlineKeyboardBuilder()
    for consultation in found[:20]:
        title = in_language(consultation.title, ctx.language)
        label = f"{title[:45]} · {days_left_text(consultation.closes_at, now)}"
        card = ConsultationCb(action=ConsultationAction.CARD, code=consultation.code)
        builder.button(text=label, callback_data=card)
    builder.adjust(1)
    text = _("Drafts open for your proposals. Choose one to read it and take part:")
    return Screen(text, builder.as_markup())


async def cmd_consultations(message: Message, ctx: Context) -> None:
    screen = await ctx.db(lambda unit: render_list(unit, ctx))
    await message.answer(screen.text, reply_markup=screen.markup)


def _on(code: str, step: Callable[[Unit, Consultation], T]) -> Callable[[Unit], T | None]:
    """A unit's work on the consultation a button names; None when there is no such one."""

    def work(unit: Unit) -> T | None:
        consultation = find_consultation(unit.session, code)
        return None if consultation is None else step(unit, consultation)

    return work


async def _no_longer_active(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."))


async def cb_card(query: CallbackQuery, callback_data: ConsultationCb, ctx: Context) -> None:
    screen = await ctx.db(
        _on(callback_data.code, lambda unit, found: render_card(unit, ctx, found))
    )
    if screen is None:
        await _no_longer_active(query)
        return
    await query.answer()
    await show_in_place(query, screen.text, screen.markup)


async def cb_list(query: CallbackQuery, ctx: Context) -> None:
    screen = await ctx.db(lambda unit: render_list(unit, ctx))
    await query.answer()
    await show_in_place(query, screen.text, screen.markup)


async def cb_follow(query: CallbackQuery, callback_data: ConsultationCb, ctx: Context) -> None:
    following = callback_data.action is ConsultationAction.FOLLOW

    def change(unit: Unit, consultation: Consultation) -> Screen:
        citizen = unit.citizen_or_new()
        if following:
            follow(unit.session, citizen, consultation, ctx.clock())
        else:
            unfollow(unit.session, citizen, consultation.id or 0)
        return render_card(unit, ctx, consultation)

    screen = await ctx.db(_on(callback_data.code, change))
    if screen is None:
        await _no_longer_active(query)
        return
    await query.answer(
        _("We will tell you when the report is published.") if following else _("Done.")
    )
    await show_in_place(query, screen.text, screen.markup)


async def cb_document(query: CallbackQuery, callback_data: ConsultationCb, ctx: Context) -> None:
    """The draft act's PDF: uploaded once, then sent by Telegram's own reference."""

    def read(unit: Unit, consultation: Consultation) -> tuple[str | None, bytes | None, str]:
        name = consultation.document_name or f"{consultation.code}.pdf"
        if consultation.document_file_id:
            return consultation.document_file_id, None, name
        return None, document_of(unit.session, consultation.id or 0), name

    found = await ctx.db(_on(callback_data.code, read))
    if found is None or (found[0] is None and found[1] is None):
        await _no_longer_active(query)
        return
    await query.answer()
    file_id, data, name = found
    chat_id = query.from_user.id
    if file_id is not None:
        await ctx.bot.send_document(chat_id, file_id)
        return
    assert data is not None
    sent = await ctx.bot.send_document(chat_id, BufferedInputFile(data, filename=name))
    if sent.document is not None:
        kept = sent.document.file_id

        def remember(unit: Unit, consultation: Consultation) -> None:
            consultation.document_file_id = kept
            unit.session.add(consultation)

        await ctx.db(_on(callback_data.code, remember))


async def cb_questionnaire(
    query: CallbackQuery, callback_data: ConsultationCb, ctx: Context
) -> None:
    def open_form(
        unit: Unit, consultation: Consultation
    ) -> Prompt | Refusal | NotOpen | str | None:
        if consultation.flow_id is None:
            return None
        if consultation_phase(consultation, ctx.clock()) is not Phase.OPEN:
            return closed_text(consultation, ctx.language, ctx.settings.zone)
        return start_form(unit, ctx, consultation.flow_id)

    outcome = await ctx.db(_on(callback_data.code, open_form))
    if outcome is None:
        await _no_longer_active(query)
        return
    await query.answer()
    if isinstance(outcome, str):
        await ctx.bot.send_message(query.from_user.id, outcome)
        return
    await show_form(ctx, query.from_user.id, outcome)


# --- proposals -----------------------------------------------------------------------------


def _cancel_button() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✖️ Cancel"), callback_data=ConsultationCb(action=ConsultationAction.CANCEL)
    )
    return builder.as_markup()


async def cb_propose(query: CallbackQuery, callback_data: ConsultationCb, ctx: Context) -> None:
    def begin(unit: Unit, consultation: Consultation) -> tuple[Phase, str]:
        citizen = unit.citizen_or_new()
        current = begin_proposal(unit.session, citizen, consultation, ctx.clock())
        if current is Phase.OPEN:
            ctx.runs.pause(unit.db, citizen)  # the next text is the proposal, not an answer
        return current, closed_text(consultation, ctx.language, ctx.settings.zone)

    found = await ctx.db(_on(callback_data.code, begin))
    if found is None:
        await _no_longer_active(query)
        return
    current, closed = found
    await query.answer()
    if current is Phase.OPEN:
        text = _(
            "Write your proposal in one message (up to {limit} characters). You may attach a "
            "file or a photo: send it first, or with your proposal as its caption."
        ).format(limit=f"{PROPOSAL_LIMIT:,}".replace(",", " "))
        await ctx.bot.send_message(query.from_user.id, text, reply_markup=_cancel_button())
    elif current is Phase.NOT_YET:
        await ctx.bot.send_message(query.from_user.id, _("This consultation is not open yet."))
    else:
        await ctx.bot.send_message(query.from_user.id, closed)


async def cb_cancel(query: CallbackQuery, ctx: Context) -> None:
    def cancel(unit: Unit) -> bool:
        return unit.citizen is not None and drop_draft(unit.session, unit.citizen)

    await ctx.db(cancel)
    await query.answer()
    await show_in_place(query, _("Cancelled. Nothing was sent."))


def _current_draft(unit: Unit, ctx: Context) -> ProposalDraft | None:
    """The proposal the sender is writing, if they started one lately."""
    citizen = unit.citizen
    draft = draft_of(unit.session, citizen) if citizen is not None else None
    if draft is None or citizen is None:
        return None
    if ctx.clock() - draft.started_at > DRAFT_LIFETIME:
        drop_draft(unit.session, citizen)
        return None
    return draft


def _attachment(message: Message) -> Attachment | None:
    """The photo or file that comes with a proposal, read as the inbox reads it."""
    for part in incoming_parts(message):
        if part.kind in (AttachmentKind.PHOTO, AttachmentKind.DOCUMENT) and part.file_id:
            return Attachment(part.kind, part.file_id, part.file_name, part.file_size)
    return None


def _received_screen(received: Received) -> Screen:
    text = "✅ " + _("Proposal No. {number} received. Thank you!").format(number=received.number)
    if received.attachment:
        text += "\n📎 " + escape(received.attachment)
    text += "\n" + _("When the report is published, we will tell you the decision on it.")
    builder = InlineKeyboardBuilder()
    name_me = ConsultationCb(
        action=ConsultationAction.NAME, code=received.code, number=received.number
    )
    builder.button(text=_("👤 Show my name with it in the report"), callback_data=name_me)
    return Screen(text, builder.as_markup())


async def msg_proposal(message: Message, ctx: Context) -> None:
    """A text, file or photo while a proposal is being written; anything else goes on."""
    text = message.text if message.text is not None else message.caption
    attachment = _attachment(message)

    def take(unit: Unit) -> Received | Late | TooLong | Attached | TooLate | None:
        draft = _current_draft(unit, ctx)
        if draft is None or unit.citizen is None:
            return None
        if not text or not text.strip():
            if attachment is None:
                return None
            attach(unit.session, draft, attachment)
            return Attached()
        outcome = submit(
            unit.session,
            unit.citizen,
            draft,
            text,
            language=ctx.language,
            text_language=ctx.runs.text_language(text),
            now=ctx.clock(),
            attachment=attachment,
        )
        if isinstance(outcome, Late):
            consultation = unit.session.get(Consultation, draft.consultation_id)
            assert consultation is not None
            if outcome.phase is Phase.CLOSED:
                return TooLate(closed_text(consultation, ctx.language, ctx.settings.zone))
        return outcome

    outcome = await ctx.db(take)
    if outcome is None:
        raise SkipHandler  # not writing a proposal: the routers after this one decide
    if isinstance(outcome, Received):
        screen = _received_screen(outcome)
        await message.answer(screen.text, reply_markup=screen.markup)
    elif isinstance(outcome, TooLong):
        await message.answer(
            _(
                "Your proposal is {length} characters long; the limit is {limit}. Please "
                "shorten it, or send it as two proposals. Nothing was recorded yet."
            ).format(length=outcome.length, limit=PROPOSAL_LIMIT)
        )
    elif isinstance(outcome, Late):
        await message.answer(_("This consultation is not open yet."))
    elif isinstance(outcome, Attached):
        await message.answer(
            "📎 "
            + _("File received. Now write your proposal in a message: the file will go with it."),
            reply_markup=_cancel_button(),
        )
    else:
        await message.answer(outcome.notice + "\n" + _("Your proposal was not recorded."))


async def cb_name(query: CallbackQuery, callback_data: ConsultationCb, ctx: Context) -> None:
    """The author agrees to be named with their proposal in the report."""
    number = database_id(callback_data.number)
    name = query.from_user.full_name

    def agree(unit: Unit, consultation: Consultation) -> bool:
        citizen = unit.citizen
        if citizen is None or number is None or consultation.id is None:
            return False
        return name_in_report(unit.session, citizen, consultation.id, number, name)

    if not await ctx.db(_on(callback_data.code, agree)):
        await _no_longer_active(query)
        return
    await query.answer()
    text = _("Your name will be shown with proposal No. {number} in the report.").format(
        number=number
    )
    await show_in_place(query, text)


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="consultations")
    router.message.register(cmd_consultations, Command("consultations"))
    private = F.chat.type == "private"
    router.message.register(
        msg_proposal, private, (F.text & ~F.text.startswith("/")) | F.photo | F.document
    )
    actions = ConsultationCb.filter
    action = F.action
    router.callback_query.register(cb_card, actions(action == ConsultationAction.CARD))
    router.callback_query.register(cb_list, actions(action == ConsultationAction.LIST))
    router.callback_query.register(cb_document, actions(action == ConsultationAction.DOCUMENT))
    router.callback_query.register(cb_propose, actions(action == ConsultationAction.PROPOSE))
    router.callback_query.register(cb_cancel, actions(action == ConsultationAction.CANCEL))
    router.callback_query.register(
        cb_questionnaire, actions(action == ConsultationAction.QUESTIONNAIRE)
    )
    following = (ConsultationAction.FOLLOW, ConsultationAction.UNFOLLOW)
    router.callback_query.register(cb_follow, actions(action.in_(following)))
    router.callback_query.register(cb_name, actions(action == ConsultationAction.NAME))
    return router
