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
from test_sdk import DEFAULT_BUCKET, IMAGE_17, V2_URL, sdk, session  # noqa: F401
from test_sdk_transform import TS, fitted, quiet  # noqa: F401

ROLE = config.EXECUTION_ROLE_ARN


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
def trained(fitted, aws):  # noqa: F811
    """The Estimator fitted by test_sdk_transform's fixture, and its Booster (read from the
    job's model.tar.gz) to check the endpoint's answers."""
    est = fitted[0]
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
def test_estimator_deploy_predict_csv_then_update_then_delete(trained, sdk, aws, calls,
                                                              endpoints):
    from labcloud.sdk.deserializers import CSVDeserializer
    from labcloud.sdk.serializers import CSVSerializer
    est, booster, features = trained
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

    # a new model version rolled out with update_endpoint(model_name=...)
    version2 = predictor.sagemaker_session.create_model(
        f"{name[:50]}-v2", ROLE, {"Image": IMAGE_17, "ModelDataUrl": est.model_data})
    quiet(predictor.update_endpoint, initial_instance_count=1, instance_type="ml.m5.xlarge",
          model_name=version2)
    third_config = sm.describe_endpoint(EndpointName=name)["EndpointConfigName"]
    assert third_config != new_config
    assert sm.describe_endpoint_config(EndpointConfigName=third_config)["ProductionVariants"][0][
        "ModelName"] == version2
    assert float(predictor.predict(list(features[0]))[0][0]) == pytest.approx(
        expected(booster, features[:1])[0], rel=1e-5)

    # delete_model deletes the model the endpoint now serves (version 2), then delete_endpoint
    # deletes the current config only: the older configs and the first model stay, as in v2
    predictor.delete_model()
    with pytest.raises(ClientError, match="Could not find model"):
        sm.describe_model(ModelName=version2)
    assert sm.describe_model(ModelName=name)["ModelName"] == name
    predictor.delete_endpoint()
    with pytest.raises(ClientError, match="Could not find endpoint configuration"):
        sm.describe_endpoint_config(EndpointConfigName=third_config)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name,
                                           WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
    for config_name in (name, new_config):
        sm.delete_endpoint_config(EndpointConfigName=config_name)
    sm.delete_model(ModelName=name)


