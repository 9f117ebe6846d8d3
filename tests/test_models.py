"""SageMaker models through the real boto3 client: create, describe, list, delete, and errors."""
import io
import tarfile

import pytest
from botocore.exceptions import ClientError

from labcloud import config

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


@pytest.fixture
def artifact(aws, bucket):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("xgboost-model")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"{}\n"))
    aws("s3").put_object(Bucket=bucket, Key="m/model.tar.gz", Body=buf.getvalue())
    return f"s3://{bucket}/m/model.tar.gz"


def arn(name):
    return f"arn:aws:sagemaker:us-east-1:{config.ACCOUNT_ID}:model/{name}"


def test_create_describe_list_delete(aws, name, artifact):
    sm = aws("sagemaker")
    out = sm.create_model(ModelName=name, ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                          PrimaryContainer={"Image": IMAGE, "ModelDataUrl": artifact,
                                            "Environment": {"A": "1"}})
    assert out["ModelArn"] == arn(name)
    model = sm.describe_model(ModelName=name)
    assert model["PrimaryContainer"] == {"Image": IMAGE, "ModelDataUrl": artifact, "Environment": {"A": "1"}}
    assert model["ExecutionRoleArn"] == config.EXECUTION_ROLE_ARN
    listed = sm.list_models(NameContains=name)["Models"]
    assert [m["ModelName"] for m in listed] == [name]
    sm.delete_model(ModelName=name)
    with pytest.raises(ClientError) as err:
        sm.describe_model(ModelName=name)
    assert err.value.response["Error"]["Message"] == f'Could not find model "{arn(name)}".'
    with pytest.raises(ClientError) as err:
        sm.delete_model(ModelName=name)
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_create_errors(aws, name, artifact, bucket):
    sm = aws("sagemaker")
    good = {"Image": IMAGE, "ModelDataUrl": artifact}
    sm.create_model(ModelName=name, ExecutionRoleArn=config.EXECUTION_ROLE_ARN, PrimaryContainer=good)
    with pytest.raises(ClientError) as err:
        sm.create_model(ModelName=name, ExecutionRoleArn=config.EXECUTION_ROLE_ARN, PrimaryContainer=good)
    assert err.value.response["Error"]["Message"] == f'Cannot create already existing model "{arn(name)}".'
    missing = f"s3://{bucket}/nothing/model.tar.gz"
    with pytest.raises(ClientError) as err:
        sm.create_model(ModelName=name + "-2", ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": missing})
    assert err.value.response["Error"]["Message"] == f"Could not find model data at {missing}."
    with pytest.raises(ClientError) as err:
        sm.create_model(ModelName=name + "-3", ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                        PrimaryContainer={"Image": IMAGE + "x", "ModelDataUrl": artifact})
    assert err.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as err:
        sm.create_model(ModelName=name + "-4", ExecutionRoleArn=config.EXECUTION_ROLE_ARN)
    assert err.value.response["Error"]["Code"] == "ValidationException"
    role = f"arn:aws:iam::{config.ACCOUNT_ID}:role/no-such-role"
    with pytest.raises(ClientError) as err:
        sm.create_model(ModelName=name + "-5", ExecutionRoleArn=role, PrimaryContainer=good)
    assert err.value.response["Error"]["Message"].startswith(f"Could not assume role {role}.")


def test_list_sorts_and_pages(aws, name, artifact):
    sm = aws("sagemaker")
    names = [f"{name}-{i}" for i in range(3)]
    for n in names:
        sm.create_model(ModelName=n, ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": artifact})
    pages = list(sm.get_paginator("list_models").paginate(
        NameContains=name, SortBy="Name", SortOrder="Descending", PaginationConfig={"PageSize": 2}))
    assert [m["ModelName"] for p in pages for m in p["Models"]] == names[::-1]
