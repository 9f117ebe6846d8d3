"""Data capture on real-time endpoints with the real boto3: DataCaptureConfig on the endpoint
config, the JSONL records written to S3 in AWS's format and key layout, sampling, the
DescribeEndpoint summary, capture switching with UpdateEndpoint, a missing bucket, bad configs,
and no record lost when the endpoint is deleted or the server stops right after invoking."""
import base64
import json
import re
import time
import uuid
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ParamValidationError

from labcloud import config
from test_endpoints import FAST, ROW, error, model_on, variant
from test_training_jobs import IMAGE, train_model

BUCKET = "capture-tests"
ARN = f"arn:aws:sagemaker:{config.REGION}:{config.ACCOUNT_ID}"
KEY = re.compile(r"(?P<prefix>.*?)/?(?P<endpoint>[^/]+)/(?P<variant>[^/]+)/(?P<y>\d{4})/(?P<m>\d\d)/"
                 r"(?P<d>\d\d)/(?P<h>\d\d)/(?P<mm>\d\d)-(?P<ss>\d\d)-(?P<ms>\d{3})-"
                 r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
JSON_ROW = json.dumps({"instances": [[0.5, -1.2, 0.3, 0.8, 0.1]]})
LIBSVM_ROW = "0:0.5 1:-1.2 2:0.3 3:0.8 4:0.1"


@pytest.fixture(scope="module")
def model(aws, tmp_path_factory):
    sm = aws("sagemaker")
    job = "capture-model-" + uuid.uuid4().hex[:8]
    artifact, raw, _ = train_model(aws, BUCKET, job, tmp_path_factory.mktemp("model"), rounds="5")
    sm.create_model(ModelName=job, ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": artifact})
    return {"name": job, "artifact": raw}


def dcc(destination, percent=100, modes=("Input", "Output"), **extra):
    return {"EnableCapture": True, "InitialSamplingPercentage": percent,
            "DestinationS3Uri": destination,
            "CaptureOptions": [{"CaptureMode": m} for m in modes], **extra}


def deploy_capturing(sm, name, model_name, capture, wait_for=True):
    sm.create_endpoint_config(EndpointConfigName=name, DataCaptureConfig=capture,
                              ProductionVariants=[variant("AllTraffic", model_name)])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    if wait_for:
        sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)


def captured(s3, bucket, prefix=""):
    """[(key, raw line, record)] of every capture object under prefix, in key order."""
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode()
            assert body.endswith("\n")
            out += [(obj["Key"], line, json.loads(line)) for line in body.splitlines()]
    return out


def wait_captured(s3, bucket, prefix, count, timeout=10.0):
    """Records appear without deleting the endpoint: the writer flushes about every second."""
    deadline = time.monotonic() + timeout
    while True:
        found = captured(s3, bucket, prefix)
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) == count, f"{len(found)} records under {prefix}, expected {count}"
            return found
        time.sleep(0.1)


def delete_and_wait(sm, name):
    sm.delete_endpoint(EndpointName=name)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig=FAST)


