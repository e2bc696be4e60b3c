"""A citizen in Telegram, as end-to-end tests drive one through the fake Bot API."""

from __future__ import annotations

from typing import Any

from tests.support.fake_telegram import FakeTelegram, SentMessage


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
        await self.tg.wait_for_chat(self.id, lambda: self._screen_state() != before, timeout)
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

    async def send(self, content: dict[str, Any], timeout: float = 15) -> SentMessage:
        """Send a message of any content (a photo, a place...), as Bot API JSON."""
        return await self._reply_to(
            lambda: self.tg.send_content(self.id, content, language_code=self.language),
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


async def answer_event_satisfaction(citizen: CitizenDriver, rating: str, timeout: float) -> None:
    """The whole event-satisfaction form, quickly: ``rating`` (4 or 5: no comment asked),
    9, Materials, organisation 5, no suggestion."""
    await citizen.say("/start f_event-satisfaction", timeout)
    await citizen.tap(rating, timeout)
    await citizen.tap("9", timeout)
    await citizen.tap("Materials", timeout)
    await citizen.tap("Done", timeout)
    await citizen.tap("5", timeout)
    screen = await citizen.tap("Skip", timeout)
    assert "Thank you" in screen.content


def assert_answered_once(records: list[dict[str, Any]], citizens: list[CitizenDriver]) -> None:
    """One completed response per citizen (see answer_event_satisfaction) holding exactly
    the answers given; ``records`` are `feedback-admin export --format json`'s."""
    assert len(records) == len(citizens)
    assert all(r["completed_at"] for r in records)
    ratings = sorted(r["answers"].pop("overall") for r in records)
    assert ratings == sorted(4 + c.id % 2 for c in citizens)
    rest = {"recommend": 9, "most_useful": ["materials"], "organisation": 5}
    rest |= {"comment": None, "suggestion": None}  # hidden (rating 4 or 5), and skipped
    assert all(r["answers"] == rest for r in records)


# What the citizen in these tests says, and what the export must then hold exactly.
LOW_RATING_ANSWERS: dict[str, Any] = {
    "overall": 2,
    "recommend": 7,
    "most_useful": ["discussion", "materials"],
    "organisation": 4,
    "comment": "Start on time, please; the hall was too cold.",
    "suggestion": None,
}
