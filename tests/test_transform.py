"""Batch transform end to end: a trained model, its serving container, .out files in S3."""
import gzip
import time

import numpy as np
import pytest
import xgboost as xgb
from botocore.exceptions import ClientError

from labcloud import config
from test_training_jobs import IMAGE, train_model

BUCKET = "transform-tests"


@pytest.fixture(scope="module")
def model(aws, tmp_path_factory):
    """Train once, register the model, and keep a local copy of the Booster to compare with."""
    s3, sm = aws("s3"), aws("sagemaker")
    job = "transform-model-" + str(int(time.time()))
    artifact, _, booster = train_model(aws, BUCKET, job, tmp_path_factory.mktemp("model"))
    sm.create_model(ModelName=job, ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": artifact})
    rng = np.random.default_rng(7)
    features = rng.normal(size=(60, 5)).round(4)
    csv = "\n".join(",".join(f"{v:.4f}" for v in row) for row in features) + "\n"
    s3.put_object(Bucket=BUCKET, Key="tx/in/test.csv", Body=csv.encode())
    return {"name": job, "booster": booster, "features": features, "csv": csv}


def transform(aws, name, model_name, source, output, **extra):
    sm = aws("sagemaker")
    request = {
        "TransformJobName": name, "ModelName": model_name,
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": source}},
                           "ContentType": "text/csv", "SplitType": "Line"},
        "TransformOutput": {"S3OutputPath": output, "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
    }
    for key, value in extra.items():
        if key in ("ContentType", "SplitType", "CompressionType"):
            request["TransformInput"][key] = value
        elif key in ("Accept", "AssembleWith"):
            request["TransformOutput"][key] = value
        else:
            request[key] = value
    sm.create_transform_job(**request)
    try:
        sm.get_waiter("transform_job_completed_or_stopped").wait(
            TransformJobName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    except Exception:  # the waiter raises on Failed; the tests read the status themselves
        pass
    return sm.describe_transform_job(TransformJobName=name)


def read(aws, key):
    return aws("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


def expected(model):
    return model["booster"].predict(xgb.DMatrix(model["features"]))


@pytest.mark.parametrize("strategy", ["MultiRecord", "SingleRecord"])
def test_transform_writes_one_out_file_per_input_in_order(aws, model, name, strategy):
    job = transform(aws, name, model["name"], f"s3://{BUCKET}/tx/in/test.csv",
                    f"s3://{BUCKET}/tx/out-{name}", BatchStrategy=strategy)
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    assert job["BatchStrategy"] == strategy
    assert job["TransformStartTime"] > job["CreationTime"]
    lines = read(aws, f"tx/out-{name}/test.csv.out").splitlines()
    assert np.allclose([float(v) for v in lines], expected(model), atol=1e-5)
    logs = aws("logs").describe_log_streams(logGroupName="/aws/sagemaker/TransformJobs",
                                            logStreamNamePrefix=name + "/")["logStreams"]
    assert logs


def test_join_source_and_filters(aws, model, name):
    s3 = aws("s3")
    labelled = "\n".join(f"{i},{row}" for i, row in enumerate(model["csv"].splitlines())) + "\n"
    s3.put_object(Bucket=BUCKET, Key=f"tx/{name}/labelled.csv", Body=labelled.encode())
    job = transform(aws, name, model["name"], f"s3://{BUCKET}/tx/{name}/labelled.csv",
                    f"s3://{BUCKET}/tx/out-{name}",
                    DataProcessing={"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"})
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    rows = [line.split(",") for line in read(aws, f"tx/out-{name}/labelled.csv.out").splitlines()]
    assert [int(r[0]) for r in rows] == list(range(60))
    assert np.allclose([float(r[1]) for r in rows], expected(model), atol=1e-5)


def test_gzip_input(aws, model, name):
    aws("s3").put_object(Bucket=BUCKET, Key=f"tx/{name}/z.csv", Body=gzip.compress(model["csv"].encode()))
    job = transform(aws, name, model["name"], f"s3://{BUCKET}/tx/{name}/", f"s3://{BUCKET}/tx/out-{name}",
                    CompressionType="Gzip")
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    assert len(read(aws, f"tx/out-{name}/z.csv.out").splitlines()) == 60


def test_feature_count_mismatch_fails_with_the_containers_message(aws, model, name):
    aws("s3").put_object(Bucket=BUCKET, Key=f"tx/{name}/bad.csv", Body=b"1,2,3\n4,5,6\n")
    job = transform(aws, name, model["name"], f"s3://{BUCKET}/tx/{name}/", f"s3://{BUCKET}/tx/out-{name}")
    assert job["TransformJobStatus"] == "Failed"
    assert "Feature size of csv inference data 3 is not consistent with feature size of trained model 5" \
        in job["FailureReason"]
    with pytest.raises(ClientError):
        aws("s3").head_object(Bucket=BUCKET, Key=f"tx/out-{name}/bad.csv.out")


def test_wrong_content_type_fails(aws, model, name):
    job = transform(aws, name, model["name"], f"s3://{BUCKET}/tx/in/test.csv", f"s3://{BUCKET}/tx/out-{name}",
                    ContentType="application/x-unknown")
    assert job["TransformJobStatus"] == "Failed"
    assert "(415)" in job["FailureReason"]


def test_create_errors(aws, model, name):
    sm = aws("sagemaker")
    base = {"TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                               "S3Uri": f"s3://{BUCKET}/tx/in/"}}},
            "TransformOutput": {"S3OutputPath": f"s3://{BUCKET}/x"},
            "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}}
    with pytest.raises(ClientError) as err:
        sm.create_transform_job(TransformJobName=name, ModelName="no-such-model", **base)
    assert err.value.response["Error"]["Message"] == (
        f'Could not find model "arn:aws:sagemaker:us-east-1:{config.ACCOUNT_ID}:model/no-such-model".')
    with pytest.raises(ClientError) as err:
        sm.create_transform_job(TransformJobName=name, ModelName=model["name"],
                                MaxPayloadInMB=50, MaxConcurrentTransforms=4, **base)
    assert err.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as err:
        sm.describe_transform_job(TransformJobName="no-such-job")
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_list_stop_and_bill(aws, model, name, cloud):
    sm = aws("sagemaker")
    sm.create_transform_job(
        TransformJobName=name, ModelName=model["name"],
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                        "S3Uri": f"s3://{BUCKET}/tx/in/"}}},
        TransformOutput={"S3OutputPath": f"s3://{BUCKET}/tx/out-{name}"},
        TransformResources={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1})
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_transform_job(
            TransformJobName=name, ModelName=model["name"],
            TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                            "S3Uri": f"s3://{BUCKET}/tx/in/"}}},
            TransformOutput={"S3OutputPath": f"s3://{BUCKET}/tx/out-{name}"},
            TransformResources={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1})
    sm.stop_transform_job(TransformJobName=name)
    deadline = time.monotonic() + 60
    while sm.describe_transform_job(TransformJobName=name)["TransformJobStatus"] in ("InProgress", "Stopping"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # the stop lands while the model's container starts: no record is sent, nothing is written
    assert sm.describe_transform_job(TransformJobName=name)["TransformJobStatus"] == "Stopped"
    assert "Contents" not in aws("s3").list_objects_v2(Bucket=BUCKET, Prefix=f"tx/out-{name}")
    listed = sm.list_transform_jobs(NameContains=name)["TransformJobSummaries"]
    assert [j["TransformJobName"] for j in listed] == [name]
    from labcloud import billing
    items = {i["resource"]: i for i in billing.fetch(cloud.url)["items"]}
    assert items[name]["usage"] == "transform"