def test_csv_records_field_by_field_and_key_layout(aws, model, name, bucket, cloud_now):
    sm, rt, s3 = aws("sagemaker"), aws("sagemaker-runtime"), aws("s3")
    capture = dcc(f"s3://{bucket}/capture/", KmsKeyId="alias/capture-key")
    deploy_capturing(sm, name, model["name"], capture)
    assert sm.describe_endpoint_config(EndpointConfigName=name)["DataCaptureConfig"] == capture
    assert sm.describe_endpoint(EndpointName=name)["DataCaptureConfig"] == {
        "EnableCapture": True, "CaptureStatus": "Started", "CurrentSamplingPercentage": 100,
        "DestinationS3Uri": f"s3://{bucket}/capture/", "KmsKeyId": "alias/capture-key"}

    before = cloud_now().replace(microsecond=0)
    out = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Accept="text/csv",
                             Body=ROW, InferenceId="order-17")
    answer = out["Body"].read().decode()
    ((key, line, record),) = wait_captured(s3, bucket, "capture/", 1)
    after = cloud_now()
    assert line.startswith('{"captureData":{"endpointInput":{')  # compact, AWS's member order
    assert record == {
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": ROW,
                              "encoding": "CSV"},
            "endpointOutput": {"observedContentType": out["ContentType"], "mode": "OUTPUT",
                               "data": answer, "encoding": "CSV"}},
        "eventMetadata": {"eventId": record["eventMetadata"]["eventId"], "inferenceId": "order-17",
                          "inferenceTime": record["eventMetadata"]["inferenceTime"]},
        "eventVersion": "0"}
    meta = record["eventMetadata"]
    assert UUID.fullmatch(meta["eventId"]) and TIME.fullmatch(meta["inferenceTime"])
    when = datetime.strptime(meta["inferenceTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before <= when <= after  # the simulated clock, not the wall clock
    k = KEY.fullmatch(key)
    assert k, key
    assert (k["prefix"], k["endpoint"], k["variant"]) == ("capture", name, "AllTraffic")
    assert (k["y"], k["m"], k["d"], k["h"]) == (f"{when:%Y}", f"{when:%m}", f"{when:%d}", f"{when:%H}")
    assert f"{k['mm']}:{k['ss']}" == f"{when:%M:%S}"  # named for its first record's time

    # several records per object; no inferenceId when none was given; eventIds unique
    for _ in range(20):
        rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
    found = wait_captured(s3, bucket, "capture/", 21)
    assert len({key for key, _, _ in found}) < 21
    assert len({r["eventMetadata"]["eventId"] for _, _, r in found}) == 21
    assert sum("inferenceId" in r["eventMetadata"] for _, _, r in found) == 1
    delete_and_wait(sm, name)


def test_json_and_unlisted_content_types(aws, model, name, bucket):
    """Defaults: text/csv is CSV, application/json is JSON; anything else is BASE64, byte for
    byte. A CaptureContentTypeHeader of its own makes another type text."""
    sm, rt, s3 = aws("sagemaker"), aws("sagemaker-runtime"), aws("s3")
    deploy_capturing(sm, name, model["name"], dcc(f"s3://{bucket}/defaults"))
    js = rt.invoke_endpoint(EndpointName=name, ContentType="application/json",
                            Accept="application/json", Body=JSON_ROW)
    js_body = js["Body"].read()
    lib = rt.invoke_endpoint(EndpointName=name, ContentType="text/libsvm",
                             Accept="application/jsonlines", Body=LIBSVM_ROW)
    lib_body = lib["Body"].read()
    (_, _, first), (_, _, second) = wait_captured(s3, bucket, "defaults/", 2)
    assert first["captureData"] == {
        "endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                          "data": JSON_ROW, "encoding": "JSON"},
        "endpointOutput": {"observedContentType": js["ContentType"], "mode": "OUTPUT",
                           "data": js_body.decode(), "encoding": "JSON"}}
    assert json.loads(first["captureData"]["endpointOutput"]["data"])["predictions"]
    assert second["captureData"] == {
        "endpointInput": {"observedContentType": "text/libsvm", "mode": "INPUT",
                          "data": base64.b64encode(LIBSVM_ROW.encode()).decode(),
                          "encoding": "BASE64"},
        "endpointOutput": {"observedContentType": lib["ContentType"], "mode": "OUTPUT",
                           "data": base64.b64encode(lib_body).decode(), "encoding": "BASE64"}}

    other = f"{name}-own"
    header = {"CsvContentTypes": ["text/libsvm"], "JsonContentTypes": ["application/jsonlines"]}
    deploy_capturing(sm, other, model["name"],
                     dcc(f"s3://{bucket}/own", CaptureContentTypeHeader=header))
    rt.invoke_endpoint(EndpointName=other, ContentType="text/libsvm",
                       Accept="application/jsonlines", Body=LIBSVM_ROW)
    csv = rt.invoke_endpoint(EndpointName=other, ContentType="text/csv", Body=ROW)
    (_, _, own), (_, _, unlisted) = wait_captured(s3, bucket, "own/", 2)
    assert own["captureData"]["endpointInput"]["encoding"] == "CSV"
    assert own["captureData"]["endpointInput"]["data"] == LIBSVM_ROW
    assert own["captureData"]["endpointOutput"]["encoding"] == "JSON"
    # text/csv is not in this header's lists, so it is base64 like any unlisted type
    assert unlisted["captureData"]["endpointInput"]["encoding"] == "BASE64"
    assert unlisted["captureData"]["endpointOutput"] == {
        "observedContentType": csv["ContentType"], "mode": "OUTPUT",
        "data": base64.b64encode(csv["Body"].read()).decode(), "encoding": "BASE64"}
    delete_and_wait(sm, name)
    delete_and_wait(sm, other)


def test_capture_switches_with_update_endpoint(aws, model, name, bucket):
    """Input only, then (UpdateEndpoint) Output only elsewhere, then no capture at all: each
    request is captured as the fleet that served it was configured."""
    sm, rt, s3 = aws("sagemaker"), aws("sagemaker-runtime"), aws("s3")
    deploy_capturing(sm, name, model["name"], dcc(f"s3://{bucket}/a", modes=["Input"]))
    for _ in range(3):
        rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
    inputs = wait_captured(s3, bucket, "a/", 3)
    assert all(list(r["captureData"]) == ["endpointInput"] for _, _, r in inputs)

    sm.create_endpoint_config(EndpointConfigName=f"{name}-out",
                              ProductionVariants=[variant("AllTraffic", model["name"])],
                              DataCaptureConfig=dcc(f"s3://{bucket}/b", percent=100,
                                                    modes=["Output"]))
    sm.update_endpoint(EndpointName=name, EndpointConfigName=f"{name}-out")
    # while Updating the old fleet serves, and the summary is still the old one
    assert sm.describe_endpoint(EndpointName=name)["DataCaptureConfig"]["DestinationS3Uri"] \
        == f"s3://{bucket}/a"
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    assert sm.describe_endpoint(EndpointName=name)["DataCaptureConfig"] == {
        "EnableCapture": True, "CaptureStatus": "Started", "CurrentSamplingPercentage": 100,
        "DestinationS3Uri": f"s3://{bucket}/b"}
    answers = [rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)["Body"].read()
               for _ in range(3)]
    outputs = wait_captured(s3, bucket, "b/", 3)
    assert [r["captureData"]["endpointOutput"]["data"].encode() for _, _, r in outputs] == answers
    assert all(list(r["captureData"]) == ["endpointOutput"] for _, _, r in outputs)
    assert all(KEY.fullmatch(k)["endpoint"] == name for k, _, _ in outputs)

    sm.create_endpoint_config(EndpointConfigName=f"{name}-off",
                              ProductionVariants=[variant("AllTraffic", model["name"])])
    sm.update_endpoint(EndpointName=name, EndpointConfigName=f"{name}-off")
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    assert "DataCaptureConfig" not in sm.describe_endpoint(EndpointName=name)
    for _ in range(3):
        rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
    delete_and_wait(sm, name)  # flushes: whatever was captured is in S3 now
    assert len(captured(s3, bucket, "a/")) == 3 and len(captured(s3, bucket, "b/")) == 3
    assert len(captured(s3, bucket)) == 6


def test_sampling_percentage_is_honoured(aws, model, name, bucket):
    sm, rt, s3 = aws("sagemaker"), aws("sagemaker-runtime"), aws("s3")
    half, none, off = f"{name}-half", f"{name}-none", f"{name}-off"
    deploy_capturing(sm, half, model["name"], dcc(f"s3://{bucket}/half", percent=50), False)
    deploy_capturing(sm, none, model["name"], dcc(f"s3://{bucket}/none", percent=0), False)
    deploy_capturing(sm, off, model["name"], {**dcc(f"s3://{bucket}/off"), "EnableCapture": False},
                     False)
    for endpoint in (half, none, off):
        sm.get_waiter("endpoint_in_service").wait(EndpointName=endpoint, WaiterConfig=FAST)
    assert sm.describe_endpoint(EndpointName=none)["DataCaptureConfig"]["CurrentSamplingPercentage"] == 0
    assert sm.describe_endpoint(EndpointName=off)["DataCaptureConfig"] == {
        "EnableCapture": False, "CaptureStatus": "Stopped", "CurrentSamplingPercentage": 100,
        "DestinationS3Uri": f"s3://{bucket}/off"}
    calls = 400
    for _ in range(calls):
        rt.invoke_endpoint(EndpointName=half, ContentType="text/csv", Body=ROW)
    for _ in range(50):
        rt.invoke_endpoint(EndpointName=none, ContentType="text/csv", Body=ROW)
        rt.invoke_endpoint(EndpointName=off, ContentType="text/csv", Body=ROW)
    for endpoint in (half, none, off):
        delete_and_wait(sm, endpoint)
    sampled = len(captured(s3, bucket, "half/"))
    # binomial(400, 0.5): mean 200, standard deviation 10; 5 sigma either side
    assert 150 <= sampled <= 250, sampled
    assert captured(s3, bucket, "none/") == [] and captured(s3, bucket, "off/") == []


def test_missing_bucket_drops_records_and_says_why(aws, model, name):
    sm, rt, s3, logs = aws("sagemaker"), aws("sagemaker-runtime"), aws("s3"), aws("logs")
    missing = f"{name}-missing"
    deploy_capturing(sm, name, model["name"], dcc(f"s3://{missing}/x"))
    for _ in range(3):  # invocations are not affected
        out = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    group = f"/aws/sagemaker/Endpoints/{name}"
    deadline = time.monotonic() + 10
    while True:
        events = logs.filter_log_events(logGroupName=group, filterPattern="capture")["events"]
        if events or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert events, "no log line about the dropped records"
    assert events[0]["logStreamName"] == "AllTraffic/data-capture"
    message = " ".join(e["message"] for e in events)
    assert "NoSuchBucket" in message and "dropped" in message and missing in message
    assert sum(int(re.search(r"write (\d+) captured", e["message"])[1]) for e in events) == 3

    s3.create_bucket(Bucket=missing)  # from now on, captured
    rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
    delete_and_wait(sm, name)
    assert len(captured(s3, missing)) == 1


def test_bad_configs_are_refused(aws, model, name, bucket):
    sm = aws("sagemaker")

    def refused(capture):
        err = error(sm.create_endpoint_config, EndpointConfigName=name, DataCaptureConfig=capture,
                    ProductionVariants=[variant("AllTraffic", model["name"])])
        assert err["Code"] == "ValidationException"
        return err["Message"]

    good = dcc(f"s3://{bucket}/x")
    assert refused({**good, "InitialSamplingPercentage": 101}) == (
        "1 validation error detected: Value '101' at 'dataCaptureConfig.initialSamplingPercentage' "
        "failed to satisfy constraint: Member must have value less than or equal to 100")
    assert refused({**good, "CaptureOptions": [{"CaptureMode": "Both"}]}) == (
        "1 validation error detected: Value 'Both' at "
        "'dataCaptureConfig.captureOptions.1.member.captureMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Input, Output, InputAndOutput]")
    assert "failed to satisfy constraint: Member must satisfy regular expression pattern" in \
        refused({**good, "DestinationS3Uri": "gs://bucket/x"})
    assert refused({**good, "DestinationS3Uri": "https://bucket.s3.amazonaws.com/x"}) == (
        "DestinationS3Uri 'https://bucket.s3.amazonaws.com/x' is not a valid S3 URI. Data capture "
        "writes to Amazon S3: use s3://<bucket>/<prefix>.")
    assert refused({**good, "DestinationS3Uri": "s3://Bad_Bucket/x"}) == (
        "DestinationS3Uri 's3://Bad_Bucket/x' is not a valid S3 URI: 'Bad_Bucket' is not a valid "
        "bucket name.")
    both = {"CsvContentTypes": ["text/csv"], "JsonContentTypes": ["TEXT/CSV"]}
    assert "in both CsvContentTypes and JsonContentTypes" in \
        refused({**good, "CaptureContentTypeHeader": both})
    with pytest.raises(ParamValidationError):  # required members: botocore refuses before sending
        sm.create_endpoint_config(EndpointConfigName=name,
                                  DataCaptureConfig={"DestinationS3Uri": f"s3://{bucket}/x"},
                                  ProductionVariants=[variant("AllTraffic", model["name"])])
    assert error(sm.describe_endpoint_config, EndpointConfigName=name)["Message"] == \
        f'Could not find endpoint configuration "{ARN}:endpoint-config/{name}".'


def test_nothing_lost_when_deleted_right_after_invoking(aws, model, name, bucket):
    sm, rt, s3 = aws("sagemaker"), aws("sagemaker-runtime"), aws("s3")
    deploy_capturing(sm, name, model["name"], dcc(f"s3://{bucket}"))
    ids = [f"req-{i}" for i in range(30)]
    for inference_id in ids:
        rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW,
                           InferenceId=inference_id)
    delete_and_wait(sm, name)
    found = captured(s3, bucket)  # no waiting: the delete wrote what was queued
    assert sorted(r["eventMetadata"]["inferenceId"] for _, _, r in found) == sorted(ids)
    assert all(KEY.fullmatch(k)["prefix"] == "" for k, _, _ in found)  # bucket-only destination


