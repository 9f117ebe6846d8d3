"""Benchmark: invoking a labcloud endpoint against a bare HTTP server wrapping the same Booster.

Both sides serve the same saved Booster. The baseline ("bare") is a fresh process running a
minimal uvicorn/httptools ASGI app (parse the CSV row, predict with nthread=1 as the image does,
answer): the least any HTTP model server can do. It answers `POST /invocations` and, like
labcloud, `POST /endpoints/<name>/invocations`, so an unchanged boto3 sagemaker-runtime client
pointed at it (another endpoint_url) calls it as it calls labcloud.

Every server is driven by both kinds of client, each thread with its own kept-alive connection:
  * raw HTTP (http.client, unsigned: what curl/requests do);
  * boto3 invoke_endpoint (signing, serialisation and parsing: what a student sees). boto3 spends
    about 1 ms of client CPU per call, all of it under one GIL, so with 8 threads the client
    process itself is the bottleneck on a small machine, whatever the server.
A fair comparison uses the same client on both sides, so the goals (p50 overhead <= 2 ms,
throughput >= half the bare server's) judge each labcloud side against the bare server driven by
the same client kind, in the same round. A third labcloud side runs an endpoint with data
capture at 100 % (the runtime's observers doing their most work). Each round measures every side
with 1 and with 8 client threads, in turn, so drift in machine load hits all sides alike; the
figures are medians over rounds (ratios are taken within a round, then the median). Each row
also gives the CPU time per request of the client process and of the server's processes, which
a busy machine inflates far less than latency. Also reported: CreateEndpoint -> InService (real
seconds and seconds on the simulated clock) and what the runtime's observers (CloudWatch
metrics, data capture) cost the serving loop per invocation.

    .venv/bin/python bench/endpoints.py [--rounds 4] [--seconds 0.6] [--quick]
"""
from __future__ import annotations

import argparse
import http.client
import io
import os
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np
import xgboost as xgb

import labcloud
from common import IMAGE, client
from labcloud import config

