"""Model Monitor end to end with real boto3: baseline processing jobs (statistics.json and
constraints.json), monitoring schedules over captured data (NOW and hourly cron on the
simulated clock), the violations AWS reports, processing jobs' API, errors, quotas and the bill.

Capture objects for the analyzer tests are written to S3 in AWS's record format (the layout
the endpoint's capture writer uses); one test goes through a real endpoint's capture."""
import csv
import io
import json
import time
import urllib.request
from datetime import datetime, timezone

import numpy as np
import pytest
from botocore.exceptions import ClientError

from labcloud import config
from conftest import wait_for_job
from test_endpoints import FAST, variant
from test_training_jobs import IMAGE, make_csv, train_model

MONITOR_IMAGE = "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"
BUCKET = "monitoring-tests"
ARN = f"arn:aws:sagemaker:{config.REGION}:{config.ACCOUNT_ID}"
DONE = ("Completed", "CompletedWithViolations", "Failed", "Stopped")
CITIES = ["Lisbon", "Oslo", "Porto"]


def error(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]


def people(rows: int, seed: int, *, income_shift: float = 0.0) -> list[list[str]]:
    """age (Integral), income (Fractional), city (String), score (Fractional, may be < 0)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, rows)
    income = rng.normal(50 + income_shift * 10, 10, rows)
    city = rng.choice(CITIES, rows)
    score = rng.normal(0, 1, rows)
    return [[str(a), f"{i:.3f}", c, f"{s:.4f}"] for a, i, c, s in zip(age, income, city, score)]


def to_csv(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode()


def processing_params(name: str, source: str, output: str, *, header: bool = True,
                      image: str = MONITOR_IMAGE, instance_type: str = "ml.m5.xlarge",
                      count: int = 1) -> dict:
    """The request DefaultModelMonitor.suggest_baseline sends."""
    return {
        "ProcessingJobName": name,
        "ProcessingInputs": [{"InputName": "baseline_dataset_input", "S3Input": {
            "S3Uri": source, "LocalPath": "/opt/ml/processing/input/baseline_dataset_input",
            "S3DataType": "S3Prefix", "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated"}}],
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "monitoring_output", "S3Output": {
            "S3Uri": output, "LocalPath": "/opt/ml/processing/output", "S3UploadMode": "EndOfJob"}}]},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": count, "InstanceType": instance_type,
                                                  "VolumeSizeInGB": 20}},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "AppSpecification": {"ImageUri": image},
        "Environment": {
            "dataset_format": json.dumps({"csv": {"header": header, "output_columns_position": "START"}}),
            "dataset_source": "/opt/ml/processing/input/baseline_dataset_input",
            "output_path": "/opt/ml/processing/output",
            "publish_cloudwatch_metrics": "Disabled"},
        "RoleArn": config.EXECUTION_ROLE_ARN,
    }


def wait_job(sm, name: str, timeout: float = 90) -> dict:
    return wait_for_job(sm, "Processing", name, timeout)


def read_json(s3, uri: str) -> dict:
    bucket, key = uri[5:].split("/", 1)
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


@pytest.fixture(scope="module")
def baseline(aws):
    """One baseline job over a 2000-row CSV with a header, shared by the schedule tests."""
    s3, sm = aws("s3"), aws("sagemaker")
    s3.create_bucket(Bucket=BUCKET)
    rows = people(2000, 1)
    s3.put_object(Bucket=BUCKET, Key="baseline/data/train.csv",
                  Body=to_csv(rows, ["age", "income", "city", "score"]))
    name = f"baseline-{int(time.time() * 1000)}"
    sm.create_processing_job(**processing_params(name, f"s3://{BUCKET}/baseline/data",
                                                 f"s3://{BUCKET}/baseline/results"))
    job = wait_job(sm, name)
    assert job["ProcessingJobStatus"] == "Completed", job.get("FailureReason")
    return {"job": job, "name": name, "rows": rows,
            "statistics": f"s3://{BUCKET}/baseline/results/statistics.json",
            "constraints": f"s3://{BUCKET}/baseline/results/constraints.json"}


@pytest.fixture(scope="module")
def trained(aws, tmp_path_factory):
    """A small XGBoost model of make_csv's five features: (name, artifact URI, tarball bytes)."""
    job = f"monitor-model-{int(time.time())}"
    artifact, raw, _ = train_model(aws, BUCKET, job, tmp_path_factory.mktemp("model"), rounds="50")
    return job, artifact, raw


def deploy_capturing(sm, name: str, artifact: str, bucket: str) -> None:
    sm.create_model(ModelName=name, ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": artifact})
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant("AllTraffic", name)],
                              DataCaptureConfig={"EnableCapture": True, "InitialSamplingPercentage": 100,
                                                 "DestinationS3Uri": f"s3://{bucket}/capture",
                                                 "CaptureOptions": [{"CaptureMode": "Input"},
                                                                    {"CaptureMode": "Output"}]})
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)


@pytest.fixture(scope="module")
def capturing_endpoint(aws, trained):
    """A real endpoint capturing every request to s3://BUCKET/capture."""
    sm = aws("sagemaker")
    job, artifact, _ = trained
    deploy_capturing(sm, job, artifact, BUCKET)
    yield job
    sm.delete_endpoint(EndpointName=job)


