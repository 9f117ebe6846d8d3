"""image_uris.retrieve: which container image runs a built-in algorithm, as SDK v2 answers it.

No API call happens: the SDK looks the URI up in a table shipped with it. Ours is the table the
labcloud image registry resolves (labcloud/images/xgboost/manifest.json, copied from the SDK's
image_uri_config/xgboost.json), so every URI returned here is one a training job can run.
The Model Monitor analyzer ("model-monitor") comes from labcloud/images/model_monitor's
manifest, the one the registry resolves for processing jobs and monitoring schedules.
"""
from __future__ import annotations

import logging
import os

import boto3

FRAMEWORKS = ("xgboost", "model-monitor")
logger = logging.getLogger(__name__)


def _validate_arg(arg, available_options, arg_name: str) -> None:
    """v2's wording for an unsupported framework, version or region."""
    if arg not in available_options:
        raise ValueError(
            f"Unsupported {arg_name}: {arg}. You may need to upgrade your SDK version "
            f"(pip install -U sagemaker) for newer {arg_name}s. Supported {arg_name}(s): "
            f"{', '.join(available_options)}.")


def _aliases(xgboost_versions) -> dict[str, str]:
    """'latest' -> '1': v2 accepts the alias and, like ECR, keeps it as the tag."""
    return {alias: version for version in xgboost_versions.all_versions()
            for alias in xgboost_versions.facts(version).aliases}


def retrieve(framework: str, region: str | None = None, version: str | None = None,
             py_version: str | None = None, instance_type: str | None = None,
             image_scope: str | None = None, **kwargs) -> str:
    """The ECR URI of `framework` at `version` in `region`, e.g.
    retrieve("xgboost", "us-east-1", "1.7-1")
    -> "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1".

    Like v2, `version` has no default for XGBoost (None is reported as unsupported), and the
    region defaults to the boto3 session's when not given. "model-monitor" has one version,
    untagged: retrieve("model-monitor", "us-east-1") ->
    "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"
    (a version given is ignored with v2's warning).
    """
    from ..images.registry import image_uri, model_monitor_manifest, model_monitor_uri
    from ..images.xgboost import versions as xgboost_versions

    _validate_arg(framework, FRAMEWORKS, "framework")
    if region is None:
        region = boto3.Session().region_name or os.environ.get("AWS_DEFAULT_REGION")
    if framework == "model-monitor":
        if version:
            logger.warning("Defaulting to the only supported framework/algorithm version: . "
                           "Ignoring framework/algorithm version: %s.", version)
        _validate_arg(region, list(model_monitor_manifest()["registries"]), "region")
        return model_monitor_uri(region)
    aliases = _aliases(xgboost_versions)
    _validate_arg(version, xgboost_versions.all_versions() + list(aliases), f"{framework} version")
    real_version = aliases.get(version, version)
    regions = list(xgboost_versions.manifest()["registries"][
        xgboost_versions.facts(real_version).repository])
    _validate_arg(region, regions, "region")
    uri = image_uri(real_version, region)
    if version in aliases:  # v2 tags the alias itself: .../xgboost:latest
        uri = uri.rsplit(":", 1)[0] + ":" + version
    return uri