ROW = b"0.5,-1.2,0.3,0.8,0.1,0.4,-0.7,1.1,0.0,0.9"
CLIENTS = (1, 8)
P50_GOAL_MS = 2.0
THROUGHPUT_GOAL = 0.5
CAPTURE = {"EnableCapture": True, "InitialSamplingPercentage": 100,
           "DestinationS3Uri": "s3://bench/capture",
           "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]}
BARE = r"""
import sys, numpy as np, xgboost as xgb, uvicorn
booster = xgb.Booster(); booster.load_model(sys.argv[1])
booster.set_param({"nthread": 1})  # as the image does: single rows are faster without OpenMP

def is_invocation(path):
    parts = path.split("/")
    return path == "/invocations" or (len(parts) == 4 and parts[1] == "endpoints"
                                      and parts[3] == "invocations")

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
    elif scope["method"] == "POST" and is_invocation(scope["path"]):
        x = np.array([[float(v) for v in line.split(b",")] for line in body.splitlines() if line],
                     dtype=np.float32)
        out, status = ",".join(f"{p:g}" for p in booster.inplace_predict(x)).encode(), 200
    else:
        out, status = b"", 404
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


# ---- clients: one callable per thread, each with its own kept-alive connection ----------------
def raw_callers(port: int, endpoint: str, n: int) -> list[Callable[[], None]]:
    def make() -> Callable[[], None]:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        path, headers = f"/endpoints/{endpoint}/invocations", {"Content-Type": "text/csv"}

        def call() -> None:
            conn.request("POST", path, ROW, headers)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"status {r.status} from port {port}")
        return call
    return [make() for _ in range(n)]


def boto_callers(url: str, endpoint: str, n: int) -> list[Callable[[], None]]:
    def make() -> Callable[[], None]:
        rt = client(url, "sagemaker-runtime")  # its own urllib3 pool: one connection per thread

        def call() -> None:
            rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=ROW)["Body"].read()
        return call
    return [make() for _ in range(n)]


TICK = os.sysconf("SC_CLK_TCK")
SCHEDSTAT = Path("/proc/self/schedstat").exists()


def cpu_seconds(pids: list[int]) -> float:
    """CPU time of these processes so far (Linux /proc): a figure the machine's load does not
    inflate the way it inflates wall-clock latency. The sum of every thread's schedstat
    (nanoseconds; the servers' threads live as long as they do), else the processes' stat
    (clock ticks of 10 ms: coarse for a short round)."""
    total = 0.0
    for pid in pids:
        try:
            if not SCHEDSTAT:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / TICK
                continue
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                total += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0]) / 1e9
            except OSError:  # the thread ended meanwhile
                pass
    return total


def family(pid: int) -> list[int]:
    """A process and its descendants (labcloud's server and its serving containers)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += parents.get(p, [])
    return out


def measure(callers: list[Callable[[], None]], seconds: float, server: list[int]) -> dict:
    """Every caller in its own thread for `seconds`: p50/p99 latency (ms), requests/s, and CPU
    per request (ms) of this client process and of the server's processes."""
    latencies: list[list[float]] = [[] for _ in callers]
    start = threading.Barrier(len(callers) + 1)
    stop_at = [float("inf")]
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        call, out = callers[i], latencies[i]
        for _ in range(5):  # warm the connection and the server's path
            call()
        start.wait()
        try:
            # at least one timed call per thread, however late a busy machine lets it run
            while not out or time.perf_counter() < stop_at[0]:
                t = time.perf_counter()
                call()
                out.append(time.perf_counter() - t)
        except BaseException as err:  # noqa: BLE001 - reported after the join
            errors.append(err)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(callers))]
    for t in threads:
        t.start()
    start.wait()
    began, client_cpu, server_cpu = time.perf_counter(), time.process_time(), cpu_seconds(server)
    stop_at[0] = began + seconds
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    client_cpu, server_cpu = time.process_time() - client_cpu, cpu_seconds(server) - server_cpu
    if errors:
        raise errors[0]
    flat = sorted(v for part in latencies for v in part)
    n = len(flat)
    return {"p50": statistics.median(flat) * 1000, "p99": flat[min(n - 1, int(n * 0.99))] * 1000,
            "rps": n / elapsed, "client_cpu": client_cpu / n * 1000, "server_cpu": server_cpu / n * 1000}


# ---- the labcloud side ---------------------------------------------------------------------
def create_endpoints(url: str, model: Path) -> tuple[float, float]:
    """Endpoints `bench` (timed: CreateEndpoint -> InService, real and simulated seconds) and
    `bench-capture` (data capture at 100 %)."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(model, arcname="xgboost-model")
    s3, sm = client(url, "s3"), client(url, "sagemaker")
    s3.create_bucket(Bucket="bench")
    s3.put_object(Bucket="bench", Key="model/model.tar.gz", Body=archive.getvalue())
    sm.create_model(ModelName="bench", ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://bench/model/model.tar.gz"})
    variants = [{"VariantName": "AllTraffic", "ModelName": "bench", "InitialInstanceCount": 1,
                 "InstanceType": "ml.m5.xlarge"}]
    sm.create_endpoint_config(EndpointConfigName="bench", ProductionVariants=variants)
    sm.create_endpoint_config(EndpointConfigName="bench-capture", ProductionVariants=variants,
                              DataCaptureConfig=CAPTURE)
    t = time.perf_counter()
    sm.create_endpoint(EndpointName="bench", EndpointConfigName="bench")
    while sm.describe_endpoint(EndpointName="bench")["EndpointStatus"] == "Creating":
        time.sleep(0.02)
    real = time.perf_counter() - t
    d = sm.describe_endpoint(EndpointName="bench")
    if d["EndpointStatus"] != "InService":
        raise SystemExit(f"endpoint ended {d['EndpointStatus']}: {d.get('FailureReason')}")
    simulated = (d["LastModifiedTime"] - d["CreationTime"]).total_seconds()
    sm.create_endpoint(EndpointName="bench-capture", EndpointConfigName="bench-capture")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="bench-capture",
                                              WaiterConfig={"Delay": 0.1, "MaxAttempts": 600})
    return real, simulated


def observer_costs(home: Path, n: int) -> dict[str, float]:
    """Microseconds of the serving loop's time each runtime observer (CloudWatch metrics, data
    capture, ...) takes per invocation, with capture off and at 100 %: measured in this process
    on a Cloud of its own, since the server's loop cannot be timed from outside. What capture's
    writer thread then costs shows in the labcloud+capture rows' server CPU."""
    from labcloud.server.app import Cloud
    from labcloud.services.sagemaker_runtime.invocation import Invocation

    cloud = Cloud(home)
    try:
        observers = cloud.services["sagemaker-runtime"].observers
        out = {}
        for label, endpoint_config in (("off", {}), ("100 %", {"DataCaptureConfig": CAPTURE})):
            records = [Invocation(endpoint="bench", variant="AllTraffic", instances=1,
                                  time=time.time(), status=200, model_latency_us=400 + i % 300,
                                  overhead_latency_us=200 + i % 150, request_body=ROW,
                                  content_type="text/csv", accept=None, response_body=b"0.5\n",
                                  response_content_type="text/csv", config=endpoint_config)
                       for i in range(n)]
            for observe in observers:
                observe(records[0])  # starts its writer thread, if it has one
            t = time.thread_time()
            for record in records:
                for observe in observers:
                    observe(record)
            out[label] = (time.thread_time() - t) / n * 1e6
        out["observers"] = ", ".join(getattr(o, "__qualname__", repr(o)) for o in observers)
        return out
    finally:
        cloud.stop()


