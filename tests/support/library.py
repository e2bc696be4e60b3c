"""The built-in forms, and their texts as the bot writes them."""

from __future__ import annotations

from html import escape

from civic_feedback.flows.library import library_flows
from civic_feedback.flows.schema import Flow

LIBRARY = {flow.id: flow for flow in library_flows()}
EVENT = LIBRARY["event-satisfaction"]
SURVEY = LIBRARY["consultation-survey"]
GENERAL = LIBRARY["general-feedback"]


def text_of(flow: Flow, key: str, language: str = "en") -> str:
    """A flow text (a question id, or title/intro/outro) as the bot writes it in HTML."""
    question = flow.question(key)
    texts = question.text if question is not None else getattr(flow, key)
    return escape(texts[language])
