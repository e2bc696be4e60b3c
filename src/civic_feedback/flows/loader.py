"""Load flow files and report every problem at once as ``file:line: path: message``."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from civic_feedback.core.form_windows import read_window_time, window_bound
from civic_feedback.core.sentences import Sentence
from civic_feedback.flows.schema import (
    CHOICE_TYPES,
    FLOW_ID_PATTERN,
    INBOX_QUESTION_TYPES,
    LANGUAGE_PATTERN,
    NUMERIC_TYPES,
    QUESTION_ID_PATTERN,
    Condition,
    Flow,
    InboxFields,
    Option,
    Question,
    QuestionType,
    question_type_problems,
)

MAX_FLOW_FILE_BYTES = 256 * 1024
# A form is a few levels deep (questions, options, texts); deeper is no form, and deep
# enough would exhaust the YAML composer's recursion.
MAX_NESTING = 16
# A file is read by libyaml's parser, which PyYAML's wheels include: the same events and nodes,
# with their lines, twenty times faster than the pure-Python parser. Its messages are terser
# ("found character that cannot start any token", not which one), so a file it finds a problem
# in is read again by the pure-Python parser, whose problems are the ones shown.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Loader = type[yaml.SafeLoader] | type[yaml.CSafeLoader]
_EMPTY = Sentence("empty", "the file is empty")

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class FlowFileProblem:
    """One thing wrong with a flow file, located as precisely as the file allows."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class FlowFileError(Exception):
    """A flow file that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[FlowFileProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_flow_file(path: Path, *, zone: tzinfo = UTC) -> Flow:
    """Read and validate one flow file; raises FlowFileError listing every problem.

    ``zone``: where times written without an offset (``opens``, ``closes``) are: TIMEZONE.
    """
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        problem = FlowFileProblem(name, 1, "", f"cannot read the file: {error.strerror}")
        raise FlowFileError([problem]) from None
    if len(raw) > MAX_FLOW_FILE_BYTES:
        limit = MAX_FLOW_FILE_BYTES // 1024
        raise FlowFileError([FlowFileProblem(name, 1, "", f"the file is larger than {limit} KB")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FlowFileError([FlowFileProblem(name, 1, "", "the file is not UTF-8 text")]) from None
    return load_flow_text(text, name, zone=zone)


def load_flow_text(text: str, source: str = "<flow>", *, zone: tzinfo = UTC) -> Flow:
    """Validate a flow given as YAML text; ``source`` names it in problems, ``zone`` is
    where its times without an offset are."""
    data, lines = _parse_yaml(text, source)
    context = {"languages": _declared_languages(data), "zone": zone}
    found: list[tuple[PathKey, str]] = []
    flow: Flow | None = None
    try:
        flow = Flow.model_validate(data, context=context)
    except ValidationError as error:
        found += _pydantic_problems(error.errors(), data)
    found += _reference_problems(data)
    found += _window_problems(data, zone)
    if found:
        problems = {
            FlowFileProblem(source, _line_of(path, lines), _format_path(path), message)
            for path, message in found
        }
        raise FlowFileError(sorted(problems))
    assert flow is not None
    return flow


def read_flow_data(text: str, source: str = "<flow>") -> dict[str, Any]:
    """A flow file's YAML as plain data, not yet validated (the console's editor opens it
    as written); refused as the loader refuses what is not YAML, or not a mapping."""
    return _parse_yaml(text, source)[0]


def _parse_yaml(text: str, source: str) -> tuple[dict[str, Any], dict[PathKey, int]]:
    try:
        return _read_yaml(text, source, _FAST_LOADER)
    except FlowFileError:
        if _FAST_LOADER is yaml.SafeLoader:
            raise
        return _read_yaml(text, source, yaml.SafeLoader)


def _read_yaml(
    text: str, source: str, loader_class: _Loader
) -> tuple[dict[str, Any], dict[PathKey, int]]:
    if not text.strip():
        raise FlowFileError([FlowFileProblem(source, 1, "", _EMPTY)])
    loader = loader_class(text)
    try:
        _refuse_aliases_and_depth(text, source, loader_class)
        node = loader.get_single_node()
        if node is None:
            raise FlowFileError([FlowFileProblem(source, 1, "", _EMPTY)])
        lines: dict[PathKey, int] = {}
        duplicates: list[FlowFileProblem] = []
        data = _construct(loader, node, (), lines, duplicates, source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else 1
        detail = getattr(error, "problem", None) or str(error)
        raise FlowFileError(
            [
                FlowFileProblem(
                    source,
                    line,
                    "",
                    Sentence("invalid_yaml", "invalid YAML: {detail}", detail=detail),
                )
            ]
        ) from None
    finally:
        loader.dispose()
    if duplicates:
        raise FlowFileError(duplicates)
    if data is None:
        raise FlowFileError([FlowFileProblem(source, 1, "", _EMPTY)])
    if not isinstance(data, dict):
        raise FlowFileError(
            [
                FlowFileProblem(
                    source, 1, "", Sentence("not_mapping", "a flow file must be a mapping of keys")
                )
            ]
        )
    return data, lines


def _refuse_aliases_and_depth(text: str, source: str, loader_class: _Loader) -> None:
    """Read the YAML events first (the parser does not recurse) and refuse what a form never
    needs but an attack does: anchors and aliases (``&a``, ``*a``: a few lines expand to
    billions of items, or loop) and nesting deeper than ``MAX_NESTING``."""
    depth = 0
    for event in yaml.parse(text, Loader=loader_class):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            message = Sentence(
                "aliases", "anchors and aliases (& and *) are not allowed: write each value out"
            )
            raise FlowFileError([FlowFileProblem(source, line, "", message)])
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                message = Sentence(
                    "too_deep", "nested more than {depth} levels deep", depth=str(MAX_NESTING)
                )
                raise FlowFileError([FlowFileProblem(source, line, "", message)])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _construct(
    loader: yaml.SafeLoader | yaml.CSafeLoader,
    node: yaml.Node,
    path: PathKey,
    lines: dict[PathKey, int],
    duplicates: list[FlowFileProblem],
    source: str,
) -> Any:
    """Build plain Python data from YAML nodes, remembering the line of every path."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            child = (*path, str(key))
            if key in result:
                line = key_node.start_mark.line + 1
                duplicates.append(
                    FlowFileProblem(
                        source,
                        line,
                        _format_path(child),
                        Sentence("duplicate_key", "duplicate key"),
                    )
                )
            result[key] = _construct(loader, value_node, child, lines, duplicates, source)
            lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, item, (*path, index), lines, duplicates, source)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def _declared_languages(data: dict[str, Any]) -> list[str]:
    languages = data.get("languages")
    if isinstance(languages, list):
        return [lang for lang in languages if isinstance(lang, str)]
    return []


