"""Request bodies to feature matrices and predictions to response bodies, per image version.

Inputs: text/csv (delimiter sniffed, empty fields are missing values), text/libsvm and
text/x-libsvm (zero-based index:value), application/json ({"instances": [[...]] or
[{"features": [...]}]}, or a bare list) and application/jsonlines (one row per line).
Outputs as the images answer (algorithm_mode/serve.py and handler_service.py per tag):
* batch (SAGEMAKER_BATCH set): one prediction per line, newline-terminated;
* real-time, images up to 1.3-1 ("comma"): one line, predictions joined by ",", whatever Accept;
* real-time, 1.5-1 on ("encoders"): text/csv one value per line, application/json
  {"predictions": [{"score": x}, ...]}, application/jsonlines one {"score": x} per line;
  other Accept values are refused with 406.
A single CSV row is the hot path (real-time endpoints): it is split and converted by numpy
without the csv module or pandas; many rows (batch transform) go through pandas' C parser.
"""
from __future__ import annotations

import csv
import json

import numpy as np

SUPPORTED_ACCEPTS = ["application/json", "application/jsonlines",
                     "application/x-recordio-protobuf", "text/csv"]


class PayloadError(Exception):
    """A body that cannot be read (415) or an Accept that cannot be written (406)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def _csv_delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    try:
        found = csv.Sniffer().sniff(first_line[:512]).delimiter
    except csv.Error:
        return ","  # a single column: nothing to split
    return "," if found.isalnum() else found


def _parse_csv_fast(text: str, delimiter: str, columns: int) -> np.ndarray | None:
    """Many rows (a MultiRecord batch): pandas' C parser, as the training side reads CSV.

    Only for a rectangular body of numbers and empty fields: every line has the first line's
    field count (the delimiters add up, and pandas refuses a longer line) and the row count is
    the line count (no blank line skipped). Anything else returns None, and the plain path
    below reads it and gives its usual answer."""
    import io

    import pandas as pd

    lines = text.count("\n") + 1
    if text.count(delimiter) != lines * (columns - 1):
        return None
    try:
        table = pd.read_csv(io.StringIO(text), header=None, sep=delimiter, dtype=np.float32,
                            engine="c", skip_blank_lines=False).to_numpy()
    except (ValueError, TypeError, pd.errors.ParserError):
        return None
    return table if table.shape == (lines, columns) else None


def parse_csv(text: str) -> np.ndarray:
    text = text.strip()
    if "\n" not in text:
        delimiter = _csv_delimiter(text)
        fields = text.split(delimiter)
        try:
            return np.array(fields, dtype=np.float32).reshape(1, -1)
        except ValueError:
            return np.array([f if f.strip() else "nan" for f in fields],
                            dtype=np.float32).reshape(1, -1)
    text = text.replace("\r\n", "\n")
    first = text[:text.index("\n")]
    delimiter = _csv_delimiter(first)
    table = _parse_csv_fast(text, delimiter, first.count(delimiter) + 1)
    if table is not None:
        return table
    lines = text.split("\n")
    rows = [line.split(delimiter) for line in lines]
    try:
        return np.array(rows, dtype=np.float32)
    except ValueError:
        return np.array([[f if f.strip() else "nan" for f in row] for row in rows],
                        dtype=np.float32)


def parse_libsvm(text: str):
    from scipy.sparse import csr_matrix

    rows, cols, values = [], [], []
    for index, line in enumerate(text.strip().split("\n")):
        for item in line.split(" "):
            if ":" in item:
                col, value = item.split(":", 1)
                rows.append(index)
                cols.append(int(col))
                values.append(float(value))
    return csr_matrix((np.array(values, dtype=np.float32), (np.array(rows), np.array(cols))))


def _json_rows(items) -> list:
    return [item["features"] if isinstance(item, dict) else item for item in items]


def parse_json(text: str) -> np.ndarray:
    body = json.loads(text)
    items = body["instances"] if isinstance(body, dict) else body
    if items and not isinstance(items[0], (list, dict)):
        items = [items]
    return np.array(_json_rows(items), dtype=np.float32)


def parse_jsonlines(text: str) -> np.ndarray:
    rows = [json.loads(line) for line in text.strip().split("\n") if line.strip()]
    return np.array(_json_rows(rows), dtype=np.float32)


READERS = {"text/csv": ("csv", parse_csv), "csv": ("csv", parse_csv),
           "text/libsvm": ("libsvm", parse_libsvm), "text/x-libsvm": ("libsvm", parse_libsvm),
           "application/json": ("json", parse_json),
           "application/jsonlines": ("jsonlines", parse_jsonlines)}


def read(body: bytes, content_type: str | None):
    """(kind, matrix) for a request body; PayloadError 415 with the image's wording."""
    kind_name = media_type(content_type) or "text/csv"
    if kind_name not in READERS:
        raise PayloadError(415, f"Content type {content_type} is not supported")
    kind, reader = READERS[kind_name]
    try:
        return kind, reader(body.decode("utf-8"))
    except Exception as err:
        raise PayloadError(415, f"Loading {kind} data failed with Exception, please ensure data "
                                f"is in {kind} format:\n {type(err)}\n {err}")


def accept_type(header: str | None, default: str) -> str:
    accept = media_type(header)
    if not accept or accept == "*/*":
        return default
    if accept not in SUPPORTED_ACCEPTS:
        raise PayloadError(406, f"Accept type {accept} is not supported. Please use supported "
                                f"accept types: {SUPPORTED_ACCEPTS}.")
    if accept == "application/x-recordio-protobuf":
        raise PayloadError(406, "labcloud's XGBoost image does not encode "
                                "application/x-recordio-protobuf; use text/csv or application/json.")
    return accept


def encode(predictions: np.ndarray, style: str, batch: bool, accept: str) -> tuple[bytes, str]:
    """(body, content type) of a response."""
    if style == "comma" or (batch and accept == "text/csv"):
        values = predictions.tolist()
        text = "\n".join(map(str, values)) + "\n" if batch else ",".join(map(str, values))
        return text.encode(), "text/csv; charset=utf-8"
    if accept == "text/csv":
        if predictions.ndim == 2:
            return "".join(",".join(map(str, row)) + "\n" for row in predictions).encode(), \
                "text/csv; charset=utf-8"
        return "".join(f"{v}\n" for v in predictions).encode(), "text/csv; charset=utf-8"
    scores = [{"score": v} for v in predictions.tolist()]
    if accept == "application/json":
        return json.dumps({"predictions": scores}).encode(), "application/json"
    return "".join(json.dumps(s) + "\n" for s in scores).encode(), "application/jsonlines"
