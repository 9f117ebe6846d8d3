"""labcloud.sdk against the real server: the SDK v2 names, their wording, and a real training job
driven through Estimator.fit (plain boto3 from os.environ, as in a student's notebook)."""
from __future__ import annotations

import io
import logging
import os
import re
import tarfile

import boto3
import numpy as np
import pytest
from botocore.awsrequest import AWSResponse

import labcloud
from labcloud import config


V2_URL = "https://sagemaker.readthedocs.io/en/stable/v2.html"
IMAGE_17 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
DEFAULT_BUCKET = f"sagemaker-{config.REGION}-{config.ACCOUNT_ID}"


def renamed(phrase: str) -> str:
    return f"{phrase} has been renamed in sagemaker>=2.\nSee: {V2_URL} for details."


@pytest.fixture(scope="module")
def sdk(cloud):
    """labcloud.start() exports AWS_ENDPOINT_URL & co., as in a notebook; restored afterwards."""
    saved = dict(os.environ)
    labcloud.start(cloud.home, quiet=True)
    boto3.DEFAULT_SESSION = None
    import labcloud.sdk as sagemaker
    yield sagemaker
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def session(sdk):
    return sdk.Session()


def make_csv(rows: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4))
    y = 2 * x[:, 0] - x[:, 1] + rng.normal(scale=0.1, size=rows)
    buf = io.StringIO()
    np.savetxt(buf, np.column_stack([y, x]), delimiter=",", fmt="%.5f")
    return buf.getvalue()


# ---- Session -------------------------------------------------------------------------------
def test_session_attributes_and_default_bucket(session, aws):
    assert session.boto_region_name == config.REGION
    assert session.sagemaker_client.meta.service_model.service_name == "sagemaker"
    assert session.sagemaker_runtime_client.meta.service_model.service_name == "sagemaker-runtime"
    assert session.default_bucket() == DEFAULT_BUCKET
    names = [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]
    assert DEFAULT_BUCKET in names
    # a second session finds the bucket instead of failing to create it
    assert type(session)().default_bucket() == DEFAULT_BUCKET


def test_upload_and_download_file_and_directory(session, aws, tmp_path, name):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.csv").write_text("1,2\n")
    (src / "sub" / "b.csv").write_text("3,4\n")
    uri = session.upload_data(str(src / "a.csv"), key_prefix=f"{name}/one")
    assert uri == f"s3://{DEFAULT_BUCKET}/{name}/one/a.csv"
    assert aws("s3").get_object(Bucket=DEFAULT_BUCKET, Key=f"{name}/one/a.csv")["Body"].read() \
        == b"1,2\n"
    uri = session.upload_data(str(src), bucket=DEFAULT_BUCKET, key_prefix=f"{name}/dir")
    assert uri == f"s3://{DEFAULT_BUCKET}/{name}/dir"
    keys = sorted(o["Key"] for o in aws("s3").list_objects_v2(
        Bucket=DEFAULT_BUCKET, Prefix=f"{name}/dir")["Contents"])
    assert keys == [f"{name}/dir/a.csv", f"{name}/dir/sub/b.csv"]
    out = tmp_path / "out"
    paths = session.download_data(str(out), DEFAULT_BUCKET, key_prefix=f"{name}/dir")
    assert sorted(os.path.relpath(p, out) for p in paths) == ["a.csv", os.path.join("sub", "b.csv")]
    assert (out / "sub" / "b.csv").read_text() == "3,4\n"
    assert session.download_data(str(out), DEFAULT_BUCKET, key_prefix=f"{name}/none") == []


def test_get_execution_role_and_expand_role(sdk, session):
    role = sdk.get_execution_role()
    assert role == config.EXECUTION_ROLE_ARN
    assert role == \
        f"arn:aws:iam::{config.ACCOUNT_ID}:role/service-role/AmazonSageMaker-ExecutionRole"
    assert sdk.get_execution_role(session) == role
    assert session.expand_role("AmazonSageMaker-ExecutionRole") == role
    assert session.expand_role(role) == role


