"""IAM role policies through real boto3 against the real server, the permission evaluator, and
training jobs that fail the way AWS fails when their role may not read or write S3."""
import json

import pytest

from labcloud import config
from conftest import wait_for_job
from labcloud.services.iam.policies import MANAGED_POLICIES, can

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SM_FULL = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
S3_FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


def s3_policy(bucket, actions=("s3:GetObject", "s3:ListBucket"), effect="Allow"):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": effect, "Action": list(actions),
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]})


@pytest.fixture
def iam(aws):
    return aws("iam")


@pytest.fixture
def role(iam, name):
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]


def code_of(err):
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_default_execution_role_has_sagemaker_full_access(iam):
    attached = iam.list_attached_role_policies(RoleName=config.EXECUTION_ROLE_NAME)
    assert attached["AttachedPolicies"] == [
        {"PolicyName": "AmazonSageMakerFullAccess", "PolicyArn": SM_FULL}]
    assert iam.list_role_policies(RoleName=config.EXECUTION_ROLE_NAME)["PolicyNames"] == [
        "AmazonSageMaker-ExecutionPolicy"]


def test_attach_list_detach_managed_policies(iam, role, name):
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    iam.attach_role_policy(RoleName=name, PolicyArn=S3_READ)
    iam.attach_role_policy(RoleName=name, PolicyArn=SM_FULL)
    iam.attach_role_policy(RoleName=name, PolicyArn=SM_FULL)  # attaching twice is a no-op
    listed = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in listed] == [S3_READ, SM_FULL]
    page = iam.list_attached_role_policies(RoleName=name, MaxItems=1)
    assert page["IsTruncated"] and len(page["AttachedPolicies"]) == 1
    rest = iam.list_attached_role_policies(RoleName=name, Marker=page["Marker"])
    assert [p["PolicyName"] for p in rest["AttachedPolicies"]] == ["AmazonSageMakerFullAccess"]
    iam.detach_role_policy(RoleName=name, PolicyArn=S3_READ)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
        iam.detach_role_policy(RoleName=name, PolicyArn=S3_READ)
    assert code_of(err) == ("NoSuchEntity", f"Policy {S3_READ} was not found.")


def test_attach_errors(iam, role, name):
    unknown = "arn:aws:iam::aws:policy/NoSuchPolicy"
    with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
        iam.attach_role_policy(RoleName=name, PolicyArn=unknown)
    assert code_of(err)[1] == f"Policy {unknown} does not exist or is not attachable."
    with pytest.raises(iam.exceptions.InvalidInputException) as err:
        iam.attach_role_policy(RoleName=name, PolicyArn="not-an-arn-at-all-here")
    assert code_of(err)[1] == "ARN not-an-arn-at-all-here is not valid."
    with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
        iam.attach_role_policy(RoleName=name + "x", PolicyArn=S3_READ)
    assert code_of(err)[1] == f"The role with name {name}x cannot be found."


def test_inline_policies_roundtrip(iam, role, name):
    iam.put_role_policy(RoleName=name, PolicyName="read-data", PolicyDocument=s3_policy("data-*"))
    got = iam.get_role_policy(RoleName=name, PolicyName="read-data")
    assert got["RoleName"] == name and got["PolicyName"] == "read-data"
    assert got["PolicyDocument"] == json.loads(s3_policy("data-*"))
    iam.put_role_policy(RoleName=name, PolicyName="a-write", PolicyDocument=s3_policy(
        "out", ["s3:PutObject"]))
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["a-write", "read-data"]
    iam.delete_role_policy(RoleName=name, PolicyName="a-write")
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["read-data"]
    with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
        iam.get_role_policy(RoleName=name, PolicyName="a-write")
    assert code_of(err)[1] == "The role policy with name a-write cannot be found."
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_role_policy(RoleName=name, PolicyName="a-write")


@pytest.mark.parametrize("document, message", [
    ("{not json", "This policy contains invalid Json"),
    ('{"Version": "2012-10-17"}', "Syntax errors in policy."),
    (json.dumps({"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}),
     "Syntax errors in policy."),
    (json.dumps({"Statement": [{"Effect": "Allow", "Resource": "*"}]}),
     "Policy statement must contain actions."),
    (json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}),
     "Policy statement must contain resources."),
    (json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                "Principal": "*"}]}),
     "Policy document should not specify a principal."),
])
def test_malformed_inline_policies(iam, role, name, document, message):
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as err:
        iam.put_role_policy(RoleName=name, PolicyName="bad", PolicyDocument=document)
    assert code_of(err) == ("MalformedPolicyDocument", message)