# ---- Model.deploy --------------------------------------------------------------------------
def test_model_deploy_json_in_and_out_with_data_capture(trained, sdk, aws, calls, endpoints,
                                                        name, session):  # noqa: F811
    from labcloud.sdk.deserializers import JSONDeserializer, NumpyDeserializer
    from labcloud.sdk.model_monitor import DataCaptureConfig
    from labcloud.sdk.serializers import JSONSerializer
    est, booster, features = trained
    sm = aws("sagemaker")
    capture = DataCaptureConfig(enable_capture=True, sampling_percentage=100,
                                destination_s3_uri=f"s3://{DEFAULT_BUCKET}/sdk-deploy/capture")
    model = sdk.Model(IMAGE_17, est.model_data, ROLE, name=name,
                      predictor_cls=sdk.predictor.Predictor, sagemaker_session=session)
    with pytest.warns(DeprecationWarning) as warned:
        predictor, printed = quiet(model.deploy, 1, "ml.m5.large", serializer=JSONSerializer(),
                                   deserializer=JSONDeserializer(),
                                   data_capture_config=capture, update_endpoint=False)
    endpoints.append(predictor.endpoint_name)
    assert [str(w.message) for w in warned] == [v2_warning("update_endpoint is a no-op")]
    assert re.fullmatch(r"-+!", printed), printed
    # a named model: the endpoint is <model name>-<timestamp>
    assert re.fullmatch(f"{name}-{TS}", predictor.endpoint_name)
    assert model.endpoint_name == predictor.endpoint_name
    cfg = sm.describe_endpoint_config(EndpointConfigName=predictor.endpoint_name)
    assert cfg["ProductionVariants"][0]["ModelName"] == name
    assert cfg["DataCaptureConfig"] == {
        "EnableCapture": True, "InitialSamplingPercentage": 100,
        "DestinationS3Uri": f"s3://{DEFAULT_BUCKET}/sdk-deploy/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"],
                                     "JsonContentTypes": ["application/json"]}}

    answer = predictor.predict({"instances": features[:3]}, inference_id="req-1")
    assert [p["score"] for p in answer["predictions"]] == pytest.approx(
        list(expected(booster, features[:3])), rel=1e-5)
    sent = calls.requests[-1]
    assert (sent["Content-Type"], sent["Accept"]) == ("application/json", "application/json")
    assert sent["X-Amzn-SageMaker-Inference-Id"] == "req-1"
    assert sent["body"] == ('{"instances": %s}' % features[:3].tolist()).encode()

    # target_variant and initial_args go into the request; initial_args wins over the serializer
    answer = predictor.predict(list(features[0]), target_variant="AllTraffic",
                               initial_args={"Accept": "application/jsonlines",
                                             "ContentType": "application/json"})
    assert calls.requests[-1]["X-Amzn-SageMaker-Target-Variant"] == "AllTraffic"
    assert calls.requests[-1]["Accept"] == "application/jsonlines"

    # as in v2, NumpyDeserializer wants exactly text/csv; the container says charset=utf-8
    predictor.serializer, predictor.deserializer = \
        sdk.serializers.CSVSerializer(), NumpyDeserializer(accept="text/csv")
    with pytest.raises(ValueError, match=r"^NumpyDeserializer cannot read content type "
                                         r"text/csv; charset=utf-8\.$"):
        predictor.predict(features[:2])
    # the default serializer sends bytes as application/octet-stream: the container refuses
    plain = sdk.predictor.Predictor(predictor.endpoint_name, session)
    assert (plain.content_type, plain.accept) == ("application/octet-stream", ("*/*",))
    with pytest.raises(ClientError) as err:
        plain.predict(b"1,2,3,4")
    assert err.value.response["Error"]["Code"] == "ModelError"
    assert "Content type application/octet-stream is not supported" in str(err.value)
    plain.content_type = "text/csv"  # a Predictor's content_type overrides the serializer's
    assert float(plain.predict(b"1,2,3,4").decode()) == pytest.approx(
        expected(booster, [[1, 2, 3, 4]])[0], rel=1e-5)

    # the requests were captured where DataCaptureConfig said
    s3 = aws("s3")
    prefix = f"sdk-deploy/capture/{predictor.endpoint_name}/AllTraffic/"
    keys = []
    for _ in range(100):
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=DEFAULT_BUCKET,
                                                     Prefix=prefix).get("Contents", [])]
        if keys:
            break
        threading.Event().wait(0.1)
    assert keys and all(k.endswith(".jsonl") for k in keys)

    # update_endpoint with nothing new: a new config copying the variants and the capture
    _, printed = quiet(predictor.update_endpoint)
    assert re.fullmatch(r"-+!", printed), printed
    new_name = sm.describe_endpoint(EndpointName=predictor.endpoint_name)["EndpointConfigName"]
    assert new_name != predictor.endpoint_name
    new_cfg = sm.describe_endpoint_config(EndpointConfigName=new_name)
    assert new_cfg["ProductionVariants"] == cfg["ProductionVariants"]
    assert new_cfg["DataCaptureConfig"] == cfg["DataCaptureConfig"]
    sm.delete_endpoint_config(EndpointConfigName=predictor.endpoint_name)  # the first config

    predictor.delete_model()
    predictor.delete_endpoint()
    assert sm.list_models(NameContains=name)["Models"] == []
    assert sm.list_endpoint_configs(NameContains=name)["EndpointConfigs"] == []


