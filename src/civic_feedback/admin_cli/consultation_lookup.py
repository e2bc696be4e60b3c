"""Finding the consultation a command names, and its title, for every consultations command."""

from __future__ import annotations

from sqlmodel import Session

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.flows.schema import in_language
from civic_feedback.services.consultations import consultation_for
from civic_feedback.settings import Settings
from civic_feedback.storage.models import Consultation

LINK_PREFIX = "co"  # the deep link: https://t.me/<bot>?start=co_<code>


def consultation_by_code(session: Session, code: str) -> Consultation:
    """The consultation with this code, or a CliError that says where to find the codes.
    The command line is the administrators': every municipality's consultations."""
    found = consultation_for(session, code, None)
    if found is None:
        raise CliError(f"no consultation {code!r}: see `feedback-admin consultations list`")
    return found


def title_of(consultation: Consultation, settings: Settings) -> str:
    return in_language(consultation.title, settings.interface_language)