def test_delete_role_conflicts_then_deletes(iam, role, name):
    iam.attach_role_policy(RoleName=name, PolicyArn=S3_READ)
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=s3_policy("b"))
    with pytest.raises(iam.exceptions.DeleteConflictException) as err:
        iam.delete_role(RoleName=name)
    assert code_of(err)[1] == "Cannot delete entity, must detach all policies first."
    iam.detach_role_policy(RoleName=name, PolicyArn=S3_READ)
    with pytest.raises(iam.exceptions.DeleteConflictException) as err:
        iam.delete_role(RoleName=name)
    assert code_of(err)[1] == "Cannot delete entity, must delete policies first."
    iam.delete_role_policy(RoleName=name, PolicyName="p")
    iam.delete_role(RoleName=name)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=name)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
        iam.delete_role(RoleName=name)
    assert code_of(err)[1] == f"The role with name {name} cannot be found."


def test_evaluator_allow_deny_and_wildcards():
    role = {"AttachedPolicies": [], "InlinePolicies": {
        "read": json.loads(s3_policy("course-*")),
        "deny-secret": json.loads(s3_policy("course-secret", ["s3:*"], effect="Deny")),
    }}
    assert can(role, "s3:GetObject", "arn:aws:s3:::course-data/train/x.csv")
    assert can(role, "S3:getobject", "arn:aws:s3:::course-data/a")  # actions ignore case
    assert can(role, "s3:ListBucket", "arn:aws:s3:::course-data")
    assert not can(role, "s3:PutObject", "arn:aws:s3:::course-data/a")
    assert not can(role, "s3:GetObject", "arn:aws:s3:::Course-data/a")  # resources do not
    assert not can(role, "s3:GetObject", "arn:aws:s3:::other/a")
    assert not can(role, "s3:GetObject", "arn:aws:s3:::course-secret/a")  # explicit deny wins
    assert not can({"AttachedPolicies": []}, "s3:GetObject", "arn:aws:s3:::x/y")
    assert not can(None, "s3:GetObject", "arn:aws:s3:::x/y")
    sm = {"AttachedPolicies": [SM_FULL]}
    assert can(sm, "s3:GetObject", "arn:aws:s3:::my-sagemaker-bucket/k")
    assert not can(sm, "s3:GetObject", "arn:aws:s3:::plain-bucket/k")
    assert can({"AttachedPolicies": [S3_READ]}, "s3:ListBucket", "arn:aws:s3:::b")
    assert not can({"AttachedPolicies": [S3_READ]}, "s3:PutObject", "arn:aws:s3:::b/k")
    assert can({"AttachedPolicies": [S3_FULL]}, "s3:PutObject", "arn:aws:s3:::b/k")
    assert set(MANAGED_POLICIES) == {"AmazonSageMakerFullAccess", "AmazonS3FullAccess",
                                     "AmazonS3ReadOnlyAccess"}


# ---- training jobs act as their role ------------------------------------------------------------
def job(name, bucket, role_arn):
    return {
        "TrainingJobName": name, "RoleArn": role_arn,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "HyperParameters": {"objective": "reg:squarederror", "num_round": "3", "max_depth": "2"},
        "InputDataConfig": [{"ChannelName": "train", "ContentType": "text/csv",
                             "DataSource": {"S3DataSource": {
                                 "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/train",
                                 "S3DataDistributionType": "FullyReplicated"}}}],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }


def run(sm, spec, timeout=120):
    sm.create_training_job(**spec)
    return wait_for_job(sm, "Training", spec["TrainingJobName"], timeout)


@pytest.fixture
def data_bucket(aws, bucket):
    rows = "\n".join(f"{i % 3},{i * 0.5},{i % 7}" for i in range(100))
    aws("s3").put_object(Bucket=bucket, Key="train/train.csv", Body=rows.encode())
    return bucket


