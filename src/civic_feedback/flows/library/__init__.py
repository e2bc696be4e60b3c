"""The built-in flows shipped with civic-feedback."""

from __future__ import annotations

from importlib import resources

from civic_feedback.flows.loader import load_flow_text
from civic_feedback.flows.schema import Flow


def library_flows() -> list[Flow]:
    """Every built-in flow, validated, in file-name order."""
    folder = resources.files(__name__)
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".yaml")),
        key=lambda entry: entry.name,
    )
    return [load_flow_text(entry.read_text("utf-8"), entry.name) for entry in files]
