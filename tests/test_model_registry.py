"""The model registry with the real boto3: model package groups, numbered versions, approval,
listing, the errors SageMaker gives, and deploying the latest Approved version to an endpoint."""
import time

import numpy as np
import pytest
import xgboost as xgb
from botocore.exceptions import ClientError

from labcloud import config
from test_endpoints import FAST, ROW, deploy, variant
from test_models import artifact  # noqa: F401  (fixture: a small model.tar.gz in S3)
from test_training_jobs import IMAGE, train_model

ARN = f"arn:aws:sagemaker:{config.REGION}:{config.ACCOUNT_ID}"
ROLE = config.EXECUTION_ROLE_ARN


def spec(artifact):
    return {"Containers": [{"Image": IMAGE, "ModelDataUrl": artifact}],
            "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"],
            "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.xlarge"],
            "SupportedTransformInstanceTypes": ["ml.m5.xlarge"]}


def error(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]


def test_group_create_describe_list_delete(aws, name, cloud_now):
    sm = aws("sagemaker")
    out = sm.create_model_package_group(ModelPackageGroupName=name,
                                        ModelPackageGroupDescription="churn models")
    assert out["ModelPackageGroupArn"] == f"{ARN}:model-package-group/{name}"
    d = sm.describe_model_package_group(ModelPackageGroupName=name)
    assert d["ModelPackageGroupName"] == name and d["ModelPackageGroupStatus"] == "Completed"
    assert d["ModelPackageGroupDescription"] == "churn models"
    assert abs((d["CreationTime"] - cloud_now()).total_seconds()) < 60
    assert "_LatestVersion" not in d
    # by ARN as well as by name
    assert sm.describe_model_package_group(
        ModelPackageGroupName=out["ModelPackageGroupArn"])["ModelPackageGroupName"] == name
    e = error(sm.create_model_package_group, ModelPackageGroupName=name)
    assert e == {"Code": "ValidationException",
                 "Message": f"Model Package Group already exists: {ARN}:model-package-group/{name}"}
    others = [f"{name}-b", f"{name}-a"]
    for other in others:
        sm.create_model_package_group(ModelPackageGroupName=other)
    listed = sm.list_model_package_groups(NameContains=name)["ModelPackageGroupSummaryList"]
    assert [g["ModelPackageGroupName"] for g in listed] == [name, *others]  # CreationTime, Ascending
    by_name = sm.list_model_package_groups(NameContains=name, SortBy="Name", SortOrder="Descending")
    assert [g["ModelPackageGroupName"] for g in by_name["ModelPackageGroupSummaryList"]] == \
        [f"{name}-b", f"{name}-a", name]
    first = sm.list_model_package_groups(NameContains=name, MaxResults=2)
    rest = sm.list_model_package_groups(NameContains=name, MaxResults=2, NextToken=first["NextToken"])
    assert [g["ModelPackageGroupName"] for g in first["ModelPackageGroupSummaryList"]
            + rest["ModelPackageGroupSummaryList"]] == [name, *others]
    assert "NextToken" not in rest
    for group in (name, *others):
        sm.delete_model_package_group(ModelPackageGroupName=group)
    e = error(sm.describe_model_package_group, ModelPackageGroupName=name)
    assert e == {"Code": "ValidationException",
                 "Message": f"ModelPackageGroup {ARN}:model-package-group/{name} does not exist."}
    assert error(sm.delete_model_package_group, ModelPackageGroupName=name)["Code"] == \
        "ValidationException"