def wait_for_bare(port: int) -> None:
    """The bare server answers (so its start does not compete with CreateEndpoint for CPU)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/ping")
            c.getresponse().read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# ---- report ----------------------------------------------------------------------------------
# (label, client kind, server, endpoint); each labcloud side is judged against the bare server
# driven by the same client kind
SIDES = [("bare / raw HTTP", "raw", "bare", "bench"),
         ("labcloud / raw HTTP", "raw", "labcloud", "bench"),
         ("labcloud+capture / raw", "raw", "labcloud", "bench-capture"),
         ("bare / boto3", "boto3", "bare", "bench"),
         ("labcloud / boto3", "boto3", "labcloud", "bench")]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(results: dict, rounds: int, seconds: float, real: float, simulated: float,
           load: tuple[float, float], observers: dict) -> None:
    med = statistics.median
    print(f"CreateEndpoint -> InService: {real:.2f} s real ({simulated:.0f} s on the simulated clock)")
    print(f"machine: {os.cpu_count()} cores, 1-min load average {load[0]:.1f} before, "
          f"{load[1]:.1f} after; medians of {rounds} round(s) of {seconds:g} s per side")
    print("each labcloud side is compared with the bare server driven by the SAME client kind in "
          "the same round:\n  overhead = its p50 - bare p50, ratio = its req/s / bare req/s")
    print("  CPU ms/req: CPU time per request of the client process and of the server's processes "
          "(labcloud: its server and serving containers)")
    print(f"{'clients':>7}  {'server / client':<24}{'p50 ms':>8}{'p99 ms':>8}{'req/s':>8}"
          f"{'client CPU':>11}{'server CPU':>11}{'p50 overhead ms':>17}{'throughput ratio':>18}")
    verdicts = []
    for n in CLIENTS:
        for label, kind, server, _ in SIDES:
            runs = results[(label, n)]
            line = (f"{n:>7}  {label:<24}{med(r['p50'] for r in runs):>8.2f}"
                    f"{med(r['p99'] for r in runs):>8.2f}{med(r['rps'] for r in runs):>8.0f}"
                    f"{med(r['client_cpu'] for r in runs):>11.3f}"
                    f"{med(r['server_cpu'] for r in runs):>11.3f}")
            if server != "bare":
                base = results[(f"bare / {'raw HTTP' if kind == 'raw' else 'boto3'}", n)]
                over = med(r["p50"] - b["p50"] for r, b in zip(runs, base))
                ratio = med(r["rps"] / b["rps"] for r, b in zip(runs, base))
                ok_p50, ok_rps = over <= P50_GOAL_MS, ratio >= THROUGHPUT_GOAL
                line += f"{over:>+12.2f} {verdict(ok_p50)}{ratio:>13.2f} {verdict(ok_rps)}"
                verdicts += [ok_p50, ok_rps]
            print(line)
    # what a student sees: boto3 through labcloud against the fastest possible (raw HTTP, bare)
    for n in CLIENTS:
        runs, base = results[("labcloud / boto3", n)], results[("bare / raw HTTP", n)]
        print(f"for reference, {n} client(s), labcloud/boto3 vs bare/raw HTTP (client cost "
              f"included): p50 {med(r['p50'] - b['p50'] for r, b in zip(runs, base)):+.2f} ms, "
              f"throughput {med(r['rps'] / b['rps'] for r, b in zip(runs, base)):.2f}")
    print(f"goals (p50 overhead <= {P50_GOAL_MS:g} ms, throughput ratio >= {THROUGHPUT_GOAL:g}): "
          f"{sum(verdicts)}/{len(verdicts)} PASS")
    print(f"runtime observers ({observers['observers']}) on the serving loop: "
          f"{observers['off']:.1f} us per invocation with data capture off, "
          f"{observers['100 %']:.1f} us with capture at 100 %")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=0.6, help="per side and client count")
    ap.add_argument("--quick", action="store_true", help="one short round (a smoke test)")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.seconds = 1, 0.3
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = train(tmp)
        port = free_port()
        bare = subprocess.Popen([sys.executable, "-c", BARE, str(model), str(port)])
        home = tmp / "home"
        try:
            wait_for_bare(port)
            conn = labcloud.start(home, export=False, quiet=True)
            lab_port = conn.port
            real, simulated = create_endpoints(conn.url, model)
            pids = {"bare": [bare.pid], "labcloud": family(conn.pid)}
            callers = {}
            for label, kind, server, endpoint in SIDES:
                if kind == "raw":
                    callers[label] = raw_callers(port if server == "bare" else lab_port,
                                                 endpoint, max(CLIENTS))
                else:
                    callers[label] = boto_callers(f"http://127.0.0.1:{port}" if server == "bare"
                                                  else conn.url, endpoint, max(CLIENTS))
            results: dict = {(label, n): [] for label, *_ in SIDES for n in CLIENTS}
            for _ in range(args.rounds):
                for n in CLIENTS:
                    for label, _, server, _ in SIDES:
                        results[(label, n)].append(measure(callers[label][:n], args.seconds,
                                                           pids[server]))
            load_after = os.getloadavg()[0]
        finally:
            labcloud.stop(home)
            bare.terminate()
            bare.wait()
        observers = observer_costs(tmp / "observers", 2000 if args.quick else 20000)
    report(results, args.rounds, args.seconds, real, simulated, (load_before, load_after), observers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