def test_model_without_predictor_cls_returns_none_and_default_names(trained, sdk, aws,
                                                                     endpoints,
                                                                     session):  # noqa: F811
    est, _, _ = trained
    model = sdk.Model(IMAGE_17, est.model_data, ROLE, sagemaker_session=session)
    result, printed = quiet(model.deploy, initial_instance_count=1, instance_type="ml.t2.medium",
                            wait=False)
    endpoints.append(model.endpoint_name)
    assert result is None and printed == ""  # v2: no predictor_cls, no Predictor
    # model sagemaker-xgboost-<ts>; endpoint (and config) sagemaker-xgboost-<another ts>
    assert re.fullmatch(f"sagemaker-xgboost-{TS}", model.name)
    assert re.fullmatch(f"sagemaker-xgboost-{TS}", model.endpoint_name)
    sm = aws("sagemaker")
    assert sm.describe_endpoint(EndpointName=model.endpoint_name)["EndpointStatus"] == "Creating"
    desc, printed = quiet(session.wait_for_endpoint, model.endpoint_name)
    assert desc["EndpointStatus"] == "InService" and re.fullmatch(r"-*!", printed)
    predictor = sdk.predictor.Predictor(model.endpoint_name, session,
                                        serializer=sdk.serializers.CSVSerializer())
    assert predictor.predict([0.1, 0.2, 0.3, 0.4]).strip()
    session.delete_endpoint(model.endpoint_name)
    session.delete_endpoint_config(model.endpoint_name)
    model.delete_model()
    with pytest.raises(ValueError, match="Must specify instance type and instance count"):
        model.deploy(initial_instance_count=1)
    with pytest.raises(ValueError, match="Role can not be null for deploying a model"):
        sdk.Model(IMAGE_17, est.model_data, sagemaker_session=session).deploy(1, "ml.m5.large")


def test_failed_endpoint_raises_unexpected_status(sdk, aws, session, endpoints, name,
                                                  caplog):  # noqa: F811
    aws("s3").put_object(Bucket=session.default_bucket(), Key=f"sdk-deploy/{name}.tar.gz",
                         Body=b"no tar")
    model = sdk.Model(IMAGE_17, f"s3://{DEFAULT_BUCKET}/sdk-deploy/{name}.tar.gz", ROLE,
                      name=name, predictor_cls=sdk.predictor.Predictor,
                      sagemaker_session=session)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), caplog.at_level(logging.ERROR, "labcloud.sdk"), \
            pytest.raises(sdk.exceptions.UnexpectedStatusException) as err:
        model.deploy(1, "ml.m5.large", endpoint_name=name)
    endpoints.append(name)
    assert re.fullmatch(r"-+\*", out.getvalue()), out.getvalue()
    reason = aws("sagemaker").describe_endpoint(EndpointName=name)["FailureReason"]
    assert str(err.value) == (
        f"Error hosting endpoint {name}: Failed. Reason: {reason}. Try changing the instance "
        "type or reference the troubleshooting page "
        "https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-troubleshooting.html")
    assert (err.value.actual_status, err.value.allowed_statuses) == ("Failed", ["InService"])
    assert caplog.messages[-1] == (
        "Please check the troubleshooting guide for common errors: https://docs.aws.amazon.com/"
        "sagemaker/latest/dg/sagemaker-python-sdk-troubleshooting.html"
        "#sagemaker-python-sdk-troubleshooting-create-endpoint")
    with pytest.raises(ValueError, match=f"^Endpoint with name '{name}-x' does not exist; "):
        session.update_endpoint(f"{name}-x", name)


