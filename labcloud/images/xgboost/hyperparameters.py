"""Hyperparameter validation with the algorithm toolkit's rules, order and exact messages.

Hyperparameters arrive as strings and are validated by the container, not by boto3 or the SDK,
so a typo costs a student a failed job: this reproduces that, message for message
(aws/sagemaker-xgboost-container: sagemaker_algorithm_toolkit/hyperparameter_validation.py and
algorithm_mode/hyperparameter_validation.py). Order: aliases, required, parse (extraneous /
unparseable), ranges, dependencies.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Callable

from .errors import AlgorithmError, UserError
from .versions import VersionFacts, manifest, maximize_metrics

INF = None

OBJECTIVES = [
    "aft_loss_distribution", "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson",
    "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear",
    "reg:squarederror", "reg:logistic", "reg:gamma", "reg:pseudohubererror", "reg:squaredlogerror",
    "reg:absoluteerror", "reg:tweedie", "survival:aft", "survival:cox"]
UPDATERS = ["grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker", "grow_skmaker",
            "sync", "refresh", "prune", "grow_colmaker", "distcol", "grow_histmaker",
            "grow_local_histmaker", "grow_colmaker", "shotgun", "coord_descent", "refresh", "prune"]
ALIASES = {"learning_rate": "eta", "min_split_loss": "gamma", "reg_lambda": "lambda",
           "reg_alpha": "alpha"}


class Interval:
    def __init__(self, min_open=None, min_closed=None, max_open=None, max_closed=None):
        self.min_open, self.min_closed = min_open, min_closed
        self.max_open, self.max_closed = max_open, max_closed

    def __str__(self) -> str:
        low = (f"({self.min_open}, " if self.min_open is not None else
               f"[{self.min_closed}, " if self.min_closed is not None else "(-inf, ")
        high = (f"{self.max_open})" if self.max_open is not None else
                f"{self.max_closed}]" if self.max_closed is not None else "+inf)")
        return low + high

    def __contains__(self, value) -> bool:
        return not ((self.min_open is not None and value <= self.min_open)
                    or (self.min_closed is not None and value < self.min_closed)
                    or (self.max_open is not None and value >= self.max_open)
                    or (self.max_closed is not None and value > self.max_closed))


class Checked:
    """A range given by a predicate; prints as the list it checks against (as range_validator)."""

    def __init__(self, values: list, predicate: Callable[[list, Any], bool]):
        self.values, self.predicate = values, predicate

    def __str__(self) -> str:
        return str(self.values)

    def __contains__(self, value) -> bool:
        return self.predicate(self.values, value)


@dataclass
class Param:
    name: str
    kind: str            # int | float | cat | list | tuple | nested
    range: Any = None
    required: bool = False

    def parse(self, value):
        if self.kind == "int":
            return int(value)
        if self.kind == "float":
            return float(value)
        if self.kind == "list":
            return str(value).split(",")
        if self.kind in ("tuple", "nested"):
            if not isinstance(value, str):
                return value
            try:
                return ast.literal_eval(value)
            except SyntaxError as err:
                raise ValueError(str(err)) from err
        return value

    def check_range(self, value) -> None:
        if self.range is None:
            return
        if self.kind == "list":
            if any(v not in self.range for v in value):
                raise UserError(f"Hyperparameter {self.name}: value {value} not in range {self.range}")
        elif self.kind == "tuple":
            if any(v not in self.range for v in value):
                raise UserError(f"Hyperparameter {self.name}: value {value} not in range {self.range}")
        elif self.kind == "nested":
            if any(v not in self.range for outer in value for v in outer):
                raise UserError(f"Hyperparameter {self.name}: value {value} not in range {self.range}")
        elif value not in self.range:
            raise UserError(f"Hyperparameter {self.name}: {value} is not in {self.range}")


def _eval_metric_in_range(supported: list, metric: str) -> bool:
    if "<function" in metric:
        raise UserError(f"User defined evaluation metric {metric} is not supported yet.")
    if "@" in metric:
        name, threshold = (part.strip() for part in metric.split("@", 1))
        if name not in ("error", "ndcg", "map"):
            raise UserError(f"Metric '{metric}' is not supported. Parameter 'eval_metric' with "
                            "customized threshold should be one of these options: 'error', "
                            "'ndcg', 'map'.")
        try:
            float(threshold)
        except ValueError:
            raise UserError(f"Threshold value 't' in '{name}@t' expects float input.")
        return True
    return metric in supported


def schema(facts: VersionFacts) -> list[Param]:
    """The hyperparameters this image version accepts, in the container's declaration order."""
    metric_names = list(manifest()["metric_sets"]["current"])
    tuning = [f"validation:{m}" for m in metric_names]
    params = [
        Param("num_round", "int", Interval(min_closed=1), required=True),
        Param("csv_weights", "int", Interval(min_closed=0, max_closed=1)),
        Param("early_stopping_rounds", "int", Interval(min_closed=1)),
        Param("booster", "cat", ["gbtree", "gblinear", "dart"]),
        Param("verbosity", "int", Interval(min_closed=0, max_closed=3)),
        Param("nthread", "int", Interval(min_closed=1)),
        Param("eta", "float", Interval(min_closed=0, max_closed=1)),
        Param("gamma", "float", Interval(min_closed=0)),
        Param("max_depth", "int", Interval(min_closed=0)),
        Param("min_child_weight", "float", Interval(min_closed=0)),
        Param("max_delta_step", "float", Interval(min_closed=0)),
        Param("subsample", "float", Interval(min_open=0, max_closed=1)),
        Param("colsample_bytree", "float", Interval(min_open=0, max_closed=1)),
        Param("colsample_bylevel", "float", Interval(min_open=0, max_closed=1)),
        Param("colsample_bynode", "float", Interval(min_open=0, max_closed=1)),
        Param("lambda", "float", Interval(min_closed=0)),
        Param("alpha", "float", Interval(min_closed=0)),
        Param("tree_method", "cat", Checked(["auto", "exact", "approx", "hist", "gpu_hist"],
                                           lambda values, v: v in values)),
        Param("sketch_eps", "float", Interval(min_open=0, max_open=1)),
        Param("scale_pos_weight", "float", Interval(min_open=0)),
        Param("updater", "list", UPDATERS),
        Param("dsplit", "cat", ["row", "col"]),
        Param("refresh_leaf", "int", Interval(min_closed=0, max_closed=1)),
        Param("process_type", "cat", ["default", "update"]),
        Param("grow_policy", "cat", ["depthwise", "lossguide"]),
        Param("max_leaves", "int", Interval(min_closed=0)),
        Param("max_bin", "int", Interval(min_closed=0)),
        Param("predictor", "cat", Checked(["auto", "cpu_predictor", "gpu_predictor"],
                                          lambda values, v: v in values)),
        Param("monotone_constraints", "tuple", [-1, 0, 1]),
        Param("interaction_constraints", "nested", Interval(min_closed=1)),
        Param("sample_type", "cat", ["uniform", "weighted"]),
        Param("normalize_type", "cat", ["tree", "forest"]),
        Param("rate_drop", "float", Interval(min_closed=0, max_closed=1)),
        Param("one_drop", "int", Interval(min_closed=0, max_closed=1)),
        Param("skip_drop", "float", Interval(min_closed=0, max_closed=1)),
        Param("lambda_bias", "float", Interval(min_closed=0, max_closed=1)),
        Param("tweedie_variance_power", "float", Interval(min_open=1, max_open=2)),
        Param("objective", "cat", OBJECTIVES),
        Param("num_class", "int", Interval(min_closed=2)),
        Param("base_score", "float", Interval(min_closed=0)),
        Param("_kfold", "int", Interval(min_closed=2)),
        Param("_num_cv_round", "int", Interval(min_closed=1)),
        Param("_tuning_objective_metric", "cat", tuning),
        Param("eval_metric", "list", Checked(metric_names, _eval_metric_in_range)),
        Param("seed", "int", Interval(min_open=-(2 ** 31), max_open=2 ** 31 - 1)),
        Param("num_parallel_tree", "int", Interval(min_closed=1)),
        Param("save_model_on_termination", "cat", ["true", "false"]),
        Param("aft_loss_distribution", "cat", ["normal", "logistic", "extreme"]),
        Param("aft_loss_distribution_scale", "float", Interval(min_closed=0)),
        Param("deterministic_histogram", "cat", ["true", "false"]),
        Param("sampling_method", "cat", ["uniform", "gradient_based"]),
        Param("prob_buffer_row", "int", Interval(min_open=1.0)),
        Param("single_precision_histogram", "cat", ["true", "false"]),
        Param("use_dask_gpu_training", "cat", ["true", "false"]),
    ]
    if facts.accepts_silent:  # the 0.72/0.90 images still took `silent`; 1.0-1 on reject it
        params.append(Param("silent", "int", Interval(min_closed=0, max_closed=1)))
    return params


