"""Per-feature statistics and suggested constraints, in the formats the AWS analyzer writes.

The formats are the ones SageMaker documents for its prebuilt container ("Schema for Statistics
(statistics.json file)" and "Schema for Constraints (constraints.json file)"): Deequ-style
profiles with `inferred_type` Integral / Fractional / String, `completeness` as a fraction,
numerical statistics with a KLL distribution (10 equal-width buckets, as AWS always
materialises, and the sketch's retained values) and string statistics with categorical buckets.

Values are classified one by one from their text, as Deequ's DataType analyzer does: a column
whose non-missing values are all integers is Integral, all numbers Fractional, else String.
"""
from __future__ import annotations

import re

import numpy as np

INTEGRAL = re.compile(r"^\s*[-+]?\d+\s*$")
FRACTIONAL = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
KLL_K = 2048           # the sketch's size parameter; columns up to k values are kept exactly
KLL_C = 0.64
BUCKETS = 10           # "By default, the distribution is materialized in 10 buckets."
DOMAIN_LIMIT = 20      # string columns with at most this many distinct values get a domain
DEFAULT_MONITORING_CONFIG = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    },
}


def kind_of(value: str) -> str:
    """The type one present value belongs to."""
    if INTEGRAL.match(value):
        return "Integral"
    if FRACTIONAL.match(value):
        return "Fractional"
    return "String"


def column_type(values: list[str]) -> str:
    """Deequ's choice for a column: String if any value is text, Fractional if any is a
    non-integer number, Integral if all are integers, Unknown if nothing is present."""
    kinds = {kind_of(v) for v in values}
    for kind in ("String", "Fractional", "Integral"):
        if kind in kinds:
            return kind
    return "Unknown"


def matches(value: str, inferred: str) -> bool:
    """Whether a value fits a column type (an integer is also a valid Fractional)."""
    kind = kind_of(value)
    if inferred == "Integral":
        return kind == "Integral"
    if inferred == "Fractional":
        return kind in ("Integral", "Fractional")
    return True


def present(column: list[str | None]) -> list[str]:
    return [v for v in column if v is not None and v.strip() != ""]


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2 ** 53 else float(x)


def _sketch_values(numbers: np.ndarray) -> list[float]:
    """The values a KLL sketch of size k retains: all of them up to k, else k evenly spaced
    order statistics (what the sketch's compactions converge to)."""
    ordered = np.sort(numbers)
    if len(ordered) > KLL_K:
        ordered = ordered[np.linspace(0, len(ordered) - 1, KLL_K).round().astype(int)]
    return [float(v) for v in ordered]


def numerical_statistics(values: list[str], missing: int) -> dict:
    numbers = np.array([float(v) for v in values if FRACTIONAL.match(v)], dtype=float)
    common = {"num_present": int(len(numbers)), "num_missing": int(missing + len(values) - len(numbers))}
    if len(numbers) == 0:
        return {"common": common}
    low, high = float(numbers.min()), float(numbers.max())
    edges = np.linspace(low, high, BUCKETS + 1) if high > low else np.array([low] * (BUCKETS + 1))
    counts = np.histogram(numbers, bins=BUCKETS, range=(low, high if high > low else low + 1))[0]
    buckets = [{"lower_bound": float(edges[i]), "upper_bound": float(edges[i + 1]),
                "count": float(counts[i])} for i in range(BUCKETS)]
    return {
        "common": common,
        "mean": float(numbers.mean()),
        "sum": float(numbers.sum()),
        "std_dev": float(numbers.std()),
        "min": _number(low),
        "max": _number(high),
        "distribution": {"kll": {
            "buckets": buckets,
            "sketch": {"parameters": {"c": KLL_C, "k": float(KLL_K)},
                       "data": [_sketch_values(numbers)]},
        }},
    }


def string_statistics(values: list[str], missing: int) -> dict:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "common": {"num_present": len(values), "num_missing": missing},
        "distinct_count": float(len(counts)),
        "distribution": {"categorical": {
            "buckets": [{"value": value, "count": count} for value, count in ranked]}},
    }


def feature_statistics(name: str, column: list[str | None], inferred: str | None = None) -> dict:
    """One feature's entry of statistics.json. `inferred` is the baseline's type when the
    statistics describe captured data (the report then speaks in the baseline's terms)."""
    values = present(column)
    missing = len(column) - len(values)
    inferred = inferred or column_type(values)
    entry: dict = {"name": name, "inferred_type": inferred}
    if inferred in ("Integral", "Fractional"):
        entry["numerical_statistics"] = numerical_statistics(values, missing)
    else:
        entry["string_statistics"] = string_statistics(values, missing)
    return entry


def statistics(names: list[str], columns: list[list[str | None]],
               baseline_types: dict[str, str] | None = None) -> dict:
    rows = max((len(c) for c in columns), default=0)
    types = baseline_types or {}
    return {"version": 0.0, "dataset": {"item_count": rows},
            "features": [feature_statistics(n, c, types.get(n)) for n, c in zip(names, columns)]}


def constraints(stats: dict) -> dict:
    """The constraints the baseline suggests from its own statistics."""
    features = []
    for f in stats["features"]:
        common = (f.get("numerical_statistics") or f.get("string_statistics") or {}).get("common", {})
        total = common.get("num_present", 0) + common.get("num_missing", 0)
        entry = {"name": f["name"], "inferred_type": f["inferred_type"],
                 "completeness": (common.get("num_present", 0) / total) if total else 0.0}
        if "numerical_statistics" in f and "min" in f["numerical_statistics"]:
            entry["num_constraints"] = {"is_non_negative": f["numerical_statistics"]["min"] >= 0}
        elif "string_statistics" in f:
            buckets = f["string_statistics"]["distribution"]["categorical"]["buckets"]
            if 0 < len(buckets) <= DOMAIN_LIMIT:
                entry["string_constraints"] = {"domains": sorted(b["value"] for b in buckets)}
        features.append(entry)
    return {"version": 0.0, "features": features, "monitoring_config": DEFAULT_MONITORING_CONFIG}
