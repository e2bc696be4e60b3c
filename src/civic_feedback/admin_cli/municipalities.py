"""A municipality named on the command line, matched to MUNICIPALITIES."""

from __future__ import annotations

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.services import staff_roles
from civic_feedback.settings import Settings


def known_municipality(settings: Settings, name: str | None) -> str | None:
    """The name as MUNICIPALITIES spells it (any letter case); unknown names are an error.
    Without MUNICIPALITIES every name is taken as given."""
    try:
        return staff_roles.known_municipality(settings.municipalities, name)
    except staff_roles.UnknownMunicipalityError:
        raise CliError(
            f"unknown municipality {name!r}: choose one of MUNICIPALITIES "
            f"({', '.join(settings.municipalities)})"
        ) from None
