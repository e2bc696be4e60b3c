"""Citizens' messages for the municipality's GIS: CSV (Excel) or GeoJSON, one row or feature
per message, with its status, topic, dates, +1 count and place. Places are rounded to about
100 m unless exact ones are asked for: a report's place is often where someone lives."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from civic_feedback.reports.export import iso_local, spreadsheet_cell

COLUMNS = (
    "number",
    "status",
    "topic",
    "municipality",
    "received_at",
    "resolved_at",
    "supporters",
    "latitude",
    "longitude",
)
ROUNDED_DIGITS = 3  # 0.001° is 111 m north-south, about 80 m east-west in Bulgaria


@dataclass(frozen=True)
class ExportedItem:
    number: int
    status: str
    topic: str
    municipality: str | None
    received_at: datetime
    resolved_at: datetime | None
    supporters: int
    latitude: float | None
    longitude: float | None


def _place(item: ExportedItem, exact: bool) -> tuple[float | None, float | None]:
    if item.latitude is None or item.longitude is None:
        return None, None
    if exact:
        return item.latitude, item.longitude
    return round(item.latitude, ROUNDED_DIGITS), round(item.longitude, ROUNDED_DIGITS)


def _record(item: ExportedItem, zone: ZoneInfo, exact: bool) -> dict[str, Any]:
    latitude, longitude = _place(item, exact)
    return {
        "number": item.number,
        "status": item.status,
        "topic": item.topic,
        "municipality": item.municipality,
        "received_at": iso_local(item.received_at, zone),
        "resolved_at": iso_local(item.resolved_at, zone),
        "supporters": item.supporters,
        "latitude": latitude,
        "longitude": longitude,
    }


def write_csv(items: list[ExportedItem], out: IO[str], zone: ZoneInfo, *, exact: bool) -> int:
    """Open ``out`` with utf-8-sig, so that Excel reads the Cyrillic right."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for item in items:
        record = _record(item, zone, exact)
        writer.writerow(["" if record[c] is None else spreadsheet_cell(record[c]) for c in COLUMNS])
    return len(items)


def write_geojson(items: list[ExportedItem], out: IO[str], zone: ZoneInfo, *, exact: bool) -> int:
    """A FeatureCollection of the messages that have a place (longitude first, as GeoJSON
    wants). Returns how many features."""
    features = []
    for item in items:
        record = _record(item, zone, exact)
        if record["latitude"] is None:
            continue
        point = {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]}
        properties = {k: v for k, v in record.items() if k not in ("latitude", "longitude")}
        features.append({"type": "Feature", "geometry": point, "properties": properties})
    json.dump({"type": "FeatureCollection", "features": features}, out, ensure_ascii=False)
    return len(features)
