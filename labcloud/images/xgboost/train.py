"""`python -m labcloud.images.xgboost train`: the algorithm-mode trainer of the XGBoost image.

It reads the SageMaker layout under $LABCLOUD_OPT_ML (default /opt/ml) and behaves as the image
version in $LABCLOUD_IMAGE_VERSION does: same validation order and messages, same log lines,
same early stopping, same artifact. Paths in messages are shown as the container sees them
(/opt/ml/...), whatever folder the platform chose as the container's root. xgboost and pandas
are imported only once the request has been validated, so a bad request fails in milliseconds.
"""
from __future__ import annotations

import json
import os
import pickle
import traceback
import warnings
from pathlib import Path

from . import channels, data, hyperparameters
from .errors import AlgorithmError, UserError, failure_reason
from .logs import ContainerLog
from .versions import VersionFacts, facts as version_facts

MODEL_NAME = "xgboost-model"
LOGISTIC = ("binary:logistic", "reg:logistic", "binary:logitraw")
# Substrings of xgboost errors the image reports as the customer's (xgb_constants.CUSTOMER_ERRORS),
# plus the wording newer xgboost releases use for the same checks.
CUSTOMER_ERRORS = (
    "label must be in [0,1] for logistic regression", "for logistic regression",
    "label must be in [0, num_class)", "Target is multiclass but average='binary'",
    "feature_names mismatch", "Check failed: preds.size() == info.labels_.size()",
    "the dataset only contains pos or neg samples", "base_score must be in (0,1)",
    "label must be nonnegative", "Parameter reg_lambda should be greater equal to 0",
    "Label contains NaN", "Invalid Parameter format", "Unknown objective function",
    "feature_names must", "number of columns does not match", "Unknown metric function")
DEFAULT_METRIC_WARNING = (
    "WARNING: ../src/learner.cc:1061: Starting in XGBoost 1.3.0, the default evaluation metric "
    "used with the objective 'binary:logistic' was changed from 'error' to 'logloss'. Explicitly "
    "set eval_metric if you'd like to restore the old behavior.")


class Layout:
    """The container's /opt/ml, wherever the platform put it."""

    def __init__(self, root: Path):
        self.root = root
        self.config = root / "input" / "config"
        self.data = root / "input" / "data"
        self.model = root / "model"
        self.failure = root / "output" / "failure"

    def shown(self, path: Path) -> str:
        return "/opt/ml/" + path.relative_to(self.root).as_posix()

    def read_config(self, name: str) -> dict:
        path = self.config / f"{name}.json"
        return json.loads(path.read_text()) if path.exists() else {}


def _announce(log: ContainerLog, facts: VersionFacts, hyper: dict) -> None:
    """The lines the image prints before it looks at the request."""
    if facts.log_style == "legacy":
        log.raw("Arguments: train")
        log.info("Running standalone xgboost training.")
        return
    containers = "sagemaker-containers"
    log.info("Imported framework sagemaker_xgboost_container.training", containers)
    for name, value in hyper.items():
        try:
            json.loads(value) if isinstance(value, str) else value
        except ValueError:
            log.info(f"Failed to parse hyperparameter {name} value {value} to Json.\n"
                     "Returning the value itself", containers)
    if facts.log_style == "current":
        log.info("No GPUs detected (normal if no gpus installed)")
    log.info("Running XGBoost Sagemaker in algorithm mode", "sagemaker_xgboost_container.training")
    if facts.gpu_count_line:
        log.info("Determined 0 GPU(s) available on the instance.")


def _available_mb() -> float:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except (ValueError, OSError):
        return 0.0


def _load(layout: Layout, log: ContainerLog, facts: VersionFacts, folder: Path, files, file_type,
          csv_weights: int, nthread: int):
    """One channel's DMatrix (None when empty), logging what the image logs while loading."""
    if not files or data.total_size(files) == 0:
        return None
    if facts.log_style == "current":
        log.info(f"files path: {layout.shown(folder)}")
    if file_type == "csv":
        delimiter = data.sniff_delimiter(data._first_line(files[0]), log)
        dmatrix = data.csv_dmatrix(files, delimiter, csv_weights, nthread)
        source = f"{layout.shown(folder)}?format=csv&label_column=0&delimiter={delimiter}"
    else:
        dmatrix = data.libsvm_dmatrix(files, nthread)
        source = layout.shown(folder)
    data.check_has_labels(dmatrix)
    if dmatrix is not None and facts.log_style != "current":
        if facts.log_style == "legacy":
            log.native("S3DistributionType set as FullyReplicated")
        entries = dmatrix.num_nonmissing()
        log.native(f"{dmatrix.num_row()}x{dmatrix.num_col()} matrix with {entries} entries "
                   f"loaded from {source}")
    return dmatrix


