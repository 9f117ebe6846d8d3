"""The instance catalog: what each `ml.*` type is (vCPU, memory, GPUs) and what an hour costs.

Quotas need to know which types exist for which usage, and the bill needs a price per hour, so
both read this one table instead of keeping their own lists.

Which types each usage allows is not ours to decide: it comes from botocore's SageMaker model
(`TrainingInstanceType`, `TransformInstanceType`, `ProductionVariantInstanceType`,
`ProcessingInstanceType`, and `InstanceType` for notebook instances), the same enums the server validates requests against.

PRICES ARE ILLUSTRATIVE. They are a snapshot (dated `PRICE_SNAPSHOT`) of the public SageMaker
on-demand list prices for us-east-1 as published on the pricing page, rounded, written down by
hand for teaching: they show the right order of magnitude and the right ratios between types,
not what AWS charges you today. SageMaker listed one hourly rate per type that is the same for
training, batch transform, real-time inference and notebooks for these families, so every usage
column holds the type's rate; the columns are kept separate so a usage-specific rate can be
recorded without changing any caller. A usage the type is not offered for has no price (None).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

PRICE_SNAPSHOT = "2025-06 (us-east-1, on-demand, illustrative)"
USAGES = ("training", "transform", "endpoint", "notebook", "processing")
USAGE_ENUMS = {
    "training": "TrainingInstanceType",
    "transform": "TransformInstanceType",
    "endpoint": "ProductionVariantInstanceType",
    "notebook": "InstanceType",
    "processing": "ProcessingInstanceType",
}

# type: (vCPU, memory GiB, GPUs, GPU memory GiB in total, USD per hour)   -- illustrative
_SPECS: dict[str, tuple[int, float, int, float, float]] = {
    # burstable, general purpose (notebooks, small endpoints)
    "ml.t2.medium": (2, 4, 0, 0, 0.0464), "ml.t2.large": (2, 8, 0, 0, 0.0928),
    "ml.t2.xlarge": (4, 16, 0, 0, 0.1856), "ml.t2.2xlarge": (8, 32, 0, 0, 0.3712),
    "ml.t3.medium": (2, 4, 0, 0, 0.05), "ml.t3.large": (2, 8, 0, 0, 0.10),
    "ml.t3.xlarge": (4, 16, 0, 0, 0.20), "ml.t3.2xlarge": (8, 32, 0, 0, 0.399),
    # general purpose
    "ml.m4.xlarge": (4, 16, 0, 0, 0.24), "ml.m4.2xlarge": (8, 32, 0, 0, 0.48),
    "ml.m4.4xlarge": (16, 64, 0, 0, 0.96), "ml.m4.10xlarge": (40, 160, 0, 0, 2.40),
    "ml.m4.16xlarge": (64, 256, 0, 0, 3.84),
    "ml.m5.large": (2, 8, 0, 0, 0.115), "ml.m5.xlarge": (4, 16, 0, 0, 0.23),
    "ml.m5.2xlarge": (8, 32, 0, 0, 0.461), "ml.m5.4xlarge": (16, 64, 0, 0, 0.922),
    "ml.m5.12xlarge": (48, 192, 0, 0, 2.765), "ml.m5.24xlarge": (96, 384, 0, 0, 5.53),
    # compute optimised
    "ml.c4.large": (2, 3.75, 0, 0, 0.14), "ml.c4.xlarge": (4, 7.5, 0, 0, 0.279),
    "ml.c4.2xlarge": (8, 15, 0, 0, 0.557), "ml.c4.4xlarge": (16, 30, 0, 0, 1.114),
    "ml.c4.8xlarge": (36, 60, 0, 0, 2.227),
    "ml.c5.large": (2, 4, 0, 0, 0.102), "ml.c5.xlarge": (4, 8, 0, 0, 0.204),
    "ml.c5.2xlarge": (8, 16, 0, 0, 0.408), "ml.c5.4xlarge": (16, 32, 0, 0, 0.816),
    "ml.c5.9xlarge": (36, 72, 0, 0, 1.836), "ml.c5.18xlarge": (72, 144, 0, 0, 3.672),
    # memory optimised
    "ml.r5.large": (2, 16, 0, 0, 0.151), "ml.r5.xlarge": (4, 32, 0, 0, 0.302),
    "ml.r5.2xlarge": (8, 64, 0, 0, 0.605), "ml.r5.4xlarge": (16, 128, 0, 0, 1.21),
    "ml.r5.8xlarge": (32, 256, 0, 0, 2.419), "ml.r5.12xlarge": (48, 384, 0, 0, 3.629),
    "ml.r5.16xlarge": (64, 512, 0, 0, 4.838), "ml.r5.24xlarge": (96, 768, 0, 0, 7.258),
    # GPU: g4dn = NVIDIA T4 (16 GiB), g5 = A10G (24 GiB), p2 = K80 (12 GiB), p3 = V100 (16 GiB)
    "ml.g4dn.xlarge": (4, 16, 1, 16, 0.736), "ml.g4dn.2xlarge": (8, 32, 1, 16, 0.94),
    "ml.g4dn.4xlarge": (16, 64, 1, 16, 1.505), "ml.g4dn.8xlarge": (32, 128, 1, 16, 2.72),
    "ml.g4dn.12xlarge": (48, 192, 4, 64, 4.89), "ml.g4dn.16xlarge": (64, 256, 1, 16, 5.44),
    "ml.g5.xlarge": (4, 16, 1, 24, 1.408), "ml.g5.2xlarge": (8, 32, 1, 24, 1.515),
    "ml.g5.4xlarge": (16, 64, 1, 24, 2.03), "ml.g5.8xlarge": (32, 128, 1, 24, 3.06),
    "ml.g5.12xlarge": (48, 192, 4, 96, 7.09), "ml.g5.16xlarge": (64, 256, 1, 24, 5.12),
    "ml.g5.24xlarge": (96, 384, 4, 96, 10.18), "ml.g5.48xlarge": (192, 768, 8, 192, 20.36),
    "ml.p2.xlarge": (4, 61, 1, 12, 1.125), "ml.p2.8xlarge": (32, 488, 8, 96, 8.64),
    "ml.p2.16xlarge": (64, 732, 16, 192, 17.28),
    "ml.p3.2xlarge": (8, 61, 1, 16, 3.825), "ml.p3.8xlarge": (32, 244, 4, 64, 14.688),
    "ml.p3.16xlarge": (64, 488, 8, 128, 28.152),
}


@dataclass(frozen=True)
class InstanceType:
    name: str
    family: str
    vcpu: int
    memory_gib: float
    gpus: int
    gpu_memory_gib: float
    prices: dict  # usage -> USD per hour, None where the usage does not offer the type

    @property
    def is_gpu(self) -> bool:
        return self.gpus > 0

    def allows(self, usage: str) -> bool:
        return self.prices.get(usage) is not None

    def price(self, usage: str) -> float | None:
        return self.prices.get(usage)


def allowed_types(usage: str) -> list[str]:
    """Every type botocore's SageMaker model accepts for `usage` (not only the catalog's)."""
    from .server.models import enum_values

    if usage not in USAGE_ENUMS:
        raise ValueError(f"unknown usage {usage!r}; one of {USAGES}")
    return enum_values("sagemaker", USAGE_ENUMS[usage])


@lru_cache(maxsize=None)
def catalog() -> dict[str, InstanceType]:
    allowed = {usage: set(allowed_types(usage)) for usage in USAGES}
    out = {}
    for name, (vcpu, mem, gpus, gpu_mem, rate) in _SPECS.items():
        prices = {usage: (rate if name in allowed[usage] else None) for usage in USAGES}
        out[name] = InstanceType(name, name.split(".")[1], vcpu, mem, gpus, gpu_mem, prices)
    return out


def get(name: str) -> InstanceType | None:
    return catalog().get(name)


def price_per_hour(instance_type: str, usage: str) -> float | None:
    it = get(instance_type)
    return it.price(usage) if it else None


def dataframe():
    """The catalog as a table a notebook can sort and plot: one row per type."""
    import pandas as pd

    rows = []
    for it in catalog().values():
        row = {"instance_type": it.name, "family": it.family, "vcpu": it.vcpu,
               "memory_gib": it.memory_gib, "gpus": it.gpus, "gpu_memory_gib": it.gpu_memory_gib}
        for usage in USAGES:
            row[f"{usage}_usd_per_hour"] = it.price(usage)
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs["prices"] = PRICE_SNAPSHOT
    return df
