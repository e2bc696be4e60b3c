"""Sentences for refused inputs, shared by the bot and the CLI preview.

``_`` is the caller's gettext, so the words come from the interface catalogs (locales/).
"""

from __future__ import annotations

from collections.abc import Callable

from civic_feedback.flows.engine import RefusalReason, Rejected

Translate = Callable[[str], str]


def _limit(value: float) -> str:
    return f"{value:g}"


def refusal_text(rejected: Rejected, _: Translate) -> str:
    """One short sentence telling the citizen what to do instead."""
    limits = {key: _limit(value) for key, value in rejected.limits.items()}
    match rejected.reason:
        case RefusalReason.STALE | RefusalReason.UNKNOWN_OPTION:
            return _("This button is no longer active.")
        case RefusalReason.NEEDS_BUTTON:
            return _("Please answer with the buttons under the question.")
        case RefusalReason.NEEDS_TEXT | RefusalReason.EMPTY:
            return _("Please write your answer as a message.")
        case RefusalReason.TOO_LONG:
            return _(
                "Your answer is {length} characters long; the limit is {max}. Please shorten it."
            ).format(**limits)
        case RefusalReason.NOT_A_NUMBER:
            return _("Please send a number, for example 42.")
        case RefusalReason.OUT_OF_RANGE if "min" in limits and "max" in limits:
            return _("Please send a number from {min} to {max}.").format(**limits)
        case RefusalReason.OUT_OF_RANGE if "min" in limits:
            return _("Please send a number of {min} or more.").format(**limits)
        case RefusalReason.OUT_OF_RANGE:
            return _("Please send a number of {max} or less.").format(**limits)
        case RefusalReason.TOO_FEW_CHOICES:
            return _("Please choose at least {min}, then press Done.").format(**limits)
        case RefusalReason.TOO_MANY_CHOICES:
            return _("You can choose at most {max}. Untick one first.").format(**limits)
        case RefusalReason.REQUIRED:
            return _("This question needs an answer.")
