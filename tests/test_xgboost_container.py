"""The built-in XGBoost image run for real: `python -m labcloud.images.xgboost train` in a temp
root laid out as SageMaker lays out /opt/ml, checked against the real image's texts."""
from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from labcloud.images import registry
from labcloud.images.registry import ImageNotFound, Image, image_uri, metric_definitions, resolve
from labcloud.images.xgboost import versions

CSV = "text/csv"


def regression(rows: int, seed: int, features: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features))
    y = 3 * x[:, 0] - 2 * x[:, 1] + x[:, 2] * x[:, 3] + rng.normal(scale=0.1, size=rows)
    return np.column_stack([y, x])


def csv_text(table: np.ndarray) -> str:
    return "\n".join(",".join(f"{v:.6f}" for v in row) for row in table) + "\n"


def libsvm_text(table: np.ndarray) -> str:
    return "\n".join(f"{row[0]:.6f} " + " ".join(f"{i}:{v:.6f}" for i, v in enumerate(row[1:]))
                     for row in table) + "\n"


class Run:
    def __init__(self, root: Path, proc: subprocess.CompletedProcess):
        self.root, self.rc = root, proc.returncode
        self.lines = proc.stdout.splitlines()
        self.stderr = proc.stderr
        failure = root / "opt/ml/output/failure"
        self.failure = failure.read_text() if failure.exists() else None
        self.model_dir = root / "opt/ml/model"

    @property
    def model_files(self) -> list[str]:
        return sorted(p.name for p in self.model_dir.iterdir()) if self.model_dir.exists() else []

    def eval_lines(self) -> list[str]:
        return [line for line in self.lines if re.match(r"^\[\d+\]\t", line)]

    def info(self) -> list[str]:
        """Messages of the INFO lines with the timestamp prefix removed."""
        return [re.sub(r"^\[\d{4}-\d\d-\d\d:\d\d:\d\d:\d\d:INFO\] ", "", line)
                for line in self.lines if ":INFO] " in line]


def load_native(path: Path) -> xgb.Booster:
    booster = xgb.Booster()
    with warnings.catch_warnings():  # xgboost guesses the format of an extension-less file
        warnings.simplefilter("ignore")
        booster.load_model(str(path))
    return booster


