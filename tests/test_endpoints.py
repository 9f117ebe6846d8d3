"""Real-time endpoints end to end with real boto3: configs, endpoints, fleets of serving
containers, the runtime's routing and errors, rolling updates under load, replacement of a dead
instance, restart, quotas and the bill."""
import json
import os
import signal
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import boto3
import numpy as np
import pytest
import xgboost as xgb
from botocore.exceptions import ClientError, WaiterError

from labcloud import config
from test_training_jobs import IMAGE, train_model

BUCKET = "endpoint-tests"
ARN = f"arn:aws:sagemaker:{config.REGION}:{config.ACCOUNT_ID}"
FAST = {"Delay": 0.2, "MaxAttempts": 150}  # botocore accepts float delays


@pytest.fixture(scope="module")
def model(aws, tmp_path_factory):
    """Train once; register two models on the same artifact (two 'versions')."""
    sm = aws("sagemaker")
    job = "endpoint-model-" + str(int(time.time()))
    artifact, raw, booster = train_model(aws, BUCKET, job, tmp_path_factory.mktemp("model"), rounds="10")
    for suffix in ("a", "b"):
        sm.create_model(ModelName=f"{job}-{suffix}", ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": artifact})
    return {"a": f"{job}-a", "b": f"{job}-b", "booster": booster, "artifact": raw}


def variant(name, model, weight=1.0, count=1, instance_type="ml.m5.xlarge"):
    return {"VariantName": name, "ModelName": model, "InitialInstanceCount": count,
            "InstanceType": instance_type, "InitialVariantWeight": weight}


def deploy(sm, name, variants, wait_for=True):
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=variants)
    t0 = time.monotonic()
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    if wait_for:
        sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    return time.monotonic() - t0


def wait_status(sm, name, status, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        d = sm.describe_endpoint(EndpointName=name)
        if d["EndpointStatus"] == status:
            return d
        time.sleep(0.05)
    raise AssertionError(f"{name} stayed {d['EndpointStatus']}")


def error(call, *args, **kwargs):
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value.response["Error"]


ROW = "0.5,-1.2,0.3,0.8,0.1"


def test_create_describe_invoke_delete(aws, model, name, cloud_now):
    sm, rt = aws("sagemaker"), aws("sagemaker-runtime")
    seconds = deploy(sm, name, [variant("AllTraffic", model["a"])])
    assert seconds < 10  # minutes on AWS, accounted on the simulated clock
    d = sm.describe_endpoint(EndpointName=name)
    assert d["EndpointArn"] == f"{ARN}:endpoint/{name}" and d["EndpointStatus"] == "InService"
    assert d["EndpointConfigName"] == name
    (v,) = d["ProductionVariants"]
    assert v["VariantName"] == "AllTraffic" and v["CurrentWeight"] == 1.0 == v["DesiredWeight"]
    assert v["CurrentInstanceCount"] == 1 == v["DesiredInstanceCount"]
    assert v["DeployedImages"][0]["SpecifiedImage"] == IMAGE
    # the simulated clock accounted provisioning minutes
    assert (d["LastModifiedTime"] - d["CreationTime"]).total_seconds() >= 180
    c = sm.describe_endpoint_config(EndpointConfigName=name)
    assert c["EndpointConfigArn"] == f"{ARN}:endpoint-config/{name}"
    assert c["ProductionVariants"][0]["InitialVariantWeight"] == 1.0
    assert name in [e["EndpointName"] for e in sm.list_endpoints(NameContains=name)["Endpoints"]]
    assert [e["EndpointConfigName"] for e in
            sm.list_endpoint_configs(NameContains=name)["EndpointConfigs"]] == [name]
    assert [e["EndpointStatus"] for e in
            sm.list_endpoints(NameContains=name, StatusEquals="InService")["Endpoints"]] == ["InService"]

    out = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
    expected = model["booster"].predict(xgb.DMatrix(np.array([[float(x) for x in ROW.split(",")]])))[0]
    assert float(out["Body"].read().decode().strip().rstrip(",")) == pytest.approx(expected, rel=1e-5)
    assert out["InvokedProductionVariant"] == "AllTraffic"
    assert out["ContentType"].startswith("text/csv")
    # plain HTTP, unsigned, works too (what curl and requests do)
    req = urllib.request.Request(f"{aws('sagemaker').meta.endpoint_url}"
                                 f"/endpoints/{name}/invocations", data=ROW.encode(),
                                 headers={"Content-Type": "text/csv"}, method="POST")
    with urllib.request.urlopen(req) as resp:
        assert resp.headers["x-Amzn-Invoked-Production-Variant"] == "AllTraffic"
        assert resp.read().strip()

    # container log lines under /aws/sagemaker/Endpoints/<name>, stream <variant>/<instance-id>
    streams = aws("logs").describe_log_streams(logGroupName=f"/aws/sagemaker/Endpoints/{name}")
    assert [s["logStreamName"].split("/")[0] for s in streams["logStreams"]] == ["AllTraffic"]
    assert streams["logStreams"][0]["logStreamName"].split("/")[1].startswith("i-")

    sm.delete_endpoint(EndpointName=name)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig=FAST)
    assert error(rt.invoke_endpoint, EndpointName=name, ContentType="text/csv", Body=ROW) == {
        "Code": "ValidationError", "Message": f"Endpoint {name} of account {config.ACCOUNT_ID} not found."}
    sm.delete_endpoint_config(EndpointConfigName=name)
    assert error(sm.describe_endpoint_config, EndpointConfigName=name)["Message"] == \
        f'Could not find endpoint configuration "{ARN}:endpoint-config/{name}".'