def _check_dependencies(values: dict) -> None:
    objective = values.get("objective")
    if objective in ("multi:softmax", "multi:softprob") and values.get("num_class") is None:
        raise UserError("Require input for parameter 'num_class' for multi-classification")
    metrics = values.get("eval_metric")
    if metrics is not None:
        objective = objective or "reg:squarederror"
        if "auc" in metrics and not objective.startswith(("binary:", "rank:")):
            raise UserError("Metric 'auc' can only be applied for classification and ranking "
                            "problems.")
        if "aft-nloglik" in metrics and objective != "survival:aft":
            raise UserError("Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.")
    tree_method = values.get("tree_method")
    if values.get("monotone_constraints") is not None and tree_method not in ("exact", "hist"):
        raise UserError("monotone_constraints can be used only when the tree_method parameter is "
                        "set to either 'exact' or 'hist'.")
    if values.get("interaction_constraints") is not None and \
            tree_method not in ("exact", "hist", "approx"):
        raise UserError("interaction_constraints can be used only when the tree_method parameter "
                        "is set to either 'exact', 'hist' or 'approx'.")


def validate(user: dict, facts: VersionFacts) -> dict:
    """Parsed, validated hyperparameters, or UserError with the container's message."""
    specs = {p.name: p for p in schema(facts)}
    user = {ALIASES.get(k, k): v for k, v in user.items()}
    for name, spec in specs.items():
        if spec.required and name not in user:
            raise UserError(f"Missing required hyperparameter: {name}")
    parsed = {}
    for name, value in user.items():
        spec = specs.get(name)
        if spec is None:
            raise UserError(f"Extraneous hyperparameter found: {name}")
        try:
            parsed[name] = spec.parse(value)
        except ValueError as err:
            raise UserError(f"Hyperparameter {name}: could not parse value", caused_by=err)
    for name, value in parsed.items():
        try:
            specs[name].check_range(value)
        except UserError:
            raise
        except Exception as err:
            raise AlgorithmError(f"Hyperparameter {name}: unexpected failure when validating "
                                 f"{value}", caused_by=err)
    _check_dependencies(parsed)
    return parsed


def is_maximized(metric: str) -> bool:
    return metric in maximize_metrics() or metric.startswith(("ndcg@", "map@"))
