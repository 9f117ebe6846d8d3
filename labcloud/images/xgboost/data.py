"""Reading a channel folder into an xgboost DMatrix, with the image's checks and messages.

All files under the channel folder are read (recursively), as the image links every file it
finds into one folder before loading. Speed matters (a benchmark holds the whole job to 1.3x a
raw `pandas.read_csv` + `xgboost.train`), so CSV goes through pandas' C parser straight into a
float32 array and libsvm through scikit-learn's C parser; no Python loop touches a row.
"""
from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np

from .errors import UserError
from .logs import ContainerLog

HEADER_CHARS = re.compile(r"[a-df-zA-DF-Z]")  # any letter but e/E (exponents) marks a header
LIBSVM_FORMAT_ERROR = ("First line '{line}...' of file '{name}' is not '{kind}' format. Please "
                       "ensure the file is in '{kind}' format.")


def data_files(folder: Path) -> list[Path]:
    """The channel's data files, sorted; hidden files fail the job as in the image."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.startswith("."):
                raise UserError("Hidden file found in the data path! Remove that before training.")
            if name.startswith("_"):
                continue
            found.append(Path(root) / name)
    return found


def total_size(files: list[Path]) -> int:
    return sum(f.stat().st_size for f in files)


def _first_line(path: Path) -> str:
    with open(path, "r", errors="ignore") as f:
        return f.readline()


def sniff_delimiter(line: str, log: ContainerLog | None) -> str:
    try:
        delimiter = csv.Sniffer().sniff(line).delimiter
    except Exception as err:
        raise UserError(f"Could not determine delimiter on line {line[:50]}:\n{err}")
    if log is not None:
        log.info(f"Determined delimiter of CSV input is '{delimiter}'")
    return delimiter


def validate_csv(path: Path, log: ContainerLog | None) -> None:
    """What the image checks on a CSV file's first line: not libsvm, no header, a delimiter.
    `log` is None for images that do not log the delimiter while validating."""
    line = _first_line(path)
    if " " in line and ":" in line:
        raise UserError(f"Blankspace and colon found in firstline '{line[:50]}...' of file "
                        f"'{path.name}'. Please ensure the file is in csv format.")
    found = HEADER_CHARS.search(line)
    if found:
        raise UserError(f"Non-numeric value '{found.group(0)}' found in the header line "
                        f"'{line[:50]}...' of file '{path.name}'. CSV format require no header "
                        "line in it. If header line is already removed, XGBoost does not accept "
                        "non-numeric value in the data.")
    sniff_delimiter(line, log)


def _libsvm_features(line: str) -> int:
    """Number of index:value pairs, or -1 when the line is not libsvm (the image's rule)."""
    tokens = line.rstrip("\n").split(" ")
    label = tokens[0].split(":")
    if len(label) > 2:
        return -1
    try:
        [float(part) for part in label]
    except ValueError:
        return -1
    for token in tokens[1:]:
        if token and len(token.split(":")) != 2:
            return -1
    return len([t for t in tokens[1:] if t])


def validate_libsvm(path: Path, log: ContainerLog, legacy_wording: bool) -> None:
    if legacy_wording:
        line = _first_line(path)
        if not (" " in line and ":" in line):
            raise UserError(f"Blankspace and colon not found in firstline '{line[:50]}...' of file "
                            f"'{path.name}'. ContentType by defaullt is in libsvm. Please ensure "
                            "the file is in libsvm format.")
        return
    with open(path, "r", errors="ignore") as f:
        for line in f:
            count = _libsvm_features(line)
            if count > 1:
                return
            if count < 0:
                log.error(f"{line.split(' ')[0]} does not follow LIBSVM label format "
                          "<label>(:<weight>).")
                raise UserError(LIBSVM_FORMAT_ERROR.format(line=line[:50], name=path.name,
                                                           kind="LIBSVM"))
    log.warning(f"File {path.name} is not an invalid LIBSVM file but has no features. Accepting "
                "simple validation.")


def read_csv(files: list[Path], delimiter: str) -> np.ndarray:
    import pandas as pd

    try:
        parts = [pd.read_csv(f, header=None, sep=delimiter, dtype=np.float32, engine="c")
                 .to_numpy(dtype=np.float32) for f in files]
    except Exception as err:
        raise UserError(f"Failed to load csv data with exception:\n{err}")
    widths = {p.shape[1] for p in parts}
    if len(widths) > 1:
        raise UserError("Failed to load csv data with exception:\nfiles have different numbers "
                        f"of columns: {sorted(widths)}")
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def csv_dmatrix(files: list[Path], delimiter: str, csv_weights: int, nthread: int):
    import xgboost as xgb

    table = read_csv(files, delimiter)
    if table.shape[0] == 0 or table.shape[1] < 1:
        return None
    first = 2 if csv_weights == 1 else 1
    weight = table[:, 1] if csv_weights == 1 else None
    return xgb.DMatrix(table[:, first:], label=table[:, 0], weight=weight, nthread=nthread)


def libsvm_dmatrix(files: list[Path], nthread: int):
    import xgboost as xgb
    from sklearn.datasets import load_svmlight_files
    from scipy.sparse import vstack

    try:
        loaded = load_svmlight_files([str(f) for f in files], zero_based=True, dtype=np.float32)
    except Exception as err:
        raise UserError(f"Failed to load libsvm data with exception:\n{err}")
    matrices, labels = loaded[0::2], loaded[1::2]
    width = max(m.shape[1] for m in matrices)
    matrices = [m if m.shape[1] == width else m.__class__((m.data, m.indices, m.indptr),
                                                          shape=(m.shape[0], width))
                for m in matrices]
    matrix = matrices[0] if len(matrices) == 1 else vstack(matrices).tocsr()
    label = labels[0] if len(labels) == 1 else np.concatenate(labels)
    if matrix.shape[0] == 0:
        return None
    return xgb.DMatrix(matrix, label=label, nthread=nthread)


def check_has_labels(dmatrix) -> None:
    if dmatrix is not None and dmatrix.get_label().size == 0:
        raise UserError("Got input data without labels. Please check the input data set. If "
                        "training job is running on multiple instances, please switch to using "
                        "single instance if number of records in the data set is less than number "
                        "of workers (16 * number of instance) in the cluster.")
