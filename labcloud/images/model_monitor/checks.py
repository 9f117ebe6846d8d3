"""Captured data against the baseline: the violations of constraint_violations.json.

Check types and file shape are AWS's ("Schema for Violations (constraint_violations.json
file)"): `{"violations": [{"feature_name", "constraint_check_type", "description"}]}` with
data_type_check, completeness_check, baseline_drift_check, missing_column_check and
extra_column_check.

Descriptions: data_type_check copies the AWS container's sentence as real reports quote it
("Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%.
Observed: Only 50.0% of data is Integral."); baseline_drift_check keeps the "distance: <d>
exceeds threshold: <t>" form that AWS's own post-processing scripts parse. The wording of the
completeness and column-count sentences is labcloud's, written in the same style (no public
report quotes them).

data_type_check flags any share below 100% of values of the baseline's type, as the reports
AWS users quote do ("Expected match: 100.0%" flagged at 99.7% with datatype_check_threshold
1.0); completeness_check flags an observed completeness below the baseline's.

The drift distance is the one Deequ's "Robust"/"Simple" comparison computes: the L-infinity
distance between the two empirical cumulative distributions (the largest gap between the share
of baseline values and the share of current values at or below any point), the baseline side
read from its KLL sketch; for String features, the largest gap between category frequencies.
Both lie in [0, 1]: 0.1 means some range of values holds 10 points more (or less) of the data
than it did in the baseline.
"""
from __future__ import annotations

import numpy as np

from .statistics import FRACTIONAL, matches, present


def _pct(x: float) -> str:
    return f"{round(x * 100, 4)}%"


def data_type(name: str, expected: str, values: list[str]) -> dict | None:
    if expected not in ("Integral", "Fractional") or not values:
        return None
    share = sum(matches(v, expected) for v in values) / len(values)
    if share >= 1.0:
        return None
    return {"feature_name": name, "constraint_check_type": "data_type_check",
            "description": f"Data type match requirement is not met. Expected data type: "
                           f"{expected}, Expected match: 100.0%. Observed: Only {_pct(share)} "
                           f"of data is {expected}."}


def completeness(name: str, expected: float, column: list[str | None]) -> dict | None:
    if not column:
        return None
    observed = len(present(column)) / len(column)
    if observed >= expected:
        return None
    return {"feature_name": name, "constraint_check_type": "completeness_check",
            "description": f"Data completeness requirement is not met. Expected completeness: "
                           f"{_pct(expected)}. Observed completeness: {_pct(observed)}."}


def numerical_distance(baseline_feature: dict, values: list[str]) -> float | None:
    stats = baseline_feature.get("numerical_statistics") or {}
    sketch = ((stats.get("distribution") or {}).get("kll") or {}).get("sketch") or {}
    reference = np.sort(np.array([v for level in sketch.get("data", []) for v in level], float))
    current = np.sort(np.array([float(v) for v in values if FRACTIONAL.match(v)], float))
    if len(reference) == 0 or len(current) == 0:
        return None
    points = np.concatenate([reference, current])
    ref_cdf = np.searchsorted(reference, points, side="right") / len(reference)
    cur_cdf = np.searchsorted(current, points, side="right") / len(current)
    return float(np.max(np.abs(ref_cdf - cur_cdf)))


def categorical_distance(baseline_feature: dict, values: list[str]) -> float | None:
    stats = baseline_feature.get("string_statistics") or {}
    buckets = ((stats.get("distribution") or {}).get("categorical") or {}).get("buckets") or []
    total = sum(b["count"] for b in buckets)
    if not total or not values:
        return None
    reference = {b["value"]: b["count"] / total for b in buckets}
    current: dict[str, float] = {}
    for v in values:
        current[v] = current.get(v, 0) + 1 / len(values)
    return max(abs(reference.get(k, 0) - current.get(k, 0)) for k in set(reference) | set(current))


def drift(name: str, baseline_feature: dict, values: list[str], config: dict) -> dict | None:
    dist = config.get("distribution_constraints") or {}
    if dist.get("perform_comparison", "Enabled") != "Enabled":
        return None
    if "numerical_statistics" in baseline_feature:
        distance = numerical_distance(baseline_feature, values)
        threshold = float(dist.get("comparison_threshold", 0.1))
    else:
        distance = categorical_distance(baseline_feature, values)
        threshold = float(dist.get("categorical_comparison_threshold",
                                   dist.get("comparison_threshold", 0.1)))
    if distance is None or distance <= threshold:
        return None
    return {"feature_name": name, "constraint_check_type": "baseline_drift_check",
            "description": f"Baseline drift distance: {distance} exceeds threshold: {threshold}"}


def columns(baseline_names: list[str], current_count: int) -> list[dict]:
    """A row narrower or wider than the baseline: one violation per missing or extra column."""
    expected = len(baseline_names)
    if current_count == expected:
        return []
    if current_count < expected:
        return [{"feature_name": name, "constraint_check_type": "missing_column_check",
                 "description": f"There are missing columns in current dataset. Number of "
                                f"columns in current dataset: {current_count}, Number of columns "
                                f"in baseline constraints: {expected}"}
                for name in baseline_names[current_count:]]
    return [{"feature_name": f"_c{i}", "constraint_check_type": "extra_column_check",
             "description": f"There are extra columns in current dataset. Number of columns in "
                           f"current dataset: {current_count}, Number of columns in baseline "
                           f"constraints: {expected}"}
            for i in range(expected, current_count)]


def violations(baseline_constraints: dict, baseline_statistics: dict, names: list[str],
               table: list[list[str | None]], current_count: int) -> list[dict]:
    """Every violation of the captured `table` (one column per baseline feature, in order)."""
    config = baseline_constraints.get("monitoring_config") or {}
    if config.get("evaluate_constraints", "Enabled") != "Enabled":
        return []
    stats_by_name = {f["name"]: f for f in baseline_statistics.get("features", [])}
    found = columns(names, current_count)
    for feature, column in zip(baseline_constraints.get("features", []), table):
        name = feature["name"]
        values = present(column)
        for check in (data_type(name, feature.get("inferred_type"), values),
                      completeness(name, float(feature.get("completeness", 0.0)), column),
                      drift(name, stats_by_name.get(name, {}), values, config)
                      if name in stats_by_name else None):
            if check:
                found.append(check)
    return found
