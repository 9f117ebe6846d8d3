"""Fixed facts of the simulated account, and where its state lives.

One account in one region keeps ARNs, quota messages and console links identical to what a
student sees on AWS, without any notion of multi-tenancy the course does not need.
"""
from __future__ import annotations

import os
from pathlib import Path

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
ACCESS_KEY_ID = "AKIALABCLOUDLOCAL000"
SECRET_ACCESS_KEY = "labcloud-local-secret-not-a-real-key"
EXECUTION_ROLE_NAME = "AmazonSageMaker-ExecutionRole"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/{EXECUTION_ROLE_NAME}"
HOST = "127.0.0.1"  # the only address labcloud ever binds


def home(path: str | os.PathLike | None = None) -> Path:
    """The state folder: an explicit path, else $LABCLOUD_HOME, else ~/.labcloud."""
    chosen = path or os.environ.get("LABCLOUD_HOME") or Path.home() / ".labcloud"
    return Path(chosen).expanduser().resolve()


def arn(service: str, resource: str, account: str = ACCOUNT_ID, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"
