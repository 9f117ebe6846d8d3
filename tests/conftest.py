"""Shared fixtures: the real labcloud server on a free port, in a temporary home, and real boto3
clients pointed at it. Nothing of labcloud is mocked."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
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


def boto3_session() -> boto3.Session:
    """labcloud's dummy credentials and region: what every test client signs with."""
    return boto3.Session(aws_access_key_id=config.ACCESS_KEY_ID,
                         aws_secret_access_key=config.SECRET_ACCESS_KEY,
                         region_name=config.REGION)


@pytest.fixture(scope="session")
def aws(cloud):
    """aws("s3") -> a real boto3 client talking to the test server."""
    session = boto3_session()
    clients: dict[str, object] = {}

    def client(name: str):
        if name not in clients:
            clients[name] = session.client(name, endpoint_url=cloud.url)
        return clients[name]
    return client


class OwnCloud:
    """A labcloud server of a test's own, in its own home: for tests that stop and restart the
    server (the shared one must stay up) or start it with their own environment.

    `own.start()` starts it (after the test's monkeypatch.setenv, which the server inherits),
    `own.restart()` stops and starts it again on the same home, `own("sagemaker")` is a boto3
    client of the server as it runs now (a restart listens on another port, so clients are made
    anew after each start), `own.conn` its connection and `own.home` its home."""

    def __init__(self, home: Path):
        self.home = home
        self.conn = None
        self._session = boto3_session()
        self._clients: dict[str, object] = {}

    def start(self):
        self.conn = labcloud.start(self.home, export=False, quiet=True)
        self._clients = {}
        return self.conn

    def stop(self) -> None:
        labcloud.stop(self.home)

    def restart(self):
        self.stop()
        return self.start()

    def __call__(self, service: str):
        if service not in self._clients:
            self._clients[service] = self._session.client(service, endpoint_url=self.conn.url)
        return self._clients[service]


@pytest.fixture
def own_cloud(tmp_path):
    """An OwnCloud in tmp_path/home, not started yet; stopped after the test whatever happens."""
    own = OwnCloud(tmp_path / "home")
    yield own
    if own.conn is not None:
        own.stop()


def wait_for_job(sm, kind: str, name: str, timeout: float = 120) -> dict:
    """Describe<kind>Job (kind: Training, Processing, Transform) until the job has ended."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()
    describe = getattr(sm, f"describe_{snake}_job")
    deadline = time.monotonic() + timeout
    while True:
        job = describe(**{f"{kind}JobName": name})
        if job[f"{kind}JobStatus"] in ("Completed", "Failed", "Stopped"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"{kind.lower()} job {name} still {job[f'{kind}JobStatus']} "
                                 f"after {timeout} s")
        time.sleep(0.1)


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
