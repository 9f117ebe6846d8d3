"""labcloud.sdk real-time deployment against the real server: Estimator.deploy, Model.deploy,
Predictor (predict with serializers/deserializers, update_endpoint, delete_endpoint,
delete_model), production_variant, Session.endpoint_from_production_variants, wait_for_endpoint's
progress characters, DataCaptureConfig, and the v1 names with v2's warnings.

What the SDK sent is read back through boto3 (DescribeEndpointConfig, DescribeModel, ...) and, for
InvokeEndpoint, from botocore's own before-call/after-call events on the SDK's client."""
from __future__ import annotations

import contextlib
import io
import logging
import re
import tarfile
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from botocore.exceptions import ClientError

from labcloud import config
from test_sdk import DEFAULT_BUCKET, IMAGE_17, V2_URL, make_csv, sdk, session  # noqa: F401

TS = r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-\d{3}"
ROLE = config.EXECUTION_ROLE_ARN


def quiet(fn, *args, **kwargs):
    """(result, what fn printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn(*args, **kwargs)
    return result, out.getvalue()


def v2_warning(phrase: str) -> str:
    return f"{phrase} in sagemaker>=2.\nSee: {V2_URL} for details."


class Calls:
    """The InvokeEndpoint requests a client sent and the variants that answered, read from
    botocore's events (the SDK's client is the real one; nothing is replaced)."""

    def __init__(self, client):
        self.requests: list[dict] = []
        self.variants: list[str] = []
        client.meta.events.register("before-call.sagemaker-runtime.InvokeEndpoint", self._before)
        client.meta.events.register("after-call.sagemaker-runtime.InvokeEndpoint", self._after)
        self.client = client

    def _before(self, params, **_):
        self.requests.append(dict(params["headers"], body=params["body"]))

    def _after(self, parsed, **_):
        self.variants.append(parsed.get("InvokedProductionVariant"))

    def close(self):
        self.client.meta.events.unregister("before-call.sagemaker-runtime.InvokeEndpoint",
                                           self._before)
        self.client.meta.events.unregister("after-call.sagemaker-runtime.InvokeEndpoint",
                                           self._after)


@pytest.fixture
def calls(session):  # noqa: F811
    recorder = Calls(session.sagemaker_runtime_client)
    yield recorder
    recorder.close()


@pytest.fixture
def endpoints(aws):
    """Names of endpoints a test made: deleted at its end whatever happened (they hold quota)."""
    names: list[str] = []
    yield names
    sm = aws("sagemaker")
    for name in names:
        with contextlib.suppress(ClientError):
            sm.delete_endpoint(EndpointName=name)


@pytest.fixture(scope="module")
def fitted(sdk, session, aws, tmp_path_factory):  # noqa: F811
    """One training job through the Estimator; its Booster, to check the endpoint's answers."""
    folder = tmp_path_factory.mktemp("sdk-deploy")
    (folder / "train.csv").write_text(make_csv(300, 7))
    train = session.upload_data(str(folder / "train.csv"), key_prefix="sdk-deploy/train")
    est = sdk.Estimator(IMAGE_17, sdk.get_execution_role(), 1, "ml.m5.large",
                        output_path=f"s3://{DEFAULT_BUCKET}/sdk-deploy/output",
                        sagemaker_session=session)
    est.set_hyperparameters(objective="reg:squarederror", num_round=15, max_depth=3)
    quiet(est.fit, {"train": sdk.TrainingInput(train, content_type="text/csv")})
    bucket, key = est.model_data[len("s3://"):].split("/", 1)
    archive = aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        raw = tar.extractfile("xgboost-model").read()
    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    features = np.random.default_rng(11).normal(size=(30, 4)).round(4)
    return est, booster, features


def expected(booster, rows) -> np.ndarray:
    return booster.predict(xgb.DMatrix(np.asarray(rows, dtype=np.float32)))