def test_control_plane_errors(aws, model, name):
    sm = aws("sagemaker")
    missing = f'Could not find endpoint "{ARN}:endpoint/{name}".'
    for call in (sm.describe_endpoint, sm.delete_endpoint):
        assert error(call, EndpointName=name) == {"Code": "ValidationException", "Message": missing}
    assert error(sm.update_endpoint, EndpointName=name, EndpointConfigName=name)["Message"] == missing
    assert error(sm.update_endpoint_weights_and_capacities, EndpointName=name,
                 DesiredWeightsAndCapacities=[{"VariantName": "A", "DesiredWeight": 1}])["Message"] == missing
    assert error(sm.create_endpoint, EndpointName=name, EndpointConfigName=name)["Message"] == \
        f'Could not find endpoint configuration "{ARN}:endpoint-config/{name}".'
    for call in (sm.describe_endpoint_config, sm.delete_endpoint_config):
        assert error(call, EndpointConfigName=name)["Message"] == \
            f'Could not find endpoint configuration "{ARN}:endpoint-config/{name}".'
    assert error(sm.create_endpoint_config, EndpointConfigName=name,
                 ProductionVariants=[variant("A", "no-such-model")])["Message"] == \
        f'Could not find model "{ARN}:model/no-such-model".'
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant("A", model["a"])])
    assert error(sm.create_endpoint_config, EndpointConfigName=name,
                 ProductionVariants=[variant("A", model["a"])])["Message"] == \
        f'Cannot create already existing endpoint configuration "{ARN}:endpoint-config/{name}".'
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    in_progress = f'Cannot update in-progress endpoint "{ARN}:endpoint/{name}".'
    # while Creating, updates and deletes are refused
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "Creating"
    assert error(sm.delete_endpoint, EndpointName=name)["Message"] == in_progress
    assert error(sm.update_endpoint, EndpointName=name, EndpointConfigName=name)["Message"] == in_progress
    assert error(sm.create_endpoint, EndpointName=name, EndpointConfigName=name)["Message"] == \
        f'Cannot create already existing endpoint "{ARN}:endpoint/{name}".'
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    assert error(sm.update_endpoint_weights_and_capacities, EndpointName=name,
                 DesiredWeightsAndCapacities=[{"VariantName": "Nope", "DesiredWeight": 1}])["Code"] == \
        "ValidationException"
    sm.update_endpoint(EndpointName=name, EndpointConfigName=name)
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "Updating"
    assert error(sm.update_endpoint, EndpointName=name, EndpointConfigName=name)["Message"] == in_progress
    assert error(sm.delete_endpoint, EndpointName=name)["Message"] == in_progress
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    sm.delete_endpoint(EndpointName=name)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig=FAST)