@pytest.fixture
def endpoint(aws, capturing_endpoint):
    """The capturing endpoint, free of schedules after each test (one per type is allowed)."""
    yield capturing_endpoint
    sm = aws("sagemaker")
    for s in sm.list_monitoring_schedules(EndpointName=capturing_endpoint)["MonitoringScheduleSummaries"]:
        sm.delete_monitoring_schedule(MonitoringScheduleName=s["MonitoringScheduleName"])


def advance(cloud, seconds: float) -> datetime:
    req = urllib.request.Request(f"{cloud.url}/_labcloud/clock", method="POST",
                                 data=json.dumps({"advance": seconds}).encode())
    with urllib.request.urlopen(req) as r:
        return datetime.fromtimestamp(json.loads(r.read())["now"], timezone.utc)


def capture(s3, endpoint: str, rows: list[list[str]], when: datetime, per_request: int = 10,
            predictions: list[str] | None = None) -> None:
    """Captured requests as the endpoint's capture writer stores them (AWS's record format):
    CaptureMode Input, or Input and Output when `predictions` (one per row) are given."""
    if not rows:
        return
    lines = []
    for i in range(0, len(rows), per_request):
        body = "".join(",".join(r) + "\n" for r in rows[i:i + per_request])
        data = {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                  "data": body, "encoding": "CSV"}}
        if predictions is not None:
            data["endpointOutput"] = {"observedContentType": "text/csv; charset=utf-8",
                                      "mode": "OUTPUT", "encoding": "CSV",
                                      "data": "".join(p + "\n" for p in predictions[i:i + per_request])}
        lines.append(json.dumps({
            "captureData": data,
            "eventMetadata": {"eventId": f"{i:08d}-0000-0000-0000-000000000000",
                              "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "eventVersion": "0"}))
    key = f"capture/{endpoint}/AllTraffic/{when:%Y/%m/%d/%H}/{when:%M-%S}-000-{len(rows)}.jsonl"
    s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(lines).encode())


def schedule_config(endpoint: str, baseline: dict | None, *, expression: str = "NOW",
                    instance_type: str = "ml.m5.xlarge", window=("-PT1H", "-PT0H")) -> dict:
    schedule = {"ScheduleExpression": expression}
    if window:
        schedule.update(DataAnalysisStartTime=window[0], DataAnalysisEndTime=window[1])
    definition = {
        "MonitoringInputs": [{"EndpointInput": {
            "EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input/endpoint",
            "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated"}}],
        "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {
            "S3Uri": f"s3://{BUCKET}/reports", "LocalPath": "/opt/ml/processing/output",
            "S3UploadMode": "EndOfJob"}}]},
        "MonitoringResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": instance_type,
                                                  "VolumeSizeInGB": 20}},
        "MonitoringAppSpecification": {"ImageUri": MONITOR_IMAGE},
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
        "Environment": {"publish_cloudwatch_metrics": "Disabled"},
        "RoleArn": config.EXECUTION_ROLE_ARN,
    }
    if baseline:
        definition["BaselineConfig"] = {"ConstraintsResource": {"S3Uri": baseline["constraints"]},
                                        "StatisticsResource": {"S3Uri": baseline["statistics"]}}
    return {"ScheduleConfig": schedule, "MonitoringJobDefinition": definition,
            "MonitoringType": "DataQuality"}


