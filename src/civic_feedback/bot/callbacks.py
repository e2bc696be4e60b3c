"""Callback data carried by inline buttons; parsing never trusts the content."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


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
