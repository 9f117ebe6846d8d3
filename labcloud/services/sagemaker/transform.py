"""Batch transform jobs: the API side (create, describe, list, stop) and the job's state.

The work itself happens in labcloud.compute.transform, which reports back through `update` and
`finish`.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ... import config
from ...compute.transform import TransformRun
from ...server.errors import AWSError
from .jobs import ACTIVE, RunnerJobs
from .listing import list_page

if TYPE_CHECKING:
    from ...server.app import Cloud

KIND = "transform-job"


def transform_job_arn(name: str) -> str:
    return config.arn("sagemaker", f"transform-job/{name}")


class TransformJobs(RunnerJobs):
    """Stop, the runner's reports and restarts come from RunnerJobs (shared with processing)."""

    def __init__(self, cloud: "Cloud", models):
        super().__init__(cloud, KIND, "Transform")
        self.models = models
        cloud.services["servicequotas"].register_usage("transform", self.usage)

    def usage(self, cloud) -> Counter:
        """Instances held by transform jobs that are InProgress or Stopping, per type."""
        used: Counter = Counter()
        for name in self.docs.names_with_status(*ACTIVE):
            resources = (self.docs.get(name) or {}).get("TransformResources") or {}
            used[resources.get("InstanceType")] += int(resources.get("InstanceCount") or 0)
        return used

    def create(self, p: dict) -> dict:
        with self.lock:  # quota check and insert as one step
            return self._create(p)

    def _create(self, p: dict) -> dict:
        from ...compute.training import split_s3_uri
        from ...images.registry import resolve
        from ..servicequotas import check as quota_check

        name = p["TransformJobName"]
        arn = transform_job_arn(name)
        if self.docs.get(name) is not None:
            raise AWSError("ResourceInUse", "Transform job names must be unique within an AWS "
                           "account and region, and a transform job with this name already "
                           f"exists ({arn})")
        model = self.models.get(p["ModelName"])
        mb, concurrency = p.get("MaxPayloadInMB"), p.get("MaxConcurrentTransforms")
        if mb and concurrency and mb * concurrency > 100:
            raise AWSError("ValidationException", "MaxConcurrentTransforms * MaxPayloadInMB must "
                           f"not exceed 100 MB (got {concurrency} * {mb}).")
        split_s3_uri(p["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"])
        split_s3_uri(p["TransformOutput"]["S3OutputPath"])
        container = model.get("PrimaryContainer") or model["Containers"][0]
        image = resolve(container["Image"])
        resources = p["TransformResources"]
        quota_check(self.cloud, "transform", resources["InstanceType"], resources["InstanceCount"])
        now = self.cloud.clock.now()
        doc = {k: v for k, v in p.items() if k != "Tags"}
        doc.update({"TransformJobArn": arn, "TransformJobStatus": "InProgress",
                    "CreationTime": now, "LastModifiedTime": now})
        doc["TransformInput"].setdefault("SplitType", "None")
        doc["TransformInput"].setdefault("CompressionType", "None")
        if not self.docs.insert(name, arn, doc, status="InProgress", created=now):
            raise AWSError("ResourceInUse", f"Transform job {name} already exists ({arn})")
        run = TransformRun(self.cloud, self, name, model, image)
        self.runs[name] = run
        run.start()
        return {"TransformJobArn": arn}

    def describe(self, p: dict) -> dict:
        return {k: v for k, v in self._get(p["TransformJobName"]).items()
                if v is not None and k not in ("_stop", "LastModifiedTime")}

    def list(self, p: dict) -> dict:
        def summary(d: dict) -> dict:
            keys = ("TransformJobName", "TransformJobArn", "CreationTime", "TransformEndTime",
                    "LastModifiedTime", "TransformJobStatus", "FailureReason")
            return {k: d[k] for k in keys if d.get(k) is not None}
        page, token = list_page(self.docs.all(), p, name_key="TransformJobName",
                                status_key="TransformJobStatus", summary=summary,
                                sort_keys={"Name": "TransformJobName", "CreationTime": "CreationTime",
                                           "Status": "TransformJobStatus"})
        return {"TransformJobSummaries": page, **({"NextToken": token} if token else {})}
