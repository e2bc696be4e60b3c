"""A municipality named on the command line, matched to MUNICIPALITIES."""

from __future__ import annotations

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.settings import Settings


def known_municipality(settings: Settings, name: str | None) -> str | None:
    """The name as MUNICIPALITIES spells it (any letter case); unknown names are an error.
    Without MUNICIPALITIES every name is taken as given."""
    if name is None or not settings.municipalities:
        return name
    for known in settings.municipalities:
        if known.casefold() == name.strip().casefold():
            return known
    raise CliError(
        f"unknown municipality {name!r}: choose one of MUNICIPALITIES "
        f"({', '.join(settings.municipalities)})"
    )
