"""Who may be given a staff role, and where: a Telegram user id, and a municipality as
MUNICIPALITIES spells it. ``feedback-admin users grant`` and the console's People page check
them alike; the change itself is storage/roles.py's, the audit entry the caller's (it names
the door)."""

from __future__ import annotations

from collections.abc import Sequence

TELEGRAM_ID_LIMIT = 2**52  # Telegram's user ids stay below it (and so fit a JavaScript number)


class UnknownMunicipalityError(ValueError):
    """A municipality MUNICIPALITIES does not list."""


def is_telegram_user_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < TELEGRAM_ID_LIMIT


def known_municipality(known: Sequence[str], name: str | None) -> str | None:
    """The name as ``known`` spells it (any letter case); None stays None, and without
    ``known`` every name is taken as given. UnknownMunicipalityError otherwise."""
    if name is None or not known:
        return name
    for spelled in known:
        if spelled.casefold() == name.strip().casefold():
            return spelled
    raise UnknownMunicipalityError(name)
