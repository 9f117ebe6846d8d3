"""bench/endpoints.py keeps working: its quick form runs against a real labcloud and the bare
server and prints every side, the ratios each labcloud side is judged by and the InService time.
The goals' verdicts are not asserted: they depend on the machine and on its load."""
import re
import subprocess
import sys

from conftest import REPO

NUMBER = r"-?\d+(?:\.\d+)?"


def test_endpoint_benchmark_quick_mode_prints_every_side_and_its_ratios():
    result = subprocess.run([sys.executable, "bench/endpoints.py", "--quick"], cwd=REPO,
                            capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, result.stderr[-4000:]
    out = result.stdout
    assert re.search(rf"CreateEndpoint -> InService: {NUMBER} s real \(\d+ s on the simulated "
                     r"clock\)", out), out
    row = rf"\s+{NUMBER}" * 5  # p50, p99, req/s, client CPU, server CPU
    for clients in (1, 8):
        for side in ("bare / raw HTTP", "bare / boto3"):
            assert re.search(rf"^\s+{clients}\s+{re.escape(side)}{row}$", out, re.M), out
        for side in ("labcloud / raw HTTP", "labcloud+capture / raw", "labcloud / boto3"):
            assert re.search(rf"^\s+{clients}\s+{re.escape(side)}{row}\s+[+-]\d+\.\d+ (PASS|MISS)"
                             rf"\s+\d+\.\d+ (PASS|MISS)$", out, re.M), out
    assert re.search(r"goals \(p50 overhead <= 2 ms, throughput ratio >= 0.5\): \d+/12 PASS", out)
    assert re.search(rf"runtime observers \(.*EndpointMetrics.observe.*\) on the serving loop: "
                     rf"{NUMBER} us per invocation with data capture off, {NUMBER} us with "
                     r"capture at 100 %", out), out