# ---- production variants -------------------------------------------------------------------
def test_endpoint_from_production_variants_two_weighted_variants(trained, sdk, aws, calls,
                                                                 endpoints, name,
                                                                 session):  # noqa: F811
    from labcloud.sdk.session import production_variant
    est, booster, features = trained
    for suffix in ("a", "b"):
        session.create_model(f"{name}-{suffix}", ROLE,
                             {"Image": IMAGE_17, "ModelDataUrl": est.model_data})
    variants = [production_variant(f"{name}-a", "ml.c5.xlarge", 1, variant_name="VariantA",
                                   initial_weight=1),
                production_variant(f"{name}-b", "ml.m4.xlarge", variant_name="VariantB",
                                   initial_weight=3)]
    assert variants[1] == {"ModelName": f"{name}-b", "VariantName": "VariantB",
                           "InitialVariantWeight": 3, "InitialInstanceCount": 1,
                           "InstanceType": "ml.m4.xlarge"}
    returned, printed = quiet(session.endpoint_from_production_variants, name, variants,
                              tags=[{"Key": "course", "Value": "mlprod"}])
    endpoints.append(name)
    assert returned == name and re.fullmatch(r"-+!", printed)
    sm = aws("sagemaker")
    cfg = sm.describe_endpoint_config(EndpointConfigName=name)
    assert [(v["VariantName"], v["ModelName"], v["InitialVariantWeight"], v["InstanceType"])
            for v in cfg["ProductionVariants"]] == [
        ("VariantA", f"{name}-a", 1.0, "ml.c5.xlarge"),
        ("VariantB", f"{name}-b", 3.0, "ml.m4.xlarge")]
    weights = {v["VariantName"]: v["CurrentWeight"]
               for v in sm.describe_endpoint(EndpointName=name)["ProductionVariants"]}
    assert weights == {"VariantA": 1.0, "VariantB": 3.0}

    predictor = sdk.predictor.Predictor(name, session,
                                        serializer=sdk.serializers.CSVSerializer())
    for _ in range(200):
        predictor.predict(list(features[2]))
    share_b = calls.variants.count("VariantB") / len(calls.variants)
    assert set(calls.variants) == {"VariantA", "VariantB"} and 0.62 < share_b < 0.88
    predictor.predict(list(features[2]), target_variant="VariantA")
    assert calls.variants[-1] == "VariantA"
    # two models: update_endpoint cannot guess which one a new single variant serves
    with pytest.raises(ValueError, match="^Unable to choose a default model for a new "
                                         "EndpointConfig because the endpoint has multiple "
                                         f"models: {name}-a, {name}-b$"):
        predictor.update_endpoint(initial_instance_count=1, instance_type="ml.m5.large")
    # enable_data_capture: a new config <endpoint>-<timestamp>, same variants, v2's defaults
    _, printed = quiet(predictor.enable_data_capture)
    assert re.fullmatch(r"-+!", printed), printed
    desc = sm.describe_endpoint(EndpointName=name)
    assert re.fullmatch(f"{name}-{TS}", desc["EndpointConfigName"])
    assert desc["DataCaptureConfig"]["EnableCapture"] is True
    assert desc["DataCaptureConfig"]["CaptureStatus"] == "Started"
    new_cfg = sm.describe_endpoint_config(EndpointConfigName=desc["EndpointConfigName"])
    assert new_cfg["ProductionVariants"] == cfg["ProductionVariants"]
    assert new_cfg["DataCaptureConfig"]["InitialSamplingPercentage"] == 20
    assert new_cfg["DataCaptureConfig"]["DestinationS3Uri"] == \
        f"s3://{DEFAULT_BUCKET}/model-monitor/data-capture"
    predictor.delete_endpoint()  # as in v2: the config it knew (the first), not the new one
    with pytest.raises(ClientError, match="Could not find endpoint configuration"):
        sm.describe_endpoint_config(EndpointConfigName=name)
    sm.delete_endpoint_config(EndpointConfigName=desc["EndpointConfigName"])
    predictor.delete_model()
    assert sm.list_models(NameContains=name)["Models"] == []


def test_update_endpoint_keeps_the_config_tags(trained, sdk, aws, endpoints, name,
                                               session):  # noqa: F811
    """As v2: the new config takes the old config's tags (ListTags), or the tags given."""
    from labcloud.sdk.session import production_variant
    est = trained[0]
    session.create_model(name, ROLE, {"Image": IMAGE_17, "ModelDataUrl": est.model_data})
    team = [{"Key": "course", "Value": "mlprod"}, {"Key": "team", "Value": "a"}]
    quiet(session.endpoint_from_production_variants, name,
          [production_variant(name, "ml.m5.large", 1)], tags=team)
    endpoints.append(name)
    sm = aws("sagemaker")

    def config_tags():
        current = sm.describe_endpoint(EndpointName=name)["EndpointConfigName"]
        arn = sm.describe_endpoint_config(EndpointConfigName=current)["EndpointConfigArn"]
        return current, sm.list_tags(ResourceArn=arn)["Tags"]
    assert config_tags() == (name, team)
    predictor = sdk.predictor.Predictor(name, session)
    quiet(predictor.update_endpoint, initial_instance_count=1, instance_type="ml.m5.xlarge")
    second, tags = config_tags()
    assert second != name and tags == team
    quiet(predictor.update_endpoint, tags=[{"Key": "team", "Value": "b"}])
    third, tags = config_tags()
    assert third not in (name, second) and tags == [{"Key": "team", "Value": "b"}]
    predictor.delete_endpoint()
    for config_name in (name, second):
        sm.delete_endpoint_config(EndpointConfigName=config_name)
    predictor.delete_model()


