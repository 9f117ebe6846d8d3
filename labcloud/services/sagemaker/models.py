"""Models: an image plus model data plus a role, the unit that transform jobs and endpoints run.

CreateModel checks at create time what SageMaker checks then (the role can be assumed, the
image is known, the model data exists in S3); a model is immutable afterwards, as on AWS.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import config
from ...server.errors import AWSError
from ...server.state import Resources
from .listing import list_page

if TYPE_CHECKING:
    from ...server.app import Cloud
    from .registry import ModelRegistry

KIND = "model"


def model_arn(name: str) -> str:
    return config.arn("sagemaker", f"model/{name}")


def check_container(cloud: "Cloud", c: dict) -> None:
    """What SageMaker checks of a container when a model or a model package is created: a known
    image and, if given, model data that exists as a .tar.gz."""
    from ...compute.training import split_s3_uri
    from ...images.registry import resolve

    if not c.get("Image"):
        raise AWSError("ValidationException", "labcloud models need an Image in each "
                       "container definition.")
    resolve(c["Image"])  # raises ValidationException for an unknown image
    url = c.get("ModelDataUrl")
    if url:
        s3 = cloud.services["s3"]
        bucket, key = split_s3_uri(url)
        present = s3.bucket_exists(bucket) and any(
            o["Key"] == key for o in s3.list_objects(bucket, key))
        if not present:
            raise AWSError("ValidationException", f"Could not find model data at {url}.")
        if not key.endswith(".tar.gz"):
            raise AWSError("ValidationException", f"Model data at {url} must be a "
                           "gzip-compressed tar archive (.tar.gz).")


class Models:
    def __init__(self, cloud: "Cloud", registry: "ModelRegistry"):
        self.cloud = cloud
        self.registry = registry
        self.docs = Resources(cloud.store, KIND)

    def create(self, p: dict) -> dict:
        from ...compute.training import check_role

        name = p["ModelName"]
        arn = model_arn(name)
        if self.docs.get(name) is not None:
            raise AWSError("ValidationException", f'Cannot create already existing model "{arn}".')
        containers = ([p["PrimaryContainer"]] if p.get("PrimaryContainer") else []) + \
            list(p.get("Containers") or [])
        if not containers:
            raise AWSError("ValidationException", "Either PrimaryContainer or Containers must be "
                           "specified.")
        if p.get("PrimaryContainer") and p.get("Containers"):
            raise AWSError("ValidationException", "PrimaryContainer and Containers cannot both be "
                           "specified.")
        if not p.get("ExecutionRoleArn"):
            raise AWSError("ValidationException", "1 validation error detected: Value null at "
                           "'executionRoleArn' failed to satisfy constraint: Member must not be null")
        check_role(self.cloud, p["ExecutionRoleArn"])
        containers = [self._from_package(c) if c.get("ModelPackageName") else c for c in containers]
        for c in containers:
            check_container(self.cloud, c)
        now = self.cloud.clock.now()
        doc = {k: v for k, v in p.items() if k != "Tags"}
        if p.get("PrimaryContainer"):
            doc["PrimaryContainer"] = containers[0]
        else:
            doc["Containers"] = containers
        doc.update({"ModelArn": arn, "CreationTime": now,
                    "EnableNetworkIsolation": p.get("EnableNetworkIsolation", False)})
        if not self.docs.insert(name, arn, doc, status=None, created=now):
            raise AWSError("ValidationException", f'Cannot create already existing model "{arn}".')
        return {"ModelArn": arn}

    def _from_package(self, c: dict) -> dict:
        """A container naming a model package gets the package's image and model data, so that
        everything downstream (fleets, transform jobs) runs it like any other container; the
        registry refuses a version that is not Approved."""
        source = self.registry.deployable_container(c["ModelPackageName"])
        env = {**source.get("Environment", {}), **c.get("Environment", {})}
        return {**{k: source[k] for k in ("Image", "ModelDataUrl") if k in source}, **c,
                **({"Environment": env} if env else {})}

    def get(self, name: str) -> dict:
        doc = self.docs.get(name)
        if doc is None:
            raise AWSError("ValidationException", f'Could not find model "{model_arn(name)}".')
        return doc

    def describe(self, p: dict) -> dict:
        return self.get(p["ModelName"])

    def list(self, p: dict) -> dict:
        page, token = list_page(
            self.docs.all(), p, name_key="ModelName", status_key=None,
            summary=lambda d: {"ModelName": d["ModelName"], "ModelArn": d["ModelArn"],
                               "CreationTime": d["CreationTime"]},
            sort_keys={"Name": "ModelName", "CreationTime": "CreationTime"})
        return {"Models": page, **({"NextToken": token} if token else {})}

    def delete(self, p: dict) -> dict:
        self.get(p["ModelName"])
        self.docs.delete(p["ModelName"])
        return {}