def executions(sm, schedule: str, count: int = 1, timeout: float = 90) -> list[dict]:
    """The schedule's executions once `count` of them have ended, newest first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = sm.list_monitoring_executions(MonitoringScheduleName=schedule)["MonitoringExecutionSummaries"]
        if len(runs) >= count and all(r["MonitoringExecutionStatus"] in DONE for r in runs):
            return runs
        time.sleep(0.1)
    raise AssertionError(f"{schedule}: executions {runs}")


def violations_of(s3, endpoint: str, schedule: str, run: dict) -> list[dict]:
    hour = run["ScheduledTime"].astimezone(timezone.utc)
    key = f"reports/{endpoint}/{schedule}/{hour:%Y/%m/%d/%H}/constraint_violations.json"
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())["violations"]


def run_now(aws, cloud, endpoint, baseline, name, rows) -> tuple[dict, list[dict]]:
    """Capture `rows` two simulated hours after anything captured before, run a NOW schedule
    over the last hour, return its execution and violations (the schedule is deleted)."""
    s3, sm = aws("s3"), aws("sagemaker")
    now = advance(cloud, 7200)
    capture(s3, endpoint, rows, now)
    sm.create_monitoring_schedule(MonitoringScheduleName=name,
                                  MonitoringScheduleConfig=schedule_config(endpoint, baseline))
    try:
        [run] = executions(sm, name)
        found = violations_of(s3, endpoint, name, run) if run["MonitoringExecutionStatus"] != "Failed" else []
        return run, found
    finally:
        sm.delete_monitoring_schedule(MonitoringScheduleName=name)


# ---- baseline ---------------------------------------------------------------------------------
def test_baseline_job_writes_aws_statistics_and_constraints(aws, baseline):
    s3, sm, logs = aws("s3"), aws("sagemaker"), aws("logs")
    job = baseline["job"]
    assert job["ProcessingJobArn"] == f"{ARN}:processing-job/{baseline['name']}"
    assert job["ProcessingStartTime"] >= job["CreationTime"]
    assert job["ProcessingEndTime"] > job["ProcessingStartTime"]
    assert job["ExitMessage"] == "Completed: Job completed successfully with no violations."
    assert job["AppSpecification"]["ImageUri"] == MONITOR_IMAGE
    assert "FailureReason" not in job

    stats = read_json(s3, baseline["statistics"])
    cons = read_json(s3, baseline["constraints"])
    assert stats["dataset"] == {"item_count": 2000}
    by_name = {f["name"]: f for f in stats["features"]}
    assert [f["name"] for f in stats["features"]] == ["age", "income", "city", "score"]
    assert {n: f["inferred_type"] for n, f in by_name.items()} == {
        "age": "Integral", "income": "Fractional", "city": "String", "score": "Fractional"}
    income = np.array([float(r[1]) for r in baseline["rows"]])
    num = by_name["income"]["numerical_statistics"]
    assert num["common"] == {"num_present": 2000, "num_missing": 0}
    assert num["mean"] == pytest.approx(income.mean())
    assert num["sum"] == pytest.approx(income.sum())
    assert num["std_dev"] == pytest.approx(income.std())
    assert (num["min"], num["max"]) == (pytest.approx(income.min()), pytest.approx(income.max()))
    buckets = num["distribution"]["kll"]["buckets"]
    assert len(buckets) == 10 and sum(b["count"] for b in buckets) == 2000
    assert buckets[0]["lower_bound"] == pytest.approx(income.min())
    assert buckets[-1]["upper_bound"] == pytest.approx(income.max())
    assert num["distribution"]["kll"]["sketch"]["parameters"] == {"c": 0.64, "k": 2048.0}
    city = by_name["city"]["string_statistics"]
    assert city["distinct_count"] == 3.0
    assert sorted(b["value"] for b in city["distribution"]["categorical"]["buckets"]) == CITIES

    features = {f["name"]: f for f in cons["features"]}
    assert cons["version"] == 0.0
    assert features["age"] == {"name": "age", "inferred_type": "Integral", "completeness": 1.0,
                               "num_constraints": {"is_non_negative": True}}
    assert features["score"]["num_constraints"] == {"is_non_negative": False}
    assert features["city"]["string_constraints"] == {"domains": CITIES}
    assert cons["monitoring_config"]["distribution_constraints"]["comparison_threshold"] == 0.1
    assert cons["monitoring_config"]["evaluate_constraints"] == "Enabled"

    streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/ProcessingJobs",
                                        logStreamNamePrefix=baseline["name"] + "/")["logStreams"]
    assert len(streams) == 1
    events = logs.get_log_events(logGroupName="/aws/sagemaker/ProcessingJobs",
                                 logStreamName=streams[0]["logStreamName"])["events"]
    assert any("Baseline dataset: 2000 rows, 4 columns" in e["message"] for e in events)


def test_headerless_baseline_names_columns_c0(aws, name):
    s3, sm = aws("s3"), aws("sagemaker")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=f"{name}/data.csv", Body=to_csv(people(50, 3)))
    sm.create_processing_job(**processing_params(name, f"s3://{BUCKET}/{name}/",
                                                 f"s3://{BUCKET}/{name}/out", header=False))
    assert wait_job(sm, name)["ProcessingJobStatus"] == "Completed"
    cons = read_json(s3, f"s3://{BUCKET}/{name}/out/constraints.json")
    assert [(f["name"], f["inferred_type"]) for f in cons["features"]] == [
        ("_c0", "Integral"), ("_c1", "Fractional"), ("_c2", "String"), ("_c3", "Fractional")]


# ---- monitoring executions over captured data --------------------------------------------------
def test_clean_traffic_completes_without_violations(aws, cloud, endpoint, baseline, name):
    sm = aws("sagemaker")
    run, found = run_now(aws, cloud, endpoint, baseline, name, people(1000, 2))
    assert run["MonitoringExecutionStatus"] == "Completed", run.get("FailureReason")
    assert found == []
    assert run["EndpointName"] == endpoint and run["MonitoringType"] == "DataQuality"
    job = sm.describe_processing_job(ProcessingJobName=run["ProcessingJobArn"].split("/")[-1])
    assert job["MonitoringScheduleArn"] == f"{ARN}:monitoring-schedule/{name}"
    assert job["ExitMessage"] == "Completed: Job completed successfully with no violations."
    assert job["Environment"]["sagemaker_endpoint_name"] == endpoint
    report = run["ScheduledTime"].astimezone(timezone.utc)
    stats = read_json(aws("s3"), f"s3://{BUCKET}/reports/{endpoint}/{name}/{report:%Y/%m/%d/%H}/statistics.json")
    assert stats["dataset"]["item_count"] == 1000
    assert [f["name"] for f in stats["features"]] == ["age", "income", "city", "score"]


def test_drifted_feature_is_a_baseline_drift_violation(aws, cloud, endpoint, baseline, name):
    sm = aws("sagemaker")
    run, found = run_now(aws, cloud, endpoint, baseline, name, people(1000, 3, income_shift=1.5))
    assert run["MonitoringExecutionStatus"] == "CompletedWithViolations"
    assert [(v["feature_name"], v["constraint_check_type"]) for v in found] == [
        ("income", "baseline_drift_check")]
    distance = float(found[0]["description"].split("distance: ")[1].split(" ")[0])
    assert 0.4 < distance <= 1.0
    assert found[0]["description"] == f"Baseline drift distance: {distance} exceeds threshold: 0.1"
    job = sm.describe_processing_job(ProcessingJobName=run["ProcessingJobArn"].split("/")[-1])
    assert job["ExitMessage"] == "CompletedWithViolations: Job completed successfully with 1 violations."
    assert job["ProcessingJobStatus"] == "Completed"


def test_retyped_column_is_a_data_type_violation(aws, cloud, endpoint, baseline, name):
    rows = people(500, 4)
    for i, r in enumerate(rows):
        r[0] = f"{int(r[0]) + 0.5}" if i % 2 else r[0]  # half the ages are no longer integers
    run, found = run_now(aws, cloud, endpoint, baseline, name, rows)
    assert run["MonitoringExecutionStatus"] == "CompletedWithViolations"
    types = [v for v in found if v["constraint_check_type"] == "data_type_check"]
    assert types == [{"feature_name": "age", "constraint_check_type": "data_type_check",
                      "description": "Data type match requirement is not met. Expected data type: "
                                     "Integral, Expected match: 100.0%. Observed: Only 50.0% of "
                                     "data is Integral."}]


def test_missing_extra_and_incomplete_columns(aws, cloud, endpoint, baseline, name):
    narrow = [r[:3] for r in people(600, 5)]
    run, found = run_now(aws, cloud, endpoint, baseline, name + "-a", narrow)
    assert run["MonitoringExecutionStatus"] == "CompletedWithViolations"
    assert [(v["feature_name"], v["constraint_check_type"]) for v in found] == [
        ("score", "missing_column_check")]
    assert "Number of columns in current dataset: 3, Number of columns in baseline constraints: 4" \
        in found[0]["description"]

    wide = [r + ["7"] for r in people(600, 6)]
    run, found = run_now(aws, cloud, endpoint, baseline, name + "-b", wide)
    assert [(v["feature_name"], v["constraint_check_type"]) for v in found] == [
        ("_c4", "extra_column_check")]

    holes = people(600, 7)
    for r in holes[::5]:
        r[2] = ""
    run, found = run_now(aws, cloud, endpoint, baseline, name + "-c", holes)
    assert [(v["feature_name"], v["constraint_check_type"]) for v in found] == [
        ("city", "completeness_check")]
    assert found[0]["description"].endswith("Observed completeness: 80.0%.")


def test_window_without_capture_fails_with_no_data(aws, cloud, endpoint, baseline, name):
    run, _ = run_now(aws, cloud, endpoint, baseline, name, [])
    assert run["MonitoringExecutionStatus"] == "Failed"
    assert run["FailureReason"] == "Job inputs had no data"
    assert "ProcessingJobArn" not in run


def test_hourly_cron_runs_when_the_clock_passes_the_hour(aws, cloud, endpoint, baseline, name, cloud_now):
    s3, sm = aws("s3"), aws("sagemaker")
    now = advance(cloud, 7200)
    advance(cloud, 3600 - now.minute * 60 - now.second + 60)  # one minute past an hour
    sm.create_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=schedule_config(
        endpoint, baseline, expression="cron(0 * ? * * *)", window=None))
    deadline = time.monotonic() + 10
    while sm.describe_monitoring_schedule(MonitoringScheduleName=name)["MonitoringScheduleStatus"] != "Scheduled":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    assert sm.list_monitoring_executions(MonitoringScheduleName=name)["MonitoringExecutionSummaries"] == []
    now = cloud_now()
    capture(s3, endpoint, people(1000, 8, income_shift=2), now)
    advance(cloud, 3600)  # past the next hour: that hour's execution analyses this hour
    [run] = executions(sm, name)
    hour = now.replace(minute=0, second=0, microsecond=0)
    assert run["ScheduledTime"].timestamp() == hour.timestamp() + 3600
    assert run["MonitoringExecutionStatus"] == "CompletedWithViolations"
    assert [v["feature_name"] for v in violations_of(s3, endpoint, name, run)] == ["income"]
    described = sm.describe_monitoring_schedule(MonitoringScheduleName=name)
    assert described["LastMonitoringExecutionSummary"]["MonitoringExecutionStatus"] == "CompletedWithViolations"
    assert described["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 * ? * * *)"

    advance(cloud, 3600)  # the next hour saw no traffic
    runs = executions(sm, name, count=2)
    assert [r["MonitoringExecutionStatus"] for r in runs] == ["Failed", "CompletedWithViolations"]
    assert runs[0]["FailureReason"] == "Job inputs had no data"

    sm.stop_monitoring_schedule(MonitoringScheduleName=name)
    assert sm.describe_monitoring_schedule(MonitoringScheduleName=name)["MonitoringScheduleStatus"] == "Stopped"
    advance(cloud, 3600)
    time.sleep(0.6)
    assert len(sm.list_monitoring_executions(MonitoringScheduleName=name)["MonitoringExecutionSummaries"]) == 2
    sm.start_monitoring_schedule(MonitoringScheduleName=name)
    deadline = time.monotonic() + 10
    while sm.describe_monitoring_schedule(MonitoringScheduleName=name)["MonitoringScheduleStatus"] != "Scheduled":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    sm.delete_monitoring_schedule(MonitoringScheduleName=name)


def test_real_endpoint_capture_is_monitored(aws, cloud, endpoint, name):
    """Traffic through the runtime, captured with its predictions, checked against a baseline
    of the training data (label first, then the model's five inputs): the analyzer puts each
    captured prediction where the baseline has the label, as AWS's does."""
    s3, sm, rt = aws("s3"), aws("sagemaker"), aws("sagemaker-runtime")
    table = np.loadtxt(io.BytesIO(make_csv(3000, 21)), delimiter=",")
    s3.put_object(Bucket=BUCKET, Key=f"{name}/baseline/train.csv",
                  Body=b"\n".join(",".join(f"{v:.6f}" for v in row).encode() for row in table[:2000]))
    sm.create_processing_job(**processing_params(name, f"s3://{BUCKET}/{name}/baseline",
                                                 f"s3://{BUCKET}/{name}/results", header=False))
    assert wait_job(sm, name)["ProcessingJobStatus"] == "Completed"
    features = table[:, 1:]
    advance(cloud, 7200)
    for i in range(2000, 3000, 50):
        body = "\n".join(",".join(f"{v:.6f}" for v in row) for row in features[i:i + 50])
        rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=body)
    baseline = {"statistics": f"s3://{BUCKET}/{name}/results/statistics.json",
                "constraints": f"s3://{BUCKET}/{name}/results/constraints.json"}
    sm.create_monitoring_schedule(MonitoringScheduleName=name,
                                  MonitoringScheduleConfig=schedule_config(endpoint, baseline))
    [run] = executions(sm, name)
    assert run["MonitoringExecutionStatus"] == "Completed", violations_of(s3, endpoint, name, run)
    hour = run["ScheduledTime"].astimezone(timezone.utc)
    stats = read_json(s3, f"s3://{BUCKET}/reports/{endpoint}/{name}/{hour:%Y/%m/%d/%H}/statistics.json")
    assert stats["dataset"]["item_count"] == 1000 and len(stats["features"]) == 6
    sm.delete_monitoring_schedule(MonitoringScheduleName=name)

    shifted = features[2000:2200].copy()
    shifted[:, 0] += 3  # the first input moves; so do the predictions, which depend on it
    for i in range(0, 200, 50):
        body = "\n".join(",".join(f"{v:.6f}" for v in row) for row in shifted[i:i + 50])
        rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=body)
    sm.create_monitoring_schedule(MonitoringScheduleName=name + "-2",
                                  MonitoringScheduleConfig=schedule_config(endpoint, baseline))
    [run] = executions(sm, name + "-2")
    found = [(v["feature_name"], v["constraint_check_type"]) for v in violations_of(s3, endpoint, name + "-2", run)]
    assert ("_c1", "baseline_drift_check") in found
    assert not [f for f in found if f[1] != "baseline_drift_check"]
    sm.delete_monitoring_schedule(MonitoringScheduleName=name + "-2")


