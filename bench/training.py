"""Benchmark: a labcloud training job against raw xgboost.train, same data, same run.

Both sides start from the same CSV file (200k rows x 20 features, label first) and the same
parameters. The baseline is a fresh Python process that reads the CSV with pandas (float32, C
parser: what the container does too) and calls xgboost.train; the labcloud side is CreateTrainingJob until DescribeTrainingJob says Completed
(the data already in labcloud's S3, as a student's would be). Goal: ratio <= 1.3.
Also reported: time from labcloud.start() to the first answer of a fresh server.

    .venv/bin/python bench/training.py [--rows 200000] [--rounds 100] [--repeat 3]
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import labcloud
from common import IMAGE, arguments, client, until_done
from labcloud import config

BASELINE = """
import sys, os, numpy as np, pandas as pd, xgboost as xgb
df = pd.read_csv(sys.argv[1], header=None, dtype=np.float32, engine="c")
d = xgb.DMatrix(df.iloc[:, 1:].to_numpy(), label=df.iloc[:, 0].to_numpy(), nthread=os.cpu_count())
params = {"objective": "reg:squarederror", "max_depth": 6, "eta": 0.1, "nthread": os.cpu_count()}
booster = xgb.train(params, d, num_boost_round=int(sys.argv[2]))
booster.save_model(sys.argv[3] + ".ubj")
"""


def make_data(path: Path, rows: int, features: int = 20) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, features)).astype(np.float32)
    y = x[:, 0] * 3 - x[:, 1] * 2 + x[:, 2] * x[:, 3] + rng.normal(scale=0.5, size=rows)
    np.savetxt(path, np.column_stack([y, x]), delimiter=",", fmt="%.5f")


def baseline(csv: Path, rounds: int, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", BASELINE, str(csv), str(rounds), str(out)], check=True)
    return time.perf_counter() - t


def labcloud_job(sm, name: str, rounds: int) -> float:
    t = time.perf_counter()
    sm.create_training_job(
        TrainingJobName=name, RoleArn=config.EXECUTION_ROLE_ARN,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        HyperParameters={"objective": "reg:squarederror", "max_depth": "6", "eta": "0.1",
                         "num_round": str(rounds)},
        InputDataConfig=[{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bench/train/"}}}],
        OutputDataConfig={"S3OutputPath": "s3://bench/output"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    return until_done(lambda: sm.describe_training_job(TrainingJobName=name), "TrainingJobStatus", t)


def main() -> None:
    args = arguments(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = tmp / "train.csv"
        make_data(csv, args.rows)
        home = tmp / "home"
        t = time.perf_counter()
        conn = labcloud.start(home, export=False, quiet=True)
        first_answer = time.perf_counter() - t
        try:
            mk = lambda svc: client(conn.url, svc)
            s3, sm = mk("s3"), mk("sagemaker")
            s3.create_bucket(Bucket="bench")
            s3.upload_file(str(csv), "bench", "train/train.csv")
            raw, job = [], []
            for i in range(args.repeat):  # interleaved, so drift in machine load hits both
                raw.append(baseline(csv, args.rounds, tmp / "raw-model"))
                job.append(labcloud_job(sm, f"bench-{i}", args.rounds))
        finally:
            labcloud.stop(home)
    raw_s, job_s = statistics.median(raw), statistics.median(job)
    ratio = job_s / raw_s
    print(f"data: {args.rows} rows x 20 features, {args.rounds} rounds, median of {args.repeat}")
    print(f"raw xgboost.train (fresh process, pandas read_csv): {raw_s:6.2f} s  {[round(x, 2) for x in raw]}")
    print(f"labcloud training job (create -> Completed):       {job_s:6.2f} s  {[round(x, 2) for x in job]}")
    print(f"ratio labcloud / raw: {ratio:.2f}  (goal <= 1.30: {'met' if ratio <= 1.3 else 'NOT met'})")
    print(f"labcloud.start() to first answer (fresh server): {first_answer * 1000:.0f} ms")


if __name__ == "__main__":
    main()
