"""Batch transform's data processing: split objects into records, pack them into requests,
select input columns (InputFilter), join outputs to inputs (JoinSource) and select output
columns (OutputFilter), with the JSONPath subset SageMaker documents for these filters:
`$`, `$[i]`, `$[a:b]`, `$[i,j,k]`, `$.key`, `$.key[...]`, negative indices included."""
from __future__ import annotations

import json
import re


class RecordError(ValueError):
    pass


def split(data: bytes, split_type: str) -> list[bytes]:
    if split_type == "Line":
        return [line for line in data.splitlines() if line.strip()]
    if split_type in (None, "None"):
        return [data]
    raise RecordError(f"SplitType {split_type} is not supported by labcloud (use Line or None).")


def batches(records: list[bytes], multi: bool, max_bytes: int) -> list[list[int]]:
    """Indices of the records each request carries: one each, or as many as fit."""
    out: list[list[int]] = []
    current, size = [], 0
    for i, record in enumerate(records):
        if len(record) > max_bytes:
            raise RecordError(f"A record of {len(record)} bytes exceeds MaxPayloadInMB "
                              f"({max_bytes // (1024 * 1024)} MB).")
        if not multi or (current and size + len(record) + 1 > max_bytes):
            if current:
                out.append(current)
            current, size = [], 0
        current.append(i)
        size += len(record) + 1
    if current:
        out.append(current)
    return out


def _is_json(content_type: str | None) -> bool:
    return bool(content_type) and "json" in content_type


def parse(record: bytes, content_type: str | None):
    text = record.decode("utf-8").strip()
    if _is_json(content_type):
        try:
            return json.loads(text)
        except ValueError as err:
            raise RecordError(f"Record is not valid JSON: {err}")
    return text.split(",")


def render(value, content_type: str | None) -> bytes:
    if _is_json(content_type):
        return json.dumps(value).encode()
    if isinstance(value, list):
        return ",".join(str(v) for v in value).encode()
    return str(value).encode()


_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[([^\]]+)\]")


def select(path: str | None, value):
    """Apply a filter path to a parsed record."""
    if not path or path == "$":
        return value
    if not path.startswith("$"):
        raise RecordError(f"Invalid JSONPath expression: {path}")
    rest, pos = path[1:], 0
    while pos < len(rest):
        m = _STEP.match(rest, pos)
        if not m:
            raise RecordError(f"Invalid JSONPath expression: {path}")
        pos = m.end()
        if m.group(1):
            if not isinstance(value, dict) or m.group(1) not in value:
                raise RecordError(f"JSONPath {path} does not match the record")
            value = value[m.group(1)]
            continue
        if not isinstance(value, list):
            raise RecordError(f"JSONPath {path} does not match the record")
        inner = m.group(2).strip()
        try:
            if ":" in inner:
                a, _, b = inner.partition(":")
                value = value[int(a) if a.strip() else None:int(b) if b.strip() else None]
            elif "," in inner:
                value = [value[int(i)] for i in inner.split(",")]
            elif inner == "*":
                pass
            else:
                value = value[int(inner)]
        except (ValueError, IndexError):
            raise RecordError(f"JSONPath {path} does not match the record")
    return value


def join(input_value, output: bytes, content_type: str | None, accept: str | None):
    """JoinSource=Input: the input record with its prediction appended, as SageMaker joins."""
    out_text = output.decode("utf-8").strip()
    if isinstance(input_value, dict):
        try:
            out_value = json.loads(out_text) if _is_json(accept) else out_text
        except ValueError:
            out_value = out_text
        return {**input_value, "SageMakerOutput": out_value}
    if isinstance(input_value, list):
        return input_value + out_text.split(",")
    raise RecordError("JoinSource=Input needs CSV or JSON records")