def test_prediction_and_label_share_the_first_column(aws, cloud, endpoint, name):
    """Captured outputs are laid out first: a baseline whose first column is an integer label
    meets fractional predictions there (AWS's 'Only 0.0% of data is Integral' on the label)."""
    s3, sm = aws("s3"), aws("sagemaker")
    rows = people(400, 50)
    labelled = [[str(i % 2)] + r for i, r in enumerate(rows)]
    s3.put_object(Bucket=BUCKET, Key=f"{name}/in/train.csv",
                  Body=to_csv(labelled, ["churn", "age", "income", "city", "score"]))
    sm.create_processing_job(**processing_params(name, f"s3://{BUCKET}/{name}/in",
                                                 f"s3://{BUCKET}/{name}/out"))
    assert wait_job(sm, name)["ProcessingJobStatus"] == "Completed"
    now = advance(cloud, 7200)
    capture(s3, endpoint, people(400, 51), now, predictions=[f"{(i % 7) / 7:.4f}" for i in range(400)])
    sm.create_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=schedule_config(
        endpoint, {"statistics": f"s3://{BUCKET}/{name}/out/statistics.json",
                   "constraints": f"s3://{BUCKET}/{name}/out/constraints.json"}))
    [run] = executions(sm, name)
    found = violations_of(s3, endpoint, name, run)
    assert {"feature_name": "churn", "constraint_check_type": "data_type_check",
            "description": "Data type match requirement is not met. Expected data type: Integral, "
                           "Expected match: 100.0%. Observed: Only 0.0% of data is Integral."} in found
    assert {v["feature_name"] for v in found} == {"churn"}


