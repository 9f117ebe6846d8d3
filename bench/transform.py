"""Benchmark: a labcloud batch transform against raw Booster.predict, same data, same run.

Both sides predict the same CSV file (200k rows x 20 features, no label) with the same model.
The baseline is a fresh Python process that reads the CSV with pandas (float32, C parser),
loads the booster, calls Booster.predict and writes one prediction per line: the work a
transform job does, without SageMaker around it. The labcloud side is CreateTransformJob
(SplitType Line, BatchStrategy MultiRecord, AssembleWith Line, the data already in labcloud's
S3) until DescribeTransformJob says Completed, with test.csv.out in S3. Goal: ratio <= 1.5.
The two outputs are compared, so a fast wrong answer cannot pass.

    .venv/bin/python bench/transform.py [--rows 200000] [--rounds 100] [--repeat 3]
"""
from __future__ import annotations

import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import xgboost as xgb

import labcloud
from common import IMAGE, arguments, client, until_done
from labcloud import config

BASELINE = """
import sys, os, numpy as np, pandas as pd, xgboost as xgb
df = pd.read_csv(sys.argv[1], header=None, dtype=np.float32, engine="c")
booster = xgb.Booster()
booster.load_model(bytearray(open(sys.argv[2], "rb").read()))
booster.set_param({"nthread": os.cpu_count()})
pred = booster.predict(xgb.DMatrix(df.to_numpy(), nthread=os.cpu_count()))
with open(sys.argv[3], "w") as out:
    out.write("\\n".join(map(str, pred.tolist())) + "\\n")
"""


def make_data(rows: int, features: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype(np.float32)
    y = x[:, 0] * 3 - x[:, 1] * 2 + x[:, 2] * x[:, 3] + rng.normal(scale=0.5, size=rows)
    return x, y


def baseline(csv: Path, model: Path, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", BASELINE, str(csv), str(model), str(out)], check=True)
    return time.perf_counter() - t


def transform_job(sm, name: str) -> float:
    t = time.perf_counter()
    sm.create_transform_job(
        TransformJobName=name, ModelName="bench-model", BatchStrategy="MultiRecord",
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                        "S3Uri": "s3://bench/test/"}},
                        "ContentType": "text/csv", "SplitType": "Line"},
        TransformOutput={"S3OutputPath": f"s3://bench/out/{name}", "AssembleWith": "Line",
                         "Accept": "text/csv"},
        TransformResources={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1})
    return until_done(lambda: sm.describe_transform_job(TransformJobName=name), "TransformJobStatus", t)


def main() -> None:
    args = arguments(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # the model: trained here on other rows of the same distribution
        x_train, y_train = make_data(50_000, seed=1)
        booster = xgb.train({"objective": "reg:squarederror", "max_depth": 6, "eta": 0.1},
                            xgb.DMatrix(x_train, label=y_train), num_boost_round=args.rounds)
        model_file = tmp / "xgboost-model"
        booster.save_model(str(model_file) + ".json")
        (tmp / "xgboost-model.json").rename(model_file)
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            tar.add(model_file, arcname="xgboost-model")
        x, _ = make_data(args.rows)
        csv = tmp / "test.csv"
        np.savetxt(csv, x, delimiter=",", fmt="%.5f")

        home = tmp / "home"
        conn = labcloud.start(home, export=False, quiet=True)
        try:
            mk = lambda svc: client(conn.url, svc)
            s3, sm = mk("s3"), mk("sagemaker")
            s3.create_bucket(Bucket="bench")
            s3.upload_file(str(csv), "bench", "test/test.csv")
            s3.put_object(Bucket="bench", Key="model/model.tar.gz", Body=archive.getvalue())
            sm.create_model(ModelName="bench-model", ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                            PrimaryContainer={"Image": IMAGE,
                                              "ModelDataUrl": "s3://bench/model/model.tar.gz"})
            raw, job = [], []
            for i in range(args.repeat):  # interleaved, so drift in machine load hits both
                raw.append(baseline(csv, model_file, tmp / "raw.out"))
                job.append(transform_job(sm, f"bench-{i}"))
            body = s3.get_object(Bucket="bench", Key="out/bench-0/test.csv.out")["Body"].read()
        finally:
            labcloud.stop(home)
        ours = np.array([float(v) for v in body.decode().split()])
        theirs = np.loadtxt(tmp / "raw.out")
        if ours.shape != theirs.shape or not np.allclose(ours, theirs, rtol=1e-5, atol=1e-5):
            raise SystemExit(f"outputs differ: {ours.shape} vs {theirs.shape}")
    raw_s, job_s = statistics.median(raw), statistics.median(job)
    ratio = job_s / raw_s
    print(f"data: {args.rows} rows x 20 features, {args.rounds}-tree model, median of {args.repeat}")
    print(f"raw Booster.predict (fresh process, read CSV, write lines): {raw_s:6.2f} s  "
          f"{[round(v, 2) for v in raw]}")
    print(f"labcloud transform job (create -> Completed):              {job_s:6.2f} s  "
          f"{[round(v, 2) for v in job]}")
    print(f"ratio labcloud / raw: {ratio:.2f}  (goal <= 1.50: {'met' if ratio <= 1.5 else 'NOT met'})")
    print("outputs identical within 1e-5: yes")


if __name__ == "__main__":
    main()