def test_update_delete_and_stop_each_write_what_is_queued(model, own_cloud, monkeypatch):
    """A server whose writer would wait an hour: what reaches S3 was written by the flush of
    the UpdateEndpoint that retired the fleet, of the DeleteEndpoint, and of the server stop."""
    monkeypatch.setenv("LABCLOUD_CAPTURE_FLUSH_SECONDS", "3600")
    model_on(own_cloud, model, bucket="flush")
    s3, sm, rt = own_cloud("s3"), own_cloud("sagemaker"), own_cloud("sagemaker-runtime")
    deploy_capturing(sm, "updated", "m", dcc("s3://flush/updated"))
    deploy_capturing(sm, "deleted", "m", dcc("s3://flush/deleted"), wait_for=False)
    deploy_capturing(sm, "stopped", "m", dcc("s3://flush/stopped"), wait_for=False)
    for endpoint in ("deleted", "stopped"):
        sm.get_waiter("endpoint_in_service").wait(EndpointName=endpoint, WaiterConfig=FAST)
    for endpoint in ("updated", "deleted"):
        for _ in range(5):
            rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=ROW)
    time.sleep(1.0)
    assert captured(s3, "flush", "updated/") == []  # the writer is asleep

    sm.create_endpoint_config(EndpointConfigName="updated-2", ProductionVariants=[
        variant("AllTraffic", "m")], DataCaptureConfig=dcc("s3://flush/updated"))
    sm.update_endpoint(EndpointName="updated", EndpointConfigName="updated-2")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="updated", WaiterConfig=FAST)
    assert len(captured(s3, "flush", "updated/")) == 5
    delete_and_wait(sm, "deleted")
    assert len(captured(s3, "flush", "deleted/")) == 5
    for _ in range(5):
        rt.invoke_endpoint(EndpointName="stopped", ContentType="text/csv", Body=ROW)
    time.sleep(1.0)
    assert captured(s3, "flush", "stopped/") == []
    own_cloud.restart()
    assert len(captured(own_cloud("s3"), "flush", "stopped/")) == 5