def test_get_execution_role_refuses_a_user(sdk, cloud):
    """A caller that is an IAM user, not a role: v2's ValueError. The STS answer is replaced at
    the boto3 layer (a botocore hook), the SDK code runs unchanged."""
    user = f"arn:aws:iam::{config.ACCOUNT_ID}:user/student"
    boto_session = boto3.Session()

    def as_user(params, **_):
        return (AWSResponse("https://sts.amazonaws.com/", 200, {}, None),
                {"UserId": "AIDA", "Account": config.ACCOUNT_ID, "Arn": user,
                 "ResponseMetadata": {"HTTPStatusCode": 200}})
    boto_session.events.register("before-call.sts.GetCallerIdentity", as_user)
    with pytest.raises(ValueError) as err:
        sdk.get_execution_role(sdk.Session(boto_session=boto_session))
    assert str(err.value) == (f"The current AWS identity is not a role: {user}, therefore it "
                              "cannot be used as a SageMaker execution role")


# ---- image URIs ----------------------------------------------------------------------------
@pytest.mark.parametrize("version, uri", [
    ("1.7-1", IMAGE_17),
    ("3.0-5", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"),
    ("0.90-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:0.90-1-cpu-py3"),
    ("1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"),
    ("latest", "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest"),
])
def test_image_uris_retrieve(sdk, version, uri):
    assert sdk.image_uris.retrieve("xgboost", "us-east-1", version) == uri
    assert sdk.image_uris.retrieve("xgboost", version=version) == uri  # the session's region


def test_image_uris_other_regions(sdk):
    assert sdk.image_uris.retrieve("xgboost", "us-west-2", "1.7-1") == \
        "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1"
    assert sdk.image_uris.retrieve("xgboost", "eu-west-1", "1") == \
        "685385470294.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1"


def test_image_uris_errors(sdk):
    with pytest.raises(ValueError, match=r"^Unsupported xgboost version: 9\.9\. You may need to "
                       r"upgrade your SDK version \(pip install -U sagemaker\) for newer xgboost "
                       r"versions\. Supported xgboost version\(s\): 1, 0\.90-1, .*1\.7-1, "
                       r"3\.0-5, latest\.$"):
        sdk.image_uris.retrieve("xgboost", "us-east-1", "9.9")
    with pytest.raises(ValueError, match=r"^Unsupported xgboost version: None\."):
        sdk.image_uris.retrieve("xgboost", "us-east-1")
    with pytest.raises(ValueError, match=r"^Unsupported framework: tensorflow\. .*Supported "
                       r"framework\(s\): xgboost, model-monitor\.$"):
        sdk.image_uris.retrieve("tensorflow", "us-east-1", "2.13")
    with pytest.raises(ValueError, match=r"^Unsupported region: mars-north-1\. "):
        sdk.image_uris.retrieve("xgboost", "mars-north-1", "1.7-1")


def test_image_uris_model_monitor(sdk):
    """The analyzer image, untagged as v2 returns it, is one the registry resolves."""
    from labcloud.images.registry import resolve
    uri = sdk.image_uris.retrieve("model-monitor", "us-east-1")
    assert uri == "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"
    assert resolve(uri) is not None
    assert sdk.image_uris.retrieve("model-monitor", "eu-west-1") == \
        "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
    assert sdk.image_uris.retrieve("model-monitor") == uri  # the session's region
    with pytest.raises(ValueError, match=r"^Unsupported region: mars-north-1\. "):
        sdk.image_uris.retrieve("model-monitor", "mars-north-1")


# ---- inputs and v1 names -------------------------------------------------------------------
def test_training_input_config(sdk):
    from labcloud.sdk.inputs import TrainingInput
    assert TrainingInput("s3://b/train").config == {"DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://b/train",
        "S3DataDistributionType": "FullyReplicated"}}}
    full = TrainingInput("s3://b/t", distribution="ShardedByS3Key", compression="Gzip",
                         content_type="text/csv", record_wrapping="RecordIO",
                         s3_data_type="ManifestFile", input_mode="Pipe").config
    assert full == {"DataSource": {"S3DataSource": {
        "S3DataType": "ManifestFile", "S3Uri": "s3://b/t",
        "S3DataDistributionType": "ShardedByS3Key"}}, "CompressionType": "Gzip",
        "ContentType": "text/csv", "RecordWrapperType": "RecordIO", "InputMode": "Pipe"}
    assert sdk.TrainingInput is TrainingInput


