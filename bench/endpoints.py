"""Benchmark: invoking a labcloud endpoint against a bare HTTP server wrapping the same Booster.

Both sides serve the same saved Booster. The baseline is a fresh process running a minimal
uvicorn/httptools ASGI app (parse the CSV row, predict with nthread=1 as the image does, answer):
the least any HTTP model server can do. The labcloud side is a real endpoint (CreateEndpointConfig + CreateEndpoint on the
XGBoost image) reached through labcloud's runtime path, measured two ways:
  * raw HTTP (http.client, kept-alive, unsigned: what curl/requests do), comparable with the
    baseline request for request;
  * boto3 sagemaker-runtime invoke_endpoint (signing and parsing included: what a student sees).
Each is run with 1 and with 8 concurrent client threads. Goals: p50 overhead <= 2 ms and
throughput >= half the bare server's. Also reported: CreateEndpoint -> InService wall time.

    .venv/bin/python bench/endpoints.py [--seconds 3]
"""
from __future__ import annotations

import argparse
import http.client
import io
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import boto3
import numpy as np
import xgboost as xgb

import labcloud
from labcloud import config

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ROW = b"0.5,-1.2,0.3,0.8,0.1,0.4,-0.7,1.1,0.0,0.9"
BARE = r"""
import sys, numpy as np, xgboost as xgb, uvicorn
booster = xgb.Booster(); booster.load_model(sys.argv[1])
booster.set_param({"nthread": 1})  # as the image does: single rows are faster without OpenMP

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    while True:
        m = await receive(); body += m.get("body", b"")
        if not m.get("more_body"):
            break
    if scope["path"] == "/ping":
        out, status = b"", 200
    else:
        x = np.array([[float(v) for v in line.split(b",")] for line in body.splitlines() if line],
                     dtype=np.float32)
        out, status = ",".join(f"{p:g}" for p in booster.inplace_predict(x)).encode(), 200
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/csv"), (b"content-length", str(len(out)).encode())]})
    await send({"type": "http.response.body", "body": out})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), loop="uvloop", http="httptools",
            log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=60)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 10)).astype(np.float32)
    y = 3 * x[:, 0] - 2 * x[:, 1] + x[:, 2] * x[:, 3] + rng.normal(scale=0.1, size=2000)
    booster = xgb.train({"objective": "reg:squarederror", "max_depth": 4}, xgb.DMatrix(x, label=y), 50)
    path = folder / "xgboost-model"
    booster.save_model(str(path) + ".ubj")
    (folder / "xgboost-model.ubj").rename(path)
    return path


def raw_run(port: int, path: str, clients: int, seconds: float) -> tuple[list[float], int]:
    """Kept-alive http.client per thread, for `seconds`; latencies (s) of every request."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Content-Type": "text/csv"}
        for _ in range(20):  # warm up
            conn.request("POST", path, ROW, headers)
            conn.getresponse().read()
        start.wait()
        out = latencies[i]
        while time.perf_counter() < stop_at[0]:
            t = time.perf_counter()
            conn.request("POST", path, ROW, headers)
            r = conn.getresponse()
            r.read()
            out.append(time.perf_counter() - t)
            if r.status != 200:
                raise RuntimeError(f"status {r.status}")
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds + 1e9  # set after the barrier
    start.wait()
    stop_at[0] = time.perf_counter() + seconds
    for t in threads:
        t.join()
    flat = [v for part in latencies for v in part]
    return flat, len(flat)