def test_job_role_access_decides_download_and_upload(aws, iam, role, name, data_bucket):
    sm = aws("sagemaker")
    # no permissions at all: the listing finds nothing, with AWS's hint about s3:ListBucket
    d = run(sm, job(name + "-a", data_bucket, role["Arn"]))
    assert d["TrainingJobStatus"] == "Failed"
    assert d["FailureReason"].startswith("ClientError: No S3 objects found under S3 URL")
    assert f'"s3:ListBucket" permissions on bucket "{data_bucket}"' in d["FailureReason"]
    # may list but not read: the download fails with S3's AccessDenied
    iam.put_role_policy(RoleName=name, PolicyName="list", PolicyDocument=s3_policy(
        data_bucket, ["s3:ListBucket"]))
    d = run(sm, job(name + "-b", data_bucket, role["Arn"]))
    assert d["FailureReason"] == "ClientError: Data download failed:AccessDenied (403): Access Denied"
    # read-only: training runs, the upload of the model is refused
    iam.attach_role_policy(RoleName=name, PolicyArn=S3_READ)
    d = run(sm, job(name + "-c", data_bucket, role["Arn"]))
    assert d["TrainingJobStatus"] == "Failed"
    assert d["FailureReason"].startswith(
        f"ClientError: Unable to upload the model artifacts to s3://{data_bucket}/output/"
        f"{name}-c/output/model.tar.gz: AccessDenied (403): Access Denied.")
    keys = [o["Key"] for o in aws("s3").list_objects_v2(Bucket=data_bucket).get("Contents", [])]
    assert not any("model.tar.gz" in k for k in keys)
    # write access to the output prefix only: the job completes
    iam.put_role_policy(RoleName=name, PolicyName="write", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                "Resource": f"arn:aws:s3:::{data_bucket}/output/*"}]}))
    d = run(sm, job(name + "-d", data_bucket, role["Arn"]))
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    # an explicit deny on reads beats the managed policy's allow
    iam.put_role_policy(RoleName=name, PolicyName="deny", PolicyDocument=s3_policy(
        data_bucket, ["s3:GetObject"], effect="Deny"))
    d = run(sm, job(name + "-e", data_bucket, role["Arn"]))
    assert d["FailureReason"] == "ClientError: Data download failed:AccessDenied (403): Access Denied"


def test_default_role_still_trains_on_any_bucket(aws, name, data_bucket):
    d = run(aws("sagemaker"), job(name, data_bucket, config.EXECUTION_ROLE_ARN))
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")


def run_transform(sm, name, model, bucket, timeout=120):
    sm.create_transform_job(
        TransformJobName=name, ModelName=model,
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                        "S3Uri": f"s3://{bucket}/test/"}},
                        "ContentType": "text/csv", "SplitType": "Line"},
        TransformOutput={"S3OutputPath": f"s3://{bucket}/batch", "AssembleWith": "Line"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    return wait_for_job(sm, "Transform", name, timeout)


def test_transform_job_reads_and_writes_as_its_models_role(aws, iam, role, name, data_bucket):
    sm, s3 = aws("sagemaker"), aws("s3")
    trained = run(sm, job(name + "-t", data_bucket, config.EXECUTION_ROLE_ARN))
    assert trained["TrainingJobStatus"] == "Completed", trained.get("FailureReason")
    s3.put_object(Bucket=data_bucket, Key="test/test.csv", Body=b"1.0,2\n3.5,4\n")
    sm.create_model(ModelName=name, ExecutionRoleArn=role["Arn"], PrimaryContainer={
        "Image": IMAGE, "ModelDataUrl": trained["ModelArtifacts"]["S3ModelArtifacts"]})
    # no S3 permissions: the input prefix cannot even be listed
    d = run_transform(sm, name + "-a", name, data_bucket)
    assert d["TransformJobStatus"] == "Failed"
    assert f'"s3:ListBucket" permissions on bucket "{data_bucket}"' in d["FailureReason"]
    # may list, not read
    iam.put_role_policy(RoleName=name, PolicyName="list", PolicyDocument=s3_policy(
        data_bucket, ["s3:ListBucket"]))
    d = run_transform(sm, name + "-b", name, data_bucket)
    assert d["FailureReason"].startswith(
        f"ClientError: Failed to download data from s3://{data_bucket}/test/test.csv: "
        "AccessDenied (403)")
    # read-only: the records are transformed, the output is refused and nothing is written
    iam.attach_role_policy(RoleName=name, PolicyArn=S3_READ)
    d = run_transform(sm, name + "-c", name, data_bucket)
    assert d["FailureReason"].startswith(
        f"ClientError: Unable to write the output to s3://{data_bucket}/batch/test.csv.out: "
        "AccessDenied (403): Access Denied.")
    assert "Contents" not in s3.list_objects_v2(Bucket=data_bucket, Prefix="batch/")
    # write access to the output prefix: the job completes
    iam.put_role_policy(RoleName=name, PolicyName="write", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                "Resource": f"arn:aws:s3:::{data_bucket}/batch/*"}]}))
    d = run_transform(sm, name + "-d", name, data_bucket)
    assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
    body = s3.get_object(Bucket=data_bucket, Key="batch/test.csv.out")["Body"].read()
    assert len(body.decode().split()) == 2
