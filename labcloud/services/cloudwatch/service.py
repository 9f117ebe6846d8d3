"""CloudWatch metrics: PutMetricData, GetMetricStatistics, GetMetricData, ListMetrics.

One set of handlers behind the three protocols botocore's model lists for CloudWatch: RPC v2
CBOR (botocore 1.36 and later), JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.Op`) and
the query protocol of older botocores, so every boto3 the course allows reads the same data.
Time is the cloud's simulated clock: a student who advances it an hour sees an hour of metrics
age, and datapoints carry the same timestamps the rest of the cloud shows.
"""
from __future__ import annotations

import dataclasses
import gzip
import math

from ...server import paging
from ...server.cbor_protocol import CborService
from ...server.errors import AWSError
from ...server.http import Request, Response
from ...server.query_protocol import QueryService
from . import checks
from .aggregate import Aggregate, combined, percentile_of, statistic
from .endpoint_metrics import EndpointMetrics
from .query_wire import from_form, to_xml
from .store import MetricStore, Pending, dims_key, dims_list, minute_of

OPERATIONS = ("PutMetricData", "GetMetricStatistics", "GetMetricData", "ListMetrics")
BASIC = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
DAY = 86400
MAX_STATISTICS_POINTS = 1440
DEFAULT_MAX_DATAPOINTS = 100800
LIST_PAGE = 500
ID_PATTERN = "^[a-z][a-zA-Z0-9_]*$"


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class CloudWatchService(CborService):
    def __init__(self, cloud):
        super().__init__("cloudwatch")
        self.cloud = cloud
        self.target_prefix = self.prefix  # the JSON 1.0 form is routed by X-Amz-Target
        self.metrics = MetricStore(cloud.store)
        self.pending = Pending(self.metrics)
        self.query = QueryService(self.model.metadata["xmlNamespace"])
        for name in OPERATIONS:
            self.operation(name)(getattr(self, "_" + _snake(name)))
            self.query.action(name)(self._query_action(name))
        runtime = cloud.services.get("sagemaker-runtime")
        if runtime is not None:
            runtime.observers.append(EndpointMetrics(self.pending).observe)

    def stop(self) -> None:
        self.pending.stop()

    # ---- wire: one request, three protocols -----------------------------------------------
    def handle(self, request: Request) -> Response:
        if "gzip" in request.headers.get("content-encoding", ""):
            # botocore gzips PutMetricData bodies over 10 KB (the operation's requestcompression)
            try:
                request = dataclasses.replace(request, body=gzip.decompress(request.body))
            except (OSError, EOFError):
                pass  # left as sent: the codec below answers that it cannot read it
        if request.path.startswith("/service/") or request.headers.get("x-amz-target"):
            return super().handle(request)  # CBOR or JSON 1.0
        return self.query.handle(request)

    def check(self, name: str, params: dict) -> None:
        checks.check_request(self.model.operation_model(name).input_shape, params)

    def _query_action(self, name: str):
        operation = self.model.operation_model(name)

        def action(form: dict[str, str]) -> str:
            result = self.call(name, from_form(operation.input_shape, form))
            return to_xml(operation.output_shape, result) if operation.output_shape else ""
        return action

    # ---- PutMetricData ----------------------------------------------------------------------
    def _put_metric_data(self, p: dict) -> dict:
        namespace = p["Namespace"]
        if namespace.startswith("AWS/"):
            raise checks.invalid("The value AWS/ for parameter Namespace is invalid.")
        data = list(p.get("MetricData") or [])
        for entity in p.get("EntityMetricData") or []:
            data.extend(entity.get("MetricData") or [])
        if not data:
            raise checks.missing("The parameter MetricData is required.")
        now = self.cloud.clock.now()
        batch: dict = {}
        for i, datum in enumerate(data, start=1):  # everything is checked before anything is kept
            where = f"MetricData.member.{i}"
            ts = datum.get("Timestamp", now)
            if ts < now - 14 * DAY or ts > now + 2 * 3600:
                raise checks.invalid(f"The parameter {where}.Timestamp must specify a time no more "
                                     "than two weeks in the past and no more than two hours in "
                                     "the future.")
            if datum.get("StorageResolution", 60) not in (1, 60):
                raise checks.invalid(f"The value {datum['StorageResolution']} for parameter "
                                     f"{where}.StorageResolution is invalid.")
            agg = _datum_aggregate(datum, where)
            key = (namespace, datum["MetricName"], dims_key(datum.get("Dimensions") or []),
                   datum.get("Unit") or "None", minute_of(ts))
            if key in batch:
                batch[key].merge(agg)
            else:
                batch[key] = agg
        self.metrics.add(batch)
        return {}

    # ---- GetMetricStatistics ----------------------------------------------------------------
    def _get_metric_statistics(self, p: dict) -> dict:
        stats, extended = p.get("Statistics") or [], p.get("ExtendedStatistics") or []
        if not stats and not extended:
            raise checks.combination("Must specify either Statistics or ExtendedStatistics")
        if stats and extended:
            raise checks.combination("Must specify either Statistics or ExtendedStatistics, "
                                     "but not both.")
        for name in extended:
            if percentile_of(name) is None:
                raise checks.invalid(f"The value {name} for parameter ExtendedStatistics is "
                                     "invalid.")
        period = p["Period"]
        if period < 60 or period % 60:
            raise checks.invalid("The parameter Period must be a multiple of 60.")
        start, end = minute_of(p["StartTime"]), p["EndTime"]
        if end <= start:
            raise checks.invalid("The parameter StartTime must be less than the parameter EndTime.")
        points = math.ceil((end - p["StartTime"]) / period)
        if points > MAX_STATISTICS_POINTS:
            raise checks.combination(f"You have requested up to {points:,} datapoints, which "
                                     f"exceeds the limit of {MAX_STATISTICS_POINTS:,}. You may "
                                     "reduce the datapoints requested by increasing Period, or "
                                     "decreasing the time range.")
        self.pending.flush()
        rows = self.metrics.minutes(p["Namespace"], p["MetricName"],
                                    dims_key(p.get("Dimensions") or []), p.get("Unit"), start, end)
        buckets: dict[tuple[int, str], list[Aggregate]] = {}
        for minute, unit, agg in rows:
            bucket = start + (minute - start) // period * period
            buckets.setdefault((bucket, unit), []).append(agg)
        datapoints = []
        for (bucket, unit), parts in sorted(buckets.items()):
            total = combined(parts)
            point: dict = {"Timestamp": bucket, "Unit": unit}
            for name in stats:
                point[name] = statistic(total, name)
            if extended:
                values = {name: statistic(total, name) for name in extended}
                point["ExtendedStatistics"] = {k: v for k, v in values.items() if v is not None}
            datapoints.append(point)
        return {"Label": p["MetricName"], "Datapoints": datapoints}

    # ---- GetMetricData ----------------------------------------------------------------------
    def _get_metric_data(self, p: dict) -> dict:
        queries = p["MetricDataQueries"]
        problems = []
        ids = [q["Id"] for q in queries]
        for i, q in enumerate(queries, start=1):
            where = f"MetricDataQueries.member.{i}"
            if not _matches_id(q["Id"]):
                problems.append(f"The value {q['Id']} for parameter {where}.Id is not matching "
                                f"the expected pattern {ID_PATTERN}.")
            if q.get("Expression") is not None and q.get("MetricStat") is not None:
                problems.append(f"The parameter {where}.Expression and {where}.MetricStat are "
                                "mutually exclusive and you have specified both.")
            elif q.get("Expression") is not None:
                problems.append(f"The parameter {where}.Expression is not supported by labcloud "
                                "(metric math and Metrics Insights are not simulated); query each "
                                "metric with MetricStat and combine the values in your code.")
            elif q.get("MetricStat") is None:
                problems.append(f"The parameter {where}.MetricStat or {where}.Expression is "
                                "required.")
            else:
                stat = q["MetricStat"]
                if stat["Stat"] not in BASIC and percentile_of(stat["Stat"]) is None:
                    problems.append(f"The value {stat['Stat']} for parameter "
                                    f"{where}.MetricStat.Stat is not a valid statistic.")
                if stat["Period"] < 60 or stat["Period"] % 60:
                    problems.append(f"The parameter {where}.MetricStat.Period must be a multiple "
                                    "of 60.")
                metric = stat["Metric"]
                for field in ("Namespace", "MetricName"):
                    if not metric.get(field):
                        problems.append(f"The parameter {where}.MetricStat.Metric.{field} is "
                                        "required.")
        if len(set(ids)) != len(ids):
            problems.append("The values for parameter id in MetricDataQueries are not unique.")
        start, end = minute_of(p["StartTime"]), p["EndTime"]
        if end <= start:
            problems.append("The parameter StartTime must be less than the parameter EndTime.")
        if problems:
            raise AWSError("ValidationError", "\n".join(problems))
        limit = p.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS
        offset = paging.decode(p.get("NextToken"), "offset", AWSError(
            "InvalidNextToken", "The service couldn't process the NextToken provided."))
        self.pending.flush()
        descending = p.get("ScanBy", "TimestampDescending") == "TimestampDescending"
        results, seen = [], 0
        for q in queries:
            if q.get("ReturnData") is False:
                continue
            series = self._series(q["MetricStat"], start, end)
            if descending:
                series.reverse()
            lo, hi = max(0, offset - seen), max(0, offset + limit - seen)
            part = series[lo:hi]
            seen += len(series)
            results.append({
                "Id": q["Id"], "Label": q.get("Label") or q["MetricStat"]["Metric"]["MetricName"],
                "Timestamps": [t for t, _ in part], "Values": [v for _, v in part],
                "StatusCode": "PartialData" if hi < len(series) else "Complete"})
        out: dict = {"MetricDataResults": results, "Messages": []}
        if offset + limit < seen:
            out["NextToken"] = paging.encode({"offset": offset + limit})
        return out

    def _series(self, stat: dict, start: int, end: float) -> list[tuple[int, float]]:
        """(timestamp, value) of each period with data, oldest first; units combined."""
        metric, period = stat["Metric"], stat["Period"]
        rows = self.metrics.minutes(metric["Namespace"], metric["MetricName"],
                                    dims_key(metric.get("Dimensions") or []), stat.get("Unit"),
                                    start, end)
        buckets: dict[int, list[Aggregate]] = {}
        for minute, _unit, agg in rows:
            buckets.setdefault(start + (minute - start) // period * period, []).append(agg)
        series = []
        for bucket, parts in sorted(buckets.items()):
            value = statistic(combined(parts), stat["Stat"])
            if value is not None:
                series.append((bucket, value))
        return series

    # ---- ListMetrics ------------------------------------------------------------------------
    def _list_metrics(self, p: dict) -> dict:
        self.pending.flush()
        now = self.cloud.clock.now()
        since = minute_of(now - (3 * 3600 if p.get("RecentlyActive") == "PT3H" else 14 * DAY))
        filters = p.get("Dimensions") or []
        items = []
        for namespace, metric, dims in self.metrics.metrics(since, p.get("Namespace"),
                                                              p.get("MetricName")):
            dimensions = dims_list(dims)
            have = {d["Name"]: d["Value"] for d in dimensions}
            if all(f["Name"] in have and f.get("Value") in (None, have[f["Name"]])
                   for f in filters):
                items.append({"Namespace": namespace, "MetricName": metric,
                              "Dimensions": dimensions})
        page, token = paging.page(items, p.get("NextToken"), LIST_PAGE, checks.invalid(
            "The value for parameter NextToken is invalid."))
        out: dict = {"Metrics": page}
        if token:
            out["NextToken"] = token
        return out


def _matches_id(value: str) -> bool:
    return bool(value) and value[0].islower() and value[0].isascii() and \
        all(c.isascii() and (c.isalnum() or c == "_") for c in value)


def _datum_aggregate(datum: dict, where: str) -> Aggregate:
    """The values of one MetricDatum (Value, Values/Counts or StatisticValues) as an aggregate."""
    given = [k for k in ("Value", "StatisticValues", "Values") if datum.get(k) is not None]
    if len(given) > 1:
        raise checks.combination(f"The parameters {where}.{given[0]} and {where}.{given[1]} are "
                                 "mutually exclusive and you have specified both.")
    if not given:
        raise checks.missing(f"The parameter {where}.Value is required.")
    agg = Aggregate()
    if "Value" in given:
        agg.add(_finite(datum["Value"], f"{where}.Value"))
    elif "Values" in given:
        values, counts = datum["Values"], datum.get("Counts")
        if counts is not None and len(counts) != len(values):
            raise checks.invalid(f"The parameters {where}.Values and {where}.Counts must be of "
                                 "the same size.")
        if len(values) > 150:
            raise checks.invalid(f"The collection {where}.Values must not have a size greater "
                                 "than 150.")
        for n, value in enumerate(values):
            count = counts[n] if counts is not None else 1.0
            if count <= 0:
                continue
            agg.add(_finite(value, f"{where}.Values.member.{n + 1}"), count)
        if agg.count == 0:
            raise checks.invalid(f"The parameter {where}.Counts must contain at least one "
                                 "positive value.")
    else:
        s = datum["StatisticValues"]
        for field in ("SampleCount", "Sum", "Minimum", "Maximum"):
            _finite(s[field], f"{where}.StatisticValues.{field}")
        if s["SampleCount"] <= 0:
            raise checks.invalid(f"The parameter {where}.StatisticValues.SampleCount must be "
                                 "greater than 0.")
        if s["Maximum"] < s["Minimum"]:
            raise checks.invalid(f"The parameter {where}.StatisticValues.Maximum must be greater "
                                 f"than {where}.StatisticValues.Minimum.")
        agg.add_set(s["SampleCount"], s["Sum"], s["Minimum"], s["Maximum"])
    return agg


def _finite(value, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise checks.invalid(f"The value {value} for parameter {where} is invalid.")
    return float(value)