def test_weights_route_traffic_and_target_variant_overrides(aws, model, name):
    sm, rt = aws("sagemaker"), aws("sagemaker-runtime")
    deploy(sm, name, [variant("A", model["a"], 1.0), variant("B", model["b"], 3.0)])
    seen = Counter(rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
                   ["InvokedProductionVariant"] for _ in range(400))
    assert 70 <= seen["A"] <= 130 and seen["A"] + seen["B"] == 400  # expect 100 (sd ~8.7)
    for target in ("A", "B"):
        assert {rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW,
                                   TargetVariant=target)["InvokedProductionVariant"]
                for _ in range(20)} == {target}
    assert error(rt.invoke_endpoint, EndpointName=name, ContentType="text/csv", Body=ROW,
                 TargetVariant="C")["Code"] == "ValidationError"

    sm.update_endpoint_weights_and_capacities(EndpointName=name, DesiredWeightsAndCapacities=[
        {"VariantName": "A", "DesiredWeight": 0.0}, {"VariantName": "B", "DesiredInstanceCount": 2}])
    d = sm.describe_endpoint(EndpointName=name)
    assert d["EndpointStatus"] == "Updating"
    b = next(v for v in d["ProductionVariants"] if v["VariantName"] == "B")
    assert b["DesiredInstanceCount"] == 2 and b["CurrentInstanceCount"] == 1
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    d = {v["VariantName"]: v for v in sm.describe_endpoint(EndpointName=name)["ProductionVariants"]}
    assert d["A"]["CurrentWeight"] == 0.0 and d["B"]["CurrentInstanceCount"] == 2
    assert {rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
            ["InvokedProductionVariant"] for _ in range(50)} == {"B"}
    sm.delete_endpoint(EndpointName=name)


def test_container_errors_are_model_errors(aws, model, name):
    sm, rt = aws("sagemaker"), aws("sagemaker-runtime")
    deploy(sm, name, [variant("AllTraffic", model["a"])])
    with pytest.raises(rt.exceptions.ModelError) as info:
        rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body="1,2")  # 2 of 5 features
    err = info.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 424
    message = err["Error"]["Message"]
    assert message.startswith('Received client error (400) from primary with message "')
    assert message.endswith(
        f'". See https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1'
        f"#logEventViewer:group=/aws/sagemaker/Endpoints/{name} in account "
        f"{config.ACCOUNT_ID} for more information.")
    assert err["OriginalStatusCode"] == 400 and err["OriginalMessage"] in message
    assert err["LogStreamArn"].endswith(f"/aws/sagemaker/Endpoints/{name}")
    with pytest.raises(rt.exceptions.ModelError) as info:
        rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body="a,b,c")
    assert info.value.response["OriginalStatusCode"] == 415
    assert info.value.response["Error"]["Message"].startswith("Received client error (415)")
    sm.delete_endpoint(EndpointName=name)


def _serving_pids(home: Path, endpoint: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(home / "containers")) and f"/endpoint-{endpoint}-" in cwd:
            pids.append(int(entry.name))
    return pids