def test_get_image_uri_v1_name_warns_and_gives_the_legacy_image(sdk, caplog):
    from labcloud.sdk.amazon.amazon_estimator import get_image_uri
    with caplog.at_level(logging.WARNING), pytest.warns(DeprecationWarning) as warned:
        uri = get_image_uri("us-east-1", "xgboost")
    assert uri == "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"
    message = renamed("The method get_image_uri")
    assert [str(w.message) for w in warned] == [message]
    assert message in caplog.messages
    with pytest.warns(DeprecationWarning):
        assert get_image_uri("us-east-1", "xgboost", "1.7-1") == IMAGE_17


def test_s3_input_v1_name(sdk, caplog):
    from labcloud.sdk.session import s3_input
    with caplog.at_level(logging.WARNING), pytest.warns(DeprecationWarning) as warned:
        channel = sdk.s3_input("s3://b/train", content_type="csv")
    assert isinstance(channel, sdk.TrainingInput) and s3_input is sdk.s3_input
    assert channel.config["ContentType"] == "csv"
    assert channel.config["DataSource"]["S3DataSource"]["S3DataDistributionType"] == \
        "FullyReplicated"
    assert [str(w.message) for w in warned] == [renamed("The class sagemaker.session.s3_input")]
    assert caplog.messages == [renamed("The class sagemaker.session.s3_input")]


def test_estimator_v1_kwargs(sdk, session, caplog):
    from labcloud.sdk.estimator import Estimator
    with caplog.at_level(logging.WARNING), pytest.warns(DeprecationWarning) as warned:
        est = Estimator(image_name=IMAGE_17, role="AmazonSageMaker-ExecutionRole",
                        train_instance_count=1, train_instance_type="ml.m5.large",
                        train_volume_size=5, train_max_run=600, sagemaker_session=session)
    expected = [renamed(n) for n in ("image_name", "train_instance_count", "train_instance_type",
                                     "train_max_run", "train_volume_size")]
    assert [str(w.message) for w in warned] == expected
    assert caplog.messages == expected
    assert (est.image_uri, est.instance_count, est.instance_type, est.volume_size, est.max_run) \
        == (IMAGE_17, 1, "ml.m5.large", 5, 600)
    est.set_hyperparameters(num_round=10, eta=0.2, objective="reg:squarederror")
    assert est.hyperparameters() == {"num_round": "10", "eta": "0.2",
                                     "objective": "reg:squarederror"}
    with pytest.raises(ValueError, match="not associated with a training job"):
        est.deploy(initial_instance_count=1, instance_type="ml.m5.large")
    with pytest.raises(ValueError, match="not associated with a training job"):
        est.transformer(instance_count=1, instance_type="ml.m5.large")


# ---- training through the Estimator --------------------------------------------------------
@pytest.fixture(scope="module")
def train_data(session, tmp_path_factory):
    folder = tmp_path_factory.mktemp("xgb")
    (folder / "train.csv").write_text(make_csv(300, 1))
    (folder / "validation.csv").write_text(make_csv(100, 2))
    train = session.upload_data(str(folder / "train.csv"), key_prefix="sdk-test/train")
    validation = session.upload_data(str(folder / "validation.csv"),
                                     key_prefix="sdk-test/validation")
    return train, validation


@pytest.fixture(scope="module")
def trained(sdk, session, train_data):
    """One real job through Estimator.fit, shared by the tests that read its results."""
    import contextlib
    from labcloud.sdk.estimator import Estimator
    from labcloud.sdk.inputs import TrainingInput
    train, validation = train_data
    est = Estimator(image_uri=sdk.image_uris.retrieve("xgboost", session.boto_region_name,
                                                      "1.7-1"),
                    role=sdk.get_execution_role(), instance_count=1,
                    instance_type="ml.m5.large",
                    output_path=f"s3://{session.default_bucket()}/sdk-test/output",
                    sagemaker_session=session)
    est.set_hyperparameters(max_depth=3, eta=0.3, objective="reg:squarederror", num_round=20)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        est.fit({"train": TrainingInput(train, content_type="text/csv"),
                 "validation": TrainingInput(validation, content_type="text/csv")})
    return est, out.getvalue()


