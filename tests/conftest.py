"""Shared fixtures: the real labcloud server on a free port, in a temporary home, and real boto3
clients pointed at it. Nothing of labcloud is mocked."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

import labcloud
from labcloud import config

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def cloud(tmp_path_factory):
    """One server for the whole test session (each test uses its own names)."""
    home = tmp_path_factory.mktemp("labcloud-home")
    conn = labcloud.start(home, export=False, quiet=True)
    yield conn
    labcloud.stop(home)


@pytest.fixture(scope="session")
def aws(cloud):
    """aws("s3") -> a real boto3 client talking to the test server."""
    session = boto3.Session(aws_access_key_id=config.ACCESS_KEY_ID,
                            aws_secret_access_key=config.SECRET_ACCESS_KEY,
                            region_name=config.REGION)
    clients: dict[str, object] = {}

    def client(name: str):
        if name not in clients:
            clients[name] = session.client(name, endpoint_url=cloud.url)
        return clients[name]
    return client


@pytest.fixture
def name():
    """A fresh resource name per test: tests share one server, never one resource."""
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def bucket(aws, name):
    aws("s3").create_bucket(Bucket=name)
    return name


def run_aws_cli(cloud, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The real AWS CLI (v1, installed with the project) against the test server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(cloud.env)
    cmd = [sys.executable, "-m", "awscli", *args]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


@pytest.fixture
def cloud_now(cloud):
    """The cloud's own time (simulated clock): what its timestamps must be compared with, since
    other tests on the shared server move that clock forward."""
    import json
    import urllib.request
    from datetime import datetime, timezone

    def now() -> datetime:
        with urllib.request.urlopen(f"{cloud.url}/_labcloud/clock") as r:
            return datetime.fromtimestamp(json.loads(r.read())["now"], timezone.utc)
    return now
