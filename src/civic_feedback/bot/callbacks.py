"""Callback data carried by inline buttons; parsing never trusts the content."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

# Ids in callback data come from the user's device: anything outside a database integer
# is refused before it reaches a query.
_MAX_ID = 2**31 - 1


def small_index(text: str) -> int | None:
    """A button's option position, or None when the text is not a plain small number."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


def database_id(value: int) -> int | None:
    return value if 0 < value <= _MAX_ID else None


class AnswerCb(CallbackData, prefix="a"):
    """A button under a question: ``k`` is v(alue), t(oggle), d(one) or s(kip)."""

    r: int  # response id
    q: int  # question position in the flow
    k: str
    v: str = ""  # rating/NPS number, option index, y or n


class FormCb(CallbackData, prefix="form"):
    """A form chosen from the /feedback list, by a version id (a flow id may not fit)."""

    v: int


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class EventCb(CallbackData, prefix="ev"):
    """An action on an event: card, reg(ister), unreg(ister), ics, form (feedback)."""

    act: str
    code: str


class EventsPageCb(CallbackData, prefix="evp"):
    """A page of the /events list."""

    page: int


class MunicipalityCb(CallbackData, prefix="mun"):
    """A municipality chosen in /settings, by position in MUNICIPALITIES (-1: none)."""

    index: int


class BroadcastCb(CallbackData, prefix="bc"):
    """A step of an announcement composed in Telegram: ``act`` is lang (add a text in
    language ``v``), seg (choose recipients), to (segment ``v``), send, cancel or stop."""

    id: int
    act: str
    v: str = ""


class ForgetCb(CallbackData, prefix="forget"):
    """/forget's answer: ``yes`` erases the person pressing it (never anyone else), ``no``
    keeps everything."""

    yes: bool


class PrivacyCb(CallbackData, prefix="privacy"):
    """ "I agree" under the privacy notice; ``then`` is the /start link that was waiting."""

    then: str = ""


class InboxCb(CallbackData, prefix="in"):
    """A button about inbox item ``id``. The citizen's: send (with topic ``v``, a position)
    or drop. The staff's, under the group post: close, topics, topic (``v``), places,
    forward (to municipality ``v``, a position in MUNICIPALITIES), back."""

    id: int
    act: str
    v: str = ""
