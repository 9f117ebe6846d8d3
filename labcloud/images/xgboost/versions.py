"""Per-version facts of the XGBoost image, read from manifest.json (the one place they live).

The container needs them at run time (log style, early stopping, model format, serving output)
and the registry needs them to resolve URIs; both read them through here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MANIFEST = Path(__file__).with_name("manifest.json")
DEFAULT_VERSION = "1.7-1"


@lru_cache(maxsize=1)
def manifest() -> dict:
    return json.loads(MANIFEST.read_text())


@dataclass(frozen=True)
class VersionFacts:
    version: str
    repository: str
    tag: str
    aliases: tuple[str, ...]
    framework: str            # the xgboost release the real image ships
    log_style: str            # legacy | containers-0.90 | current
    early_stopping: str       # legacy | callback
    model_format: str         # pickle | native
    failure_style: str        # legacy | framework | client
    serving_output: str       # comma | encoders
    metric_set: str
    accepts_silent: bool
    train_matrix_line: str | None
    gpu_count_line: bool
    default_metric_warning: bool

    @property
    def metric_names(self) -> list[str]:
        return list(manifest()["metric_sets"][self.metric_set])

    @property
    def framework_tuple(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.framework.split("."))


def all_versions() -> list[str]:
    return list(manifest()["versions"])


def facts(version: str | None) -> VersionFacts:
    """Facts for a version name ('1.7-1', '1', ...); unknown names raise KeyError."""
    version = version or DEFAULT_VERSION
    entry = manifest()["versions"][version]
    return VersionFacts(version=version, repository=entry["repository"], tag=entry["tag"],
                        aliases=tuple(entry["aliases"]), framework=entry["framework"],
                        log_style=entry["log_style"], early_stopping=entry["early_stopping"],
                        model_format=entry["model_format"], failure_style=entry["failure_style"],
                        serving_output=entry["serving_output"], metric_set=entry["metric_set"],
                        accepts_silent=entry["accepts_silent"],
                        train_matrix_line=entry["train_matrix_line"],
                        gpu_count_line=entry["gpu_count_line"],
                        default_metric_warning=entry["default_metric_warning"])


def maximize_metrics() -> list[str]:
    return list(manifest()["maximize_metrics"])