def boto_run(url: str, endpoint: str, clients: int, seconds: float) -> tuple[list[float], int]:
    session = boto3.Session(aws_access_key_id=config.ACCESS_KEY_ID,
                            aws_secret_access_key=config.SECRET_ACCESS_KEY, region_name=config.REGION)
    rts = [session.client("sagemaker-runtime", endpoint_url=url) for _ in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [float("inf")]

    def worker(i: int) -> None:
        rt = rts[i]
        for _ in range(10):
            rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=ROW)
        start.wait()
        while time.perf_counter() < stop_at[0]:
            t = time.perf_counter()
            rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=ROW)["Body"].read()
            latencies[i].append(time.perf_counter() - t)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    stop_at[0] = time.perf_counter() + seconds
    for t in threads:
        t.join()
    flat = [v for part in latencies for v in part]
    return flat, len(flat)


def stats(lat: list[float], n: int, seconds: float) -> dict:
    q = statistics.quantiles(lat, n=100)
    return {"p50": statistics.median(lat) * 1000, "p99": q[98] * 1000, "rps": n / seconds}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = train(tmp)
        tar_bytes = io.BytesIO()
        with tarfile.open(fileobj=tar_bytes, mode="w:gz") as tar:
            tar.add(model, arcname="xgboost-model")
        port = free_port()
        bare = subprocess.Popen([sys.executable, "-c", BARE, str(model), str(port)])
        home = tmp / "home"
        conn = labcloud.start(home, export=False, quiet=True)
        try:
            kw = dict(endpoint_url=conn.url, region_name=config.REGION,
                      aws_access_key_id=config.ACCESS_KEY_ID,
                      aws_secret_access_key=config.SECRET_ACCESS_KEY)
            s3, sm = boto3.client("s3", **kw), boto3.client("sagemaker", **kw)
            s3.create_bucket(Bucket="bench")
            s3.put_object(Bucket="bench", Key="model/model.tar.gz", Body=tar_bytes.getvalue())
            sm.create_model(ModelName="bench", ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                            PrimaryContainer={"Image": IMAGE,
                                              "ModelDataUrl": "s3://bench/model/model.tar.gz"})
            sm.create_endpoint_config(EndpointConfigName="bench", ProductionVariants=[{
                "VariantName": "AllTraffic", "ModelName": "bench", "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.xlarge"}])
            deadline = time.monotonic() + 30
            while True:  # the bare server is up (not competing for CPU with the endpoint's start)
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                    c.request("GET", "/ping")
                    c.getresponse().read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            t = time.perf_counter()
            sm.create_endpoint(EndpointName="bench", EndpointConfigName="bench")
            while sm.describe_endpoint(EndpointName="bench")["EndpointStatus"] == "Creating":
                time.sleep(0.02)
            in_service = time.perf_counter() - t
            d = sm.describe_endpoint(EndpointName="bench")
            assert d["EndpointStatus"] == "InService", d
            simulated = (d["LastModifiedTime"] - d["CreationTime"]).total_seconds()
            lab_port = int(conn.url.rsplit(":", 1)[1])
            rows = []
            for clients in (1, 8):
                b = stats(*raw_run(port, "/invocations", clients, args.seconds), args.seconds)
                r = stats(*raw_run(lab_port, "/endpoints/bench/invocations", clients, args.seconds),
                          args.seconds)
                o = stats(*boto_run(conn.url, "bench", clients, args.seconds), args.seconds)
                rows.append((clients, b, r, o))
        finally:
            labcloud.stop(home)
            bare.terminate()
            bare.wait()
    print(f"CreateEndpoint -> InService: {in_service:.2f} s wall "
          f"({simulated:.0f} s on the simulated clock)")
    print(f"{'clients':>7} {'side':<22} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} "
          f"{'p50 overhead ms':>16} {'throughput ratio':>17}")
    for clients, b, r, o in rows:
        for label, s in (("bare server (raw)", b), ("labcloud (raw HTTP)", r), ("labcloud (boto3)", o)):
            extra = "" if s is b else f"{s['p50'] - b['p50']:>16.2f} {s['rps'] / b['rps']:>17.2f}"
            print(f"{clients:>7} {label:<22} {s['p50']:>8.2f} {s['p99']:>8.2f} {s['rps']:>8.0f} {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
