"""What erasing a citizen does with their answers (ERASE_ANSWERS)."""

from __future__ import annotations

from enum import StrEnum


class AnswersOnErasure(StrEnum):
    DETACH = "detach"  # keep the answers, with no link to anyone
    DELETE = "delete"  # remove the answers too
