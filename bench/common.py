"""What the benchmarks share: their command line, boto3 clients for a labcloud, and timing a
job from its create call to its end."""
from __future__ import annotations

import argparse
import time

import boto3

from labcloud import config

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def arguments(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def client(url: str, service: str):
    """A boto3 client for the server at `url` (a labcloud, or the endpoint benchmark's bare
    server, which answers the runtime's paths), with labcloud's credentials."""
    return boto3.client(service, endpoint_url=url, region_name=config.REGION,
                        aws_access_key_id=config.ACCESS_KEY_ID,
                        aws_secret_access_key=config.SECRET_ACCESS_KEY)


def until_done(describe, status_field: str, started: float) -> float:
    """Poll a Describe* call every 50 ms until the job leaves InProgress/Stopping; seconds
    since `started`. A job that did not complete ends the benchmark with its reason."""
    while True:
        job = describe()
        if job[status_field] not in ("InProgress", "Stopping"):
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if job[status_field] != "Completed":
        raise SystemExit(f"job ended {job[status_field]}: {job.get('FailureReason')}")
    return elapsed
