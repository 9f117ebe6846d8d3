"""The bill: what every instance-second of every resource would have cost, from its own records.

Nothing is metered separately: each line is computed from the resource's document (a training
job's BillableTimeInSeconds and InstanceCount, ...) and the catalog's illustrative price, so the
bill can never disagree with what `describe_*` shows. Each kind of resource is one *source*, a
function of the cloud returning line items; endpoints, transform jobs and notebook instances add
theirs with `register_source` when they exist.

Two sides live here: `ledger(cloud)` runs in the server (behind `GET /_labcloud/bill`), and
`bill()` is the thin client a notebook calls; it reads the server's address from
AWS_ENDPOINT_URL, which `labcloud.start()` sets, so it works from any process.
"""
from __future__ import annotations

import json
import os
import urllib.request
from typing import TYPE_CHECKING, Callable

from . import catalog

if TYPE_CHECKING:
    from .server.app import Cloud

COLUMNS = ["resource", "service", "usage", "instance_type", "count", "seconds",
           "usd_per_hour", "cost_usd", "status"]
Source = Callable[["Cloud"], list[dict]]
_SOURCES: list[Source] = []


def register_source(source: Source) -> Source:
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def line(resource: str, service: str, usage: str, instance_type: str, count: int,
         seconds: float, status: str | None) -> dict:
    """One bill line: `count` instances of `instance_type` for `seconds` each."""
    price = catalog.price_per_hour(instance_type, usage)
    cost = None if price is None else seconds * count * price / 3600
    return {"resource": resource, "service": service, "usage": usage,
            "instance_type": instance_type, "count": count, "seconds": seconds,
            "usd_per_hour": price, "cost_usd": cost, "status": status}


@register_source
def training_jobs(cloud: "Cloud") -> list[dict]:
    """A finished job bills BillableTimeInSeconds per instance; a running one bills the time
    since its instances started downloading data (when AWS starts billing) until now."""
    from .server.state import Resources
    from .services.sagemaker.training import KIND

    now = cloud.clock.now()
    out = []
    for doc in Resources(cloud.store, KIND).all():
        resource = doc.get("ResourceConfig") or {}
        status = doc.get("TrainingJobStatus")
        if doc.get("BillableTimeInSeconds") is not None:
            seconds = float(doc["BillableTimeInSeconds"])
        elif doc.get("TrainingStartTime") is not None and status in ("InProgress", "Stopping"):
            seconds = float(int(max(0.0, now - doc["TrainingStartTime"])))
        else:
            seconds = 0.0
        out.append(line(doc["TrainingJobName"], "sagemaker", "training",
                        resource.get("InstanceType"), int(resource.get("InstanceCount") or 0),
                        seconds, status))
    return out


def _timed_jobs(cloud: "Cloud", kind: str, usage: str, prefix: str, resources) -> list[dict]:
    """Jobs that bill their instances from <prefix>StartTime to <prefix>EndTime (or now)."""
    from .server.state import Resources

    now = cloud.clock.now()
    out = []
    for doc in Resources(cloud.store, kind).all():
        spec = resources(doc)
        start = doc.get(f"{prefix}StartTime")
        end = doc.get(f"{prefix}EndTime") or now
        seconds = 0.0 if start is None else float(int(max(0.0, end - start)))
        out.append(line(doc[f"{prefix}JobName"], "sagemaker", usage, spec.get("InstanceType"),
                        int(spec.get("InstanceCount") or 0), seconds, doc.get(f"{prefix}JobStatus")))
    return out


@register_source
def transform_jobs(cloud: "Cloud") -> list[dict]:
    """A transform job bills its instances from TransformStartTime to TransformEndTime (or now)."""
    from .services.sagemaker.transform import KIND

    return _timed_jobs(cloud, KIND, "transform", "Transform",
                       lambda doc: doc.get("TransformResources") or {})


@register_source
def processing_jobs(cloud: "Cloud") -> list[dict]:
    """A processing job (a baseline, a monitoring execution) bills its instances from
    ProcessingStartTime to ProcessingEndTime (or now), as a transform job does."""
    from .services.sagemaker.processing import KIND

    return _timed_jobs(cloud, KIND, "processing", "Processing",
                       lambda doc: (doc.get("ProcessingResources") or {}).get("ClusterConfig") or {})


def ledger(cloud: "Cloud") -> dict:
    """Every line of every source, with the total (lines without a price count as 0)."""
    items = [item for source in _SOURCES for item in source(cloud)]
    total = sum(i["cost_usd"] or 0 for i in items)
    return {"currency": "USD", "prices": catalog.PRICE_SNAPSHOT, "time": cloud.clock.now(),
            "total_usd": total, "items": items}


# ---- client side (a notebook, the CLI) -----------------------------------------------------
def _url(endpoint_url: str | None) -> str:
    url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        raise RuntimeError("No labcloud to ask: run labcloud.start() first (it sets "
                           "AWS_ENDPOINT_URL), or pass endpoint_url.")
    return url.rstrip("/")


def fetch(endpoint_url: str | None = None) -> dict:
    with urllib.request.urlopen(_url(endpoint_url) + "/_labcloud/bill", timeout=30) as resp:
        return json.load(resp)


def bill(endpoint_url: str | None = None):
    """The bill so far as a pandas DataFrame, one row per resource, most expensive first."""
    import pandas as pd

    data = fetch(endpoint_url)
    df = pd.DataFrame(data["items"], columns=COLUMNS)
    df = df.sort_values("cost_usd", ascending=False, na_position="last", kind="stable")
    df = df.reset_index(drop=True)
    df.attrs.update(prices=data["prices"], total_usd=data["total_usd"])
    return df
