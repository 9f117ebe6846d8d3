"""labcloud.sdk batch transform against the real server: Estimator.transformer, Model,
Transformer.transform/wait, Session.create_model and wait_for_transform_job."""
from __future__ import annotations

import contextlib
import io
import logging
import re

import numpy as np
import pytest

from labcloud import config
from test_sdk import DEFAULT_BUCKET, IMAGE_17, make_csv, sdk, session  # noqa: F401

TS = r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-\d{3}"


def quiet(fn, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn(*args, **kwargs)
    return result, out.getvalue()


@pytest.fixture(scope="module")
def fitted(sdk, session, tmp_path_factory):  # noqa: F811
    """One training job through the Estimator, and a test set in S3 (features only)."""
    folder = tmp_path_factory.mktemp("sdk-tx")
    (folder / "train.csv").write_text(make_csv(300, 3))
    rng = np.random.default_rng(5)
    features = rng.normal(size=(40, 4)).round(4)
    (folder / "test.csv").write_text(
        "\n".join(",".join(f"{v:.4f}" for v in row) for row in features) + "\n")
    train = session.upload_data(str(folder / "train.csv"), key_prefix="sdk-tx/train")
    test = session.upload_data(str(folder / "test.csv"), key_prefix="sdk-tx/test")
    est = sdk.Estimator(IMAGE_17, sdk.get_execution_role(), 1, "ml.m5.large",
                        output_path=f"s3://{DEFAULT_BUCKET}/sdk-tx/output",
                        sagemaker_session=session)
    est.set_hyperparameters(objective="reg:squarederror", num_round=15, max_depth=3)
    quiet(est.fit, {"train": sdk.TrainingInput(train, content_type="text/csv")})
    return est, test, features


def out_lines(aws, output_path: str, name: str = "test.csv.out") -> list[str]:
    bucket, prefix = output_path[len("s3://"):].split("/", 1)
    body = aws("s3").get_object(Bucket=bucket, Key=f"{prefix}/{name}")["Body"].read()
    return body.decode().splitlines()


def test_estimator_transformer_creates_the_model_named_after_the_job(fitted, aws, sdk):
    est, test, features = fitted
    job = est.latest_training_job.name
    transformer = est.transformer(instance_count=1, instance_type="ml.m5.xlarge",
                                  strategy="MultiRecord", assemble_with="Line",
                                  accept="text/csv")
    assert isinstance(transformer, sdk.Transformer)
    assert transformer.model_name == job
    model = aws("sagemaker").describe_model(ModelName=job)
    assert model["PrimaryContainer"]["Image"] == IMAGE_17
    assert model["PrimaryContainer"]["ModelDataUrl"] == est.model_data
    assert model["ExecutionRoleArn"] == config.EXECUTION_ROLE_ARN
    assert transformer.latest_transform_job is None and transformer.output_path is None

    _, printed = quiet(transformer.transform, test, content_type="text/csv", split_type="Line")
    name = transformer.latest_transform_job.name
    assert re.fullmatch(f"sagemaker-xgboost-{TS}", name)
    # output_path defaults to s3://<default bucket>/<job name>, as in v2
    assert transformer.output_path == f"s3://{DEFAULT_BUCKET}/{name}"
    desc = aws("sagemaker").describe_transform_job(TransformJobName=name)
    assert desc["TransformJobStatus"] == "Completed"
    assert desc["ModelName"] == job
    assert desc["BatchStrategy"] == "MultiRecord"
    assert desc["TransformInput"]["SplitType"] == "Line"
    assert desc["TransformInput"]["ContentType"] == "text/csv"
    assert desc["TransformOutput"] == {"S3OutputPath": transformer.output_path,
                                       "Accept": "text/csv", "AssembleWith": "Line"}
    assert desc["TransformResources"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}
    lines = out_lines(aws, transformer.output_path)
    assert len(lines) == len(features)
    assert all(re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", line) for line in lines)
    # the predictions follow the training target 2*x0 - x1
    predicted = np.array([float(v) for v in lines])
    truth = 2 * features[:, 0] - features[:, 1]
    assert np.corrcoef(predicted, truth)[0, 1] > 0.8
    assert printed  # the container's log lines (logs=True)

    # a second transform reuses the model (v2's warning) and gets a fresh output path
    again = est.transformer(instance_count=1, instance_type="ml.m5.xlarge")
    assert again.model_name == job


def test_existing_model_is_reused_with_v2_warning(fitted, session, caplog):  # noqa: F811
    est, _, _ = fitted
    job = est.latest_training_job.name
    with caplog.at_level(logging.WARNING, logger="labcloud.sdk"):
        est.transformer(instance_count=1, instance_type="ml.m5.xlarge")
    assert f"Using already existing model: {job}" in caplog.messages


def test_transform_join_source_and_filters_wait_prints_dots(fitted, aws):
    est, test, features = fitted
    transformer = est.transformer(instance_count=1, instance_type="ml.m5.xlarge",
                                  assemble_with="Line", accept="text/csv",
                                  output_path=f"s3://{DEFAULT_BUCKET}/sdk-tx/joined")
    transformer.transform(test, content_type="text/csv", split_type="Line",
                          join_source="Input", job_name=None, wait=False)
    name = transformer.latest_transform_job.name
    desc, printed = quiet(transformer.wait, logs=False)
    assert re.fullmatch(r"\.*!\n", printed), printed
    assert desc["TransformJobStatus"] == "Completed"
    assert desc["DataProcessing"]["JoinSource"] == "Input"
    assert transformer.output_path == f"s3://{DEFAULT_BUCKET}/sdk-tx/joined"
    lines = out_lines(aws, transformer.output_path)
    assert len(lines) == len(features)
    first = lines[0].split(",")
    assert len(first) == 5 and [float(v) for v in first[:4]] == list(features[0])
    assert aws("sagemaker").describe_transform_job(TransformJobName=name)["TransformJobStatus"] \
        == "Completed"


def test_model_transformer_and_session_calls(fitted, session, aws, sdk, name):  # noqa: F811
    est, test, features = fitted
    model = sdk.Model(image_uri=IMAGE_17, model_data=est.model_data,
                      role=sdk.get_execution_role(), name=name, sagemaker_session=session)
    transformer = model.transformer(1, "ml.m5.large", assemble_with="Line",
                                    output_path=f"s3://{DEFAULT_BUCKET}/sdk-tx/{name}")
    assert aws("sagemaker").describe_model(ModelName=name)["ModelName"] == name
    transformer.transform(test, content_type="text/csv", split_type="Line",
                          job_name=f"{name}-job", input_filter="$[1:]",
                          output_filter="$[0]", join_source="Input", wait=False)
    assert transformer.latest_transform_job.name == f"{name}-job"
    desc, printed = quiet(session.wait_for_transform_job, f"{name}-job")
    assert printed.endswith("!\n") and set(printed.strip()) <= {".", "!"}
    assert desc["DataProcessing"] == {"InputFilter": "$[1:]", "OutputFilter": "$[0]",
                                      "JoinSource": "Input"}
    lines = out_lines(aws, transformer.output_path)
    assert [float(v) for v in lines] == [float(f"{v:.4f}") for v in features[:, 0]]
    # Transformer.attach reads the job back
    attached = sdk.Transformer.attach(f"{name}-job", sagemaker_session=session)
    assert (attached.model_name, attached.instance_type, attached.output_path) == \
        (name, "ml.m5.large", transformer.output_path)
    # Session.create_model with a container definition, then delete through the Model
    other = session.create_model(f"{name}-2", "AmazonSageMaker-ExecutionRole",
                                 {"Image": IMAGE_17, "ModelDataUrl": est.model_data})
    assert other == f"{name}-2"
    assert aws("sagemaker").describe_model(ModelName=other)["ExecutionRoleArn"] == \
        config.EXECUTION_ROLE_ARN
    session.delete_model(other)
    model.delete_model()
    names = [m["ModelName"] for m in aws("sagemaker").list_models(NameContains=name)["Models"]]
    assert names == []


def test_failed_transform_raises_unexpected_status(fitted, session, sdk, name):  # noqa: F811
    """Five features where the model knows four: the container's message in the exception."""
    est, _, _ = fitted
    bad = session.s3_client.put_object(Bucket=DEFAULT_BUCKET, Key=f"sdk-tx/{name}/bad.csv",
                                       Body=b"1,2,3,4,5\n")
    assert bad["ResponseMetadata"]["HTTPStatusCode"] == 200
    transformer = est.transformer(1, "ml.m5.large")
    with pytest.raises(sdk.exceptions.UnexpectedStatusException) as err:
        quiet(transformer.transform, f"s3://{DEFAULT_BUCKET}/sdk-tx/{name}/",
              content_type="text/csv", split_type="Line", job_name=name, logs=False)
    reason = session.describe_transform_job(name)["FailureReason"]
    assert str(err.value).startswith(f"Error for Transform job {name}: Failed. Reason: {reason}.")
    assert err.value.actual_status == "Failed"


def test_transformer_errors(sdk, session):  # noqa: F811
    transformer = sdk.Transformer("no-such-model", 1, "ml.m5.large", sagemaker_session=session)
    with pytest.raises(ValueError, match="No transform job available"):
        transformer.wait()
    with pytest.raises(ValueError, match="Invalid S3 URI"):
        transformer.transform("data/test.csv")
