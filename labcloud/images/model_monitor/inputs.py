"""What the analyzer reads: a CSV dataset for a baseline, captured JSONL for a monitoring run.

Captured records are the endpoint's data-capture lines (`captureData.endpointInput` and
`endpointOutput` with their `data` and `encoding`, `eventMetadata.inferenceTime`); a request
may hold several CSV rows, each answered by one output row.
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


def _text(part: dict) -> str | None:
    """A captured part's data as CSV text; None for a JSON part (not tabular here)."""
    data, encoding = part.get("data", ""), (part.get("encoding") or "CSV").upper()
    if encoding == "BASE64":
        return base64.b64decode(data).decode("utf-8", errors="replace")
    return data if encoding == "CSV" else None


def _rows(text: str) -> list[list[str | None]]:
    return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text)) if row]


def record_rows(record: dict) -> list[list[str | None]]:
    """The rows of one captured request, laid out as AWS's analyzer lays them out: the
    endpointOutput column(s) first, then the endpointInput columns (the baseline dataset holds
    the label where the capture holds the prediction: output_columns_position START). A record
    captured without its output (CaptureMode Input) is its input columns alone."""
    capture = record.get("captureData") or {}
    part = capture.get("endpointInput")
    if not isinstance(part, dict):
        raise CaptureError("Error: a captured record has no captureData.endpointInput "
                           "(capture mode Output only cannot be monitored for data quality).")
    text = _text(part)
    if text is None:
        raise CaptureError(f"Error: Encoding mismatch: labcloud's analyzer reads CSV endpoint "
                           f"input, but the captured endpointInput is {part.get('encoding')} "
                           f"({part.get('observedContentType')}).")
    inputs = _rows(text)
    output = capture.get("endpointOutput")
    answer = _text(output) if isinstance(output, dict) else None
    if answer is None or not inputs:
        return inputs
    outputs = _rows(answer)
    if len(outputs) == 1 and len(inputs) > 1 and len(outputs[0]) == len(inputs):
        outputs = [[value] for value in outputs[0]]  # predictions joined by "," on one line
    if len(outputs) != len(inputs):
        raise CaptureError(f"Error: a captured request (eventId "
                           f"{(record.get('eventMetadata') or {}).get('eventId')}) holds "
                           f"{len(inputs)} input records but {len(outputs)} output records.")
    return [out + row for out, row in zip(outputs, inputs)]


def read_captured_rows(folder: Path, start: str | None, end: str | None) -> list[list[str | None]]:
    """The rows of every captured request in [start, end)."""
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
            rows += record_rows(record)
    return rows
