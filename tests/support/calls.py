"""The Bot API calls the bot made while handling an update, and what they say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram.methods import AnswerCallbackQuery, TelegramMethod

from tests.support.recording_session import MESSAGE_METHODS

M = TypeVar("M", bound=TelegramMethod[Any])


@dataclass
class Calls:
    """The Bot API calls the bot made while handling one update."""

    requests: list[TelegramMethod[Any]]

    def of(self, kind: type[M]) -> list[M]:
        return [request for request in self.requests if isinstance(request, kind)]

    def only(self, kind: type[M]) -> M:
        """The one call the bot made, of this kind."""
        assert [type(r) for r in self.requests] == [kind], self.requests
        return self.of(kind)[0]

    def one(self, kind: type[M]) -> M:
        """The one call of this kind (besides it, at most the answer to a button press)."""
        others = [r for r in self.requests if not isinstance(r, kind | AnswerCallbackQuery)]
        found = self.of(kind)
        assert len(found) == 1, self.requests
        assert not others, self.requests
        return found[0]

    @property
    def message_calls(self) -> int:
        """Messages sent or edited (what Telegram's outgoing cap counts)."""
        return sum(isinstance(request, MESSAGE_METHODS) for request in self.requests)

    @property
    def callback_answer(self) -> AnswerCallbackQuery:
        (answer,) = self.of(AnswerCallbackQuery)
        return answer
