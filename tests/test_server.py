"""The server itself: lifecycle, routing, loopback-only binding, validation wording, STS/IAM."""
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

import labcloud
from labcloud import config


def test_start_connects_to_the_running_server_and_exports_the_environment(cloud, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "my-real-aws-profile")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://s3.amazonaws.com")
    conn = labcloud.start(cloud.home, quiet=True)
    assert conn == cloud  # the same server, not a second one
    assert os.environ["AWS_ENDPOINT_URL"] == cloud.url
    assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL_S3" not in os.environ
    ident = boto3.client("sts").get_caller_identity()
    assert ident["Account"] == config.ACCOUNT_ID


def _other_addresses() -> set[str]:
    """This machine's IPv4 addresses that are not loopback (the route out, the host name's)."""
    found = set()
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))  # UDP: picks the outgoing interface, sends nothing
        found.add(s.getsockname()[0])
    with contextlib.suppress(OSError):
        found |= {ai[4][0] for ai in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    return {a for a in found if not a.startswith("127.") and a != "0.0.0.0"}


def test_binds_loopback_only(cloud):
    assert cloud.url.startswith("http://127.0.0.1:")
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=5):
        pass
    others = _other_addresses()
    for address in others:  # a server bound to 0.0.0.0 would accept these
        with pytest.raises(OSError), socket.create_connection((address, cloud.port), timeout=2):
            pass
    if shutil.which("ss"):
        out = subprocess.run(["ss", "-ltn"], capture_output=True, text=True, check=True)
        lines = [l for l in out.stdout.splitlines() if f":{cloud.port} " in l]
        assert lines and all("127.0.0.1:" in l for l in lines), lines
    else:
        assert others, "neither ss nor a non-loopback address to check the bind with"


def test_cli_lifecycle_and_restart_keeps_state(tmp_path):
    home = tmp_path / "home"
    run = lambda *a: subprocess.run([sys.executable, "-m", "labcloud", *a, "--home", str(home)],
                                    capture_output=True, text=True, timeout=60)
    assert run("status").returncode == 3
    assert run("start").returncode == 0
    status = run("status")
    assert status.returncode == 0 and "running" in status.stdout
    conn = labcloud.lifecycle.running(home)
    iam = boto3.client("iam", endpoint_url=conn.url, region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="y")
    iam.create_role(RoleName="kept", AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    # a second server for the same home refuses to start
    second = subprocess.run([sys.executable, "-m", "labcloud", "serve", "--home", str(home)],
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 1 and "already runs" in second.stderr
    assert run("stop").returncode == 0
    assert run("status").returncode == 3
    conn = labcloud.start(home, export=False, quiet=True)
    try:
        iam = boto3.client("iam", endpoint_url=conn.url, region_name="us-east-1",
                           aws_access_key_id="x", aws_secret_access_key="y")
        assert iam.get_role(RoleName="kept")["Role"]["RoleName"] == "kept"
    finally:
        labcloud.stop(home)
    assert run("reset", "--yes").returncode == 0
    assert not home.exists()


def test_health_reports_this_home(cloud):
    with urllib.request.urlopen(f"{cloud.url}/_labcloud/health") as r:
        health = json.loads(r.read())
    assert health["status"] == "ok" and health["home"] == str(cloud.home)


def test_server_side_enum_validation_uses_aws_wording(aws, name):
    sm = aws("sagemaker")
    with pytest.raises(ClientError) as err:
        sm.create_training_job(
            TrainingJobName=name, RoleArn=config.EXECUTION_ROLE_ARN,
            AlgorithmSpecification={"TrainingImage": "x", "TrainingInputMode": "File"},
            OutputDataConfig={"S3OutputPath": "s3://b/p"},
            ResourceConfig={"InstanceType": "ml.nope.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
            StoppingCondition={"MaxRuntimeInSeconds": 60})
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("1 validation error detected: Value 'ml.nope.xlarge' at "
                                       "'resourceConfig.instanceType' failed to satisfy constraint: "
                                       "Member must satisfy enum value set: [")
    assert "ml.m5.xlarge" in error["Message"]


def test_several_violations_are_counted_and_joined(aws):
    sm = aws("sagemaker")
    with pytest.raises(ClientError) as err:
        sm.create_training_job(
            TrainingJobName="bad_name!", RoleArn=config.EXECUTION_ROLE_ARN,
            AlgorithmSpecification={"TrainingImage": "x", "TrainingInputMode": "Sideways"},
            OutputDataConfig={"S3OutputPath": "s3://b/p"},
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5})
    message = err.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected: ")
    assert "at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular " \
           "expression pattern" in message
    assert "Value 'Sideways' at 'algorithmSpecification.trainingInputMode'" in message
    assert "; " in message


def test_unsigned_json_request_missing_required_member(cloud):
    req = urllib.request.Request(cloud.url + "/", method="POST", data=b"{}", headers={
        "X-Amz-Target": "SageMaker.DescribeTrainingJob",
        "Content-Type": "application/x-amz-json-1.1"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)
    body = json.loads(err.value.read())
    assert err.value.code == 400 and body["__type"] == "ValidationException"
    assert "Value null at 'trainingJobName' failed to satisfy constraint: Member must not be null" \
        in body["message"]


def test_sts_caller_is_the_sagemaker_execution_role(aws):
    ident = aws("sts").get_caller_identity()
    assert ident["Arn"] == (f"arn:aws:sts::{config.ACCOUNT_ID}:assumed-role/"
                            f"{config.EXECUTION_ROLE_NAME}/SageMaker")


def test_iam_roles(aws, name):
    iam = aws("iam")
    role = iam.get_role(RoleName=config.EXECUTION_ROLE_NAME)["Role"]
    assert role["Arn"] == config.EXECUTION_ROLE_ARN
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    assert created["Arn"] == f"arn:aws:iam::{config.ACCOUNT_ID}:role/{name}"
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == trust
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
        iam.get_role(RoleName=name + "x")
    assert err.value.response["Error"]["Message"] == f"The role with name {name}x cannot be found."
    names = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(
             PaginationConfig={"PageSize": 1}) for r in page["Roles"]]
    assert name in names and config.EXECUTION_ROLE_NAME in names
    assert len(names) == len(set(names))


def test_undecodable_form_body_gets_an_error_not_a_crash(cloud):
    req = urllib.request.Request(cloud.url + "/", method="POST", data=b"Action=\xff\xfe",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)
    assert err.value.code in (400, 500)
    # and the server is still answering
    with urllib.request.urlopen(f"{cloud.url}/_labcloud/health") as r:
        assert json.loads(r.read())["status"] == "ok"
