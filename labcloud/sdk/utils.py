"""Names, as SageMaker Python SDK v2 makes them (sagemaker/utils.py)."""
from __future__ import annotations

import re
import time


def sagemaker_timestamp() -> str:
    """UTC time with milliseconds: 2026-11-25-10-00-00-123."""
    moment = time.time()
    moment_ms = repr(moment).split(".")[1][:3]
    return time.strftime(f"%Y-%m-%d-%H-%M-%S-{moment_ms}", time.gmtime(moment))


def name_from_base(base: str, max_length: int = 63) -> str:
    """`base` plus a timestamp, trimmed so the whole name fits SageMaker's 63 characters."""
    timestamp = sagemaker_timestamp()
    return f"{base[: max_length - len(timestamp) - 1]}-{timestamp}"


def base_name_from_image(image: str) -> str:
    """The repository part of an image URI: '.../sagemaker-xgboost:1.7-1' -> 'sagemaker-xgboost'."""
    m = re.match("^(.+/)?([^:/]+)(:[^:]+)?$", image)
    return m.group(2) if m else image


def base_from_name(name: str) -> str:
    """The base of a name made by name_from_base (what `attach` uses as base_job_name)."""
    m = re.match(r"^(.+)-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}|\d{6}-\d{4})", name)
    return m.group(1) if m else name