def _format_path(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _line_of(path: PathKey, lines: dict[PathKey, int]) -> int:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


# --- pydantic errors in words an organizer understands ---------------------------------

_PATTERN_HINTS = {  # a pattern's sentence: its id and template
    FLOW_ID_PATTERN: (
        "bad_flow_id",
        "{value} is not valid: a flow id is 1-64 lowercase letters, digits and '-'",
    ),
    QUESTION_ID_PATTERN: (
        "bad_id",
        "{value} is not valid: an id is 1-64 lowercase letters, digits and '_'",
    ),
    LANGUAGE_PATTERN: (
        "bad_language",
        "{value} is not valid: a language is a code such as bg, en or tr",
    ),
}


def _pydantic_problems(errors: list[ErrorDetails], data: Any) -> Iterator[tuple[PathKey, str]]:
    seen: set[PathKey] = set()
    for error in errors:
        path = _data_path(error["loc"], data)
        if len(path) == 2 and path[0] == "questions" and error["type"] == "value_error":
            continue  # a question's type checks: _reference_problems reports them one by one
        if path in seen:  # a union reports one error per member; one line is enough
            continue
        seen.add(path)
        yield path, _describe(error, path, data)


def _data_path(loc: tuple[str | int, ...], data: Any) -> PathKey:
    """Keep the parts of a pydantic location that exist in the data (drops union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        known_key = isinstance(node, dict) and part in node
        known_index = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if known_key or known_index:
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and not _is_union_tag(part):
            path.append(part)  # a missing or unknown key: name it, then stop
            break
    return tuple(path)


def _is_union_tag(part: str) -> bool:
    return part in {"bool", "int", "float", "str"} or "[" in part


def _describe(error: ErrorDetails, path: PathKey, data: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_key(path)
    if kind == "missing":
        return Sentence("required", "this key is required")
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        value = repr(error["input"])
        if pattern not in _PATTERN_HINTS:
            return f"{value} is not valid: must match {pattern}"
        return Sentence(*_PATTERN_HINTS[pattern], value=value)
    if kind == "enum":
        expected = str((error.get("ctx") or {}).get("expected"))
        return Sentence(
            "not_one_of",
            "{value} is not one of {expected}",
            value=repr(error["input"]),
            expected=expected,
        )
    if kind == "too_short":
        return Sentence("not_empty", "must not be empty")
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Sentence):
        return cause.args[0]  # a check of ours: its sentence, with its id
    message = error["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


_MODEL_AT_DEPTH: dict[tuple[str | None, ...], type[BaseModel]] = {
    (): Flow,
    ("questions", None): Question,
    ("questions", None, "options", None): Option,
    ("questions", None, "when", None): Condition,
    ("inbox",): InboxFields,
}


def _unknown_key(path: PathKey) -> str:
    shape = tuple(None if isinstance(p, int) or i == 3 else p for i, p in enumerate(path[:-1]))
    model = _MODEL_AT_DEPTH.get(shape)
    key = str(path[-1])
    if model is not None:
        close = difflib.get_close_matches(key, list(model.model_fields), n=1)
        if close:
            return Sentence("unknown_key_like", "unknown key (did you mean '{key}'?)", key=close[0])
    return Sentence("unknown_key", "unknown key")


# --- when the form takes answers --------------------------------------------------------


def _window_problems(data: dict[str, Any], zone: tzinfo) -> Iterator[tuple[PathKey, str]]:
    """``closes`` after ``opens``; a bound that cannot be read is reported on its own."""
    written = {key: data.get(key) for key in ("opens", "closes")}
    if written["opens"] is None or written["closes"] is None:
        return
    try:
        opens = window_bound(read_window_time(written["opens"]), zone, closing=False)
        closes = window_bound(read_window_time(written["closes"]), zone, closing=True)
    except ValueError:
        return
    if closes <= opens:
        yield (
            ("closes",),
            Sentence(
                "closes_before_opens", "must be after opens: the form would close before it opens"
            ),
        )


# --- checks that need the whole list of questions --------------------------------------


def _reference_problems(data: dict[str, Any]) -> Iterator[tuple[PathKey, str]]:
    """Type misfits, duplicate question ids, ``when`` on unknown or later questions."""
    questions = data.get("questions")
    if not isinstance(questions, list):
        return
    earlier: dict[str, dict[str, Any]] = {}
    for index, question in enumerate(questions):
        if not isinstance(question, dict):
            continue
        for message in question_type_problems(question):
            yield ("questions", index), message
        when = question.get("when")
        if isinstance(when, dict):
            for ref, test in when.items():
                path: PathKey = ("questions", index, "when", str(ref))
                if ref not in earlier:
                    yield (
                        ("questions", index, "when"),
                        Sentence("not_earlier", "'{ref}' is not an earlier question", ref=str(ref)),
                    )
                elif isinstance(test, dict):
                    yield from ((path, m) for m in _condition_misfits(earlier[ref], test))
        qid = question.get("id")
        if isinstance(qid, str):
            if qid in earlier:
                yield (
                    ("questions", index, "id"),
                    Sentence("duplicate_question", "duplicate question id '{id}'", id=qid),
                )
            else:
                earlier[qid] = question
    yield from _inbox_problems(data.get("inbox"), earlier)


def _inbox_problems(
    inbox: Any, questions: dict[str, dict[str, Any]]
) -> Iterator[tuple[PathKey, str]]:
    """``inbox`` names questions of the flow, each of the type its role needs."""
    if not isinstance(inbox, dict):
        return
    for role, wanted in INBOX_QUESTION_TYPES.items():
        ref = inbox.get(role)
        if not isinstance(ref, str):
            continue
        question = questions.get(ref)
        if question is None:
            yield (
                ("inbox", role),
                Sentence("inbox_unknown", "'{ref}' is not a question of this form", ref=ref),
            )
        elif question.get("type") != wanted.value:
            yield (
                ("inbox", role),
                Sentence(
                    "inbox_type", "'{ref}' must be a {type} question", ref=ref, type=wanted.value
                ),
            )


def _condition_misfits(target: dict[str, Any], test: dict[str, Any]) -> Iterator[str]:
    try:
        kind = QuestionType(str(target.get("type")))
    except ValueError:
        return
    if ("min" in test or "max" in test) and kind not in NUMERIC_TYPES:
        yield Sentence(
            "min_max_numeric",
            "min/max only apply to rating, nps and number questions, not {type}",
            type=kind.value,
        )
    values = [test["equals"]] if "equals" in test else list(test.get("any_of") or [])
    if kind in CHOICE_TYPES:
        options = {o.get("id") for o in target.get("options") or [] if isinstance(o, dict)}
        for value in values:
            if value not in options:
                yield Sentence(
                    "not_an_option",
                    "{value} is not an option of '{question}'",
                    value=repr(value),
                    question=str(target.get("id")),
                )
    if kind is QuestionType.YES_NO and any(not isinstance(v, bool) for v in values):
        yield Sentence("yes_no_value", "a yes_no question is compared with true or false")
