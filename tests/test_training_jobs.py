"""SageMaker training jobs end to end: real boto3, real server, the real XGBoost container."""
import io
import json
import tarfile
import time

import numpy as np
import pytest
import xgboost as xgb
from botocore.exceptions import ClientError

from labcloud import config
from conftest import wait_for_job

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
LEGACY_IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"


def make_csv(rows: int, seed: int, features: int = 5, noise: float = 0.1) -> bytes:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features))
    y = 3 * x[:, 0] - 2 * x[:, 1] + x[:, 2] * x[:, 3] + rng.normal(scale=noise, size=rows)
    buf = io.StringIO()
    np.savetxt(buf, np.column_stack([y, x]), delimiter=",", fmt="%.6f")
    return buf.getvalue().encode()


@pytest.fixture(scope="module")
def data(aws):
    """One bucket with train/validation CSV and libsvm data, shared by this module's jobs."""
    bucket = "training-tests"
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="csv/train/train.csv", Body=make_csv(400, 1))
    s3.put_object(Bucket=bucket, Key="csv/validation/validation.csv", Body=make_csv(150, 2))
    lines = [f"{i % 2} 0:{i * 0.1:.1f} 2:{(i % 7) * 1.0:.1f}" for i in range(200)]
    s3.put_object(Bucket=bucket, Key="libsvm/train/part-0", Body="\n".join(lines).encode())
    return bucket


def params(name: str, bucket: str, *, image: str = IMAGE, hyper: dict | None = None,
           train: str = "csv/train", validation: str | None = "csv/validation",
           content_type: str | None = "text/csv", max_runtime: int = 3600, role: str | None = None):
    channels = []
    for channel, prefix in (("train", train), ("validation", validation)):
        if prefix is None:
            continue
        c = {"ChannelName": channel, "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/{prefix}",
            "S3DataDistributionType": "FullyReplicated"}}, "CompressionType": "None"}
        if content_type:
            c["ContentType"] = content_type
        channels.append(c)
    return {
        "TrainingJobName": name,
        "RoleArn": role or config.EXECUTION_ROLE_ARN,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
        "HyperParameters": hyper if hyper is not None else {
            "max_depth": "4", "eta": "0.3", "objective": "reg:squarederror", "num_round": "30"},
        "InputDataConfig": channels,
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": max_runtime},
    }


def wait(sm, name: str, timeout: float = 120) -> dict:
    return wait_for_job(sm, "Training", name, timeout)


def train_model(aws, bucket: str, job: str, folder, rounds: str = "20"):
    """Train a small regression model on fresh CSV data in `bucket`; (artifact URI, the
    model.tar.gz bytes, the Booster loaded from it) for tests that serve or transform it."""
    s3, sm = aws("s3"), aws("sagemaker")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="csv/train/train.csv", Body=make_csv(300, 11))
    sm.create_training_job(**params(job, bucket, validation=None,
                                    hyper={"num_round": rounds, "max_depth": "3"}))
    done = wait(sm, job)
    assert done["TrainingJobStatus"] == "Completed", done.get("FailureReason")
    artifact = done["ModelArtifacts"]["S3ModelArtifacts"]
    raw = s3.get_object(Bucket=bucket, Key=artifact.split("/", 3)[3])["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        tar.extractall(folder, filter="data")
    booster = xgb.Booster()
    booster.load_model(str(folder / "xgboost-model"))
    return artifact, raw, booster


def log_messages(aws, name: str) -> list[str]:
    logs = aws("logs")
    streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs",
                                        logStreamNamePrefix=name + "/")["logStreams"]
    assert len(streams) == 1
    events = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                 logStreamName=streams[0]["logStreamName"], startFromHead=True)
    return [e["message"] for e in events["events"]], streams[0]["logStreamName"]


