"""A citizen in Telegram, as end-to-end tests drive one through the fake Bot API."""

from __future__ import annotations

from typing import Any

from tests.fake_telegram import FakeTelegram, SentMessage


class CitizenDriver:
    """Types and presses like a person, and waits for the bot's reply to each action.

    A citizen who ``agrees`` (the default) accepts the privacy notice the first time the bot
    shows it, by pressing its button as a person would; the reply is then what came after.
    """

    def __init__(
        self, tg: FakeTelegram, user_id: int, language: str = "en", *, agrees: bool = True
    ) -> None:
        self.tg = tg
        self.id = user_id
        self.language = language
        self.agrees = agrees

    def _screen_state(self) -> tuple[int, int]:
        # Cheap to compute for many concurrent citizens: only this chat's messages.
        messages = self.tg.messages(self.id)
        return len(messages), sum(m.edits for m in messages)

    async def _reply_to(self, action: Any, timeout: float) -> SentMessage:
        before = self._screen_state()
        action()
        await self.tg.wait_for(lambda: self._screen_state() != before, timeout)
        screen = self.screen
        assert screen is not None
        return screen

    @property
    def screen(self) -> SentMessage | None:
        """The newest message the bot sent to this citizen (after edits)."""
        return self.tg.last_message(self.id)

    async def say(
        self, text: str, timeout: float = 15, *, reply_to: int | None = None
    ) -> SentMessage:
        """Write ``text`` (as a reply to the bot's message ``reply_to``, when given)."""
        screen = await self._reply_to(
            lambda: self.tg.send_text(
                self.id, text, language_code=self.language, reply_to=reply_to
            ),
            timeout,
        )
        agree = [label for row in self.tg.buttons(screen) for label, data in row
                 if (data or "").startswith("privacy:")]  # fmt: skip
        if not (self.agrees and agree):
            return screen
        return await self._reply_to(
            lambda: self.tg.press_button(
                self.id, screen.message_id, agree[0], language_code=self.language
            ),
            timeout,
        )

    async def tap(self, label: str, timeout: float = 15) -> SentMessage:
        """Press the button labelled ``label`` on the newest message that has buttons."""
        message = self.with_buttons()
        return await self._reply_to(
            lambda: self.tg.press_button(
                self.id, message.message_id, label, language_code=self.language
            ),
            timeout,
        )

    def with_buttons(self) -> SentMessage:
        for message in reversed(self.tg.messages(self.id)):
            if self.tg.buttons(message):
                return message
        raise AssertionError(f"no message with buttons in chat {self.id}")
