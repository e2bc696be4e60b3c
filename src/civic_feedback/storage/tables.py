"""The tables behind the models, for the Core statements (bulk inserts, column selects,
updates) that spare the ORM on busy paths: one typed handle per table."""

from __future__ import annotations

from sqlalchemy import Table, inspect
from sqlmodel import SQLModel

from civic_feedback.storage.models import (
    AnonymousReceipt,
    Answer,
    AnswerChoice,
    Broadcast,
    Citizen,
    Conversation,
    Event,
    FlowVersion,
    Form,
    InboxItem,
    InboxMessage,
    Notification,
    Outbox,
    ProcessedUpdate,
    Registration,
    Response,
    RollupCompleted,
    RollupDay,
    RollupOption,
    RollupStarted,
    RollupText,
    RollupValue,
)


def _table(model: type[SQLModel]) -> Table:
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to one table")
    return table


ANONYMOUS_RECEIPT_TABLE = _table(AnonymousReceipt)
ANSWER_TABLE = _table(Answer)
ANSWER_CHOICE_TABLE = _table(AnswerChoice)
BROADCAST_TABLE = _table(Broadcast)
CITIZEN_TABLE = _table(Citizen)
CONVERSATION_TABLE = _table(Conversation)
EVENT_TABLE = _table(Event)
FLOW_VERSION_TABLE = _table(FlowVersion)
FORM_TABLE = _table(Form)
INBOX_ITEM_TABLE = _table(InboxItem)
INBOX_MESSAGE_TABLE = _table(InboxMessage)
NOTIFICATION_TABLE = _table(Notification)
OUTBOX_TABLE = _table(Outbox)
PROCESSED_UPDATE_TABLE = _table(ProcessedUpdate)
REGISTRATION_TABLE = _table(Registration)
RESPONSE_TABLE = _table(Response)
ROLLUP_COMPLETED_TABLE = _table(RollupCompleted)
ROLLUP_DAY_TABLE = _table(RollupDay)
ROLLUP_OPTION_TABLE = _table(RollupOption)
ROLLUP_STARTED_TABLE = _table(RollupStarted)
ROLLUP_TEXT_TABLE = _table(RollupText)
ROLLUP_VALUE_TABLE = _table(RollupValue)