# ---- v1 names ------------------------------------------------------------------------------
def test_v1_names_work_with_v2_warnings(trained, sdk, aws, endpoints, caplog,
                                        session):  # noqa: F811
    """The Udacity (SDK 1.72) flow: deploy, RealTimePredictor, predictor.content_type and
    csv_serializer, .endpoint, estimator.delete_endpoint()."""
    from labcloud.sdk.predictor import (RealTimePredictor, csv_deserializer, csv_serializer,
                                        json_deserializer, json_serializer)
    est, booster, features = trained
    with pytest.raises(ValueError, match="^No compiled model for ml_m5. Please compile one"):
        est.deploy(1, "ml.m5.large", use_compiled_model=True)  # Neo: nothing is compiled here
    xgb_predictor, _ = quiet(est.deploy, initial_instance_count=1, instance_type="ml.m5.large")
    endpoints.append(xgb_predictor.endpoint_name)
    with caplog.at_level(logging.WARNING, logger="labcloud.sdk.deprecations"), \
            warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        predictor = RealTimePredictor(xgb_predictor.endpoint_name, session,
                                      content_type="text/plain")
        assert predictor.endpoint == xgb_predictor.endpoint_name
        predictor.content_type = "text/csv"
        predictor.serializer = csv_serializer
        body = predictor.predict(features[:5]).decode("utf-8")
        predictions = np.fromstring(body.replace("\n", ","), sep=",")
        assert list(predictions) == pytest.approx(list(expected(booster, features[:5])),
                                                  rel=1e-5)
        predictor.deserializer = csv_deserializer
        assert len(predictor.predict(features[:2])) == 2
        predictor.serializer, predictor.deserializer = json_serializer, json_deserializer
        predictor.content_type = predictor.accept = "application/json"
        assert len(predictor.predict([list(features[0])])["predictions"]) == 1
        assert est.delete_endpoint() is None  # a no-op: the endpoint stays
    expected_messages = [v2_warning(p) for p in (
        "The class RealTimePredictor has been renamed", "content_type is a no-op",
        "The endpoint attribute has been renamed", "The csv_serializer has been renamed",
        "The csv_serializer has been renamed", "The csv_deserializer has been renamed",
        "The json_serializer has been renamed", "The json_deserializer has been renamed",
        "The function delete_endpoint is a no-op")]
    assert [str(w.message) for w in warned if w.category is DeprecationWarning] == \
        expected_messages
    assert caplog.messages == expected_messages
    sm = aws("sagemaker")
    assert sm.describe_endpoint(EndpointName=predictor.endpoint_name)["EndpointStatus"] == \
        "InService"
    predictor.delete_model()
    predictor.delete_endpoint()