# ---- API shapes and errors --------------------------------------------------------------------
def test_schedule_lifecycle_and_errors(aws, endpoint, baseline, name):
    sm = aws("sagemaker")
    arn = sm.create_monitoring_schedule(
        MonitoringScheduleName=name, MonitoringScheduleConfig=schedule_config(
            endpoint, baseline, expression="cron(0 */6 ? * * *)", window=None))["MonitoringScheduleArn"]
    assert arn == f"{ARN}:monitoring-schedule/{name}"
    d = sm.describe_monitoring_schedule(MonitoringScheduleName=name)
    assert d["MonitoringScheduleStatus"] in ("Pending", "Scheduled")
    assert d["EndpointName"] == endpoint and d["MonitoringType"] == "DataQuality"

    e = error(sm.create_monitoring_schedule, MonitoringScheduleName=name,
              MonitoringScheduleConfig=schedule_config(endpoint, baseline))
    assert e["Code"] == "ResourceInUse" and arn in e["Message"]
    e = error(sm.create_monitoring_schedule, MonitoringScheduleName=name + "-second",
              MonitoringScheduleConfig=schedule_config(endpoint, baseline))
    assert e["Code"] == "ValidationException" and "already has a DataQuality monitoring schedule" in e["Message"]
    e = error(sm.create_monitoring_schedule, MonitoringScheduleName=name + "-x",
              MonitoringScheduleConfig=schedule_config("no-such-endpoint", baseline))
    assert e == {"Code": "ValidationException",
                 "Message": f'Could not find endpoint "{ARN}:endpoint/no-such-endpoint".'}
    e = error(sm.delete_endpoint, EndpointName=endpoint)
    assert e["Code"] == "ValidationException" and name in e["Message"]
    assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService"
    for bad in ("cron(15 * ? * * *)", "rate(1 hour)", "cron(0 * * * * *)"):
        e = error(sm.update_monitoring_schedule, MonitoringScheduleName=name,
                  MonitoringScheduleConfig=schedule_config(endpoint, baseline, expression=bad, window=None))
        assert e["Code"] == "ValidationException" and "ScheduleExpression" in e["Message"], bad
    e = error(sm.update_monitoring_schedule, MonitoringScheduleName=name,
              MonitoringScheduleConfig=schedule_config(endpoint, baseline, window=None))
    assert "DataAnalysisStartTime and DataAnalysisEndTime are required" in e["Message"]
    e = error(sm.update_monitoring_schedule, MonitoringScheduleName=name,
              MonitoringScheduleConfig=schedule_config(endpoint, baseline, window=("PT1H", "PT0H")))
    assert "must be negative" in e["Message"]
    bad_image = schedule_config(endpoint, baseline, expression="cron(0 * ? * * *)", window=None)
    bad_image["MonitoringJobDefinition"]["MonitoringAppSpecification"]["ImageUri"] = IMAGE
    assert error(sm.update_monitoring_schedule, MonitoringScheduleName=name,
                 MonitoringScheduleConfig=bad_image)["Code"] == "ValidationException"
    assert sm.describe_monitoring_schedule(MonitoringScheduleName=name)[
        "MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 */6 ? * * *)"
    sm.update_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=schedule_config(
        endpoint, baseline, expression="cron(0 12 ? * * *)", window=None))
    assert sm.describe_monitoring_schedule(MonitoringScheduleName=name)[
        "MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 12 ? * * *)"

    listed = sm.list_monitoring_schedules(EndpointName=endpoint)["MonitoringScheduleSummaries"]
    assert [s["MonitoringScheduleName"] for s in listed] == [name]
    assert sm.list_monitoring_schedules(NameContains=name[-8:], StatusEquals="Stopped")[
        "MonitoringScheduleSummaries"] == []

    sm.delete_monitoring_schedule(MonitoringScheduleName=name)
    for call in (sm.describe_monitoring_schedule, sm.delete_monitoring_schedule,
                 sm.stop_monitoring_schedule, sm.start_monitoring_schedule):
        e = error(call, MonitoringScheduleName=name)
        assert e == {"Code": "ResourceNotFound", "Message": f"Monitoring Schedule {arn} does not exist."}


def test_list_monitoring_executions_filters_sorts_and_pages(aws, cloud, endpoint, baseline, name):
    sm = aws("sagemaker")
    for i in range(3):
        run_now(aws, cloud, endpoint, baseline, f"{name}-{i}", people(100, 30 + i))
    mine = [f"{name}-{i}" for i in range(3)]
    runs = [r for r in sm.list_monitoring_executions(EndpointName=endpoint, MaxResults=100)[
        "MonitoringExecutionSummaries"] if r["MonitoringScheduleName"] in mine]
    assert [r["MonitoringScheduleName"] for r in runs] == mine[::-1]  # newest first
    ascending = sm.list_monitoring_executions(EndpointName=endpoint, SortBy="ScheduledTime",
                                              SortOrder="Ascending", MaxResults=100)["MonitoringExecutionSummaries"]
    assert [r["MonitoringScheduleName"] for r in ascending if r["MonitoringScheduleName"] in mine] == mine
    everything = sm.list_monitoring_executions(EndpointName=endpoint, MaxResults=100)["MonitoringExecutionSummaries"]
    paged, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        page = sm.list_monitoring_executions(EndpointName=endpoint, MaxResults=2, **kw)
        assert len(page["MonitoringExecutionSummaries"]) <= 2
        paged += page["MonitoringExecutionSummaries"]
        token = page.get("NextToken")
        if not token:
            break
    assert paged == everything and len(paged) >= 3
    after = sm.list_monitoring_executions(EndpointName=endpoint, MaxResults=100,
                                          ScheduledTimeAfter=runs[1]["ScheduledTime"])
    assert mine[2] in [r["MonitoringScheduleName"] for r in after["MonitoringExecutionSummaries"]]
    assert mine[0] not in [r["MonitoringScheduleName"] for r in after["MonitoringExecutionSummaries"]]
    failed = sm.list_monitoring_executions(EndpointName=endpoint, StatusEquals="Failed", MaxResults=100)
    assert all(r["MonitoringExecutionStatus"] == "Failed" for r in failed["MonitoringExecutionSummaries"])
    e = error(sm.list_monitoring_executions, NextToken="garbage")
    assert e["Code"] == "ValidationException"


def test_processing_job_errors_stop_and_list(aws, name):
    s3, sm = aws("s3"), aws("sagemaker")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=f"{name}/in/data.csv", Body=to_csv(people(20, 9), ["a", "b", "c", "d"]))
    source, out = f"s3://{BUCKET}/{name}/in", f"s3://{BUCKET}/{name}/out"
    sm.create_processing_job(**processing_params(name, source, out))
    e = error(sm.create_processing_job, **processing_params(name, source, out))
    assert e["Code"] == "ResourceInUse" and f"{ARN}:processing-job/{name}" in e["Message"]
    e = error(sm.stop_processing_job, ProcessingJobName=name + "-none")
    assert e == {"Code": "ValidationException", "Message": f"Could not find requested job with name {name}-none"}
    e = error(sm.describe_processing_job, ProcessingJobName=name + "-none")
    assert e["Message"] == f"Could not find requested job with name {name}-none"
    assert wait_job(sm, name)["ProcessingJobStatus"] == "Completed"
    e = error(sm.stop_processing_job, ProcessingJobName=name)
    assert e["Message"] == "The request was rejected because the processing job is in status Completed."

    e = error(sm.create_processing_job, **processing_params(name + "-img", source, out, image="not-an-image"))
    assert e["Code"] == "ValidationException" and "valid Amazon Elastic Container Registry path" in e["Message"]
    e = error(sm.create_processing_job, **processing_params(name + "-xgb", source, out, image=IMAGE))
    assert "Model Monitor analyzer image only" in e["Message"]
    e = error(sm.create_processing_job, **processing_params(
        name + "-tag", source, out, image=MONITOR_IMAGE + ":9.9"))
    assert e["Message"] == f"Cannot find the requested image: {MONITOR_IMAGE}:9.9"
    bad = processing_params(name + "-path", source, out)
    bad["ProcessingInputs"][0]["S3Input"]["LocalPath"] = "/tmp/../etc"
    assert "/opt/ml/processing/" in error(sm.create_processing_job, **bad)["Message"]
    assert error(sm.describe_processing_job, ProcessingJobName=name + "-path")["Code"] == "ValidationException"

    sm.create_processing_job(**processing_params(name + "-empty", f"s3://{BUCKET}/{name}/nothing", out))
    failed = wait_job(sm, name + "-empty")
    assert failed["ProcessingJobStatus"] == "Failed"
    assert failed["FailureReason"].startswith(f'ClientError: No S3 objects found under S3 URL "s3://{BUCKET}/{name}/nothing"')
    s3.put_object(Bucket=BUCKET, Key=f"{name}/blank/data.csv", Body=b"a,b\n")
    sm.create_processing_job(**processing_params(name + "-blank", f"s3://{BUCKET}/{name}/blank", out))
    failed = wait_job(sm, name + "-blank")
    assert failed["ProcessingJobStatus"] == "Failed"
    assert failed["FailureReason"].startswith("AlgorithmError: Error: the baseline dataset")

    sm.create_processing_job(**processing_params(name + "-stop", source, out))
    sm.stop_processing_job(ProcessingJobName=name + "-stop")
    stopped = wait_job(sm, name + "-stop")
    assert stopped["ProcessingJobStatus"] == "Stopped"

    listed = sm.list_processing_jobs(NameContains=name, SortBy="Name", SortOrder="Ascending",
                                     MaxResults=100)["ProcessingJobSummaries"]
    assert [j["ProcessingJobName"] for j in listed] == sorted(
        [name, name + "-empty", name + "-blank", name + "-stop"])
    failed = sm.list_processing_jobs(NameContains=name, StatusEquals="Failed")["ProcessingJobSummaries"]
    assert {j["ProcessingJobName"] for j in failed} == {name + "-empty", name + "-blank"}
    assert all(j["FailureReason"] for j in failed)
    page = sm.list_processing_jobs(NameContains=name, MaxResults=2)
    assert len(page["ProcessingJobSummaries"]) == 2 and page["NextToken"]
    rest = sm.list_processing_jobs(NameContains=name, MaxResults=2, NextToken=page["NextToken"])
    assert len(rest["ProcessingJobSummaries"]) == 2 and "NextToken" not in rest


