"""Resolve a container image URI to an Image labcloud can run, as ECR + SageMaker would.

Only the URIs `sagemaker.image_uris.retrieve("xgboost", region, version)` returns are accepted
(legacy `<acct>.dkr.ecr.<region>.amazonaws.com/xgboost:1` or `:latest`, and
`.../sagemaker-xgboost:<version>[-cpu-py3]` with the per-region accounts of the SDK's
image_uri_config/xgboost.json), so a student's URI that works here works on AWS too.

Errors carry AWS's own wording, so the platform can raise them as a ValidationException from
CreateTrainingJob / CreateModel or put `failure_reason` into FailureReason:
* not an ECR path at all: "Invalid training image. Please provide a valid Amazon Elastic
  Container Registry path of the Docker image to run." (real CreateTrainingJob answer quoted in
  aws/sagemaker-python-sdk#2063 and kubeflow/pipelines#3728);
* an ECR path in an AWS algorithm account whose tag does not exist: "Cannot find the requested
  image: <uri>" (prefix quoted in aws/amazon-sagemaker-examples#1476; the URI after the colon is
  our completion of the truncated quote);
* the Model Monitor analyzer (`image_uris.retrieve("model-monitor", region)`, repository
  sagemaker-model-monitor-analyzer in the per-region accounts of model_monitor/manifest.json)
  runs as a processing container;
* an ECR repository labcloud does not host (e.g. your own account's): "Access denied for
  repository: <repo> in registry ID: <account>. Please check if your ECR repository and image
  exist and role <role> has proper pull permissions for SageMaker: ..." (wpilibsuite/DetectCoral#37).
"""
from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..server.errors import AWSError
from .xgboost import versions

_ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\."
                  r"(?P<domain>amazonaws\.com(?:\.cn)?)/(?P<repo>[a-z0-9][a-z0-9._/-]*)"
                  r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$")
INVALID_IMAGE = ("Invalid training image. Please provide a valid Amazon Elastic Container "
                 "Registry path of the Docker image to run.")
MODEL_MONITOR = "model-monitor"
PULL_PERMISSIONS = "ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer"


class ImageNotFound(AWSError):
    """A TrainingImage / model Image that no registry labcloud knows can serve."""

    def __init__(self, message: str):
        super().__init__("ValidationException", message)

    @property
    def failure_reason(self) -> str:
        return f"ClientError: {self.message}"


@dataclass(frozen=True)
class Image:
    name: str                  # algorithm name, e.g. "xgboost"
    version: str               # version key of the manifest, e.g. "1.7-1" or "1"
    uri: str
    command: list[str]         # argv to run; the platform appends "train" or "serve"
    env: dict[str, str] = field(default_factory=dict)

    @property
    def facts(self) -> versions.VersionFacts:
        return versions.facts(self.version)


def _dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def image_uri(version: str, region: str) -> str:
    """The URI `image_uris.retrieve("xgboost", region, version)` gives (labcloud's own SDK uses it)."""
    facts = versions.facts(version)
    account = versions.manifest()["registries"][facts.repository][region]
    return f"{account}.dkr.ecr.{region}.{_dns_suffix(region)}/{facts.repository}:{facts.tag}"


def _by_tag(repository: str) -> dict[str, str]:
    out = {}
    for version in versions.all_versions():
        facts = versions.facts(version)
        if facts.repository == repository:
            for tag in (facts.tag, *facts.aliases):
                out[tag] = version
    return out


def _environment(version: str) -> dict[str, str]:
    """What the image sets: its version, and an import path that finds labcloud's code."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {"LABCLOUD_IMAGE_VERSION": version,
            "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root}


@lru_cache(maxsize=None)
def model_monitor_manifest() -> dict:
    return json.loads((Path(__file__).parent / "model_monitor" / "manifest.json").read_text())


def model_monitor_uri(region: str) -> str:
    """The URI `image_uris.retrieve("model-monitor", region)` gives."""
    manifest = model_monitor_manifest()
    return (f"{manifest['registries'][region]}.dkr.ecr.{region}.{_dns_suffix(region)}/"
            f"{manifest['repository']}")


def resolve(uri: str, role_arn: str | None = None) -> Image:
    """The Image behind `uri`, or ImageNotFound with the message AWS gives for it."""
    match = _ECR.match(uri or "")
    if not match:
        raise ImageNotFound(INVALID_IMAGE)
    account, region, repo = match["account"], match["region"], match["repo"]
    tag = match["tag"] or "latest"
    monitor = model_monitor_manifest()
    if repo == monitor["repository"] and monitor["registries"].get(region) == account \
            and match["domain"] == _dns_suffix(region):
        if tag not in monitor["tags"]:
            raise ImageNotFound(f"Cannot find the requested image: {uri}")
        return Image(name=MODEL_MONITOR, version="1", uri=uri,
                     command=[sys.executable, "-m", "labcloud.images.model_monitor"],
                     env=_environment("1"))
    registries = versions.manifest()["registries"]
    accounts = registries.get(repo, {})
    if accounts.get(region) == account and match["domain"] == _dns_suffix(region):
        version = _by_tag(repo).get(tag)
        if version is None:
            raise ImageNotFound(f"Cannot find the requested image: {uri}")
        return Image(name="xgboost", version=version, uri=uri,
                     command=[sys.executable, "-m", "labcloud.images.xgboost"],
                     env=_environment(version))
    if any(account in regions.values() for regions in registries.values()) \
            or account in monitor["registries"].values():
        raise ImageNotFound(f"Cannot find the requested image: {uri}")
    role = f"role {role_arn}" if role_arn else "the execution role"
    raise ImageNotFound(f"Access denied for repository: {repo} in registry ID: {account}. Please "
                        f"check if your ECR repository and image exist and {role} has proper "
                        f"pull permissions for SageMaker: {PULL_PERMISSIONS}")


def metric_definitions(image: Image) -> list[dict[str, str]]:
    """The MetricDefinitions SageMaker attaches to a built-in XGBoost job: `train:<m>` and
    `validation:<m>` for every metric the version can print, with AWS's regexes (copied from a
    real DescribeTrainingJob of a 1.5-1 job). They match the log text with TAB rendered `#011`."""
    facts = image.facts
    pattern = versions.manifest()["metric_regex"]
    return [{"Name": f"{channel}:{metric}",
             "Regex": pattern.replace("{channel}", channel).replace("{metric}", metric)}
            for channel in ("train", "validation") for metric in facts.metric_names]
