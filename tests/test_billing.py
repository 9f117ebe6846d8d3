"""The bill and the clock client: computed from the resources' own records, read over the control API."""
import time

import pytest

from labcloud import billing, catalog, config
from labcloud import clock as labclock

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def test_ledger_prices_training_jobs_from_their_records(tmp_path):
    from labcloud.server.app import Cloud
    from labcloud.server.state import Resources

    cloud = Cloud(tmp_path / "home")
    jobs = Resources(cloud.store, "training-job")
    now = cloud.clock.now()
    docs = [
        {"TrainingJobName": "done", "TrainingJobStatus": "Completed", "BillableTimeInSeconds": 600,
         "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 2}},
        {"TrainingJobName": "running", "TrainingJobStatus": "InProgress",
         "TrainingStartTime": now - 120,
         "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1}},
        {"TrainingJobName": "refused-early", "TrainingJobStatus": "Failed",
         "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}},
    ]
    for i, doc in enumerate(docs):
        jobs.insert(doc["TrainingJobName"], "arn", doc, status=doc["TrainingJobStatus"], created=i)
    ledger = billing.ledger(cloud)
    items = {i["resource"]: i for i in ledger["items"]}
    done = items["done"]
    assert done["usage"] == "training" and done["service"] == "sagemaker"
    assert done["count"] == 2 and done["seconds"] == 600
    assert done["cost_usd"] == pytest.approx(600 * 2 * 0.115 / 3600)
    assert 120 <= items["running"]["seconds"] < 180  # billed until now while it runs
    assert items["running"]["cost_usd"] == pytest.approx(
        items["running"]["seconds"] * catalog.price_per_hour("ml.p3.2xlarge", "training") / 3600)
    assert items["refused-early"]["cost_usd"] == 0
    assert ledger["total_usd"] == pytest.approx(sum(i["cost_usd"] for i in ledger["items"]))
    assert "illustrative" in ledger["prices"]


def test_bill_and_clock_clients_talk_to_the_server(cloud, monkeypatch):
    df = billing.bill(endpoint_url=cloud.url)
    assert list(df.columns) == billing.COLUMNS
    assert df.attrs["total_usd"] == pytest.approx(df["cost_usd"].fillna(0).sum())
    monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.url)  # what labcloud.start() sets in a notebook
    assert list(billing.bill().columns) == billing.COLUMNS
    before = labclock.now()
    after = labclock.advance(minutes=10, seconds=5)
    assert 605 <= (after - before).total_seconds() < 660
    assert labclock.now() >= after
    with pytest.raises(ValueError):
        labclock.advance(hours=-1)
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    with pytest.raises(RuntimeError):
        billing.bill()


def test_completed_training_job_bill_is_billable_seconds_times_price(aws, cloud, name):
    s3, sm = aws("s3"), aws("sagemaker")
    s3.create_bucket(Bucket=name)
    rows = "\n".join(f"{i % 5},{i * 0.5},{i % 7}" for i in range(300))
    s3.put_object(Bucket=name, Key="train/train.csv", Body=rows.encode())
    sm.create_training_job(
        TrainingJobName=name, RoleArn=config.EXECUTION_ROLE_ARN,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        HyperParameters={"objective": "reg:squarederror", "num_round": "5"},
        InputDataConfig=[{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{name}/train"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{name}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 2, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    deadline = time.monotonic() + 120
    while (job := sm.describe_training_job(TrainingJobName=name))["TrainingJobStatus"] == "InProgress":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert job["TrainingJobStatus"] == "Completed"
    row = billing.bill(endpoint_url=cloud.url).set_index("resource").loc[name]
    assert row["seconds"] == job["BillableTimeInSeconds"] and row["count"] == 2
    assert row["cost_usd"] == pytest.approx(job["BillableTimeInSeconds"] * 2 * 0.115 / 3600)
