"""The people in a test: citizens in their private chats with the bot, and their steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram.types import Message

from civic_feedback.bot.callbacks import AnswerCb
from civic_feedback.flows.engine import AnswerValue
from tests.support.calls import Calls
from tests.support.library import EVENT, text_of
from tests.support.recording_session import (
    callback_update,
    document_update,
    message_update,
    photo_update,
    sticker_update,
)
from tests.support.screens import button, buttons, shown
from tests.support.telegram import Telegram


@dataclass
class Person:
    """A citizen in their private chat with the bot.

    ``agreed`` (the default) stands for a citizen who accepted the privacy notice before the
    test begins, as every citizen does once: they are otherwise met exactly as on first
    contact (their Telegram language kept when offered, no other data). With
    ``agreed=False`` the test meets the notice itself.
    """

    tg: Telegram
    user_id: int
    language_code: str = "en"
    agreed: bool = True
    _response_id: int | None = None

    async def say(self, text: str) -> Calls:
        raw = message_update(self.tg.next_update_id(), self.user_id, text, self.language_code)
        return await self._deliver(raw)

    async def send_sticker(self) -> Calls:
        update_id = self.tg.next_update_id()
        return await self._deliver(sticker_update(update_id, self.user_id, self.language_code))

    async def send_photo(self, caption: str | None = None) -> Calls:
        update_id = self.tg.next_update_id()
        return await self._deliver(
            photo_update(update_id, self.user_id, self.language_code, caption)
        )

    async def send_document(self, name: str, caption: str | None = None) -> Calls:
        update_id = self.tg.next_update_id()
        return await self._deliver(
            document_update(update_id, self.user_id, name, self.language_code, caption)
        )

    async def press(self, data: str, message_id: int | None = None) -> Calls:
        """Press a button carrying ``data`` (by default under the newest bot message)."""
        message_id = self.screen.message_id if message_id is None else message_id
        raw = callback_update(
            self.tg.next_update_id(), self.user_id, data, message_id, self.language_code
        )
        return await self._deliver(raw)

    async def tap(self, label: str) -> Calls:
        """Press the button labelled ``label`` under the newest bot message."""
        data = button(self.screen, label).callback_data
        assert data is not None
        return await self.press(data)

    async def _deliver(self, raw: dict[str, Any]) -> Calls:
        if self.agreed:
            self.tg.agree(self.user_id, self.language_code)
        calls = await self.tg.deliver(raw)
        messages = self.tg.api.messages_in(self.user_id)
        answer_buttons = (
            [
                AnswerCb.unpack(data)
                for data in (b.callback_data or "" for b in buttons(messages[-1].reply_markup))
                if data.startswith("a:")
            ]
            if messages
            else []
        )
        if answer_buttons:
            self._response_id = answer_buttons[0].response
        return calls

    @property
    def screen(self) -> Message:
        """The newest message the bot sent to this citizen, as it looks now."""
        return self.tg.api.last_message(self.user_id)

    @property
    def response_id(self) -> int:
        """The response of the form shown last (read from its question's buttons)."""
        assert self._response_id is not None, "no form was shown"
        return self._response_id

    def answers(self) -> dict[str, AnswerValue]:
        return self.tg.answers(self.response_id)


async def answer_the_form(person: Person) -> None:
    """event-satisfaction, from its first question to the end (5 hides the comment)."""
    for label in ("5", "9", "Information presented", "Done", "4", "Skip"):
        await person.tap(label)
    assert text_of(EVENT, "outro") in shown(person.screen)