def test_processing_quotas_and_bill(aws, cloud, endpoint, baseline, name):
    s3, sm, quotas = aws("s3"), aws("sagemaker"), aws("service-quotas")
    source, out = f"s3://{BUCKET}/baseline/data", f"s3://{BUCKET}/{name}/out"
    e = error(sm.create_processing_job, **processing_params(name, source, out, count=5))
    assert e["Code"] == "ResourceLimitExceeded"
    assert e["Message"].startswith("The account-level service limit 'ml.m5.xlarge for processing job "
                                   "usage' is 4 Instances, with current utilization of 0 Instances "
                                   "and a request delta of 5 Instances.")
    e = error(sm.create_processing_job, **processing_params(name, source, out, instance_type="ml.g4dn.xlarge"))
    assert "'ml.g4dn.xlarge for processing job usage' is 0 Instances" in e["Message"]
    quota = quotas.get_service_quota(ServiceCode="sagemaker", QuotaCode="L-0307F515")["Quota"]
    assert quota["QuotaName"] == "ml.m5.xlarge for processing job usage" and quota["Value"] == 4.0

    # a schedule whose instances the account may not use: its execution fails with the limit
    advance(cloud, 7200)
    capture(s3, endpoint, people(50, 11), advance(cloud, 0))
    sm.create_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=schedule_config(
        endpoint, baseline, instance_type="ml.g4dn.xlarge"))
    [run] = executions(sm, name)
    sm.delete_monitoring_schedule(MonitoringScheduleName=name)
    assert run["MonitoringExecutionStatus"] == "Failed"
    assert "'ml.g4dn.xlarge for processing job usage' is 0 Instances" in run["FailureReason"]

    with urllib.request.urlopen(f"{cloud.url}/_labcloud/bill") as r:
        items = json.loads(r.read())["items"]
    [line] = [i for i in items if i["resource"] == baseline["name"]]
    job = baseline["job"]
    assert line["usage"] == "processing" and line["instance_type"] == "ml.m5.xlarge"
    assert line["seconds"] == int(job["ProcessingEndTime"].timestamp() - job["ProcessingStartTime"].timestamp())
    assert line["cost_usd"] == pytest.approx(line["seconds"] * line["usd_per_hour"] / 3600)


