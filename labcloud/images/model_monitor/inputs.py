"""What the analyzer reads: a CSV dataset for a baseline, captured JSONL for a monitoring run.

Captured records are the endpoint's data-capture lines (`captureData.endpointInput` with its
`data` and `encoding`, `eventMetadata.inferenceTime`); a request may hold several CSV rows.
Everything is kept as text: types are inferred from it, as the AWS analyzer does.
"""
from __future__ import annotations

import base64
import csv
import io
import json
import os
import time
from datetime import datetime
from pathlib import Path


class CaptureError(Exception):
    """Input the analyzer cannot read; the message goes to the job's FailureReason."""


def clock_text() -> str:
    """The cloud's time for log lines (the platform passes its clock's offset)."""
    now = time.time() + float(os.environ.get("LABCLOUD_CLOCK_OFFSET", "0") or 0)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now))


def files_under(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _cell(value: str) -> str | None:
    return value if value.strip() != "" else None


def read_csv_dataset(folder: Path, header: bool) -> tuple[list[str], list[list[str | None]]]:
    """Every CSV file under `folder` as one table of columns; names from the first file's
    header, else `_c0`, `_c1`... as the AWS analyzer (Spark) names unnamed columns."""
    names: list[str] | None = None
    rows: list[list[str | None]] = []
    for path in files_under(folder):
        with path.open(newline="", encoding="utf-8", errors="replace") as f:
            reader = csv.reader(f)
            first = True
            for record in reader:
                if not record:
                    continue
                if first and header:
                    first = False
                    names = names or [c.strip() or f"_c{i}" for i, c in enumerate(record)]
                    continue
                first = False
                rows.append([_cell(c) for c in record])
    width = len(names) if names else max((len(r) for r in rows), default=0)
    names = names or [f"_c{i}" for i in range(width)]
    columns = [[r[i] if i < len(r) else None for r in rows] for i in range(width)]
    return names, columns


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise CaptureError(f"Error: baseline file {path.name} was not found in the job's inputs.")
    except ValueError as err:
        raise CaptureError(f"Error: baseline file {path.name} is not valid JSON: {err}")


def _instant(text: str | None) -> float | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _payload(record: dict) -> str:
    value = record.get("captureData", {}).get("endpointInput")
    if not isinstance(value, dict):
        raise CaptureError("Error: a captured record has no captureData.endpointInput "
                           "(capture mode Output only cannot be monitored for data quality).")
    data, encoding = value.get("data", ""), (value.get("encoding") or "CSV").upper()
    if encoding == "BASE64":
        data = base64.b64decode(data).decode("utf-8", errors="replace")
    elif encoding != "CSV":
        raise CaptureError(f"Error: Encoding mismatch: labcloud's analyzer reads CSV endpoint "
                           f"input, but the captured endpointInput is {encoding} "
                           f"({value.get('observedContentType')}).")
    return data


def read_captured_rows(folder: Path, start: str | None, end: str | None) -> list[list[str | None]]:
    """The CSV rows of every captured request in [start, end)."""
    low, high = _instant(start), _instant(end)
    rows: list[list[str | None]] = []
    for path in files_under(folder):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                raise CaptureError(f"Error: {path.name} line {number} is not a JSON record.")
            when = _instant((record.get("eventMetadata") or {}).get("inferenceTime"))
            if when is not None and ((low is not None and when < low) or
                                     (high is not None and when >= high)):
                continue
            for row in csv.reader(io.StringIO(_payload(record))):
                if row:
                    rows.append([_cell(c) for c in row])
    return rows
