"""CloudWatch metrics: PutMetricData, GetMetricStatistics, GetMetricData, ListMetrics.

One set of handlers behind the three protocols botocore's model lists for CloudWatch
(`protocols: [smithy-rpc-v2-cbor, json, query]`). A botocore takes the first of its own
preference order that the model lists: JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.Op`)
for the botocore 1.44 installed here and the AWS CLI's, RPC v2 CBOR for SDKs that prefer it, and
the query protocol for the older botocores `boto3>=1.35` still allows, so every one of them
reads the same data.
Time is the cloud's simulated clock: a student who advances it an hour sees an hour of metrics
age, and datapoints carry the same timestamps the rest of the cloud shows.
"""
from __future__ import annotations

import dataclasses
import gzip
import math

from ...server import paging
from ...server.cbor_protocol import CborService
from ...server.http import Request, Response
from ...server.query_protocol import QueryService
from . import checks, metric_data
from .aggregate import Aggregate, combined, percentile_of, statistic
from .endpoint_metrics import EndpointMetrics
from .query_wire import from_form, to_xml
from .store import MetricStore, Pending, dims_key, dims_list, minute_of

OPERATIONS = ("PutMetricData", "GetMetricStatistics", "GetMetricData", "ListMetrics")
DAY = 86400
MAX_STATISTICS_POINTS = 1440
LIST_PAGE = 500


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
        datapoints = []
        for bucket, unit, total in self._periods(p["Namespace"], p["MetricName"],
                                                 p.get("Dimensions"), p.get("Unit"), start, end,
                                                 period, by_unit=True):
            point: dict = {"Timestamp": bucket, "Unit": unit}
            for name in stats:
                point[name] = statistic(total, name)
            values = {name: statistic(total, name) for name in extended}
            if any(v is not None for v in values.values()):  # none for statistic sets, as AWS
                point["ExtendedStatistics"] = {k: v for k, v in values.items() if v is not None}
            datapoints.append(point)
        return {"Label": p["MetricName"], "Datapoints": datapoints}

    # ---- GetMetricData ----------------------------------------------------------------------
    def _get_metric_data(self, p: dict) -> dict:
        metric_data.check(p)
        self.pending.flush()
        return metric_data.answer(p, self._series)

    def _series(self, stat: dict, start: int, end: float) -> dict[int, float]:
        """{period start: value} of each period with data; units combined."""
        metric = stat["Metric"]
        series = {}
        for bucket, _unit, total in self._periods(metric["Namespace"], metric["MetricName"],
                                                  metric.get("Dimensions"), stat.get("Unit"),
                                                  start, end, stat["Period"], by_unit=False):
            value = statistic(total, stat["Stat"])
            if value is not None:
                series[bucket] = value
        return series

    def _periods(self, namespace: str, metric: str, dimensions: list | None, unit: str | None,
                 start: int, end: float, period: int, by_unit: bool):
        """(period start, unit or None, aggregate) of each period from `start` that has data."""
        buckets: dict[tuple[int, str | None], list[Aggregate]] = {}
        for minute, row_unit, agg in self.metrics.minutes(namespace, metric,
                                                          dims_key(dimensions or []), unit,
                                                          start, end):
            key = (start + (minute - start) // period * period, row_unit if by_unit else None)
            buckets.setdefault(key, []).append(agg)
        ordered = sorted(buckets.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        return [(bucket, u, combined(parts)) for (bucket, u), parts in ordered]

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