def test_data_quality_job_definition_drives_a_schedule(aws, cloud, endpoint, baseline, name):
    """The SDK's DefaultModelMonitor path: CreateDataQualityJobDefinition, then a schedule that
    names it."""
    s3, sm = aws("s3"), aws("sagemaker")
    inline = schedule_config(endpoint, baseline)["MonitoringJobDefinition"]
    definition = {
        "JobDefinitionName": name,
        "DataQualityBaselineConfig": inline["BaselineConfig"],
        "DataQualityAppSpecification": {"ImageUri": MONITOR_IMAGE, "Environment": inline["Environment"]},
        "DataQualityJobInput": {"EndpointInput": inline["MonitoringInputs"][0]["EndpointInput"]},
        "DataQualityJobOutputConfig": inline["MonitoringOutputConfig"],
        "JobResources": inline["MonitoringResources"],
        "RoleArn": config.EXECUTION_ROLE_ARN,
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
    }
    arn = sm.create_data_quality_job_definition(**definition)["JobDefinitionArn"]
    assert arn == f"{ARN}:data-quality-job-definition/{name}"
    assert error(sm.create_data_quality_job_definition, **definition)["Code"] == "ResourceInUse"
    described = sm.describe_data_quality_job_definition(JobDefinitionName=name)
    assert described["DataQualityJobInput"]["EndpointInput"]["EndpointName"] == endpoint
    [summary] = sm.list_data_quality_job_definitions(EndpointName=endpoint, NameContains=name)[
        "JobDefinitionSummaries"]
    assert summary["MonitoringJobDefinitionName"] == name and summary["EndpointName"] == endpoint

    now = advance(cloud, 7200)
    capture(s3, endpoint, people(1000, 40, income_shift=2), now)
    sm.create_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig={
        "ScheduleConfig": {"ScheduleExpression": "NOW", "DataAnalysisStartTime": "-PT1H",
                           "DataAnalysisEndTime": "-PT0H"},
        "MonitoringJobDefinitionName": name, "MonitoringType": "DataQuality"})
    [run] = executions(sm, name)
    assert run["MonitoringExecutionStatus"] == "CompletedWithViolations"
    assert run["MonitoringJobDefinitionName"] == name
    assert [v["feature_name"] for v in violations_of(s3, endpoint, name, run)] == ["income"]
    listed = sm.list_monitoring_schedules(MonitoringJobDefinitionName=name)["MonitoringScheduleSummaries"]
    assert [s["MonitoringScheduleName"] for s in listed] == [name]
    assert len(sm.list_monitoring_executions(MonitoringJobDefinitionName=name)[
        "MonitoringExecutionSummaries"]) == 1

    e = error(sm.delete_data_quality_job_definition, JobDefinitionName=name)
    assert e["Code"] == "ValidationException" and name in e["Message"]
    sm.delete_monitoring_schedule(MonitoringScheduleName=name)
    sm.delete_data_quality_job_definition(JobDefinitionName=name)
    e = error(sm.describe_data_quality_job_definition, JobDefinitionName=name)
    assert e == {"Code": "ResourceNotFound", "Message": f"Job definition {arn} does not exist."}
    e = error(sm.create_monitoring_schedule, MonitoringScheduleName=name, MonitoringScheduleConfig={
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
        "MonitoringJobDefinitionName": name, "MonitoringType": "DataQuality"})
    assert e["Code"] == "ResourceNotFound"


