"""Service Quotas through real boto3 against the real server, and quota enforcement on
CreateTrainingJob. Each test changes the quotas of its own instance types, because every test
shares one server (and one clock)."""

import pytest
from botocore.exceptions import ClientError

from labcloud import catalog, config
from labcloud import clock as labclock
from labcloud.services.servicequotas import defaults
from test_training_jobs import wait

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
# labcloud.images (the XGBoost image) is another engineer's work and not in every tree yet: without
# it a create that passes the quota check fails later, so tests that need a job to run skip
TAIL = ("Please use AWS Service Quotas to request an increase for this quota. If AWS Service "
        "Quotas is not available, contact AWS support to request an increase for this quota.")


def limit_message(quota: str, value: int, used: int, delta: int) -> str:
    return (f"The account-level service limit '{quota}' is {value} Instances, with current "
            f"utilization of {used} Instances and a request delta of {delta} Instances. {TAIL}")


@pytest.fixture(scope="module")
def sq(aws):
    return aws("service-quotas")


@pytest.fixture(scope="module")
def data(aws):
    bucket = "quota-tests"
    aws("s3").create_bucket(Bucket=bucket)
    rows = "\n".join(f"{i % 3},{i * 0.5},{i % 7}" for i in range(200))
    aws("s3").put_object(Bucket=bucket, Key="train/train.csv", Body=rows.encode())
    return bucket


