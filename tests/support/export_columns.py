"""The columns every export row begins with."""

from __future__ import annotations

FIXED = [
    "response_id",
    "flow_id",
    "flow_version",
    "respondent",
    "language",
    "started_at",
    "completed_at",
]
