"""CloudWatch metrics with real boto3: PutMetricData, GetMetricStatistics, GetMetricData and
ListMetrics with their errors, over every protocol botocore's model lists for CloudWatch (JSON 1.0,
which botocore picks first, RPC v2 CBOR and the query protocol of older botocores), the endpoint
metrics SageMaker publishes for each variant, and metrics that outlive a server restart."""
import copy
import json
import urllib.request
from datetime import timedelta

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from labcloud import config
from conftest import run_aws_cli
from test_endpoints import ROW, deploy, model, model_on, variant  # noqa: F401 (model: a fixture)

MINUTE = timedelta(minutes=1)
SM = "AWS/SageMaker"


def client_speaking(protocol: str, url: str, tmp_path, **config_kw):
    """A cloudwatch client whose model names only `protocol`: what an older (query) or newer
    (CBOR-first) botocore would send, from the botocore installed here."""
    loader = botocore.session.get_session().get_component("data_loader")
    model_doc = copy.deepcopy(loader.load_service_model("cloudwatch", "service-2"))
    model_doc["metadata"]["protocol"] = protocol
    model_doc["metadata"]["protocols"] = [protocol]
    folder = tmp_path / protocol / "cloudwatch" / "2010-08-01"
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model_doc))
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(tmp_path / protocol))
    return boto3.Session(botocore_session=session).client(
        "cloudwatch", endpoint_url=url, region_name=config.REGION,
        aws_access_key_id=config.ACCESS_KEY_ID, aws_secret_access_key=config.SECRET_ACCESS_KEY,
        config=Config(**config_kw) if config_kw else None)


