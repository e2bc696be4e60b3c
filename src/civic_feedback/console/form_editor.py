"""The console's form editor: the page edits a form as the YAML's own structure in JSON (the
model); the server writes it as YAML and reads that with the loader ``flows validate`` uses,
the one path an upload takes too, so the editor accepts nothing a file could not. Each
problem comes back with the question it concerns, for the page to show beside it.

A model is hostile input: it must be a mapping no deeper than a form can be, whose texts
UTF-8 can carry; anything else is refused before any YAML is written.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from typing import Any

import yaml
from sqlmodel import Session

from civic_feedback.console.forms import SOURCE, FormRefusedError, problem_view
from civic_feedback.core.form_windows import FormWindow, on_the_clock
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.loader import (
    MAX_NESTING,
    FlowFileError,
    FlowFileProblem,
    load_flow_text,
    read_flow_data,
)
from civic_feedback.flows.schema import Flow, is_valid_flow_id, text_in
from civic_feedback.storage.flow_versions import flow_definition, form_window, latest_version

# A blank form: one question to start from, every text still to write.
BLANK: dict[str, Any] = {
    "id": "",
    "title": {"bg": "", "en": "", "tr": ""},
    "languages": ["bg", "en", "tr"],
    "questions": [{"id": "q1", "type": "rating", "text": {"bg": "", "en": "", "tr": ""}}],
}
_QUESTION = re.compile(r"^questions\[(\d+)\]")


def starters(language: str) -> dict[str, Any]:
    """What a new form can start from: a blank one, or any built-in form (its title in the
    staff member's language)."""
    built_in = [
        {"id": f.id, "title": text_in(f.title, f.pick_language(language), f.languages[0])}
        for f in library_flows()
    ]
    return {"blank": BLANK, "library": built_in}


def library_model(flow_id: str) -> dict[str, Any] | None:
    """A built-in form as a model; None when there is none by that id."""
    flow = next((flow for flow in library_flows() if flow.id == flow_id), None)
    return None if flow is None else {"form": flow_definition(flow)}


def published_model(session: Session, flow_id: str, zone: tzinfo) -> dict[str, Any] | None:
    """The latest version of a published form as a model, with the form's window (which
    belongs to the form, not the version); None when there is no such form."""
    version = latest_version(session, flow_id)
    if version is None:
        return None
    window = written_window(form_window(session, flow_id) or FormWindow(), zone)
    return {"form": {**version.definition, **window}}


def written_window(window: FormWindow, zone: tzinfo) -> dict[str, str]:
    """The window's bounds as a file writes them, in ``zone`` (TIMEZONE): ``opens`` as
    ``2026-12-03 18:00``, ``closes`` likewise or, at midnight, as the day it ends
    (``2026-12-05``), which the loader reads back to the same moment. No key for no bound."""
    written = {}
    if window.opens_at is not None:
        day, clock = on_the_clock(window.opens_at, zone, closing=False)
        written["opens"] = f"{day:%Y-%m-%d} {clock}"
    if window.closes_at is not None:
        day, clock = on_the_clock(window.closes_at, zone, closing=True)
        written["closes"] = f"{day:%Y-%m-%d}" if clock == "24:00" else f"{day:%Y-%m-%d} {clock}"
    return written


def model_yaml(body: Any) -> str:
    """``body["form"]`` written as the YAML a file would hold."""
    model = body.get("form") if isinstance(body, dict) else None
    if not isinstance(model, dict):
        raise FormRefusedError("form_missing")
    _refuse_what_no_form_holds(model)
    return yaml.safe_dump(model, allow_unicode=True, sort_keys=False, width=100)


def model_file(body: Any) -> tuple[str, bytes]:
    """``body["form"]`` as a YAML file: its name (the form's id when it is a valid one: it
    goes into a header) and its bytes."""
    text = model_yaml(body)
    form_id = body["form"].get("id")
    name = form_id if is_valid_flow_id(form_id) else "form"
    return f"{name}.yaml", text.encode("utf-8")


def checked_model(body: Any, zone: tzinfo) -> Flow:
    """The form of ``body["form"]``, read by the loader; refused with every problem (its
    path, message and question) otherwise."""
    try:
        return load_flow_text(model_yaml(body), SOURCE, zone=zone)
    except FlowFileError as error:
        raise FormRefusedError("invalid_form", problems_at_questions(error.problems)) from None


def problems_at_questions(problems: list[FlowFileProblem]) -> list[dict[str, Any]]:
    """The loader's problems by path, each with the index of its question (None when the
    problem is the whole form's: its id, title, languages...)."""
    found = []
    for problem in problems:
        question = _QUESTION.match(problem.path)
        shown = problem_view(problem)
        del shown["line"]  # the model's YAML is the server's, not a file the staff member has
        found.append({**shown, "question": int(question.group(1)) if question else None})
    return found


def model_of_yaml(body: Any) -> dict[str, Any]:
    """The form in ``body["yaml"]`` as a model, as written (the editor shows its problems
    when checked); refused when it is not YAML or not a mapping. YAML reads ``closes:
    2026-12-05`` as a date, which JSON has none of: a date or time comes as the text that
    writes it."""
    text = body.get("yaml") if isinstance(body, dict) else None
    if not isinstance(text, str):
        raise FormRefusedError("yaml_missing")
    try:
        return {"form": _dates_as_text(read_flow_data(text, SOURCE))}
    except FlowFileError as error:
        raise FormRefusedError("invalid_form", [problem_view(p) for p in error.problems]) from None


def _dates_as_text(value: Any) -> Any:
    """``value`` with each date and time YAML made written back as text (``2026-12-05``,
    ``2026-12-05 10:00:00``); nesting is bounded by the loader (``MAX_NESTING``)."""
    if isinstance(value, dict):
        return {_dates_as_text(key): _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _refuse_what_no_form_holds(model: dict[str, Any]) -> None:
    """Walked without recursion: deeper than ``MAX_NESTING`` (as the loader refuses in a
    file), or a text with a lone surrogate (JSON's ``\\ud800``, which no UTF-8 can hold)."""
    waiting: list[tuple[Any, int]] = [(model, 1)]
    while waiting:
        value, depth = waiting.pop()
        if isinstance(value, dict | list):
            if depth > MAX_NESTING:
                raise FormRefusedError("too_deep")
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            waiting.extend((item, depth + 1) for item in items)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise FormRefusedError("not_text") from None