def _metric_plan(params: dict, facts: VersionFacts):
    """(xgboost metrics, custom metrics, early-stopping metric) from eval_metric and
    _tuning_objective_metric, as the image's get_eval_metrics_and_feval combines them."""
    from .custom_metrics import split

    eval_metric = params.pop("eval_metric", None)
    tuning = params.pop("_tuning_objective_metric", None)
    tuning_names = tuning.split(":", 1)[1].split(",") if tuning else None
    union = list(eval_metric or [])
    for name in tuning_names or []:
        if name not in union:
            union.append(name)
    native, custom = split(union)
    objective = params.get("objective", "reg:squarederror")
    if not native and facts.framework_tuple < (1, 3):  # xgboost < 1.3 defaults
        if objective == "binary:logistic":
            native = ["error"]
        elif objective in ("multi:softmax", "multi:softprob"):
            native = ["merror"]
    stop_metric = tuning_names[-1] if tuning_names else (eval_metric[-1] if eval_metric else None)
    return native, custom, stop_metric


def _xgb_params(validated: dict, facts: VersionFacts):
    params = dict(validated)
    num_round = params.pop("num_round")
    csv_weights = params.pop("csv_weights", 0)
    stop_rounds = params.pop("early_stopping_rounds", None)
    if params.pop("_kfold", None) is not None:
        raise UserError("labcloud's XGBoost image does not simulate _kfold cross-validation; "
                        "remove _kfold and _num_cv_round.")
    for name in ("_num_cv_round", "save_model_on_termination", "use_dask_gpu_training"):
        params.pop(name, None)
    if params.pop("silent", 0) == 1:
        params.setdefault("verbosity", 0)
    if "updater" in params:
        params["updater"] = ",".join(params["updater"])
    if params.get("tree_method") == "gpu_hist":  # no GPU here: the CPU twin of gpu_hist
        params["tree_method"] = "hist"
    for name in ("monotone_constraints", "interaction_constraints"):
        if name in params:
            params[name] = str(params[name]).replace(" ", "")
    native, custom, stop_metric = _metric_plan(params, facts)
    if native:
        params["eval_metric"] = native
    params["nthread"] = params.get("nthread") or os.cpu_count() or 1
    return params, num_round, csv_weights, stop_rounds, custom, stop_metric


def _check_labels(dtrain, objective: str | None) -> None:
    """xgboost's own label check for logistic objectives, worded as the image's xgboost says."""
    if objective in LOGISTIC:
        label = dtrain.get_label()
        if label.size and (label.min() < 0 or label.max() > 1):
            raise UserError("label must be in [0,1] for logistic regression")


def _fit(params, dtrain, dval, num_round, callbacks, custom_metric):
    import xgboost as xgb

    evals = [(dtrain, "train")] + ([(dval, "validation")] if dval is not None else [])
    try:
        return xgb.train(params, dtrain, num_boost_round=num_round, evals=evals,
                         custom_metric=custom_metric, callbacks=callbacks, verbose_eval=False)
    except xgb.core.XGBoostError as err:
        message = str(err).split("\nStack trace:")[0].strip()
        if any(text in message for text in CUSTOMER_ERRORS):
            raise UserError(message)
        raise AlgorithmError(f"XGB train call failed with exception:\n {message}")


def _save(booster, layout: Layout, facts: VersionFacts) -> None:
    layout.model.mkdir(parents=True, exist_ok=True)
    path = layout.model / MODEL_NAME
    if facts.model_format == "pickle":
        with open(path, "wb") as f:
            pickle.dump(booster, f)
    else:
        with warnings.catch_warnings():  # "Saving model in the UBJSON format as default"
            warnings.simplefilter("ignore")
            booster.save_model(str(path))


