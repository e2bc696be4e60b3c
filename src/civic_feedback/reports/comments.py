"""Citizens' comments as CSV (Excel) or JSON, for opinion analysis."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import astuple
from typing import IO, Any
from zoneinfo import ZoneInfo

from civic_feedback.reports.export import iso_local, spreadsheet_cell, write_json_list
from civic_feedback.storage.comments import Comment

# ``id`` is the one a theme's comment ids name (reports/comment_themes.py).
COMMENT_COLUMNS = (
    "id",
    "event_code",
    "flow_id",
    "question_id",
    "language",
    "completed_at",
    "text",
)


def _values(comment: Comment, zone: ZoneInfo) -> list[Any]:
    values = list(astuple(comment))
    values[5] = iso_local(comment.completed_at, zone)
    return values


def write_comments_csv(comments: Iterable[Comment], out: IO[str], zone: ZoneInfo) -> int:
    """One comment per row, formulas defused as in exports. Returns the count."""
    writer = csv.writer(out)
    writer.writerow(COMMENT_COLUMNS)
    count = 0
    for comment in comments:
        cells = (spreadsheet_cell(value) for value in _values(comment, zone))
        writer.writerow(["" if cell is None else cell for cell in cells])
        count += 1
    return count


def write_comments_json(comments: Iterable[Comment], out: IO[str], zone: ZoneInfo) -> int:
    """A JSON list of comments, written as it streams. Returns the count."""
    records = (dict(zip(COMMENT_COLUMNS, _values(c, zone), strict=True)) for c in comments)
    return write_json_list(records, out)