@pytest.fixture(scope="module")
def completed(aws, data):
    """One successful job with validation and early stopping, inspected by several tests."""
    sm = aws("sagemaker")
    name = "completed-job-" + str(int(time.time()))
    hyper = {"max_depth": "3", "eta": "0.3", "objective": "reg:squarederror", "num_round": "300",
             "eval_metric": "rmse", "early_stopping_rounds": "5"}
    sm.create_training_job(**params(name, data, hyper=hyper))
    sm.get_waiter("training_job_completed_or_stopped").wait(
        TrainingJobName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    return sm.describe_training_job(TrainingJobName=name)


def test_completed_job_describes_like_aws(completed):
    job = completed
    assert job["TrainingJobStatus"] == "Completed" and job["SecondaryStatus"] == "Completed"
    assert "FailureReason" not in job
    assert job["TrainingJobArn"] == f"arn:aws:sagemaker:us-east-1:{config.ACCOUNT_ID}:training-job/{job['TrainingJobName']}"
    transitions = job["SecondaryStatusTransitions"]
    assert [t["Status"] for t in transitions] == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert transitions[0]["StatusMessage"] == "Preparing the instances for training"
    assert transitions[2]["StatusMessage"] == "Training image download completed. Training in progress."
    assert transitions[-1]["StatusMessage"] == "Training job completed"
    for before, after in zip(transitions, transitions[1:]):
        assert before["EndTime"] == after["StartTime"]
    # provisioning is accounted on the simulated clock: minutes, not real seconds
    startup = (job["TrainingStartTime"] - job["CreationTime"]).total_seconds()
    assert 60 <= startup <= 150
    assert job["TrainingTimeInSeconds"] == job["BillableTimeInSeconds"] >= 1
    span = (job["TrainingEndTime"] - job["TrainingStartTime"]).total_seconds()
    assert abs(job["TrainingTimeInSeconds"] - span) <= 1
    assert job["HyperParameters"]["num_round"] == "300"
    assert job["StoppingCondition"]["MaxRuntimeInSeconds"] == 3600


def test_model_artifact_is_an_xgboost_model_cut_at_the_best_iteration(aws, completed, data, tmp_path):
    uri = completed["ModelArtifacts"]["S3ModelArtifacts"]
    assert uri == f"s3://{data}/output/{completed['TrainingJobName']}/output/model.tar.gz"
    body = aws("s3").get_object(Bucket=data, Key=uri.split("/", 3)[3])["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        assert tar.getnames() == ["xgboost-model"]
        tar.extractall(tmp_path, filter="data")
    booster = xgb.Booster()
    booster.load_model(str(tmp_path / "xgboost-model"))
    assert booster.num_boosted_rounds() < 300  # early stopping cut the model
    x = np.random.default_rng(5).normal(size=(50, 5))
    pred = booster.predict(xgb.DMatrix(x))
    truth = 3 * x[:, 0] - 2 * x[:, 1] + x[:, 2] * x[:, 3]
    assert np.sqrt(np.mean((pred - truth) ** 2)) < 1.5


def test_logs_and_final_metrics(aws, completed):
    name = completed["TrainingJobName"]
    messages, stream = log_messages(aws, name)
    start = int(completed["TrainingStartTime"].timestamp())
    assert stream == f"{name}/algo-1-{start}"
    metric_lines = [m for m in messages if m.startswith("[") and "#011validation-rmse:" in m]
    assert metric_lines and "\t" not in "".join(messages)
    assert metric_lines[0].startswith("[0]#011train-rmse:")
    final = {m["MetricName"]: m["Value"] for m in completed["FinalMetricDataList"]}
    last_value = float(metric_lines[-1].split("#011validation-rmse:")[1].split("#011")[0])
    assert final["validation:rmse"] == pytest.approx(last_value)
    assert "train:rmse" in final
    # the container's own timestamps follow the cloud's clock, not the host's
    from datetime import datetime, timezone
    stamps = [datetime.strptime(m[1:20], "%Y-%m-%d:%H:%M:%S").replace(tzinfo=timezone.utc)
              for m in messages if m.startswith("[20") and ":INFO]" in m[:26]]
    assert stamps, messages[:5]
    training = next(t for t in completed["SecondaryStatusTransitions"] if t["Status"] == "Training")
    assert stamps[0] >= training["StartTime"].replace(microsecond=0)  # not before the phase began
    assert stamps[-1] <= completed["TrainingEndTime"]


def test_libsvm_channel_and_legacy_image(aws, data, name):
    sm = aws("sagemaker")
    sm.create_training_job(**params(name, data, image=LEGACY_IMAGE, train="libsvm/train",
                                    validation=None, content_type=None,
                                    hyper={"objective": "reg:linear", "num_round": "5"}))
    job = wait(sm, name)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    messages, _ = log_messages(aws, name)
    assert any("reg:linear" in m for m in messages)  # the deprecation warning, as on AWS


def test_missing_num_round_fails_with_the_containers_message(aws, data, name):
    sm = aws("sagemaker")
    sm.create_training_job(**params(name, data, hyper={"max_depth": "3"}))
    job = wait(sm, name)
    assert job["TrainingJobStatus"] == "Failed" and job["SecondaryStatus"] == "Failed"
    assert "Missing required hyperparameter: num_round" in job["FailureReason"]
    assert "ModelArtifacts" not in job or not job["ModelArtifacts"].get("S3ModelArtifacts")


def test_empty_prefix_fails_with_data_download_error(aws, data, name):
    sm = aws("sagemaker")
    sm.create_training_job(**params(name, data, train="nothing-here"))
    job = wait(sm, name)
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith(
        f'ClientError: No S3 objects found under S3 URL "s3://{data}/nothing-here"')


def test_duplicate_name_is_resource_in_use(aws, data, name):
    sm = aws("sagemaker")
    sm.create_training_job(**params(name, data, hyper={"num_round": "1"}))
    with pytest.raises(sm.exceptions.ResourceInUse) as err:
        sm.create_training_job(**params(name, data))
    assert err.value.response["Error"]["Message"].startswith(
        "Training job names must be unique within an AWS account and region")
    wait(sm, name)


def test_missing_job_is_a_validation_exception(aws):
    sm = aws("sagemaker")
    with pytest.raises(ClientError) as err:
        sm.describe_training_job(TrainingJobName="no-such-job")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == "Requested resource not found."


def test_role_that_sagemaker_cannot_assume_is_refused(aws, data, name):
    iam = aws("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "ec2.amazonaws.com"}}]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    with pytest.raises(ClientError) as err:
        aws("sagemaker").create_training_job(**params(name, data, role=role))
    assert err.value.response["Error"]["Message"] == (
        f"Could not assume role {role}. Please ensure that the role exists and allows principal "
        "'sagemaker.amazonaws.com' to assume the role.")


def test_stop_training_job(aws, data, name):
    sm = aws("sagemaker")
    sm.create_training_job(**params(name, data, hyper={"num_round": "1000000", "max_depth": "2"}))
    deadline = time.monotonic() + 60
    while sm.describe_training_job(TrainingJobName=name)["SecondaryStatus"] != "Training":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    sm.stop_training_job(TrainingJobName=name)
    assert sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] in ("Stopping", "Stopped")
    job = wait(sm, name)
    assert job["TrainingJobStatus"] == "Stopped" and job["SecondaryStatus"] == "Stopped"
    with pytest.raises(ClientError) as err:
        sm.stop_training_job(TrainingJobName=name)
    assert err.value.response["Error"]["Message"] == (
        "The request was rejected because the training job is in status Stopped.")


def test_max_runtime_stops_the_job(aws, data, name):
    sm = aws("sagemaker")
    sm.create_training_job(**params(name, data, max_runtime=5))
    job = wait(sm, name)
    assert job["TrainingJobStatus"] == "Stopped"
    assert job["SecondaryStatus"] == "MaxRuntimeExceeded"
    assert job["TrainingTimeInSeconds"] <= 6


def test_list_training_jobs_filters_sorts_and_pages(aws, data, name):
    sm = aws("sagemaker")
    names = [f"{name}-{i}" for i in range(3)]
    for n in names:
        sm.create_training_job(**params(n, data, hyper={"max_depth": "1"}))  # fails fast
    for n in names:
        wait(sm, n)
    pages = list(sm.get_paginator("list_training_jobs").paginate(
        NameContains=name, SortBy="Name", SortOrder="Ascending", PaginationConfig={"PageSize": 2}))
    listed = [s["TrainingJobName"] for p in pages for s in p["TrainingJobSummaries"]]
    assert listed == names and len(pages) == 2
    failed = sm.list_training_jobs(NameContains=name, StatusEquals="Failed")["TrainingJobSummaries"]
    assert {s["TrainingJobName"] for s in failed} == set(names)
    assert sm.list_training_jobs(NameContains=name, StatusEquals="Completed")["TrainingJobSummaries"] == []
    newest = sm.list_training_jobs(NameContains=name, MaxResults=1)["TrainingJobSummaries"]
    assert newest[0]["TrainingJobName"] == names[-1]  # default: CreationTime, Descending


def test_unknown_image_is_refused(aws, data, name):
    sm = aws("sagemaker")
    bad = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:9.9-9"
    with pytest.raises(ClientError) as err:
        sm.create_training_job(**params(name, data, image=bad))
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert bad in err.value.response["Error"]["Message"]


def test_jobs_and_logs_survive_a_restart(own_cloud):
    own_cloud.start()
    own_cloud("s3").create_bucket(Bucket="kept-bucket")
    own_cloud("s3").put_object(Bucket="kept-bucket", Key="csv/train/t.csv", Body=make_csv(100, 3))
    own_cloud("sagemaker").create_training_job(**params("kept", "kept-bucket", validation=None,
                                                        hyper={"num_round": "3"}))
    job = wait(own_cloud("sagemaker"), "kept")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    own_cloud.restart()
    again = own_cloud("sagemaker").describe_training_job(TrainingJobName="kept")
    assert again["TrainingJobStatus"] == "Completed"
    assert again["TrainingEndTime"] == job["TrainingEndTime"]
    streams = own_cloud("logs").describe_log_streams(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix="kept/")["logStreams"]
    assert len(streams) == 1
