"""Entry point of the Model Monitor analyzer image, run as a processing container.

The platform starts `python -m labcloud.images.model_monitor analyze` in the container's root;
like AWS's `sagemaker-model-monitor-analyzer`, the image reads what to do from its environment
(the container contract of "Bring your own containers" for Model Monitor):

* baseline (suggest_baseline): `dataset_format` {"csv": {"header": bool}}, `dataset_source`
  (a folder of CSV files), `output_path` -> statistics.json and constraints.json;
* monitoring (a schedule's execution): `dataset_format` {"sagemakerCaptureJson": ...},
  `dataset_source` (captured JSONL under <endpoint>/<variant>/yyyy/mm/dd/hh/),
  `baseline_statistics`, `baseline_constraints`, `start_time`/`end_time`, `output_path` ->
  statistics.json and constraint_violations.json.

Paths in the environment are the container's (/opt/ml/processing/...); they live under
$LABCLOUD_OPT_ML here. The outcome goes to /opt/ml/output/message, which the platform reports
as the job's ExitMessage ("CompletedWithViolations: Job completed successfully with N
violations."); a failure goes to /opt/ml/output/failure and a non-zero exit.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import checks, inputs
from .statistics import constraints, statistics


class AnalysisError(Exception):
    """A problem with the job's inputs: reported in the logs and the job's FailureReason."""


def opt_ml() -> Path:
    return Path(os.environ.get("LABCLOUD_OPT_ML", "/opt/ml"))


def container_path(path: str) -> Path:
    """A container path (/opt/ml/...) as it lies on this machine."""
    if path.startswith("/opt/ml/"):
        return opt_ml() / path[len("/opt/ml/"):]
    return Path(path)


def log(message: str) -> None:
    print(f"{inputs.clock_text()} INFO  Main: {message}", flush=True)


def write_json(folder: Path, name: str, data: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(data, indent=2))


def dataset_format() -> dict:
    raw = os.environ.get("dataset_format") or '{"csv": {"header": true}}'
    try:
        value = json.loads(raw)
    except ValueError:
        raise AnalysisError(f"Error: dataset_format is not valid JSON: {raw}")
    if not isinstance(value, dict):
        raise AnalysisError(f"Error: dataset_format must be a JSON object: {raw}")
    return value


def baseline(fmt: dict, source: Path, output: Path) -> str:
    csv = fmt.get("csv")
    if not isinstance(csv, dict):
        raise AnalysisError("Error: labcloud's analyzer suggests baselines from CSV datasets "
                            f"only; dataset_format was {json.dumps(fmt)}.")
    names, table = inputs.read_csv_dataset(source, bool(csv.get("header", False)))
    if not table or not any(table):
        raise AnalysisError(f"Error: the baseline dataset under {source} has no rows.")
    log(f"Baseline dataset: {len(table[0])} rows, {len(names)} columns: {', '.join(names)}")
    stats = statistics(names, table)
    write_json(output, "statistics.json", stats)
    write_json(output, "constraints.json", constraints(stats))
    log(f"Wrote statistics.json and constraints.json to {os.environ.get('output_path')}")
    return "Completed: Job completed successfully with no violations."


def monitor(source: Path, output: Path) -> str:
    stats_path = container_path(os.environ.get("baseline_statistics", ""))
    constraints_path = container_path(os.environ.get("baseline_constraints", ""))
    baseline_constraints = inputs.read_json(constraints_path) if os.environ.get(
        "baseline_constraints") else None
    baseline_stats = inputs.read_json(stats_path) if os.environ.get("baseline_statistics") else {}
    rows = inputs.read_captured_rows(source, os.environ.get("start_time"),
                                      os.environ.get("end_time"))
    if not rows:
        raise AnalysisError("Job inputs had no data")
    widths: dict[int, int] = {}
    for row in rows:
        widths[len(row)] = widths.get(len(row), 0) + 1
    width = max(widths, key=lambda w: (widths[w], w))  # the shape most records have
    if baseline_constraints:
        names = [f["name"] for f in baseline_constraints.get("features", [])]
    else:
        names = [f"_c{i}" for i in range(width)]
    used = names[:width] + [f"_c{i}" for i in range(len(names), width)]
    table = [[row[i] if i < len(row) else None for row in rows] for i in range(len(used))]
    log(f"Analysing {len(rows)} captured records with {width} columns (a captured "
        "endpointOutput comes first, then the endpointInput columns)")
    types = {f["name"]: f["inferred_type"] for f in (baseline_constraints or {}).get("features", [])}
    write_json(output, "statistics.json", statistics(used, table, types))
    if baseline_constraints is None:
        return "Completed: Job completed successfully with no violations."
    found = checks.violations(baseline_constraints, baseline_stats, names,
                              table[:min(width, len(names))], width)
    write_json(output, "constraint_violations.json", {"violations": found})
    for v in found:
        log(f"Violation {v['constraint_check_type']} on {v['feature_name']}: {v['description']}")
    if found:
        return f"CompletedWithViolations: Job completed successfully with {len(found)} violations."
    return "Completed: Job completed successfully with no violations."


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["analyze"]:  # a processing container; not a training or serving image
        print("usage: python -m labcloud.images.model_monitor analyze (the Model Monitor "
              f"analyzer runs as a processing job; got {' '.join(args) or 'nothing'})",
              file=sys.stderr)
        return 2
    message_file = opt_ml() / "output" / "message"
    failure_file = opt_ml() / "output" / "failure"
    message_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fmt = dataset_format()
        source = container_path(os.environ.get("dataset_source", "/opt/ml/processing/input"))
        output = container_path(os.environ.get("output_path", "/opt/ml/processing/output"))
        log(f"Start analysis: dataset_format={json.dumps(fmt)}")
        if "sagemakerCaptureJson" in fmt or os.environ.get("baseline_constraints") \
                or os.environ.get("sagemaker_endpoint_name"):
            outcome = monitor(source, output)
        else:
            outcome = baseline(fmt, source, output)
    except (AnalysisError, inputs.CaptureError) as err:
        print(f"{inputs.clock_text()} ERROR Main: {err}", flush=True)
        failure_file.write_text(str(err))
        message_file.write_text(str(err))
        return 1
    log(outcome)
    message_file.write_text(outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