def test_schedules_survive_a_restart(trained, own_cloud):
    """A restarted server brings its schedules back and their scheduler runs again."""
    own_cloud.start()
    s3, sm = own_cloud("s3"), own_cloud("sagemaker")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="model.tar.gz", Body=trained[2])
    deploy_capturing(sm, "kept", f"s3://{BUCKET}/model.tar.gz", BUCKET)
    sm.create_monitoring_schedule(MonitoringScheduleName="kept", MonitoringScheduleConfig=
                                  schedule_config("kept", None, expression="cron(0 * ? * * *)",
                                                  window=None))
    conn = own_cloud.restart()
    sm = own_cloud("sagemaker")
    deadline = time.monotonic() + 10
    while sm.describe_monitoring_schedule(MonitoringScheduleName="kept")[
            "MonitoringScheduleStatus"] != "Scheduled":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    advance(conn, 3600)
    [run] = executions(sm, "kept")
    assert run["MonitoringExecutionStatus"] == "Failed"
    assert run["FailureReason"] == "Job inputs had no data"


def test_execution_job_inputs_use_the_models_data_types(aws, cloud, endpoint, baseline, name):
    """The processing job behind an execution describes its baseline inputs with an
    S3DataType of botocore's ProcessingS3DataType enum (S3Prefix | ManifestFile)."""
    sm = aws("sagemaker")
    run, _ = run_now(aws, cloud, endpoint, baseline, name, people(100, 41))
    assert run["MonitoringExecutionStatus"] != "Failed", run.get("FailureReason")
    job = sm.describe_processing_job(ProcessingJobName=run["ProcessingJobArn"].split("/")[-1])
    allowed = sm.meta.service_model.shape_for("ProcessingS3DataType").enum
    inputs = {i["InputName"]: i["S3Input"] for i in job["ProcessingInputs"]}
    assert inputs["constraints"]["S3Uri"] == baseline["constraints"]
    assert inputs["stats"]["S3Uri"] == baseline["statistics"]
    assert {i["S3DataType"] for i in inputs.values()} <= set(allowed)