# ---- Estimator.deploy ----------------------------------------------------------------------
def test_estimator_deploy_predict_csv_then_update_then_delete(fitted, sdk, aws, calls,
                                                              endpoints):
    from labcloud.sdk.deserializers import CSVDeserializer
    from labcloud.sdk.serializers import CSVSerializer
    est, booster, features = fitted
    sm = aws("sagemaker")
    predictor, printed = quiet(est.deploy, initial_instance_count=1,
                               instance_type="ml.m5.xlarge", serializer=CSVSerializer(),
                               deserializer=CSVDeserializer())
    name = predictor.endpoint_name
    endpoints.append(name)
    assert re.fullmatch(r"-+!", printed), printed  # v2's progress line, no newline after
    assert isinstance(predictor, sdk.predictor.Predictor)
    assert re.fullmatch(f"sagemaker-xgboost-{TS}", name)
    assert (predictor.content_type, predictor.accept) == ("text/csv", ("text/csv",))

    # model, endpoint config and endpoint share the default name, as in v2
    desc = sm.describe_endpoint(EndpointName=name)
    assert desc["EndpointStatus"] == "InService" and desc["EndpointConfigName"] == name
    cfg = sm.describe_endpoint_config(EndpointConfigName=name)
    assert cfg["ProductionVariants"] == [{
        "ModelName": name, "VariantName": "AllTraffic", "InitialVariantWeight": 1.0,
        "InitialInstanceCount": 1, "InstanceType": "ml.m5.xlarge"}]
    assert "DataCaptureConfig" not in cfg
    model = sm.describe_model(ModelName=name)
    assert model["PrimaryContainer"]["Image"] == IMAGE_17
    assert model["PrimaryContainer"]["ModelDataUrl"] == est.model_data
    assert model["ExecutionRoleArn"] == ROLE

    # one row (a list), many rows (numpy, pandas, list of lists): one prediction per row
    one = predictor.predict(list(features[0]))
    assert len(one) == 1 and float(one[0][0]) == pytest.approx(
        expected(booster, features[:1])[0], rel=1e-5)
    many = predictor.predict(features)
    assert [float(r[0]) for r in many] == pytest.approx(list(expected(booster, features)),
                                                        rel=1e-5)
    frame = pd.DataFrame(features, columns=["a", "b", "c", "d"])
    assert predictor.predict(frame) == many
    assert predictor.predict(features.tolist()) == many
    first = calls.requests[0]
    assert first["Content-Type"] == "text/csv" and first["Accept"] == "text/csv"
    assert first["body"] == ",".join(str(v) for v in features[0]).encode()
    assert calls.requests[1]["body"].decode().count("\n") == len(features) - 1
    # DataFrame.to_csv ends with a newline, as in v2; a list of lists is joined like an array
    assert calls.requests[2]["body"] == calls.requests[1]["body"] + b"\n"
    assert calls.requests[3]["body"] == calls.requests[1]["body"]
    assert calls.variants == ["AllTraffic"] * 4

    # update_endpoint: a new config <old>-<timestamp> with 2 instances; requests sent during the
    # update all succeed (the old fleet serves until the new one is InService)
    failures: list[Exception] = []
    answered = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                answered.append(predictor.predict(list(features[1])))
            except Exception as err:  # noqa: BLE001 - counted and asserted below
                failures.append(err)
    sender = threading.Thread(target=client)
    sender.start()
    try:
        _, printed = quiet(predictor.update_endpoint, initial_instance_count=2,
                           instance_type="ml.m5.xlarge")
    finally:
        stop.set()
        sender.join()
    assert failures == [] and len(answered) > 0
    assert re.fullmatch(r"-+!", printed), printed
    desc = sm.describe_endpoint(EndpointName=name)
    new_config = desc["EndpointConfigName"]
    # name_from_base keeps 39 characters of the old name, so the whole fits in 63
    assert re.fullmatch(re.escape(name[:39]) + f"-{TS}", new_config), new_config
    assert desc["EndpointStatus"] == "InService"
    assert desc["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    assert sm.describe_endpoint_config(EndpointConfigName=new_config)["ProductionVariants"] == [{
        "ModelName": name, "VariantName": "AllTraffic", "InitialVariantWeight": 1.0,
        "InitialInstanceCount": 2, "InstanceType": "ml.m5.xlarge"}]
    assert sm.describe_endpoint_config(EndpointConfigName=name)["ProductionVariants"][0][
        "InitialInstanceCount"] == 1  # the old config is untouched
    with pytest.raises(ValueError, match=r"^Missing initial_instance_count and/or "
                                         r"instance_type\. Provided values: "
                                         r"initial_instance_count=3, instance_type=None"):
        predictor.update_endpoint(initial_instance_count=3)

    # delete_model, then delete_endpoint (which deletes the current config, not the first one)
    predictor.delete_model()
    with pytest.raises(ClientError, match="Could not find model"):
        sm.describe_model(ModelName=name)
    predictor.delete_endpoint()
    with pytest.raises(ClientError, match="Could not find endpoint configuration"):
        sm.describe_endpoint_config(EndpointConfigName=new_config)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name,
                                           WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
    sm.delete_endpoint_config(EndpointConfigName=name)
