"""The quota table of a new labcloud account and the rule that decides increase requests.

DEFAULT VALUES ARE ILLUSTRATIVE, modelled on a new AWS account (many instance quotas 0, every
GPU type 0, a handful of small CPU types allowed a couple of instances). Real defaults vary by
account age and region. ml.m5.xlarge, the type every lesson uses, gets 4 so that a lesson (or a
test) can run three quick jobs side by side.

Quota codes: the real ones where public sources record them (simulator_fidelity.md §5), a stable
`L-` + 8 hex digits derived from the quota's name for the rest (the same code on every run and
every machine, never one of the real codes).

Decision rule for RequestServiceQuotaIncrease, on the SIMULATED clock (advance it with
`labcloud.clock.advance(minutes=30)` or `POST /_labcloud/clock {"advance": 1800}`):
  * PENDING when made;
  * CASE_OPENED `CASE_OPENED_AFTER` (5 simulated minutes) later;
  * decided `DECIDED_AFTER` (30 simulated minutes) after it was made: APPROVED when the desired
    value is at most the quota's ceiling (CPU types 10, GPU types 2, account-wide 20; types the
    catalog does not simulate 0), else DENIED. An approved value applies to the next create.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from ... import catalog

SERVICE_CODE = "sagemaker"
SERVICE_NAME = "Amazon SageMaker"
CASE_OPENED_AFTER = 5 * 60
DECIDED_AFTER = 30 * 60
CEILING_CPU = 10
CEILING_GPU = 2
CEILING_ACCOUNT = 20

USAGE_NAMES = {"training": "training job", "transform": "transform job",
               "endpoint": "endpoint", "notebook": "notebook instance",
               "processing": "processing job"}

# (instance type, usage) -> default value; every other instance quota starts at 0
DEFAULTS: dict[tuple[str, str], int] = {
    ("ml.m5.xlarge", "training"): 4, ("ml.m5.large", "training"): 2,
    ("ml.m4.xlarge", "training"): 2, ("ml.c5.xlarge", "training"): 2,
    ("ml.m5.xlarge", "endpoint"): 4, ("ml.m5.large", "endpoint"): 2,
    ("ml.m4.xlarge", "endpoint"): 2, ("ml.c5.xlarge", "endpoint"): 2,
    ("ml.t2.medium", "endpoint"): 2,
    ("ml.m5.xlarge", "transform"): 4, ("ml.m5.large", "transform"): 2,
    ("ml.m4.xlarge", "transform"): 2, ("ml.c5.xlarge", "transform"): 2,
    ("ml.t2.medium", "notebook"): 2, ("ml.t3.medium", "notebook"): 2,
    ("ml.m5.xlarge", "processing"): 4, ("ml.m5.large", "processing"): 2,
    ("ml.t3.medium", "processing"): 2, ("ml.c5.xlarge", "processing"): 2,
}
# usage -> (name, default) of the account-wide cap over every instance type of that usage
ACCOUNT_WIDE: dict[str, tuple[str, int]] = {
    "training": ("Number of instances across all training jobs", 8),
    "transform": ("Number of instances across all transform jobs", 8),
    "processing": ("Number of instances across all processing jobs", 4),
}
KNOWN_CODES = {
    "ml.m5.xlarge for endpoint usage": "L-2F737F8D",
    "ml.m5.large for endpoint usage": "L-614B09FD",
    "ml.m5.4xlarge for endpoint usage": "L-E2649D46",
    "ml.t2.large for endpoint usage": "L-1410387A",
    "ml.m5.xlarge for training job usage": "L-CCE2AFA6",
    "ml.m5.large for training job usage": "L-611FA074",
    "ml.m4.xlarge for training job usage": "L-A373146E",
    "ml.c5.xlarge for training job usage": "L-E2BB44FE",
    "ml.c5.xlarge for transform job usage": "L-09C9B23C",
    "ml.m5.xlarge for processing job usage": "L-0307F515",
    "ml.g5.xlarge for training job usage": "L-B6D80D9C",
    "Number of instances across all training jobs": "L-00C91CB5",
}


@dataclass(frozen=True)
class QuotaDef:
    code: str
    name: str
    usage: str
    instance_type: str | None  # None: the account-wide cap of the usage
    default: float
    ceiling: float


def quota_name(instance_type: str, usage: str) -> str:
    return f"{instance_type} for {USAGE_NAMES[usage]} usage"


def _code(name: str, taken: set[str]) -> str:
    if name in KNOWN_CODES:
        return KNOWN_CODES[name]
    salt = 0
    while True:
        digest = hashlib.sha256(f"{name}#{salt}".encode()).hexdigest()[:8].upper()
        code = f"L-{digest}"
        if code not in taken:
            return code
        salt += 1


@lru_cache(maxsize=None)
def quota_table() -> tuple[QuotaDef, ...]:
    """Every SageMaker quota labcloud knows: one per (instance type botocore allows, usage),
    plus the account-wide caps, in a stable order."""
    taken = set(KNOWN_CODES.values())
    out = []
    for usage in catalog.USAGES:
        if usage in ACCOUNT_WIDE:
            name, default = ACCOUNT_WIDE[usage]
            code = _code(name, taken)
            taken.add(code)
            out.append(QuotaDef(code, name, usage, None, float(default), float(CEILING_ACCOUNT)))
        for itype in sorted(catalog.allowed_types(usage)):
            name = quota_name(itype, usage)
            code = _code(name, taken)
            taken.add(code)
            spec = catalog.get(itype)
            ceiling = 0 if spec is None else (CEILING_GPU if spec.is_gpu else CEILING_CPU)
            default = 0 if spec is None else DEFAULTS.get((itype, usage), 0)
            out.append(QuotaDef(code, name, usage, itype, float(default), float(ceiling)))
    return tuple(out)


@lru_cache(maxsize=None)
def by_code() -> dict[str, QuotaDef]:
    return {q.code: q for q in quota_table()}


@lru_cache(maxsize=None)
def by_usage() -> dict[tuple[str, str | None], QuotaDef]:
    return {(q.usage, q.instance_type): q for q in quota_table()}