def test_rolling_update_under_load_drops_nothing_and_dead_instance_is_replaced(aws, cloud, model, name):
    sm = aws("sagemaker")
    deploy(sm, name, [variant("Blue", model["a"])])
    sm.create_endpoint_config(EndpointConfigName=name + "-2",
                              ProductionVariants=[variant("Green", model["b"])])
    rt = boto3.client("sagemaker-runtime", endpoint_url=cloud.url, region_name=config.REGION,
                      aws_access_key_id=config.ACCESS_KEY_ID,
                      aws_secret_access_key=config.SECRET_ACCESS_KEY)
    results, failures, stop = Counter(), [], threading.Event()

    def client():
        while not stop.is_set():
            try:
                out = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
                results[out["InvokedProductionVariant"]] += 1
            except Exception as err:  # noqa: BLE001 - counted
                failures.append(repr(err))
    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    time.sleep(0.3)
    sm.update_endpoint(EndpointName=name, EndpointConfigName=name + "-2")
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    time.sleep(0.3)
    # kill the serving process: a new instance replaces it
    d = sm.describe_endpoint(EndpointName=name)
    assert d["EndpointConfigName"] == name + "-2"
    assert [v["VariantName"] for v in d["ProductionVariants"]] == ["Green"]
    home = Path(cloud.home)
    deadline = time.monotonic() + 10
    while len(pids := _serving_pids(home, name)) != 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # the old fleet is gone
    assert len(pids) == 1
    os.killpg(pids[0], signal.SIGKILL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        now = _serving_pids(home, name)
        if now and pids[0] not in now:
            break
        time.sleep(0.05)
    assert now and pids[0] not in now
    time.sleep(0.3)
    stop.set()
    thread.join(timeout=30)
    assert results["Blue"] > 0 and results["Green"] > 0
    # neither the rolling update nor the replacement failed a request (requests wait for the
    # replacement of a one-instance variant)
    assert failures == []
    streams = aws("logs").describe_log_streams(logGroupName=f"/aws/sagemaker/Endpoints/{name}")
    assert any(s["logStreamName"].startswith("Green/i-") for s in streams["logStreams"])
    assert rt.invoke_endpoint(EndpointName=name, ContentType="text/csv",
                              Body=ROW)["InvokedProductionVariant"] == "Green"
    sm.delete_endpoint(EndpointName=name)


def test_rolling_update_with_two_instances_drops_no_request(aws, cloud, model, name):
    sm = aws("sagemaker")
    deploy(sm, name, [variant("Blue", model["a"], count=2)])
    sm.create_endpoint_config(EndpointConfigName=name + "-2",
                              ProductionVariants=[variant("Green", model["b"], count=2)])
    results, failures, stop = Counter(), [], threading.Event()

    def client():
        c = boto3.client("sagemaker-runtime", endpoint_url=cloud.url, region_name=config.REGION,
                         aws_access_key_id=config.ACCESS_KEY_ID,
                         aws_secret_access_key=config.SECRET_ACCESS_KEY)
        while not stop.is_set():
            try:
                results[c.invoke_endpoint(EndpointName=name, ContentType="text/csv",
                                          Body=ROW)["InvokedProductionVariant"]] += 1
            except Exception as err:  # noqa: BLE001
                failures.append(repr(err))
    threads = [threading.Thread(target=client, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    sm.update_endpoint(EndpointName=name, EndpointConfigName=name + "-2")
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert failures == [] and results["Blue"] > 0 and results["Green"] > 0
    sm.delete_endpoint(EndpointName=name)


def test_quota_and_bill(aws, cloud, model, name):
    sm = aws("sagemaker")
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        variant("A", model["a"], instance_type="ml.p3.2xlarge")])
    with pytest.raises(sm.exceptions.ResourceLimitExceeded) as info:
        sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    assert "'ml.p3.2xlarge for endpoint usage' is 0 Instances" in str(info.value)
    assert "request delta of 1 Instances" in str(info.value)
    cfg = name + "-ok"
    deploy(sm, cfg, [variant("A", model["a"], instance_type="ml.c5.xlarge", count=2)])
    sm.create_endpoint_config(EndpointConfigName=name + "-more", ProductionVariants=[
        variant("A", model["a"], instance_type="ml.c5.xlarge")])
    with pytest.raises(sm.exceptions.ResourceLimitExceeded) as info:  # default 2 for c5.xlarge
        sm.create_endpoint(EndpointName=name + "-more", EndpointConfigName=name + "-more")
    assert "current utilization of 2 Instances and a request delta of 1 Instances" in str(info.value)
    urllib.request.urlopen(urllib.request.Request(f"{cloud.url}/_labcloud/clock", method="POST",
                                                  data=json.dumps({"advance": 3600}).encode()))
    bill = json.load(urllib.request.urlopen(f"{cloud.url}/_labcloud/bill"))
    (item,) = [i for i in bill["items"] if i["resource"] == f"{cfg}/A"]
    assert item["usage"] == "endpoint" and item["count"] == 2 and item["status"] == "InService"
    assert 3600 <= item["seconds"] < 3700 and item["cost_usd"] > 0
    sm.delete_endpoint(EndpointName=cfg)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=cfg, WaiterConfig=FAST)
    bill = json.load(urllib.request.urlopen(f"{cloud.url}/_labcloud/bill"))
    (item,) = [i for i in bill["items"] if i["resource"] == f"{cfg}/A"]
    assert item["status"] == "Deleted" and 3600 <= item["seconds"] < 3700