def test_versions_are_numbered_and_described(aws, name, artifact, cloud_now):
    sm = aws("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=name)
    arns = []
    for i in range(3):
        out = sm.create_model_package(
            ModelPackageGroupName=name, ModelPackageDescription=f"version {i + 1}",
            InferenceSpecification=spec(artifact),
            CustomerMetadataProperties={"max_depth": str(3 + i)},
            ModelMetrics={"ModelQuality": {"Statistics": {
                "ContentType": "application/json", "S3Uri": f"s3://{name}/metrics.json"}}})
        arns.append(out["ModelPackageArn"])
    assert arns == [f"{ARN}:model-package/{name}/{n}" for n in (1, 2, 3)]
    d = sm.describe_model_package(ModelPackageName=arns[1])
    assert d["ModelPackageName"] == name and d["ModelPackageGroupName"] == name
    assert d["ModelPackageVersion"] == 2 and d["ModelPackageArn"] == arns[1]
    assert d["ModelPackageStatus"] == "Completed"
    assert d["ModelApprovalStatus"] == "PendingManualApproval"  # the default for a version
    assert d["ModelPackageDescription"] == "version 2"
    assert d["InferenceSpecification"] == spec(artifact)
    assert d["CustomerMetadataProperties"] == {"max_depth": "4"}
    assert d["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"] == f"s3://{name}/metrics.json"
    assert d["ModelPackageStatusDetails"] == {"ValidationStatuses": [], "ImageScanStatuses": []}
    assert abs((d["CreationTime"] - cloud_now()).total_seconds()) < 60
    assert "LastModifiedTime" not in d
    # also by "<group>/<version>"
    assert sm.describe_model_package(ModelPackageName=f"{name}/3")["ModelPackageVersion"] == 3
    # a deleted version's number is not reused
    sm.delete_model_package(ModelPackageName=arns[2])
    e = error(sm.describe_model_package, ModelPackageName=arns[2])
    assert e == {"Code": "ValidationException", "Message": f"ModelPackage {arns[2]} does not exist."}
    again = sm.create_model_package(ModelPackageGroupName=name, InferenceSpecification=spec(artifact),
                                    ModelApprovalStatus="Approved")
    assert again["ModelPackageArn"] == f"{ARN}:model-package/{name}/4"
    assert sm.describe_model_package(ModelPackageName=again["ModelPackageArn"])[
        "ModelApprovalStatus"] == "Approved"


def test_update_approval(aws, name, artifact, cloud_now):
    sm = aws("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=name)
    a = sm.create_model_package(ModelPackageGroupName=name, InferenceSpecification=spec(artifact),
                                CustomerMetadataProperties={"k": "1", "gone": "x"})["ModelPackageArn"]
    b = sm.create_model_package(ModelPackageGroupName=name,
                                InferenceSpecification=spec(artifact))["ModelPackageArn"]
    out = sm.update_model_package(ModelPackageArn=a, ModelApprovalStatus="Approved",
                                  ApprovalDescription="RMSE 0.41 on the holdout",
                                  CustomerMetadataProperties={"reviewer": "ana"},
                                  CustomerMetadataPropertiesToRemove=["gone"])
    assert out == {"ModelPackageArn": a, "ResponseMetadata": out["ResponseMetadata"]}
    d = sm.describe_model_package(ModelPackageName=a)
    assert d["ModelApprovalStatus"] == "Approved"
    assert d["ApprovalDescription"] == "RMSE 0.41 on the holdout"
    assert d["CustomerMetadataProperties"] == {"k": "1", "reviewer": "ana"}
    assert d["LastModifiedTime"] >= d["CreationTime"]
    assert abs((d["LastModifiedTime"] - cloud_now()).total_seconds()) < 60
    sm.update_model_package(ModelPackageArn=b, ModelApprovalStatus="Rejected")
    assert sm.describe_model_package(ModelPackageName=b)["ModelApprovalStatus"] == "Rejected"
    e = error(sm.update_model_package, ModelPackageArn=a, ModelApprovalStatus="Maybe")
    assert e["Code"] == "ValidationException" and "Member must satisfy enum value set" in e["Message"]
    assert sm.describe_model_package(ModelPackageName=a)["ModelApprovalStatus"] == "Approved"
    missing = f"{ARN}:model-package/{name}/9"
    e = error(sm.update_model_package, ModelPackageArn=missing, ModelApprovalStatus="Approved")
    assert e == {"Code": "ValidationException", "Message": f"ModelPackage {missing} does not exist."}


def test_list_model_packages_filters_sorts_and_pages(aws, name, artifact):
    sm = aws("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=name)
    statuses = ["Approved", "Rejected", "Approved", "PendingManualApproval", "Approved"]
    for status in statuses:
        sm.create_model_package(ModelPackageGroupName=name, InferenceSpecification=spec(artifact),
                                ModelApprovalStatus=status)
    listed = sm.list_model_packages(ModelPackageGroupName=name)["ModelPackageSummaryList"]
    assert [s["ModelPackageVersion"] for s in listed] == [1, 2, 3, 4, 5]  # Ascending by default
    assert [s["ModelApprovalStatus"] for s in listed] == statuses
    assert all("ModelPackageName" not in s and s["ModelPackageGroupName"] == name for s in listed)
    assert listed[0]["ModelPackageArn"] == f"{ARN}:model-package/{name}/1"
    latest = sm.list_model_packages(ModelPackageGroupName=name, ModelApprovalStatus="Approved",
                                    SortBy="CreationTime", SortOrder="Descending", MaxResults=1)
    assert latest["ModelPackageSummaryList"][0]["ModelPackageVersion"] == 5
    approved = [latest["ModelPackageSummaryList"][0]["ModelPackageVersion"]]
    token = latest["NextToken"]
    while token:
        page = sm.list_model_packages(ModelPackageGroupName=name, ModelApprovalStatus="Approved",
                                      SortBy="CreationTime", SortOrder="Descending", MaxResults=1,
                                      NextToken=token)
        approved += [s["ModelPackageVersion"] for s in page["ModelPackageSummaryList"]]
        token = page.get("NextToken")
    assert approved == [5, 3, 1]
    by_name = sm.list_model_packages(ModelPackageGroupName=f"{ARN}:model-package-group/{name}",
                                     SortBy="Name", SortOrder="Descending")
    assert [s["ModelPackageVersion"] for s in by_name["ModelPackageSummaryList"]] == [5, 4, 3, 2, 1]
    # without a group, AWS lists unversioned packages only
    unversioned = f"{name}-plain"
    sm.create_model_package(ModelPackageName=unversioned, InferenceSpecification=spec(artifact))
    plain = sm.list_model_packages(NameContains=name)["ModelPackageSummaryList"]
    assert [s["ModelPackageName"] for s in plain] == [unversioned]
    assert "ModelApprovalStatus" not in plain[0] and "ModelPackageVersion" not in plain[0]
    both = sm.list_model_packages(NameContains=name, ModelPackageType="Both")["ModelPackageSummaryList"]
    assert len(both) == 6
    e = error(sm.list_model_packages, ModelPackageGroupName=name, NextToken="forged")
    assert e == {"Code": "ValidationException", "Message": "Invalid pagination token given."}


def test_create_package_errors(aws, name, artifact, bucket):
    sm = aws("sagemaker")
    e = error(sm.create_model_package, ModelPackageGroupName=name, InferenceSpecification=spec(artifact))
    assert e == {"Code": "ValidationException", "Message": "Model Package Group does not exist."}
    sm.create_model_package_group(ModelPackageGroupName=name)
    e = error(sm.create_model_package, ModelPackageGroupName=name, ModelPackageName=name,
              InferenceSpecification=spec(artifact))
    assert e["Message"] == ("Both ModelPackageName and ModelPackageGroupName are provided in the "
                            "input. Cannot determine which one to use.")
    assert error(sm.create_model_package, InferenceSpecification=spec(artifact))["Message"] == \
        "Missing ARN."
    missing = f"s3://{bucket}/nothing/model.tar.gz"
    bad = spec(missing)
    e = error(sm.create_model_package, ModelPackageGroupName=name, InferenceSpecification=bad)
    assert e == {"Code": "ValidationException", "Message": f"Could not find model data at {missing}."}
    e = error(sm.create_model_package, ModelPackageGroupName=name, ModelApprovalStatus="Yes",
              InferenceSpecification=spec(artifact))
    assert e == {"Code": "ValidationException", "Message": (
        "1 validation error detected: Value 'Yes' at 'modelApprovalStatus' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Approved, Rejected, PendingManualApproval]")}
    # nothing was created by the failures: the first version is still number 1
    first = sm.create_model_package(ModelPackageGroupName=name, InferenceSpecification=spec(artifact))
    assert first["ModelPackageArn"].endswith(f"/{name}/1")
    sm.create_model_package(ModelPackageName=f"{name}-p", InferenceSpecification=spec(artifact))
    e = error(sm.create_model_package, ModelPackageName=f"{name}-p", InferenceSpecification=spec(artifact))
    assert e["Message"] == f"Model Package already exists: {ARN}:model-package/{name}-p"
    e = error(sm.update_model_package, ModelPackageArn=f"{ARN}:model-package/{name}-p",
              ModelApprovalStatus="Approved")
    assert e["Code"] == "ValidationException"


def test_group_with_versions_cannot_be_deleted(aws, name, artifact):
    sm = aws("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=name)
    arn = sm.create_model_package(ModelPackageGroupName=name,
                                  InferenceSpecification=spec(artifact))["ModelPackageArn"]
    with pytest.raises(sm.exceptions.ConflictException) as info:
        sm.delete_model_package_group(ModelPackageGroupName=name)
    assert name in info.value.response["Error"]["Message"]
    assert sm.describe_model_package(ModelPackageName=arn)["ModelPackageVersion"] == 1
    sm.delete_model_package(ModelPackageName=arn)
    sm.delete_model_package_group(ModelPackageGroupName=name)
    assert sm.list_model_package_groups(NameContains=name)["ModelPackageGroupSummaryList"] == []


def test_only_an_approved_version_becomes_a_model(aws, name, artifact):
    sm = aws("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=name)
    arn = sm.create_model_package(ModelPackageGroupName=name,
                                  InferenceSpecification=spec(artifact))["ModelPackageArn"]
    for status in ("PendingManualApproval", "Rejected"):
        sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=status)
        e = error(sm.create_model, ModelName=name, ExecutionRoleArn=ROLE,
                  Containers=[{"ModelPackageName": arn}])
        assert e == {"Code": "ValidationException", "Message": (
            f"Model package {arn} has ModelApprovalStatus {status}. For versioned models, the value "
            "of ModelApprovalStatus must be set to Approved to deploy the model.")}
    assert sm.list_models(NameContains=name)["Models"] == []
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": arn}])
    (c,) = sm.describe_model(ModelName=name)["Containers"]
    assert c == {"ModelPackageName": arn, "Image": IMAGE, "ModelDataUrl": artifact}
    sm.create_model(ModelName=f"{name}-p", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"ModelPackageName": arn, "Environment": {"A": "1"}})
    assert sm.describe_model(ModelName=f"{name}-p")["PrimaryContainer"]["Image"] == IMAGE
    bare = sm.create_model_package(ModelPackageGroupName=name,
                                   ModelApprovalStatus="Approved")["ModelPackageArn"]
    e = error(sm.create_model, ModelName=f"{name}-b", ExecutionRoleArn=ROLE,
              Containers=[{"ModelPackageName": bare}])
    assert e == {"Code": "ValidationException",
                 "Message": f"Model package {bare} has no InferenceSpecification to deploy."}
    gone = f"{ARN}:model-package/{name}/7"
    e = error(sm.create_model, ModelName=f"{name}-x", ExecutionRoleArn=ROLE,
              Containers=[{"ModelPackageName": gone}])
    assert e == {"Code": "ValidationException", "Message": f"ModelPackage {gone} does not exist."}


@pytest.fixture(scope="module")
def two_models(aws, tmp_path_factory):
    """Two real XGBoost models that predict differently (2 and 25 boosting rounds)."""
    stamp = str(int(time.time()))
    small = train_model(aws, "registry-tests", f"registry-small-{stamp}",
                        tmp_path_factory.mktemp("small"), rounds="2")
    large = train_model(aws, "registry-tests", f"registry-large-{stamp}",
                        tmp_path_factory.mktemp("large"), rounds="25")
    return {"small": small, "large": large}


def test_endpoint_serves_the_latest_approved_version(aws, name, two_models):
    sm, rt = aws("sagemaker"), aws("sagemaker-runtime")
    sm.create_model_package_group(ModelPackageGroupName=name)
    order = [("small", "Approved"), ("large", "Approved"), ("small", "Rejected"),
             ("small", "PendingManualApproval")]
    for which, status in order:
        sm.create_model_package(ModelPackageGroupName=name, ModelApprovalStatus=status,
                                InferenceSpecification=spec(two_models[which][0]))
    (latest,) = sm.list_model_packages(
        ModelPackageGroupName=name, ModelApprovalStatus="Approved", SortBy="CreationTime",
        SortOrder="Descending", MaxResults=1)["ModelPackageSummaryList"]
    assert latest["ModelPackageVersion"] == 2
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE,
                    Containers=[{"ModelPackageName": latest["ModelPackageArn"]}])
    try:
        deploy(sm, name, [variant("AllTraffic", name)])
        body = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=ROW)["Body"].read()
        expected = {k: float(m[2].predict(xgb.DMatrix(np.array([[float(v) for v in ROW.split(",")]])))[0])
                    for k, m in two_models.items()}
        assert abs(expected["small"] - expected["large"]) > 1e-3  # the two versions differ
        assert float(body.decode().strip().strip(",")) == pytest.approx(expected["large"], rel=1e-5)
    finally:
        sm.delete_endpoint(EndpointName=name)
        sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig=FAST)