def error(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def dims(**kw):
    return [{"Name": k, "Value": v} for k, v in kw.items()]


def stats(cw, namespace, metric, dimensions, start, end, period=60, **kw):
    kw.setdefault("Statistics", ["SampleCount", "Sum", "Average", "Minimum", "Maximum"])
    if kw["Statistics"] is None:  # percentiles only
        del kw["Statistics"]
    out = cw.get_metric_statistics(Namespace=namespace, MetricName=metric, Dimensions=dimensions,
                                   StartTime=start, EndTime=end, Period=period, **kw)
    return sorted(out["Datapoints"], key=lambda d: d["Timestamp"])


def test_put_and_get_metric_statistics(aws, name, cloud_now):
    cw = aws("cloudwatch")
    assert cw.meta.service_model.resolved_protocol == "json"  # what this botocore sends
    t0 = cloud_now().replace(second=0, microsecond=0) - 5 * MINUTE
    d = dims(Host="a", Stage="prod")
    cw.put_metric_data(Namespace=name, MetricData=[
        {"MetricName": "Latency", "Dimensions": d, "Timestamp": t0 + timedelta(seconds=5),
         "Values": [10, 20, 30, 1000], "Counts": [1, 2, 1, 1], "Unit": "Milliseconds"},
        {"MetricName": "Latency", "Dimensions": d[::-1], "Timestamp": t0 + timedelta(seconds=50),
         "Value": 40, "Unit": "Milliseconds"},  # dimension order does not make a new metric
        {"MetricName": "Latency", "Dimensions": d, "Timestamp": t0 + MINUTE, "Unit": "Milliseconds",
         "StatisticValues": {"SampleCount": 4, "Sum": 100, "Minimum": 5, "Maximum": 60}},
        {"MetricName": "Latency", "Dimensions": dims(Host="a"), "Timestamp": t0, "Value": 999},
    ])
    points = stats(cw, name, "Latency", d, t0 - MINUTE, t0 + 3 * MINUTE)
    assert [p["Timestamp"] for p in points] == [t0, t0 + MINUTE]
    first, second = points
    assert (first["SampleCount"], first["Sum"], first["Minimum"], first["Maximum"]) == \
        (6, 10 + 40 + 30 + 1000 + 40, 10, 1000)
    assert first["Average"] == pytest.approx(1120 / 6) and first["Unit"] == "Milliseconds"
    assert (second["SampleCount"], second["Sum"], second["Minimum"], second["Maximum"]) == \
        (4, 100, 5, 60)
    # a two-minute period adds the minutes; the other dimension set is another metric
    (both,) = stats(cw, name, "Latency", d, t0, t0 + 2 * MINUTE, period=120)
    assert (both["SampleCount"], both["Sum"], both["Maximum"]) == (10, 1220, 1000)
    (other,) = stats(cw, name, "Latency", dims(Host="a"), t0, t0 + 2 * MINUTE)
    assert (other["Sum"], other["Unit"]) == (999, "None")
    assert stats(cw, name, "Latency", d, t0, t0 + 2 * MINUTE, Unit="Seconds") == []
    assert len(stats(cw, name, "Latency", d, t0, t0 + 2 * MINUTE, Unit="Milliseconds")) == 2
    # percentiles from the raw values; a statistic set with Minimum != Maximum has none (as AWS)
    first, second = stats(cw, name, "Latency", d, t0, t0 + 2 * MINUTE, Statistics=None,
                          ExtendedStatistics=["p50", "p99", "p0.0", "p100"])
    assert first["ExtendedStatistics"] == {"p50": 20, "p99": 1000, "p0.0": 10, "p100": 1000}
    assert "Sum" not in first and "ExtendedStatistics" not in second


def test_get_metric_data_pages_orders_and_labels(aws, name, cloud_now):
    cw = aws("cloudwatch")
    t0 = cloud_now().replace(second=0, microsecond=0) - 10 * MINUTE
    cw.put_metric_data(Namespace=name, MetricData=[
        {"MetricName": "Requests", "Timestamp": t0 + i * MINUTE, "Value": float(i + 1)}
        for i in range(5)] + [
        {"MetricName": "Requests", "Timestamp": t0 + i * MINUTE, "Value": 100.0}
        for i in range(5)])
    metric = {"Namespace": name, "MetricName": "Requests"}
    queries = [
        {"Id": "total", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}},
        {"Id": "top", "Label": "highest", "MetricStat": {"Metric": metric, "Period": 120,
                                                          "Stat": "Maximum"}},
        {"Id": "hidden", "ReturnData": False, "MetricStat": {"Metric": metric, "Period": 60,
                                                              "Stat": "Minimum"}}]
    out = cw.get_metric_data(MetricDataQueries=queries, StartTime=t0, EndTime=t0 + 5 * MINUTE)
    total, top = out["MetricDataResults"]
    assert "NextToken" not in out
    assert (total["Id"], total["Label"], total["StatusCode"]) == ("total", "Requests", "Complete")
    assert total["Timestamps"] == [t0 + i * MINUTE for i in (4, 3, 2, 1, 0)]  # newest first
    assert total["Values"] == [105.0, 104.0, 103.0, 102.0, 101.0]
    assert (top["Label"], top["Values"]) == ("highest", [100.0, 100.0, 100.0])
    assert top["Timestamps"] == [t0 + 4 * MINUTE, t0 + 2 * MINUTE, t0]
    asc = cw.get_metric_data(MetricDataQueries=queries[:1], StartTime=t0, EndTime=t0 + 5 * MINUTE,
                             ScanBy="TimestampAscending")["MetricDataResults"][0]
    assert asc["Values"] == [101.0, 102.0, 103.0, 104.0, 105.0]
    p50 = cw.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": {
        "Metric": metric, "Period": 300, "Stat": "p50"}}], StartTime=t0,
        EndTime=t0 + 5 * MINUTE)["MetricDataResults"][0]
    assert p50["Values"] == [5.0]  # 1..5 and five 100s: the fifth smallest of ten
    # metric math over the MetricStat queries (Ids, arithmetic, SUM/AVG/FILL/METRICS)
    by_minute = {"Metric": metric, "Period": 60}
    math_queries = [
        {"Id": "s", "ReturnData": False, "MetricStat": {**by_minute, "Stat": "Sum"}},
        {"Id": "hi", "ReturnData": False, "MetricStat": {**by_minute, "Stat": "Maximum"}},
        {"Id": "diff", "Expression": "s - hi"},
        {"Id": "pct", "Expression": "100 * (s - hi) / s", "Label": "share"},
        {"Id": "both", "Expression": "SUM([s, hi])"},
        {"Id": "every", "Expression": "SUM(METRICS())"},
        {"Id": "centred", "Expression": "diff - AVG(diff)"},
        {"Id": "filled", "Expression": "FILL(diff, 0)"}]
    got = {r["Id"]: r for r in cw.get_metric_data(
        MetricDataQueries=math_queries, StartTime=t0 - 2 * MINUTE, EndTime=t0 + 5 * MINUTE,
        ScanBy="TimestampAscending")["MetricDataResults"]}
    assert list(got) == ["diff", "pct", "both", "every", "centred", "filled"]
    assert got["diff"]["Values"] == [1.0, 2.0, 3.0, 4.0, 5.0] and got["diff"]["Label"] == "diff"
    assert got["pct"]["Label"] == "share"
    assert got["pct"]["Values"] == pytest.approx([100 * i / (100 + i) for i in range(1, 6)])
    assert got["both"]["Values"] == got["every"]["Values"] == [201.0, 202.0, 203.0, 204.0, 205.0]
    assert got["centred"]["Values"] == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert got["filled"]["Values"] == [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert got["filled"]["Timestamps"][0] == t0 - 2 * MINUTE
    # MaxDatapoints pages across the queries' datapoints with NextToken
    seen, token, pages = [], None, 0
    while True:
        kw = {"NextToken": token} if token else {}
        page = cw.get_metric_data(MetricDataQueries=queries, StartTime=t0, EndTime=t0 + 5 * MINUTE,
                                  MaxDatapoints=3, **kw)
        pages += 1
        seen.append([len(r["Values"]) for r in page["MetricDataResults"]])
        token = page.get("NextToken")
        if token is None:
            break
        assert "PartialData" in {r["StatusCode"] for r in page["MetricDataResults"]}
    assert seen == [[3, 0], [2, 1], [0, 2]] and pages == 3
    code, message = error(cw.get_metric_data, MetricDataQueries=queries, StartTime=t0,
                          EndTime=t0 + MINUTE, NextToken="forged")
    assert code == "InvalidNextToken"


def test_list_metrics_filters_and_pages(aws, name, cloud_now):
    cw = aws("cloudwatch")
    now = cloud_now()
    cw.put_metric_data(Namespace=name, MetricData=[
        {"MetricName": "CPU", "Dimensions": dims(Host="a"), "Value": 1, "Timestamp": now},
        {"MetricName": "CPU", "Dimensions": dims(Host="b", Rack="r1"), "Value": 1, "Timestamp": now},
        {"MetricName": "Disk", "Dimensions": dims(Host="a"), "Value": 1, "Timestamp": now}])

    def listed(**kw):
        out = cw.list_metrics(Namespace=name, **kw)
        return sorted((m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"]))
                      for m in out["Metrics"])
    assert listed() == [("CPU", (("Host", "a"),)), ("CPU", (("Host", "b"), ("Rack", "r1"))),
                        ("Disk", (("Host", "a"),))]
    assert listed(MetricName="CPU", Dimensions=[{"Name": "Host", "Value": "a"}]) == \
        [("CPU", (("Host", "a"),))]
    assert listed(Dimensions=[{"Name": "Rack"}]) == [("CPU", (("Host", "b"), ("Rack", "r1")))]
    assert listed(RecentlyActive="PT3H") == listed()
    cw.put_metric_data(Namespace=name, MetricData=[
        {"MetricName": "Old", "Value": 1, "Timestamp": now - timedelta(hours=4)}])
    assert ("Old", ()) in listed() and ("Old", ()) not in listed(RecentlyActive="PT3H")
    assert cw.list_metrics(Namespace=name + "-none")["Metrics"] == []
    # more than a page (500): NextToken, and the paginator follows it; this request is over
    # 10 KB, so botocore sends it gzipped (PutMetricData's requestcompression)
    cw.put_metric_data(Namespace=name + "-many", MetricData=[
        {"MetricName": f"M{i:03d}", "Value": i, "Timestamp": now} for i in range(501)])
    first = cw.list_metrics(Namespace=name + "-many")
    assert len(first["Metrics"]) == 500 and first["NextToken"]
    rest = cw.list_metrics(Namespace=name + "-many", NextToken=first["NextToken"])
    assert [m["MetricName"] for m in rest["Metrics"]] == ["M500"] and "NextToken" not in rest
    paged = [m for page in cw.get_paginator("list_metrics").paginate(Namespace=name + "-many")
             for m in page["Metrics"]]
    assert len({m["MetricName"] for m in paged}) == 501
    assert error(cw.list_metrics, NextToken="forged") == (
        "InvalidParameterValue", "The value for parameter NextToken is invalid.")


def test_errors_as_aws_words_them(aws, cloud, name, cloud_now, tmp_path):
    cw = aws("cloudwatch")
    now = cloud_now()
    put = cw.put_metric_data
    m1 = "MetricData.member.1"
    assert error(put, Namespace="AWS/EC2", MetricData=[{"MetricName": "x", "Value": 1}]) == (
        "InvalidParameterValue", "The value AWS/ for parameter Namespace is invalid.")
    code, message = error(put, Namespace=name, MetricData=[{"MetricName": "x", "Value": 1,
                                                           "Unit": "Parsecs"}])
    assert code == "InvalidParameterValue" and message.startswith(
        f"The parameter {m1}.Unit must be a value in the set [ Seconds, Microseconds, ")
    assert error(put, Namespace=name, MetricData=[{"MetricName": "x", "Value": 1,
                 "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}]) \
        == ("InvalidParameterCombination", f"The parameters {m1}.Value and {m1}.StatisticValues "
            "are mutually exclusive and you have specified both.")
    assert error(put, Namespace=name, MetricData=[{"MetricName": "x", "Values": [1, 2],
                                                   "Counts": [1]}]) == (
        "InvalidParameterValue", f"The parameters {m1}.Values and {m1}.Counts must be of the "
        "same size.")
    assert error(put, Namespace=name, MetricData=[{"MetricName": "x", "StatisticValues": {
        "SampleCount": 2, "Sum": 3, "Minimum": 5, "Maximum": 1}}]) == (
        "InvalidParameterValue", f"The parameter {m1}.StatisticValues.Maximum must be greater "
        f"than {m1}.StatisticValues.Minimum.")
    assert error(put, Namespace=name, MetricData=[
        {"MetricName": "ok", "Value": 1},
        {"MetricName": "x", "Value": 1, "Timestamp": now - timedelta(days=15)}]) == (
        "InvalidParameterValue", "The parameter MetricData.member.2.Timestamp must specify a time "
        "no more than two weeks in the past and no more than two hours in the future.")
    assert cw.list_metrics(Namespace=name)["Metrics"] == []  # a refused request keeps nothing

    get = cw.get_metric_statistics
    base = dict(Namespace=name, MetricName="x", StartTime=now - MINUTE * 10, EndTime=now)
    assert error(get, Period=90, Statistics=["Sum"], **base) == (
        "InvalidParameterValue", "The parameter Period must be a multiple of 60.")
    assert error(get, Period=60, **base) == (
        "InvalidParameterCombination", "Must specify either Statistics or ExtendedStatistics")
    assert error(get, Period=60, Statistics=["Sum"], ExtendedStatistics=["p99"], **base)[0] == \
        "InvalidParameterCombination"
    assert error(get, Period=60, ExtendedStatistics=["p101"], **base) == (
        "InvalidParameterValue", "The value p101 for parameter ExtendedStatistics is invalid.")
    code, message = error(get, Period=60, Statistics=["Median"], **base)
    assert (code, message) == ("InvalidParameterValue", "The parameter Statistics.member.1 must be "
                               "a value in the set [ SampleCount, Average, Sum, Minimum, Maximum ].")
    assert error(get, Namespace=name, MetricName="x", StartTime=now, EndTime=now - MINUTE,
                 Period=60, Statistics=["Sum"]) == (
        "InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
    assert error(get, Namespace=name, MetricName="x", StartTime=now - timedelta(days=2),
                 EndTime=now, Period=60, Statistics=["Sum"]) == (
        "InvalidParameterCombination", "You have requested up to 2,880 datapoints, which exceeds "
        "the limit of 1,440. You may reduce the datapoints requested by increasing Period, or "
        "decreasing the time range.")
    with pytest.raises(cw.exceptions.InvalidParameterCombinationException):  # modeled errors
        get(Period=60, **base)

    metric = {"Namespace": name, "MetricName": "x"}
    code, message = error(cw.get_metric_data, StartTime=now - MINUTE, EndTime=now, MetricDataQueries=[
        {"Id": "Bad", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}},
        {"Id": "m", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Median"}},
        {"Id": "m", "MetricStat": {"Metric": metric, "Period": 30, "Stat": "Sum"}},
        {"Id": "e", "Expression": "m * missing"},
        {"Id": "q", "Expression": "SELECT AVG(x) FROM y"}])
    assert code == "ValidationError"
    assert message.split("\n") == [
        "The value Bad for parameter MetricDataQueries.member.1.Id is not matching the expected "
        "pattern ^[a-z][a-zA-Z0-9_]*$.",
        "The value Median for parameter MetricDataQueries.member.2.MetricStat.Stat is not a valid "
        "statistic.",
        "The parameter MetricDataQueries.member.3.MetricStat.Period must be a multiple of 60.",
        "Error in expression MetricDataQueries.member.4.Expression: Unrecognized identifier "
        "missing.",
        "The parameter MetricDataQueries.member.5.Expression uses Metrics Insights, SEARCH or "
        "anomaly detection, which labcloud does not simulate; use metric math over MetricStat "
        "queries (Ids, + - * /, SUM, AVG, MIN, MAX, ABS, FILL, METRICS).",
        "The values for parameter id in MetricDataQueries are not unique."]
    for expression, problem in (("m1 +", "The expression ends too early."),
                                ("e1", "Circular reference: e1 -> e1."),
                                ("SUM(m1)", "The expression returns a single number, not a "
                                 "time series."),
                                ("LOG(m1)", "The function LOG with 1 argument(s) is not "
                                 "supported by labcloud.")):
        assert error(cw.get_metric_data, StartTime=now - MINUTE, EndTime=now, MetricDataQueries=[
            {"Id": "m1", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}},
            {"Id": "e1", "Expression": expression}]) == (
            "ValidationError", f"Error in expression e1: {problem}")

    # what botocore checks on the client, the server checks too (a caller without validation)
    raw = client_speaking("query", cloud.url, tmp_path, parameter_validation=False)
    assert error(raw.put_metric_data, Namespace=name, MetricData=[{"Value": 1}]) == (
        "MissingParameter", f"The parameter {m1}.MetricName is required.")
    assert error(raw.get_metric_statistics, Namespace=name, MetricName="x", Period=60,
                 Statistics=["Sum"]) == ("MissingParameter", "The parameter StartTime is required.")


def _answers(cw, name, t0):
    """Every read operation's answer, without the per-request metadata."""
    metric = {"Namespace": name, "MetricName": "Latency", "Dimensions": dims(Host="a")}
    calls = [
        lambda: cw.get_metric_statistics(StartTime=t0, EndTime=t0 + 3 * MINUTE, Period=60,
                                         Statistics=["Sum", "Average", "SampleCount", "Minimum",
                                                     "Maximum"], **{k: v for k, v in metric.items()}),
        lambda: cw.get_metric_statistics(StartTime=t0, EndTime=t0 + 3 * MINUTE, Period=120,
                                         ExtendedStatistics=["p50", "p90"], **metric),
        lambda: cw.get_metric_data(StartTime=t0, EndTime=t0 + 3 * MINUTE, MaxDatapoints=2,
                                   MetricDataQueries=[{"Id": "a", "MetricStat": {
                                       "Metric": metric, "Period": 60, "Stat": "Average"}}]),
        lambda: cw.list_metrics(Namespace=name),
        lambda: cw.get_metric_statistics(StartTime=t0, EndTime=t0, Period=60, Statistics=["Sum"],
                                         **metric),
    ]
    out = []
    for call in calls:
        try:
            answer = call()
            answer.pop("ResponseMetadata")
            out.append(answer)
        except ClientError as err:
            out.append((err.response["Error"]["Code"], err.response["Error"]["Message"],
                        type(err).__name__))
    return out


@pytest.mark.parametrize("protocol", ["query", "smithy-rpc-v2-cbor"])
def test_other_protocols_get_the_same_answers(aws, cloud, name, cloud_now, tmp_path, protocol):
    default = aws("cloudwatch")
    other = client_speaking(protocol, cloud.url, tmp_path)
    assert other.meta.service_model.resolved_protocol == protocol
    t0 = cloud_now().replace(second=0, microsecond=0) - 5 * MINUTE
    other.put_metric_data(Namespace=name, MetricData=[
        {"MetricName": "Latency", "Dimensions": dims(Host="a"), "Timestamp": t0 + i * MINUTE / 2,
         "Values": [1.5 * i, 2.25 * i, 100], "Counts": [1, 3, 1], "Unit": "Milliseconds"}
        for i in range(6)])
    mine = _answers(other, name, t0)
    assert mine == _answers(default, name, t0)
    assert mine[0]["Datapoints"] and mine[2]["NextToken"] and mine[3]["Metrics"]
    assert mine[4][:2] == ("InvalidParameterValue", "The parameter StartTime must be less than "
                           "the parameter EndTime.")
    assert mine[4][2] == "InvalidParameterValueException"  # the modeled exception class


def test_endpoint_metrics_per_variant(aws, model, name, cloud_now):  # noqa: F811
    sm, rt, cw = aws("sagemaker"), aws("sagemaker-runtime"), aws("cloudwatch")
    deploy(sm, name, [variant("A", model["a"], 1.0), variant("B", model["b"], 1.0, count=2)])
    start = cloud_now() - MINUTE
    n, bad = 60, 6
    served = {"A": 0, "B": 0}
    for _ in range(n - bad):
        served[rt.invoke_endpoint(EndpointName=name, ContentType="text/csv",
                                  Body=ROW)["InvokedProductionVariant"]] += 1
    for i in range(bad):  # two of five features: the container answers 400
        with pytest.raises(rt.exceptions.ModelError):
            rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body="1,2",
                               TargetVariant="AB"[i % 2])
    end = cloud_now() + MINUTE
    assert served["A"] > 0 and served["B"] > 0

    def total(metric, variant_name, stat="Sum", **kw):
        points = stats(cw, SM, metric, [{"Name": "EndpointName", "Value": name},
                                        {"Name": "VariantName", "Value": variant_name}],
                       start, end, Statistics=[stat], **kw)
        return points, sum(p[stat] for p in points)
    invocations = {}
    for v, instances in (("A", 1), ("B", 2)):
        points, invocations[v] = total("Invocations", v)
        assert invocations[v] == served[v] + bad // 2 and {p["Unit"] for p in points} == {"None"}
        assert total("InvocationsPerInstance", v)[1] == pytest.approx(invocations[v] / instances)
        assert total("Invocation4XXErrors", v)[1] == bad // 2
        assert total("InvocationModelErrors", v)[1] == bad // 2
        assert total("Invocation5XXErrors", v)[1] == 0
        errors, _ = total("Invocation4XXErrors", v, stat="SampleCount")
        assert sum(p["SampleCount"] for p in errors) == invocations[v]  # 0 or 1 per request
        latency = {}
        for metric in ("ModelLatency", "OverheadLatency"):
            (latency[metric],) = stats(cw, SM, metric, [{"Name": "EndpointName", "Value": name},
                                                        {"Name": "VariantName", "Value": v}],
                                       start, end, period=3600)
            point = latency[metric]
            assert point["Unit"] == "Microseconds" and point["SampleCount"] == invocations[v]
            assert 0 <= point["Minimum"] <= point["Average"] <= point["Maximum"] < 5e6
        # measured in microseconds (not whole milliseconds): every request has some of each
        assert latency["ModelLatency"]["Minimum"] > 0 and latency["OverheadLatency"]["Minimum"] > 0
        (p50,) = stats(cw, SM, "ModelLatency", [{"Name": "EndpointName", "Value": name},
                                                {"Name": "VariantName", "Value": v}],
                       start, end, period=3600, Statistics=None, ExtendedStatistics=["p50", "p100"])
        modeled = latency["ModelLatency"]
        assert modeled["Minimum"] <= p50["ExtendedStatistics"]["p50"] <= modeled["Maximum"]
        assert p50["ExtendedStatistics"]["p100"] == modeled["Maximum"]
    assert invocations["A"] + invocations["B"] == n

    def metric(metric_name, v):  # one period over the whole run
        return {"Metric": {"Namespace": SM, "MetricName": metric_name, "Dimensions": [
            {"Name": "EndpointName", "Value": name}, {"Name": "VariantName", "Value": v}]},
            "Period": 3600, "Stat": "Sum"}
    out = cw.get_metric_data(StartTime=start, EndTime=end, MetricDataQueries=[
        {"Id": "a", "ReturnData": False, "MetricStat": metric("Invocations", "A")},
        {"Id": "b", "ReturnData": False, "MetricStat": metric("Invocations", "B")},
        {"Id": "ea", "ReturnData": False, "MetricStat": metric("Invocation4XXErrors", "A")},
        {"Id": "total", "Expression": "SUM([a, b])"},
        {"Id": "error_rate_a", "Expression": "100 * ea / a", "Label": "A errors (%)"}])
    total, rate = out["MetricDataResults"]
    assert total["Values"] == [n]
    assert rate["Values"] == [pytest.approx(100 * (bad // 2) / invocations["A"])]
    listed = cw.list_metrics(Namespace=SM, Dimensions=[{"Name": "EndpointName", "Value": name}])
    assert sorted({m["MetricName"] for m in listed["Metrics"]}) == sorted([
        "Invocations", "InvocationsPerInstance", "Invocation4XXErrors", "Invocation5XXErrors",
        "InvocationModelErrors", "ModelLatency", "OverheadLatency"])
    assert len(listed["Metrics"]) == 14
    sm.delete_endpoint(EndpointName=name)


def test_metrics_survive_a_restart(model, own_cloud):  # noqa: F811
    model_on(own_cloud, model, bucket="metrics")
    rt, cw = own_cloud("sagemaker-runtime"), own_cloud("cloudwatch")
    deploy(own_cloud("sagemaker"), "kept", [variant("AllTraffic", "m")])
    start = _now(own_cloud.conn) - 60
    cw.put_metric_data(Namespace="Course", MetricData=[{"MetricName": "Score", "Value": 7}])
    for _ in range(5):
        rt.invoke_endpoint(EndpointName="kept", ContentType="text/csv", Body=ROW)
    conn = own_cloud.restart()  # at once: the last counts are still in memory when it stops
    cw = own_cloud("cloudwatch")
    end = _now(conn) + 60
    query = dict(StartTime=start, EndTime=end, Period=600, Statistics=["Sum"])
    points = cw.get_metric_statistics(Namespace=SM, MetricName="Invocations", Dimensions=[
        {"Name": "EndpointName", "Value": "kept"}, {"Name": "VariantName",
                                                    "Value": "AllTraffic"}], **query)
    assert sum(p["Sum"] for p in points["Datapoints"]) == 5
    points = cw.get_metric_statistics(Namespace="Course", MetricName="Score", **query)
    assert [p["Sum"] for p in points["Datapoints"]] == [7]


def _now(conn) -> float:
    with urllib.request.urlopen(f"{conn.url}/_labcloud/clock") as r:
        return json.loads(r.read())["now"]


def test_percentiles_of_many_values_stay_close(aws, name, cloud_now):
    """Past 2000 distinct values a minute the samples are merged; p50/p99 stay near the truth."""
    cw = aws("cloudwatch")
    t0 = cloud_now().replace(second=0, microsecond=0) - 2 * MINUTE
    values = [float(i) for i in range(1, 6001)]
    cw.put_metric_data(Namespace=name, MetricData=[
        {"MetricName": "Lat", "Timestamp": t0, "Values": values[i:i + 150]}
        for i in range(0, 6000, 150)][:1000])
    (point,) = stats(cw, name, "Lat", [], t0, t0 + MINUTE, Statistics=None,
                     ExtendedStatistics=["p50", "p99"])
    assert abs(point["ExtendedStatistics"]["p50"] - 3000) <= 6
    assert abs(point["ExtendedStatistics"]["p99"] - 5940) <= 6
    (point,) = stats(cw, name, "Lat", [], t0, t0 + MINUTE)
    assert (point["SampleCount"], point["Sum"], point["Maximum"]) == (6000, sum(values), 6000)


def test_aws_cli_puts_and_reads_metrics(cloud, name, cloud_now):
    now = cloud_now().replace(second=0, microsecond=0)
    run_aws_cli(cloud, "cloudwatch", "put-metric-data", "--namespace", name, "--metric-name",
                "Score", "--value", "7", "--unit", "Count", "--dimensions", "Lesson=08")
    out = json.loads(run_aws_cli(
        cloud, "cloudwatch", "get-metric-statistics", "--namespace", name, "--metric-name",
        "Score", "--dimensions", "Name=Lesson,Value=08", "--start-time",
        (now - MINUTE).isoformat(), "--end-time", (now + MINUTE).isoformat(), "--period", "60",
        "--statistics", "Sum").stdout)
    assert [(p["Sum"], p["Unit"]) for p in out["Datapoints"]] == [(7.0, "Count")]
    failed = run_aws_cli(cloud, "cloudwatch", "get-metric-statistics", "--namespace", name,
                         "--metric-name", "Score", "--start-time", now.isoformat(),
                         "--end-time", (now + MINUTE).isoformat(), "--period", "30",
                         "--statistics", "Sum", check=False)
    assert failed.returncode != 0 and "(InvalidParameterValue) when calling the " \
        "GetMetricStatistics operation: The parameter Period must be a multiple of 60." \
        in failed.stderr
