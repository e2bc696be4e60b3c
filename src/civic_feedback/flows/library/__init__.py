"""The built-in flows shipped with civic-feedback, each in a file named for its flow's id."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable

from civic_feedback.flows.schema import Flow

SUFFIX = ".yaml"


def library_flow_ids() -> list[str]:
    """The ids of the built-in flows, in file-name order, without reading the files."""
    return [entry.name.removesuffix(SUFFIX) for entry in _files()]


def library_flows() -> list[Flow]:
    """Every built-in flow, validated, in file-name order."""
    # Here: YAML's parser loads only when a flow is read (a restart finds them all installed).
    from civic_feedback.flows.loader import load_flow_text

    return [load_flow_text(entry.read_text("utf-8"), entry.name) for entry in _files()]


def _files() -> Iterator[Traversable]:
    folder = resources.files(__name__)
    yield from sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(SUFFIX)),
        key=lambda entry: entry.name,
    )