def train(layout: Layout, facts: VersionFacts, log: ContainerLog) -> None:
    hyper = layout.read_config("hyperparameters")
    _announce(log, facts, hyper)
    validated = hyperparameters.validate(hyper, facts)
    checked = channels.validate(layout.read_config("inputdataconfig"))
    file_type = channels.content_type(checked["train"].get("ContentType"))
    params, num_round, csv_weights, stop_rounds, custom, stop_metric = _xgb_params(validated, facts)
    nthread = params["nthread"]

    train_dir = layout.data / "train"
    val_dir = layout.data / "validation"
    train_files = data.data_files(train_dir) if train_dir.exists() else []
    val_files = data.data_files(val_dir) if "validation" in checked and val_dir.exists() else []
    if facts.log_style == "legacy":
        size_mb = (data.total_size(train_files) + data.total_size(val_files)) / 2 ** 20
        log.info(f"File size need to be processed in the node: {size_mb:.2f}mb. Available memory "
                 f"size in the node: {_available_mb():.2f}mb")
    for path in train_files + val_files:
        if path.stat().st_size == 0:
            continue
        if file_type == "csv":
            data.validate_csv(path, log if facts.log_style == "current" else None)
        else:
            data.validate_libsvm(path, log, legacy_wording=facts.log_style != "current")

    dtrain = _load(layout, log, facts, train_dir, train_files, file_type, csv_weights, nthread)
    dval = _load(layout, log, facts, val_dir, val_files, file_type, 0, nthread)
    if dtrain is None:
        raise UserError(f"No data in training channel path {layout.shown(train_dir)}")
    if "validation" in checked and dval is None:
        raise UserError(f"No data in validation channel path {layout.shown(val_dir)}")
    log.info("Single node training.")
    if facts.train_matrix_line == "rows_and_columns":
        log.info(f"Train matrix has {dtrain.num_row()} rows and {dtrain.num_col()} columns")
    elif facts.train_matrix_line == "rows":
        log.info(f"Train matrix has {dtrain.num_row()} rows")
    if dval is not None and facts.train_matrix_line:
        log.info(f"Validation matrix has {dval.num_row()} rows")

    import xgboost as xgb
    from . import callbacks as cb
    from .custom_metrics import feval
    from .hyperparameters import is_maximized

    printer = cb.PrintEvaluation(log)
    hooks: list = [printer]
    if stop_rounds and facts.early_stopping == "legacy":
        hooks.append(cb.LegacyEarlyStopping(stop_rounds, printer,
                                            verbose=facts.log_style != "current"))
    elif stop_rounds and dval is not None and stop_metric:
        hooks.append(xgb.callback.EarlyStopping(rounds=stop_rounds, data_name="validation",
                                                metric_name=stop_metric,
                                                maximize=is_maximized(stop_metric), save_best=True))
    objective = params.get("objective")
    if facts.default_metric_warning and objective == "binary:logistic" \
            and "eval_metric" not in params:
        log.native(DEFAULT_METRIC_WARNING)
    _check_labels(dtrain, objective)
    custom_metric = feval(custom, objective or "reg:squarederror") if custom else None
    booster = _fit(params, dtrain, dval, num_round, hooks, custom_metric)
    _save(booster, layout, facts)


def main() -> int:
    layout = Layout(Path(os.environ.get("LABCLOUD_OPT_ML", "/opt/ml")))
    version = os.environ.get("LABCLOUD_IMAGE_VERSION")
    try:
        facts = version_facts(version)
    except KeyError:  # a platform bug, not the customer's: say so the way AWS would
        layout.failure.parent.mkdir(parents=True, exist_ok=True)
        layout.failure.write_text(f"AlgorithmError: unknown XGBoost image version {version!r} "
                                  "(LABCLOUD_IMAGE_VERSION), exit code: 1")
        return 1
    log = ContainerLog(facts)
    # xgboost reports through Python warnings; the image shows them as plain log lines.
    warnings.showwarning = lambda message, *args, **kwargs: log.raw(str(message))
    try:
        train(layout, facts, log)
    except Exception as error:
        reason = failure_reason(error, facts.failure_style, traceback.format_exc())
        layout.failure.parent.mkdir(parents=True, exist_ok=True)
        layout.failure.write_text(reason)
        if facts.failure_style == "framework" or not isinstance(error, (UserError,
                                                                        AlgorithmError)):
            log.error("Reporting training FAILURE")
        log.error(reason.split(": ", 1)[1].rsplit(", exit code: ", 1)[0])
        return 1
    return 0