# ---- serializers and deserializers, locally ------------------------------------------------
def test_serializers_as_v2():
    from labcloud.sdk import serializers as s
    csv = s.CSVSerializer()
    assert csv.CONTENT_TYPE == "text/csv"
    assert csv.serialize([1, 2.5, "x"]) == "1,2.5,x"
    assert csv.serialize([[1, 2], [3, 4]]) == "1,2\n3,4"
    assert csv.serialize(np.array([[1.5, 2], [3, 4]])) == "1.5,2.0\n3.0,4.0"
    assert csv.serialize(np.array([1, 2])) == "1,2"
    assert csv.serialize(pd.DataFrame({"a": [1, 3], "b": [2, 4]})) == "1,2\n3,4\n"
    assert csv.serialize("1,2") == "1,2"
    assert csv.serialize(io.StringIO("5,6\n")) == "5,6\n"
    with pytest.raises(ValueError, match="^Cannot serialize empty array$"):
        csv.serialize([[1], []])
    js = s.JSONSerializer()
    assert js.CONTENT_TYPE == "application/json"
    assert js.serialize({"instances": np.array([[1, 2]])}) == '{"instances": [[1, 2]]}'
    assert js.serialize(np.array([1.5])) == "[1.5]" and js.serialize([1]) == "[1]"
    assert s.IdentitySerializer().serialize(b"ab") == b"ab"
    assert s.IdentitySerializer().CONTENT_TYPE == "application/octet-stream"
    libsvm = s.LibSVMSerializer()
    assert (libsvm.CONTENT_TYPE, libsvm.serialize("1 0:2.5")) == ("text/libsvm", "1 0:2.5")
    with pytest.raises(ValueError, match="Unable to handle input format"):
        libsvm.serialize([1, 2])
    npy = s.NumpySerializer()
    assert npy.CONTENT_TYPE == "application/x-npy"
    assert np.load(io.BytesIO(npy.serialize([[1, 2], [3, 4]]))).tolist() == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match=r"^Cannot serialize empty array\.$"):
        npy.serialize(np.array([]))
    assert libsvm.serialize(io.StringIO("0 1:1\n")) == "0 1:1\n"
    lines = s.JSONLinesSerializer()
    assert lines.serialize([{"a": 1}, [2]]) == '{"a": 1}\n[2]'
    assert (lines.CONTENT_TYPE, lines.serialize('{"a": 1}')) == ("application/jsonlines",
                                                                 '{"a": 1}')
    with pytest.raises(ValueError, match="is not JSON Lines serializable"):
        lines.serialize(5)
    with pytest.raises(ValueError, match="content_type must be a string"):
        s.CSVSerializer(content_type=None)


def test_deserializers_as_v2():
    from labcloud.sdk import deserializers as d

    def body(data: bytes):
        return io.BytesIO(data)
    assert d.BytesDeserializer().deserialize(body(b"ab"), "x") == b"ab"
    assert d.BytesDeserializer().ACCEPT == ("*/*",)
    assert d.StringDeserializer().deserialize(body("é".encode()), "x") == "é"
    assert d.CSVDeserializer().deserialize(body(b"1,2\n3,4\n"), "text/csv") == \
        [["1", "2"], ["3", "4"]]
    assert d.CSVDeserializer().ACCEPT == ("text/csv",)
    assert d.JSONDeserializer().deserialize(body(b'{"a": [1]}'), "application/json") == \
        {"a": [1]}
    numpy = d.NumpyDeserializer()
    assert numpy.deserialize(body(b"1,2\n3,4"), "text/csv").tolist() == [[1, 2], [3, 4]]
    assert numpy.deserialize(body(b"[1, 2]"), "application/json").tolist() == [1, 2]
    buffer = io.BytesIO()
    np.save(buffer, np.arange(3))
    assert numpy.deserialize(body(buffer.getvalue()), "application/x-npy").tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="^NumpyDeserializer cannot read content type x/y.$"):
        numpy.deserialize(body(b""), "x/y")
    frame = d.PandasDeserializer().deserialize(body(b"a,b\n1,2\n"), "text/csv")
    assert frame.to_dict("list") == {"a": [1], "b": [2]}
    assert d.PandasDeserializer().ACCEPT == ("text/csv", "application/json")
    stream = body(b"x")
    assert d.StreamDeserializer().deserialize(stream, "t") == (stream, "t")
    assert d.JSONLinesDeserializer().deserialize(body(b'{"a": 1}\n[2]\n'), "x") == [{"a": 1}, [2]]


def test_data_capture_config_default_destination(sdk, session):  # noqa: F811
    from labcloud.sdk.model_monitor import DataCaptureConfig
    config_ = DataCaptureConfig(True, sagemaker_session=session,
                                capture_options=["REQUEST"], json_content_types=["a/b"])
    assert config_._to_request_dict() == {
        "EnableCapture": True, "InitialSamplingPercentage": 20,
        "DestinationS3Uri": f"s3://{DEFAULT_BUCKET}/model-monitor/data-capture",
        "CaptureOptions": [{"CaptureMode": "Input"}],
        "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"],
                                     "JsonContentTypes": ["a/b"]}}
