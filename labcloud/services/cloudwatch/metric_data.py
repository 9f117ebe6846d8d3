"""GetMetricData: its checks (ValidationError, one line per problem, as AWS lists them), the
evaluation of MetricStat and metric-math queries, and the paging of their datapoints.

MaxDatapoints bounds the datapoints of one answer across all returned queries; the NextToken
carries how many were already given, so the next page continues where this one stopped, and a
query cut short says `PartialData`.
"""
from __future__ import annotations

from typing import Callable

from ...server import paging
from ...server.errors import AWSError
from .aggregate import percentile_of
from .expressions import Env, ExpressionError, Series, evaluate, references
from .store import minute_of

BASIC = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
DEFAULT_MAX_DATAPOINTS = 100800
ID_PATTERN = "^[a-z][a-zA-Z0-9_]*$"
SeriesOf = Callable[[dict, int, float], Series]  # (MetricStat, start, end) -> series


def _valid_id(value: str) -> bool:
    return bool(value) and value[0].islower() and value[0].isascii() and \
        all(c.isascii() and (c.isalnum() or c == "_") for c in value)


def check(p: dict) -> None:
    queries = p["MetricDataQueries"]
    problems = []
    ids = [q["Id"] for q in queries]
    for i, q in enumerate(queries, start=1):
        where = f"MetricDataQueries.member.{i}"
        if not _valid_id(q["Id"]):
            problems.append(f"The value {q['Id']} for parameter {where}.Id is not matching the "
                            f"expected pattern {ID_PATTERN}.")
        expression, stat = q.get("Expression"), q.get("MetricStat")
        if expression is not None and stat is not None:
            problems.append(f"The parameters {where}.Expression and {where}.MetricStat are "
                            "mutually exclusive and you have specified both.")
        elif expression is not None:
            problems.extend(_expression_problems(expression, where, set(ids)))
        elif stat is None:
            problems.append(f"The parameter {where}.MetricStat or {where}.Expression is "
                            "required.")
        else:
            if stat["Stat"] not in BASIC and percentile_of(stat["Stat"]) is None:
                problems.append(f"The value {stat['Stat']} for parameter {where}.MetricStat.Stat "
                                "is not a valid statistic.")
            if stat["Period"] < 60 or stat["Period"] % 60:
                problems.append(f"The parameter {where}.MetricStat.Period must be a multiple "
                                "of 60.")
            for field in ("Namespace", "MetricName"):
                if not stat["Metric"].get(field):
                    problems.append(f"The parameter {where}.MetricStat.Metric.{field} is "
                                    "required.")
    if len(set(ids)) != len(ids):
        problems.append("The values for parameter id in MetricDataQueries are not unique.")
    if p["EndTime"] <= minute_of(p["StartTime"]):
        problems.append("The parameter StartTime must be less than the parameter EndTime.")
    if problems:
        raise AWSError("ValidationError", "\n".join(problems))


def _expression_problems(expression: str, where: str, ids: set[str]) -> list[str]:
    head = expression.lstrip().upper()
    if head.startswith("SELECT") or "SEARCH(" in head.replace(" ", "") or \
            "ANOMALY_DETECTION_BAND" in head:
        return [f"The parameter {where}.Expression uses Metrics Insights, SEARCH or anomaly "
                "detection, which labcloud does not simulate; use metric math over MetricStat "
                "queries (Ids, + - * /, SUM, AVG, MIN, MAX, ABS, FILL, METRICS)."]
    unknown = sorted(references(expression) - ids)
    return [f"Error in expression {where}.Expression: Unrecognized identifier {name}."
            for name in unknown]


def answer(p: dict, series_of: SeriesOf) -> dict:
    queries = p["MetricDataQueries"]
    start, end = minute_of(p["StartTime"]), p["EndTime"]
    by_id = {q["Id"]: q for q in queries}
    labels = {q["Id"]: _label(q) for q in queries}
    stat_ids = [q["Id"] for q in queries if q.get("MetricStat") is not None]
    periods = [by_id[i]["MetricStat"]["Period"] for i in stat_ids] or [60]
    done: dict[str, Series] = {}
    running: list[str] = []

    def lookup(query_id: str) -> Series:
        if query_id in done:
            return done[query_id]
        if query_id not in by_id:
            raise ExpressionError(f"Unrecognized identifier {query_id}.")
        if query_id in running:
            raise ExpressionError(f"Circular reference: {' -> '.join(running + [query_id])}.")
        q = by_id[query_id]
        running.append(query_id)
        try:
            if q.get("MetricStat") is not None:
                done[query_id] = series_of(q["MetricStat"], start, end)
            else:
                period = q.get("Period") or min(periods)
                env = Env(lookup, labels, stat_ids, list(range(start, int(end), period)))
                try:
                    done[query_id] = evaluate(q["Expression"], env)
                except ExpressionError as err:
                    if str(err).startswith("Error in expression"):
                        raise
                    raise ExpressionError(f"Error in expression {query_id}: {err}") from None
        finally:
            running.pop()
        return done[query_id]

    limit = p.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS
    offset = paging.decode(p.get("NextToken"), "offset", AWSError(
        "InvalidNextToken", "The service couldn't process the NextToken provided."))
    descending = p.get("ScanBy", "TimestampDescending") == "TimestampDescending"
    results, seen = [], 0
    for q in queries:
        if q.get("ReturnData") is False:
            continue
        try:
            points = sorted(lookup(q["Id"]).items(), reverse=descending)
        except ExpressionError as err:
            raise AWSError("ValidationError", str(err)) from None
        lo, hi = max(0, offset - seen), max(0, offset + limit - seen)
        part = points[lo:hi]
        seen += len(points)
        results.append({"Id": q["Id"], "Label": labels[q["Id"]],
                        "Timestamps": [t for t, _ in part], "Values": [v for _, v in part],
                        "StatusCode": "PartialData" if hi < len(points) else "Complete"})
    out: dict = {"MetricDataResults": results, "Messages": []}
    if offset + limit < seen:
        out["NextToken"] = paging.encode({"offset": offset + limit})
    return out


def _label(q: dict) -> str:
    """The caller's Label, else the metric's name (MetricStat) or the query's Id (expression)."""
    if q.get("Label"):
        return q["Label"]
    stat = q.get("MetricStat")
    return stat["Metric"]["MetricName"] if stat is not None else q["Id"]
