"""Callback data carried by inline buttons: named, validated fields; nothing trusted.

Each action is an enum whose values are the short codes buttons have always carried, so a
button sent before a release still means the same after it. Data that does not parse (a
forged button, or one whose meaning is gone) matches no handler but the last one, which
answers "This button is no longer active" and changes nothing.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

# Ids in callback data come from the user's device: anything outside a database integer
# is refused before it reaches a query.
_MAX_ID = 2**31 - 1


def small_index(text: str) -> int | None:
    """A button's option position, or None when the text is not a plain small number."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


def database_id(value: int) -> int | None:
    return value if 0 < value <= _MAX_ID else None


class AnswerKind(StrEnum):
    """What a button under a question does."""

    VALUE = "v"  # a rating, an NPS score, yes or no
    PICK = "o"  # one option of a single choice
    TOGGLE = "t"  # tick or untick an option of a multiple choice
    DONE = "d"  # the ticks are final
    SKIP = "s"  # an optional question left out


class AnswerCb(CallbackData, prefix="a"):
    """A button under question ``question`` of response ``response``."""

    response: int
    question: int  # the question's position in the flow
    kind: AnswerKind
    value: str = ""  # rating/NPS number, option index, y or n


class FormCb(CallbackData, prefix="form"):
    """A form chosen from the /feedback list, by a version id (a flow id may not fit)."""

    version: int


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class EventAction(StrEnum):
    CARD = "card"  # show the event's card
    REGISTER = "reg"
    UNREGISTER = "unreg"
    CALENDAR = "ics"  # the calendar file
    FEEDBACK = "form"  # the event's feedback form


class EventCb(CallbackData, prefix="ev"):
    action: EventAction
    code: str


class EventsPageCb(CallbackData, prefix="evp"):
    """A page of the /events list."""

    page: int


class MunicipalityCb(CallbackData, prefix="mun"):
    """A municipality chosen in /settings, by position in MUNICIPALITIES (-1: none)."""

    index: int


class BroadcastAction(StrEnum):
    LANGUAGE = "lang"  # add the text in language ``value``
    RECIPIENTS = "seg"  # choose the recipients
    SEGMENT = "to"  # the recipients chosen: segment button ``value``
    SEND = "send"
    CANCEL = "cancel"  # drop the draft
    STOP = "stop"  # stop a broadcast being sent


class BroadcastCb(CallbackData, prefix="bc"):
    """A step of announcement ``id`` composed in Telegram."""

    id: int
    action: BroadcastAction
    value: str = ""


class ForgetCb(CallbackData, prefix="forget"):
    """/forget's answer: ``yes`` erases the person pressing it (never anyone else), ``no``
    keeps everything."""

    yes: bool


class PrivacyCb(CallbackData, prefix="privacy"):
    """ "I agree" under the privacy notice; ``then`` is the /start link that was waiting."""

    then: str = ""


class InboxAction(StrEnum):
    # The citizen's, under their draft message:
    SEND = "send"  # with topic ``value`` (a position)
    MUNICIPALITY = "mun"  # sent to municipality ``value`` (a position in MUNICIPALITIES)
    JOIN = "join"  # the same problem: join the open message ``value`` instead
    ANYWAY = "anyway"  # send it with topic ``value`` although one near is open
    CONFIRM = "ok"  # "Was it resolved?": ``value`` y or n
    RATE = "rate"  # the resolution rated ``value`` (1-5)
    # The staff's, under the group post:
    CLOSE = "close"
    STATUS = "st"  # to status ``value`` (in_progress, resolved)
    TOPICS = "topics"  # show the topics to choose from
    TOPIC = "topic"  # topic ``value``
    PLACES = "places"  # show the municipalities to forward to
    FORWARD = "forward"  # to municipality ``value`` (a position in MUNICIPALITIES)
    # Both: the citizen's "do not send"; the staff's way back to the post's buttons.
    BACK = "back"


class InboxCb(CallbackData, prefix="in"):
    """A button about inbox item ``id``."""

    id: int
    action: InboxAction
    value: str = ""


class ConsultationAction(StrEnum):
    CARD = "card"
    LIST = "list"
    DOCUMENT = "doc"  # send the draft act's file
    PROPOSE = "prop"  # the next text is a proposal
    CANCEL = "cancel"  # not writing a proposal after all
    QUESTIONNAIRE = "form"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    NAME = "name"  # name me in the report, with proposal ``number``


class ConsultationCb(CallbackData, prefix="co"):
    action: ConsultationAction
    code: str = ""
    number: int = 0