def test_fit_prints_the_sdk_transcript(trained):
    est, transcript = trained
    lines = transcript.splitlines()
    assert est.latest_training_job.name.startswith("sagemaker-xgboost-")
    assert re.fullmatch(r"sagemaker-xgboost-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-\d{3}",
                        est.latest_training_job.name)
    status = [l for l in lines if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+ - ", l)]
    assert status[0].split(" ", 2)[2].startswith("Starting - ")
    assert any(" Training - " in l for l in status)
    assert status[-1].split(" ", 2)[2].startswith("Completed - Training job completed")
    # the container's lines come between the Training and the Uploading/Completed status lines,
    # with TAB as CloudWatch stores it
    first_metric = next(i for i, l in enumerate(lines) if re.match(r"^\[0\]#011train-rmse:", l))
    training_at = next(i for i, l in enumerate(lines) if " Training - " in l)
    assert training_at < first_metric < lines.index(status[-1])
    assert "#011validation-rmse:" in lines[first_metric]
    assert re.search(r"^Training seconds: \d+$", transcript, re.M)
    assert re.search(r"^Billable seconds: \d+$", transcript, re.M)
    assert lines[-1].startswith("Billable seconds: ")


def test_model_data_and_attach(sdk, trained, aws, capsys):
    est, _ = trained
    name = est.latest_training_job.name
    bucket = est.sagemaker_session.default_bucket()
    assert est.model_data == f"s3://{bucket}/sdk-test/output/{name}/output/model.tar.gz"
    body = aws("s3").get_object(Bucket=bucket,
                                Key=f"sdk-test/output/{name}/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        assert tar.getnames() == ["xgboost-model"]
    from labcloud.sdk.estimator import Estimator
    attached = Estimator.attach(name)
    assert attached.latest_training_job.name == name
    assert attached.model_data == est.model_data
    assert attached.hyperparameters()["num_round"] == "20"
    assert attached.base_job_name == "sagemaker-xgboost"
    assert attached.instance_type == "ml.m5.large"
    capsys.readouterr()
    desc = est.sagemaker_session.logs_for_job(name)  # wait=False: the transcript, no seconds
    out = capsys.readouterr().out
    assert desc["TrainingJobStatus"] == "Completed"
    assert "Completed - Training job completed" in out and "Training seconds" not in out


def test_failing_job_raises_unexpected_status(sdk, session, train_data, capsys):
    from labcloud.sdk.estimator import Estimator
    from labcloud.sdk.exceptions import UnexpectedStatusException
    train, _ = train_data
    est = Estimator(IMAGE_17, sdk.get_execution_role(), 1, "ml.m5.large",
                    sagemaker_session=session, base_job_name="sdk-fails")
    est.set_hyperparameters(objective="reg:squarederror")  # no num_round
    with pytest.raises(UnexpectedStatusException) as err:
        est.fit({"train": sdk.TrainingInput(train, content_type="text/csv")})
    name = est.latest_training_job.name
    assert name.startswith("sdk-fails-")
    reason = session.describe_training_job(name)["FailureReason"]
    assert "num_round" in reason
    assert str(err.value) == (
        f"Error for Training job {name}: Failed. Reason: {reason}. Check troubleshooting guide "
        "for common errors: https://docs.aws.amazon.com/sagemaker/latest/dg/"
        "sagemaker-python-sdk-troubleshooting.html")
    assert err.value.actual_status == "Failed"
    assert err.value.allowed_statuses == ["Completed", "Stopped"]
    assert "Failed - Training job failed" in capsys.readouterr().out
    # the output path defaulted to the default bucket, as in v2
    assert session.describe_training_job(name)["OutputDataConfig"]["S3OutputPath"] == \
        f"s3://{DEFAULT_BUCKET}/"


def test_stopped_job_warns(sdk, session, train_data, caplog, name):
    from labcloud.sdk.estimator import Estimator
    train, _ = train_data
    est = Estimator(IMAGE_17, sdk.get_execution_role(), 1, "ml.m5.large",
                    sagemaker_session=session)
    est.set_hyperparameters(num_round=100000, objective="reg:squarederror")
    est.fit({"train": sdk.TrainingInput(train, content_type="text/csv")}, wait=False,
            job_name=name)
    est.latest_training_job.stop()
    with caplog.at_level(logging.WARNING):
        desc = session.wait_for_job(name)
    assert desc["TrainingJobStatus"] == "Stopped"
    assert "Job ended with status 'Stopped' rather than 'Completed'. This could mean the job " \
           "timed out or stopped early for some other reason: Consider checking whether it " \
           "completed as you expect." in caplog.messages