def test_failed_endpoint(aws, model, name):
    sm = aws("sagemaker")
    s3 = aws("s3")
    s3.put_object(Bucket=BUCKET, Key=f"broken/{name}.tar.gz", Body=b"not a tar")
    sm.create_model(ModelName=name, ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                    PrimaryContainer={"Image": IMAGE,
                                      "ModelDataUrl": f"s3://{BUCKET}/broken/{name}.tar.gz"})
    with pytest.raises(WaiterError):
        deploy(sm, name, [variant("AllTraffic", name)])
    d = wait_status(sm, name, "Failed")
    assert d["FailureReason"] == ("Failed to extract model data archive from URL "
                                  f'"s3://{BUCKET}/broken/{name}.tar.gz". Please ensure that the '
                                  "object located at the URL is a valid tar.gz archive.")
    in_progress = f'Cannot update failed endpoint "{ARN}:endpoint/{name}".'
    assert error(sm.update_endpoint, EndpointName=name, EndpointConfigName=name)["Message"] == in_progress
    sm.delete_endpoint(EndpointName=name)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig=FAST)


def model_on(own_cloud, model, model_name: str = "m", bucket: str = "restart") -> None:
    """Start `own_cloud` (conftest) and register the trained artifact there as `model_name`,
    stored in `bucket`: the set-up of the tests that restart a server with endpoints on it."""
    own_cloud.start()
    own_cloud("s3").create_bucket(Bucket=bucket)
    own_cloud("s3").put_object(Bucket=bucket, Key="model.tar.gz", Body=model["artifact"])
    own_cloud("sagemaker").create_model(
        ModelName=model_name, ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": f"s3://{bucket}/model.tar.gz"})


def invoke_once_back(rt, endpoint: str, timeout: float = 20) -> dict:
    """InvokeEndpoint, tried again while a restarted server's fleet is still coming back."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=ROW)
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_restart_brings_in_service_endpoints_back(model, own_cloud):
    model_on(own_cloud, model)
    deploy(own_cloud("sagemaker"), "kept", [variant("AllTraffic", "m")])
    own_cloud.stop()
    assert _serving_pids(own_cloud.home, "kept") == []
    own_cloud.start()
    sm, rt = own_cloud("sagemaker"), own_cloud("sagemaker-runtime")
    assert sm.describe_endpoint(EndpointName="kept")["EndpointStatus"] == "InService"
    assert invoke_once_back(rt, "kept")["InvokedProductionVariant"] == "AllTraffic"


def test_restart_serves_an_endpoint_whose_model_was_deleted(model, own_cloud):
    """DeleteModel does not touch a running endpoint on AWS (its instances hold the model); a
    restarted labcloud brings such an endpoint back too, instead of failing it."""
    model_on(own_cloud, model, "gone")
    sm = own_cloud("sagemaker")
    deploy(sm, "orphan", [variant("AllTraffic", "gone")])
    sm.delete_model(ModelName="gone")
    own_cloud.restart()
    sm, rt = own_cloud("sagemaker"), own_cloud("sagemaker-runtime")
    assert invoke_once_back(rt, "orphan")["InvokedProductionVariant"] == "AllTraffic"
    d = sm.describe_endpoint(EndpointName="orphan")
    assert d["EndpointStatus"] == "InService" and "FailureReason" not in d


def test_a_variant_of_instances_cannot_scale_to_zero(aws, model, name):
    """DesiredInstanceCount 0 is for inference-component endpoints; a variant of instances is
    refused (it used to be accepted, and every request then waited for an instance)."""
    sm, rt = aws("sagemaker"), aws("sagemaker-runtime")
    deploy(sm, name, [variant("A", model["a"]), variant("B", model["b"])])
    assert error(sm.update_endpoint_weights_and_capacities, EndpointName=name,
                 DesiredWeightsAndCapacities=[{"VariantName": "A", "DesiredWeight": 1},
                                              {"VariantName": "B", "DesiredInstanceCount": 0}]) == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value '0' at 'desiredWeightsAndCapacities.2."
                   "member.desiredInstanceCount' failed to satisfy constraint: Member must have "
                   "value greater than or equal to 1"}
    d = sm.describe_endpoint(EndpointName=name)
    assert d["EndpointStatus"] == "InService"
    assert [v["DesiredInstanceCount"] for v in d["ProductionVariants"]] == [1, 1]
    out = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW, TargetVariant="B")
    assert out["InvokedProductionVariant"] == "B"
    sm.delete_endpoint(EndpointName=name)


def test_weights_that_route_nowhere_or_name_a_variant_twice_are_refused(aws, model, name):
    """All weights at 0 would leave every request waiting for a variant that never gets one, and
    a variant given twice would let the last value win silently: both are refused up front."""
    sm, rt = aws("sagemaker"), aws("sagemaker-runtime")
    arn = f"arn:aws:sagemaker:us-east-1:{config.ACCOUNT_ID}:endpoint-config/{name}-zero"
    err = error(sm.create_endpoint_config, EndpointConfigName=f"{name}-zero", ProductionVariants=[
        variant("A", model["a"], weight=0), variant("B", model["b"], weight=0)])
    assert err["Code"] == "ValidationException" and f'"{arn}"' in err["Message"]
    assert "weight greater than 0" in err["Message"]
    deploy(sm, name, [variant("A", model["a"]), variant("B", model["b"])])
    err = error(sm.update_endpoint_weights_and_capacities, EndpointName=name,
                DesiredWeightsAndCapacities=[{"VariantName": "A", "DesiredWeight": 0},
                                             {"VariantName": "B", "DesiredWeight": 0}])
    assert err["Code"] == "ValidationException" and "weight greater than 0" in err["Message"]
    err = error(sm.update_endpoint_weights_and_capacities, EndpointName=name,
                DesiredWeightsAndCapacities=[{"VariantName": "A", "DesiredWeight": 0},
                                             {"VariantName": "A", "DesiredWeight": 2}])
    assert err == {"Code": "ValidationException", "Message": 'The variant(s) "[A]" are repeated '
                   "in DesiredWeightsAndCapacities; give each variant once."}
    d = sm.describe_endpoint(EndpointName=name)
    assert d["EndpointStatus"] == "InService"
    assert [v["CurrentWeight"] for v in d["ProductionVariants"]] == [1.0, 1.0]
    # one variant at 0 is fine: it gets no traffic unless a request targets it
    sm.update_endpoint_weights_and_capacities(EndpointName=name, DesiredWeightsAndCapacities=[
        {"VariantName": "A", "DesiredWeight": 0}])
    wait_status(sm, name, "InService")
    seen = {rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)
            ["InvokedProductionVariant"] for _ in range(20)}
    assert seen == {"B"}
    out = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW, TargetVariant="A")
    assert out["InvokedProductionVariant"] == "A"
    sm.delete_endpoint(EndpointName=name)