def test_registry_survives_a_restart(tmp_path):
    """Versions, approvals and the version counter live in the cloud's database."""
    import boto3

    import labcloud

    home = tmp_path / "home"

    def client(conn):
        return boto3.client("sagemaker", endpoint_url=conn.url, region_name=config.REGION,
                            aws_access_key_id=config.ACCESS_KEY_ID,
                            aws_secret_access_key=config.SECRET_ACCESS_KEY)
    conn = labcloud.start(home, export=False, quiet=True)
    try:
        sm = client(conn)
        sm.create_model_package_group(ModelPackageGroupName="kept")
        for _ in range(2):
            arn = sm.create_model_package(ModelPackageGroupName="kept")["ModelPackageArn"]
        sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    finally:
        labcloud.stop(home)
    conn = labcloud.start(home, export=False, quiet=True)
    try:
        sm = client(conn)
        listed = sm.list_model_packages(ModelPackageGroupName="kept")["ModelPackageSummaryList"]
        assert [(s["ModelPackageVersion"], s["ModelApprovalStatus"]) for s in listed] == \
            [(1, "PendingManualApproval"), (2, "Approved")]
        sm.delete_model_package(ModelPackageName=arn)
        assert sm.create_model_package(ModelPackageGroupName="kept")["ModelPackageArn"] == \
            f"{ARN}:model-package/kept/3"
    finally:
        labcloud.stop(home)