def run(tmp_path: Path, hyper: dict, channels: dict, version: str = "1.7-1") -> Run:
    """channels: name -> (files {relative path: text}, ContentType or None)."""
    opt_ml = tmp_path / "opt" / "ml"
    (opt_ml / "input" / "config").mkdir(parents=True, exist_ok=True)
    for sub in ("model", "output/data"):
        (opt_ml / sub).mkdir(parents=True, exist_ok=True)
    config = {}
    for name, (files, content_type) in channels.items():
        entry = {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
                 "RecordWrapperType": "None"}
        if content_type:
            entry["ContentType"] = content_type
        config[name] = entry
        folder = opt_ml / "input" / "data" / name
        folder.mkdir(parents=True, exist_ok=True)
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
    (opt_ml / "input/config/hyperparameters.json").write_text(json.dumps(hyper))
    (opt_ml / "input/config/inputdataconfig.json").write_text(json.dumps(config))
    (opt_ml / "input/config/resourceconfig.json").write_text(json.dumps(
        {"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"}))
    image = resolve(image_uri(version, "us-east-1"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABCLOUD_")}
    env.update(image.env, LABCLOUD_OPT_ML=str(opt_ml))
    proc = subprocess.run([*image.command, "train"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    return Run(tmp_path, proc)


TRAIN = {"train.csv": csv_text(regression(400, 1))}
VALIDATION = {"validation.csv": csv_text(regression(150, 2))}
BASIC = {"num_round": "20", "max_depth": "3", "objective": "reg:squarederror"}


def both(train=None, validation=None, content_type=CSV):
    return {"train": (train or TRAIN, content_type), "validation": (validation or VALIDATION,
                                                                    content_type)}


# ---- success --------------------------------------------------------------------------------

def test_training_writes_a_native_model_that_predicts(tmp_path):
    result = run(tmp_path, BASIC | {"eta": "0.3"}, both())
    assert result.rc == 0, result.failure or result.stderr
    assert result.failure is None
    assert result.model_files == ["xgboost-model"]
    assert (result.model_dir / "xgboost-model").read_bytes()[:1] == b"{"  # UBJSON
    booster = load_native(result.model_dir / "xgboost-model")
    assert booster.num_boosted_rounds() == 20
    x = np.random.default_rng(5).normal(size=(200, 5))
    truth = 3 * x[:, 0] - 2 * x[:, 1] + x[:, 2] * x[:, 3]
    assert np.sqrt(np.mean((booster.predict(xgb.DMatrix(x)) - truth) ** 2)) < 1.5
    info = result.info()
    assert info[:2] == ["Imported framework sagemaker_xgboost_container.training",
                        "Failed to parse hyperparameter objective value reg:squarederror to Json."]
    assert "Returning the value itself" in result.lines
    for line in ("Running XGBoost Sagemaker in algorithm mode", "Single node training.",
                 "Determined delimiter of CSV input is ','", "files path: /opt/ml/input/data/train",
                 "Train matrix has 400 rows and 5 columns", "Validation matrix has 150 rows"):
        assert line in info
    evals = result.eval_lines()
    assert len(evals) == 20
    assert all(re.fullmatch(r"\[\d+\]\ttrain-rmse:\d+\.\d{5}\tvalidation-rmse:\d+\.\d{5}", l)
               for l in evals)


def test_current_metric_lines_match_the_builtin_metric_regexes(tmp_path):
    result = run(tmp_path, BASIC, both())
    image = resolve(image_uri("1.7-1", "us-east-1"))
    definitions = {d["Name"]: re.compile(d["Regex"]) for d in metric_definitions(image)}
    last = result.eval_lines()[-1].replace("\t", "#011")
    train_value = float(definitions["train:rmse"].search(last).group(1))
    validation_value = float(definitions["validation:rmse"].search(last).group(1))
    assert last == f"[19]#011train-rmse:{train_value:.5f}#011validation-rmse:{validation_value:.5f}"


def test_legacy_image_logs_like_the_0_72_container(tmp_path):
    result = run(tmp_path, BASIC, both(), version="1")
    assert result.rc == 0, result.failure
    assert result.lines[0] == "Arguments: train"
    assert re.fullmatch(r"\[\d{4}-\d\d-\d\d:\d\d:\d\d:\d\d:INFO\] Running standalone xgboost "
                        r"training\.", result.lines[1])
    natives = [re.sub(r"^\[\d\d:\d\d:\d\d\] ", "", l) for l in result.lines
               if re.match(r"^\[\d\d:\d\d:\d\d\] ", l)]
    assert natives == [
        "S3DistributionType set as FullyReplicated",
        "400x5 matrix with 2000 entries loaded from "
        "/opt/ml/input/data/train?format=csv&label_column=0&delimiter=,",
        "S3DistributionType set as FullyReplicated",
        "150x5 matrix with 750 entries loaded from "
        "/opt/ml/input/data/validation?format=csv&label_column=0&delimiter=,"]
    for line in result.eval_lines():  # xgboost 0.72 prints 6 significant digits (%g)
        for value in re.findall(r":([^\t]+)", line):
            assert f"{float(value):g}" == value
    assert (result.model_dir / "xgboost-model").exists()


def test_0_90_image_uses_python_logging_lines(tmp_path):
    result = run(tmp_path, BASIC | {"objective": "reg:linear"}, both(), version="0.90-1")
    assert result.rc == 0, result.failure
    assert result.lines[0] == "INFO:sagemaker-containers:Imported framework sagemaker_xgboost_container.training"
    assert "INFO:sagemaker-containers:Failed to parse hyperparameter objective value reg:linear to Json." in result.lines
    assert "INFO:sagemaker_xgboost_container.training:Running XGBoost Sagemaker in algorithm mode" in result.lines
    for line in ("INFO:root:Determined delimiter of CSV input is ','", "INFO:root:Single node training.",
                 "INFO:root:Train matrix has 400 rows", "INFO:root:Validation matrix has 150 rows"):
        assert line in result.lines
    assert any("reg:linear is now deprecated in favor of reg:squarederror." in l for l in result.lines)


def test_libsvm_is_the_default_content_type(tmp_path):
    table = regression(300, 3)
    result = run(tmp_path, BASIC, {"train": ({"part-0": libsvm_text(table)}, None)})
    assert result.rc == 0, result.failure
    assert "Train matrix has 300 rows and 5 columns" in result.info()
    assert not any("Determined delimiter" in l for l in result.lines)


@pytest.mark.parametrize("content_type", ["csv", "text/csv; label_size=1"])
def test_csv_content_type_spellings(tmp_path, content_type):
    result = run(tmp_path, BASIC, {"train": (TRAIN, content_type)})
    assert result.rc == 0, result.failure


def test_all_files_under_the_channel_are_read_and_csv_weights(tmp_path):
    weighted = regression(100, 4)
    weighted = np.column_stack([weighted[:, :1], np.ones(100), weighted[:, 1:]])
    files = {"a.csv": csv_text(weighted[:50]), "more/b.csv": csv_text(weighted[50:]),
             "_SUCCESS": ""}
    result = run(tmp_path, BASIC | {"csv_weights": "1"}, {"train": (files, CSV)})
    assert result.rc == 0, result.failure
    assert "Train matrix has 100 rows and 5 columns" in result.info()


def test_threads_default_to_all_cores_unless_nthread_is_set(tmp_path):
    first = run(tmp_path / "a", BASIC, both(), version="1.2-1")
    second = run(tmp_path / "b", BASIC | {"nthread": "1"}, both(), version="1.2-1")
    threads = []
    for result in (first, second):
        with open(result.model_dir / "xgboost-model", "rb") as f:
            booster = pickle.load(f)
        config = json.loads(booster.save_config())
        threads.append(config["learner"]["generic_param"]["nthread"])
    assert threads == [str(os.cpu_count()), "1"]


# ---- early stopping per version --------------------------------------------------------------

STOPPING = {"num_round": "300", "max_depth": "3", "eta": "0.3", "objective": "reg:squarederror",
            "early_stopping_rounds": "5"}


def _best(lines: list[str]) -> int:
    scores = [float(l.rsplit("validation-rmse:", 1)[1]) for l in lines]
    return int(np.argmin(scores))


def test_current_early_stopping_saves_the_best_iteration(tmp_path):
    result = run(tmp_path, STOPPING | {"eval_metric": "rmse"}, both())
    assert result.rc == 0, result.failure
    evals = result.eval_lines()
    assert len(evals) < 300
    booster = load_native(result.model_dir / "xgboost-model")
    assert booster.num_boosted_rounds() == len(evals) - 5  # cut back to the best iteration
    best = _best(evals)
    assert evals[best].rsplit(":", 1)[1] == evals[len(evals) - 6].rsplit(":", 1)[1]
    assert not any("Will train until" in l or "Stopping" in l for l in result.lines)


@pytest.mark.parametrize("hyper, channels", [
    (STOPPING, "both"),                              # no eval_metric: no early stopping
    (STOPPING | {"eval_metric": "rmse"}, "train"),    # no validation channel: none either
])
def test_current_early_stopping_needs_validation_and_eval_metric(tmp_path, hyper, channels):
    hyper = hyper | {"num_round": "40"}
    result = run(tmp_path, hyper, both() if channels == "both" else {"train": (TRAIN, CSV)})
    assert result.rc == 0, result.failure
    assert len(result.eval_lines()) == 40


def test_legacy_early_stopping_prints_and_keeps_all_trees(tmp_path):
    result = run(tmp_path, STOPPING, both(), version="1")
    assert result.rc == 0, result.failure
    lines = result.lines
    stop = lines.index("Stopping. Best iteration:")
    evals = [l for l in lines[:stop] if re.match(r"^\[\d+\]\t", l)]
    best = evals.index(lines[stop + 1])  # the best line is printed again, as 0.72 does
    assert len(evals) == best + 6
    assert lines[lines.index(evals[0]) + 1:lines.index(evals[0]) + 4] == [
        "Multiple eval metrics have been passed: 'validation-rmse' will be used for early stopping.",
        "", "Will train until validation-rmse hasn't improved in 5 rounds."]
    assert lines[stop + 2] == ""
    with open(result.model_dir / "xgboost-model", "rb") as f:
        booster = pickle.load(f)
    assert isinstance(booster, xgb.Booster)
    assert booster.num_boosted_rounds() == best + 6
    assert booster.attr("best_iteration") == str(best)


def test_1_2_early_stopping_is_legacy_but_silent(tmp_path):
    result = run(tmp_path, STOPPING, both(), version="1.2-2")
    evals = result.eval_lines()
    assert len(evals) < 300
    with open(result.model_dir / "xgboost-model", "rb") as f:
        booster = pickle.load(f)
    assert booster.num_boosted_rounds() == len(evals) == int(booster.attr("best_iteration")) + 6
    assert not any("Will train until" in l for l in result.lines)


# ---- hyperparameter validation ---------------------------------------------------------------

@pytest.mark.parametrize("hyper, message", [
    ({"max_depth": "3"}, "Missing required hyperparameter: num_round"),
    ({"num_round": "10", "silent": "0"}, "Extraneous hyperparameter found: silent"),
    ({"num_round": "10", "eta": "2"}, "Hyperparameter eta: 2.0 is not in [0, 1]"),
    ({"num_round": "0"}, "Hyperparameter num_round: 0 is not in [1, +inf)"),
    ({"num_round": "10", "subsample": "0"}, "Hyperparameter subsample: 0.0 is not in (0, 1]"),
    ({"num_round": "ten"}, "Hyperparameter num_round: could not parse value (caused by ValueError)"),
    ({"num_round": "10", "max_depth": "3.5"},
     "Hyperparameter max_depth: could not parse value (caused by ValueError)"),
    ({"num_round": "10", "objective": "multi:softmax"},
     "Require input for parameter 'num_class' for multi-classification"),
    ({"num_round": "10", "objective": "reg:squarederror", "eval_metric": "auc"},
     "Metric 'auc' can only be applied for classification and ranking problems."),
    ({"num_round": "10", "booster": "forest"},
     "Hyperparameter booster: forest is not in ['gbtree', 'gblinear', 'dart']"),
])
def test_hyperparameter_errors_have_the_containers_text(tmp_path, hyper, message):
    result = run(tmp_path, hyper, {"train": (TRAIN, CSV)})
    assert result.rc == 1
    assert result.failure == f"ClientError: {message}, exit code: 1"
    assert result.model_files == []
    assert any(message in line for line in result.lines if ":ERROR] " in line)


def test_unknown_objective_lists_the_accepted_ones(tmp_path):
    result = run(tmp_path, {"num_round": "10", "objective": "reg:foo"}, {"train": (TRAIN, CSV)})
    assert result.failure.startswith(
        "ClientError: Hyperparameter objective: reg:foo is not in ['aft_loss_distribution', "
        "'binary:logistic', ")
    assert "'reg:linear', 'reg:squarederror'" in result.failure


def test_reg_linear_is_accepted_with_xgboosts_deprecation_warning(tmp_path):
    result = run(tmp_path, {"num_round": "5", "objective": "reg:linear"}, {"train": (TRAIN, CSV)})
    assert result.rc == 0, result.failure
    assert any("reg:linear is now deprecated in favor of reg:squarederror." in l
               for l in result.lines)


def test_silent_is_still_accepted_by_the_legacy_images(tmp_path):
    for version in ("1", "0.90-2"):
        result = run(tmp_path / version, {"num_round": "5", "silent": "0"}, {"train": (TRAIN, CSV)},
                     version=version)
        assert result.rc == 0, (version, result.failure)


def test_sagemaker_containers_images_report_a_framework_error_with_traceback(tmp_path):
    result = run(tmp_path, {"max_depth": "3"}, {"train": (TRAIN, CSV)}, version="1.2-1")
    assert result.rc == 1
    assert result.failure.startswith(
        "AlgorithmError: framework error: \nTraceback (most recent call last):\n")
    assert "UserError: Missing required hyperparameter: num_round\n" in result.failure
    assert result.failure.endswith("\nMissing required hyperparameter: num_round, exit code: 1")
    assert any(l.endswith(":ERROR] Reporting training FAILURE") for l in result.lines)


def test_an_unknown_image_version_is_the_platforms_error_not_the_customers(tmp_path):
    opt_ml = tmp_path / "opt" / "ml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABCLOUD_")}
    env.update(LABCLOUD_OPT_ML=str(opt_ml), LABCLOUD_IMAGE_VERSION="9.9-9")
    done = subprocess.run([sys.executable, "-m", "labcloud.images.xgboost", "train"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert (opt_ml / "output/failure").read_text() == (
        "AlgorithmError: unknown XGBoost image version '9.9-9' (LABCLOUD_IMAGE_VERSION), "
        "exit code: 1")


# ---- channels and data ------------------------------------------------------------------------

def test_missing_train_channel(tmp_path):
    result = run(tmp_path, BASIC, {"validation": (VALIDATION, CSV)})
    assert result.failure == "ClientError: Missing required channel: train, exit code: 1"


def test_extraneous_channel(tmp_path):
    result = run(tmp_path, BASIC, {"train": (TRAIN, CSV), "test": (VALIDATION, CSV)})
    assert result.failure == "ClientError: Extraneous channel found: test, exit code: 1"


def test_empty_channels(tmp_path):
    result = run(tmp_path / "a", BASIC, {"train": ({"empty.csv": ""}, CSV)})
    assert result.failure == ("ClientError: No data in training channel path "
                              "/opt/ml/input/data/train, exit code: 1")
    result = run(tmp_path / "b", BASIC, both(validation={"empty.csv": ""}))
    assert result.failure == ("ClientError: No data in validation channel path "
                              "/opt/ml/input/data/validation, exit code: 1")


def test_csv_sent_without_content_type_fails_as_libsvm(tmp_path):
    line = TRAIN["train.csv"].splitlines()[0]
    result = run(tmp_path / "a", BASIC, {"train": (TRAIN, None)})
    assert result.failure == (f"ClientError: First line '{line[:50]}...' of file 'train.csv' is "
                              "not 'LIBSVM' format. Please ensure the file is in 'LIBSVM' format."
                              ", exit code: 1")
    result = run(tmp_path / "b", BASIC, {"train": (TRAIN, None)}, version="1")
    assert result.failure == (f"ClientError: Blankspace and colon not found in firstline "
                              f"'{line[:50]}...' of file 'train.csv'. ContentType by defaullt is "
                              "in libsvm. Please ensure the file is in libsvm format., exit code: 1")


def test_header_row_fails(tmp_path):
    text = "label,f0,f1,f2,f3,f4\n" + TRAIN["train.csv"]
    result = run(tmp_path, BASIC, {"train": ({"train.csv": text}, CSV)})
    assert result.rc == 1
    assert result.failure == (
        "ClientError: Non-numeric value 'l' found in the header line 'label,f0,f1,f2,f3,f4\n...' "
        "of file 'train.csv'. CSV format require no header line in it. If header line is already "
        "removed, XGBoost does not accept non-numeric value in the data., exit code: 1")


def test_string_column_fails(tmp_path):
    text = TRAIN["train.csv"] + "1.0,2.0,red,3.0,4.0,5.0\n"
    result = run(tmp_path, BASIC, {"train": ({"train.csv": text}, CSV)})
    assert result.rc == 1
    assert result.failure.startswith("ClientError: Failed to load csv data with exception:\n")


def test_hidden_file_fails(tmp_path):
    result = run(tmp_path, BASIC, {"train": (TRAIN | {".DS_Store": "x"}, CSV)})
    assert result.failure == ("ClientError: Hidden file found in the data path! Remove that before "
                              "training., exit code: 1")


def test_logistic_labels_out_of_range(tmp_path):
    result = run(tmp_path, {"num_round": "5", "objective": "binary:logistic"},
                 {"train": (TRAIN, CSV)})
    assert result.rc == 1
    assert result.failure == ("ClientError: label must be in [0,1] for logistic regression, "
                              "exit code: 1")
    assert result.model_files == []


def test_binary_logistic_trains_with_0_1_labels(tmp_path):
    table = regression(300, 6)
    table[:, 0] = (table[:, 0] > 0).astype(float)
    result = run(tmp_path, {"num_round": "5", "objective": "binary:logistic",
                            "eval_metric": "auc,accuracy"}, {"train": ({"t.csv": csv_text(table)}, CSV)})
    assert result.rc == 0, result.failure
    assert re.fullmatch(r"\[4\]\ttrain-auc:\d\.\d{5}\ttrain-accuracy:\d\.\d{5}",
                        result.eval_lines()[-1])


# ---- the registry -----------------------------------------------------------------------------

RETRIEVE = {  # what sagemaker.image_uris.retrieve("xgboost", region, version) returns
    ("1", "us-east-1"): "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1",
    ("latest", "us-west-2"): "433757028032.dkr.ecr.us-west-2.amazonaws.com/xgboost:latest",
    ("0.90-1", "us-east-1"): "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:0.90-1-cpu-py3",
    ("0.90-2", "eu-west-1"): "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:0.90-2-cpu-py3",
    ("1.0-1", "us-west-2"): "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3",
    ("1.2-1", "us-east-1"): "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1",
    ("1.2-2", "eu-west-1"): "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.2-2",
    ("1.3-1", "us-west-2"): "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.3-1",
    ("1.5-1", "us-east-1"): "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1",
    ("1.7-1", "us-west-2"): "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1",
    ("3.0-5", "eu-west-1"): "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5",
    ("1", "eu-west-1"): "685385470294.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1",
    ("1.7-1", "cn-north-1"): "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1",
}


@pytest.mark.parametrize("version, region", sorted(RETRIEVE))
def test_registry_resolves_every_retrieve_uri(version, region):
    image = resolve(RETRIEVE[(version, region)])
    assert isinstance(image, Image)
    assert image.name == "xgboost"
    assert image.version == ("1" if version == "latest" else version)
    assert image.command == [sys.executable, "-m", "labcloud.images.xgboost"]
    assert image.env["LABCLOUD_IMAGE_VERSION"] == image.version
    if version != "latest":
        assert image_uri(version, region) == RETRIEVE[(version, region)]


def test_registry_covers_every_version_in_every_region():
    regions = versions.manifest()["registries"]["sagemaker-xgboost"]
    for version in versions.all_versions():
        for region in regions:
            if region in versions.manifest()["registries"][versions.facts(version).repository]:
                assert resolve(image_uri(version, region)).version == version


@pytest.mark.parametrize("uri, message", [
    ("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:9.9-9",
     "Cannot find the requested image: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:9.9-9"),
    ("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1-cpu-py3",
     "Cannot find the requested image: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1-cpu-py3"),
    ("246618743249.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",  # us-west-2's account
     "Cannot find the requested image: 246618743249.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"),
    ("xgboost:latest", registry.INVALID_IMAGE),
    ("", registry.INVALID_IMAGE),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-model:latest",
     "Access denied for repository: my-model in registry ID: 123456789012. Please check if your "
     "ECR repository and image exist and the execution role has proper pull permissions for "
     "SageMaker: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer"),
])
def test_registry_rejects_unknown_uris_with_awss_wording(uri, message):
    with pytest.raises(ImageNotFound) as err:
        resolve(uri)
    assert err.value.code == "ValidationException"
    assert err.value.message == message
    assert err.value.failure_reason == f"ClientError: {message}"


def test_metric_definitions_per_version():
    current = metric_definitions(resolve(RETRIEVE[("1.7-1", "us-west-2")]))
    names = {d["Name"] for d in current}
    for metric in ("rmse", "mae", "logloss", "error", "auc", "merror", "mlogloss", "f1", "r2"):
        assert {f"train:{metric}", f"validation:{metric}"} <= names
    regex = {d["Name"]: d["Regex"] for d in current}["validation:rmse"]
    assert regex == r".*\[[0-9]+\].*#011validation-rmse:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*"
    legacy = {d["Name"] for d in metric_definitions(resolve(RETRIEVE[("1", "us-east-1")]))}
    assert "validation:rmse" in legacy and "validation:f1" not in legacy
    line = "[3]#011train-rmse:2.86920#011validation-rmse:3.31753"
    found = {name: re.match(r, line) for name, r in
             ((d["Name"], d["Regex"]) for d in current)}
    assert float(found["train:rmse"].group(1)) == 2.8692
    assert float(found["validation:rmse"].group(1)) == 3.31753


def test_per_version_facts():
    facts = {v: versions.facts(v) for v in versions.all_versions()}
    assert [v for v, f in facts.items() if f.model_format == "pickle"] == \
        ["1", "0.90-1", "0.90-2", "1.0-1", "1.2-1", "1.2-2"]
    assert facts["1.7-1"].early_stopping == facts["3.0-5"].early_stopping == "callback"
    assert facts["1"].early_stopping == facts["0.90-1"].early_stopping == "legacy"
    assert facts["1.2-2"].serving_output == "comma" and facts["1.5-1"].serving_output == "encoders"