def job(name, bucket, instance_type, count=1, *, train="missing-prefix", rounds="5"):
    """A training job; with the default train prefix it fails about a second after it starts."""
    return {
        "TrainingJobName": name, "RoleArn": config.EXECUTION_ROLE_ARN,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "HyperParameters": {"objective": "reg:squarederror", "num_round": rounds, "max_depth": "2"},
        "InputDataConfig": [{"ChannelName": "train", "ContentType": "text/csv",
                             "DataSource": {"S3DataSource": {
                                 "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/{train}",
                                 "S3DataDistributionType": "FullyReplicated"}}}],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/output"},
        "ResourceConfig": {"InstanceType": instance_type, "InstanceCount": count, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }


def code(instance_type, usage="training"):
    return defaults.by_usage()[(usage, instance_type)].code


def advance(cloud, **kw):
    return labclock.advance(endpoint_url=cloud.url, **kw)


# ---- the catalog ------------------------------------------------------------------------------
def test_catalog_covers_the_course_types_and_takes_usages_from_botocore():
    df = catalog.dataframe()
    assert {"instance_type", "vcpu", "memory_gib", "gpus", "gpu_memory_gib",
            "training_usd_per_hour", "endpoint_usd_per_hour", "transform_usd_per_hour",
            "notebook_usd_per_hour"} <= set(df.columns)
    rows = df.set_index("instance_type")
    for t in ("ml.m5.xlarge", "ml.m5.large", "ml.m4.xlarge", "ml.c5.xlarge", "ml.t2.medium",
              "ml.t3.medium", "ml.p2.xlarge", "ml.p3.2xlarge", "ml.g4dn.xlarge", "ml.g5.xlarge",
              "ml.r5.large", "ml.c4.xlarge"):
        assert t in rows.index
    assert rows.loc["ml.p3.2xlarge", "gpus"] == 1 and rows.loc["ml.m5.xlarge", "gpus"] == 0
    assert rows.loc["ml.m5.xlarge", "vcpu"] == 4 and rows.loc["ml.m5.xlarge", "memory_gib"] == 16
    # ml.t2.medium is a notebook/endpoint type that TrainingInstanceType does not list
    assert "ml.t2.medium" not in catalog.allowed_types("training")
    assert rows.loc["ml.t2.medium", "training_usd_per_hour"] != rows.loc["ml.t2.medium", "training_usd_per_hour"]
    assert rows.loc["ml.t2.medium", "notebook_usd_per_hour"] > 0
    assert rows.loc["ml.p3.2xlarge", "training_usd_per_hour"] > 10 * rows.loc["ml.m5.xlarge", "training_usd_per_hour"]
    assert "illustrative" in df.attrs["prices"]


# ---- reading quotas ---------------------------------------------------------------------------
def test_list_services(sq):
    assert sq.list_services()["Services"] == [{"ServiceCode": "sagemaker",
                                               "ServiceName": "Amazon SageMaker"}]


def test_default_table_and_real_codes(sq):
    q = sq.get_aws_default_service_quota(ServiceCode="sagemaker", QuotaCode="L-CCE2AFA6")["Quota"]
    assert q["QuotaName"] == "ml.m5.xlarge for training job usage" and q["Value"] == 4.0
    assert q["QuotaArn"] == "arn:aws:servicequotas:us-east-1::sagemaker/L-CCE2AFA6"
    q = sq.get_service_quota(ServiceCode="sagemaker", QuotaCode="L-00C91CB5")["Quota"]
    assert q["QuotaName"] == "Number of instances across all training jobs" and q["Value"] == 8.0
    assert q["QuotaArn"] == "arn:aws:servicequotas:us-east-1:123456789012:sagemaker/L-00C91CB5"
    assert q["Adjustable"] is True and q["ServiceName"] == "Amazon SageMaker"
    g = sq.get_service_quota(ServiceCode="sagemaker", QuotaCode=code("ml.g5.xlarge"))["Quota"]
    assert g["QuotaCode"] == "L-B6D80D9C" and g["Value"] == 0.0
    nb = sq.get_service_quota(ServiceCode="sagemaker",
                              QuotaCode=code("ml.t2.medium", "notebook"))["Quota"]
    assert nb["QuotaName"] == "ml.t2.medium for notebook instance usage" and nb["Value"] == 2.0
    ep = sq.get_service_quota(ServiceCode="sagemaker", QuotaCode="L-2F737F8D")["Quota"]
    assert ep["QuotaName"] == "ml.m5.xlarge for endpoint usage"
    tr = sq.get_service_quota(ServiceCode="sagemaker", QuotaCode="L-09C9B23C")["Quota"]
    assert tr["QuotaName"] == "ml.c5.xlarge for transform job usage" and tr["Value"] == 2.0


def test_list_quotas_pages_and_filters(sq):
    pages = list(sq.get_paginator("list_service_quotas").paginate(
        ServiceCode="sagemaker", PaginationConfig={"PageSize": 100}))
    quotas = [q for p in pages for q in p["Quotas"]]
    assert len(pages) > 2 and len(quotas) == len(defaults.quota_table())
    codes = [q["QuotaCode"] for q in quotas]
    assert len(set(codes)) == len(codes)
    assert all(c.startswith("L-") and len(c) == 10 for c in codes)
    names = {q["QuotaName"] for q in quotas}
    assert "ml.p3.2xlarge for training job usage" in names
    gpu = [q for q in quotas if q["QuotaName"].split(" ")[0] in catalog.catalog()
           and catalog.get(q["QuotaName"].split(" ")[0]).is_gpu]
    assert gpu and all(q["Value"] == 0 for q in gpu)
    defaults_pages = list(sq.get_paginator("list_aws_default_service_quotas").paginate(
        ServiceCode="sagemaker", PaginationConfig={"PageSize": 50}))
    assert sum(len(p["Quotas"]) for p in defaults_pages) == len(quotas)
    one = sq.list_service_quotas(ServiceCode="sagemaker", QuotaCode="L-611FA074")["Quotas"]
    assert [q["QuotaName"] for q in one] == ["ml.m5.large for training job usage"]
    first = sq.list_service_quotas(ServiceCode="sagemaker", MaxResults=3)
    assert len(first["Quotas"]) == 3 and first["NextToken"]
    second = sq.list_service_quotas(ServiceCode="sagemaker", MaxResults=3, NextToken=first["NextToken"])
    assert second["Quotas"][0]["QuotaCode"] == codes[3]


def test_unknown_service_quota_and_token_are_refused(sq):
    with pytest.raises(sq.exceptions.NoSuchResourceException):
        sq.list_service_quotas(ServiceCode="ec2")
    with pytest.raises(sq.exceptions.NoSuchResourceException):
        sq.list_aws_default_service_quotas(ServiceCode="nosuchservice")
    with pytest.raises(sq.exceptions.NoSuchResourceException):
        sq.get_service_quota(ServiceCode="sagemaker", QuotaCode="L-00000000")
    with pytest.raises(sq.exceptions.NoSuchResourceException):
        sq.get_aws_default_service_quota(ServiceCode="sagemaker", QuotaCode="L-00000000")
    with pytest.raises(sq.exceptions.NoSuchResourceException):
        sq.request_service_quota_increase(ServiceCode="sagemaker", QuotaCode="L-00000000",
                                          DesiredValue=3)
    with pytest.raises(sq.exceptions.NoSuchResourceException):
        sq.get_requested_service_quota_change(RequestId="0" * 32)
    with pytest.raises(sq.exceptions.NoSuchResourceException):
        sq.list_requested_service_quota_change_history_by_quota(ServiceCode="sagemaker",
                                                                 QuotaCode="L-00000000")
    with pytest.raises(sq.exceptions.InvalidPaginationTokenException):
        sq.list_service_quotas(ServiceCode="sagemaker", NextToken="garbage")


# ---- enforcement --------------------------------------------------------------------------------
def test_gpu_training_job_is_refused_with_aws_message(aws, data, name):
    sm = aws("sagemaker")
    with pytest.raises(sm.exceptions.ResourceLimitExceeded) as err:
        sm.create_training_job(**job(name, data, "ml.p2.xlarge"))
    assert err.value.response["Error"]["Message"] == limit_message(
        "ml.p2.xlarge for training job usage", 0, 0, 1)
    with pytest.raises(ClientError):
        sm.describe_training_job(TrainingJobName=name)  # nothing was created


def test_over_quota_request_delta(aws, data, name):
    sm = aws("sagemaker")
    with pytest.raises(sm.exceptions.ResourceLimitExceeded) as err:
        sm.create_training_job(**job(name, data, "ml.m4.xlarge", 3))
    assert err.value.response["Error"]["Message"] == limit_message(
        "ml.m4.xlarge for training job usage", 2, 0, 3)


def test_usage_counts_instances_of_active_training_jobs(tmp_path):
    """In-process cloud: InProgress and Stopping jobs hold their instances, ended ones do not."""
    from labcloud.server.app import Cloud
    from labcloud.server.errors import AWSError
    from labcloud.server.state import Resources

    cloud = Cloud(tmp_path / "home")
    jobs = Resources(cloud.store, "training-job")
    for n, (status, itype, count) in enumerate([("InProgress", "ml.m5.large", 1),
                                               ("Stopping", "ml.m5.large", 1),
                                               ("Completed", "ml.m5.large", 2),
                                               ("InProgress", "ml.m4.xlarge", 2),
                                               ("InProgress", "ml.c5.xlarge", 2)]):
        jobs.insert(f"j{n}", f"arn:j{n}", {"TrainingJobName": f"j{n}", "TrainingJobStatus": status,
                    "ResourceConfig": {"InstanceType": itype, "InstanceCount": count}},
                    status=status, created=float(n))
    quotas = cloud.services["servicequotas"]
    with pytest.raises(AWSError) as err:
        quotas.check("training", "ml.m5.large", 1)
    assert err.value.code == "ResourceLimitExceeded"
    assert err.value.message == limit_message("ml.m5.large for training job usage", 2, 2, 1)
    with pytest.raises(AWSError) as err:
        quotas.check("training", "ml.m5.xlarge", 3)  # 6 in use + 3 > 8 across all training jobs
    assert err.value.message == limit_message("Number of instances across all training jobs", 8, 6, 3)
    quotas.check("training", "ml.m5.xlarge", 2)
    quotas.check("endpoint", "ml.m5.large", 2)  # other usages count their own resources


def test_running_job_holds_its_instances(aws, data, name):
    sm = aws("sagemaker")
    sm.create_training_job(**job(name, data, "ml.m4.xlarge", 2, train="train", rounds="100000000"))
    try:
        with pytest.raises(sm.exceptions.ResourceLimitExceeded) as err:
            sm.create_training_job(**job(name + "-2", data, "ml.m4.xlarge", 1))
        assert err.value.response["Error"]["Message"] == limit_message(
            "ml.m4.xlarge for training job usage", 2, 2, 1)
    finally:
        sm.stop_training_job(TrainingJobName=name)
    assert wait(sm, name)["TrainingJobStatus"] == "Stopped"
    sm.create_training_job(**job(name + "-3", data, "ml.m4.xlarge", 2))  # freed again
    wait(sm, name + "-3")


# ---- increase requests on the simulated clock -----------------------------------------------------
def test_increase_moves_pending_case_opened_approved_and_applies(aws, sq, cloud, data, name):
    sm = aws("sagemaker")
    qcode = code("ml.c4.xlarge")
    with pytest.raises(sm.exceptions.ResourceLimitExceeded) as err:
        sm.create_training_job(**job(name, data, "ml.c4.xlarge", 3))
    assert err.value.response["Error"]["Message"] == limit_message(
        "ml.c4.xlarge for training job usage", 0, 0, 3)

    req = sq.request_service_quota_increase(ServiceCode="sagemaker", QuotaCode=qcode,
                                            DesiredValue=3)["RequestedQuota"]
    assert req["Status"] == "PENDING" and req["DesiredValue"] == 3.0
    assert req["QuotaName"] == "ml.c4.xlarge for training job usage" and "CaseId" not in req
    with pytest.raises(sq.exceptions.ResourceAlreadyExistsException) as err:
        sq.request_service_quota_increase(ServiceCode="sagemaker", QuotaCode=qcode, DesiredValue=4)
    assert err.value.response["Error"]["Message"] == (
        "Only one open service quota increase request is allowed per quota.")

    advance(cloud, minutes=5)
    got = sq.get_requested_service_quota_change(RequestId=req["Id"])["RequestedQuota"]
    assert got["Status"] == "CASE_OPENED" and got["CaseId"]
    assert sq.get_service_quota(ServiceCode="sagemaker", QuotaCode=qcode)["Quota"]["Value"] == 0
    with pytest.raises(sm.exceptions.ResourceLimitExceeded):
        sm.create_training_job(**job(name, data, "ml.c4.xlarge", 3))

    advance(cloud, minutes=25)
    got = sq.get_requested_service_quota_change(RequestId=req["Id"])["RequestedQuota"]
    assert got["Status"] == "APPROVED"
    assert (got["LastUpdated"] - got["Created"]).total_seconds() == pytest.approx(1800, abs=1)
    assert sq.get_service_quota(ServiceCode="sagemaker", QuotaCode=qcode)["Quota"]["Value"] == 3.0
    assert sq.get_aws_default_service_quota(ServiceCode="sagemaker",
                                            QuotaCode=qcode)["Quota"]["Value"] == 0.0
    sm.create_training_job(**job(name, data, "ml.c4.xlarge", 3))
    wait(sm, name)

    with pytest.raises(sq.exceptions.IllegalArgumentException) as err:
        sq.request_service_quota_increase(ServiceCode="sagemaker", QuotaCode=qcode, DesiredValue=3)
    assert err.value.response["Error"]["Message"] == (
        "You must provide a quota value greater than the current quota value")
    history = sq.list_requested_service_quota_change_history_by_quota(
        ServiceCode="sagemaker", QuotaCode=qcode)["RequestedQuotas"]
    assert [h["Id"] for h in history] == [req["Id"]]


def test_increase_above_the_ceiling_is_denied(sq, cloud, aws, data, name):
    qcode = code("ml.p3.2xlarge")
    req = sq.request_service_quota_increase(ServiceCode="sagemaker", QuotaCode=qcode,
                                            DesiredValue=5)["RequestedQuota"]
    advance(cloud, minutes=31)
    got = sq.get_requested_service_quota_change(RequestId=req["Id"])["RequestedQuota"]
    assert got["Status"] == "DENIED"
    assert sq.get_service_quota(ServiceCode="sagemaker", QuotaCode=qcode)["Quota"]["Value"] == 0
    with pytest.raises(aws("sagemaker").exceptions.ResourceLimitExceeded):
        aws("sagemaker").create_training_job(**job(name, data, "ml.p3.2xlarge"))
    # a denied request is closed: a smaller one may follow, and within the GPU ceiling it passes
    small = sq.request_service_quota_increase(ServiceCode="sagemaker", QuotaCode=qcode,
                                              DesiredValue=1)["RequestedQuota"]
    denied = sq.list_requested_service_quota_change_history(ServiceCode="sagemaker",
                                                            Status="DENIED")["RequestedQuotas"]
    assert req["Id"] in {r["Id"] for r in denied} and small["Id"] not in {r["Id"] for r in denied}
    advance(cloud, minutes=30)
    assert sq.get_requested_service_quota_change(
        RequestId=small["Id"])["RequestedQuota"]["Status"] == "APPROVED"


def test_account_wide_training_cap(aws, sq, cloud, data, name):
    """Per-type quota raised to 10, but the account allows 8 training instances in all."""
    sm = aws("sagemaker")
    qcode = code("ml.c5.2xlarge")
    sq.request_service_quota_increase(ServiceCode="sagemaker", QuotaCode=qcode, DesiredValue=10)
    advance(cloud, minutes=30)
    with pytest.raises(sm.exceptions.ResourceLimitExceeded) as err:
        sm.create_training_job(**job(name, data, "ml.c5.2xlarge", 9))
    assert err.value.response["Error"]["Message"] == limit_message(
        "Number of instances across all training jobs", 8, 0, 9)


def test_history_pages_and_filters(sq, cloud):
    ids = []
    for itype in ("ml.r5.large", "ml.r5.xlarge", "ml.r5.2xlarge"):
        ids.append(sq.request_service_quota_increase(
            ServiceCode="sagemaker", QuotaCode=code(itype), DesiredValue=2)["RequestedQuota"]["Id"])
    pending = [r["Id"] for p in sq.get_paginator("list_requested_service_quota_change_history")
               .paginate(ServiceCode="sagemaker", Status="PENDING", PaginationConfig={"PageSize": 2})
               for r in p["RequestedQuotas"]]
    assert pending == ids[::-1]  # newest first
    page = sq.list_requested_service_quota_change_history(Status="PENDING", MaxResults=1)
    assert len(page["RequestedQuotas"]) == 1 and page["NextToken"]
    with pytest.raises(sq.exceptions.NoSuchResourceException):
        sq.list_requested_service_quota_change_history(ServiceCode="nosuchservice")
    advance(cloud, minutes=30)
    statuses = {r["Id"]: r["Status"] for r in
                sq.list_requested_service_quota_change_history()["RequestedQuotas"]}
    assert all(statuses[i] == "APPROVED" for i in ids)
