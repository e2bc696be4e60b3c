"""The project report as one HTML file: charts embedded as PNG data, every text escaped."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from civic_feedback.reports.project_report_layout import (
    Block,
    Bullets,
    Chart,
    Heading,
    Paragraph,
    Table,
)

_STYLE = (
    "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:60rem;margin:2rem auto}"
    "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #999;padding:.3rem}"
    "img{max-width:100%}figcaption{font-style:italic}.total td{font-weight:bold}"
)


def _cell(text: str, tag: str) -> str:
    return f"<{tag}>" + "<br>".join(escape(line) for line in text.split("\n")) + f"</{tag}>"


def report_html(blocks: list[Block], language: str) -> str:
    title = next((b.text for b in blocks if isinstance(b, Heading)), "")
    parts = [
        f'<!DOCTYPE html><html lang="{escape(language)}"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
    ]
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level + 1}>{escape(block.text)}</h{block.level + 1}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Table):
            head = "".join(_cell(column, "th") for column in block.columns)
            rows = ["".join(_cell(c, "td") for c in row) for row in block.rows]
            total = rows.pop() if block.total and rows else None
            body = "".join(f"<tr>{row}</tr>" for row in rows)
            foot = f'<tfoot><tr class="total">{total}</tr></tfoot>' if total else ""
            parts.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>"
            )
        elif isinstance(block, Chart):
            data = base64.b64encode(block.draw()).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{escape(block.alt)}">'
                f"<figcaption>{escape(block.caption)}</figcaption></figure>"
            )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_html(blocks: list[Block], language: str, path: Path) -> None:
    path.write_text(report_html(blocks, language), encoding="utf-8")
