"""Run untrusted notebook code with limits, on its own labcloud, and leave nothing behind.

A submission runs as a command (nbgrader autograde, or our executor for `course check`) in a new
session and process group, with rlimits set in a preexec_fn (address space, file size, no core
files) and a wall-clock limit after which the whole group is killed. That is not enough on its
own: jupyter_client starts every kernel in a session *of its own*, labcloud starts its server
detached, and a student can daemonize too. So every process of a run carries a random token in
its environment, and after the run ends (normally, by timeout or by crash) the run's labcloud is
stopped through its API (so it stops its containers) and then every process still carrying the
token is frozen and killed. A process that scrubs its own environment *and* leaves the group
escapes this sweep; only a separate user or a cgroup closes that (autograder/README.md).
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import labcloud

from . import runtime

TOKEN_VAR = "MLPROD_SANDBOX"
# One BLAS/OpenMP thread per run: runs execute side by side, one per core.
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
# Our own variables a student's code must not inherit (they would point at the grader's cloud).
_DROP_VARS = ("LABCLOUD_HOME", "AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID",
              "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "JPY_PARENT_PID")


_ACTIVE: set[subprocess.Popen] = set()    # runs in progress, for kill_all() on Ctrl-C


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 600.0
    memory_mb: int | None = 4096      # address space per process
    file_mb: int = 2048               # largest file a process may write
    threads: int = 1


@dataclass
class Outcome:
    returncode: int | None
    timed_out: bool
    seconds: float
    log: str                          # combined stdout+stderr of the command
    leftovers: list[int] = field(default_factory=list)   # pids killed by the sweep
    cloud_stopped: bool = False


def _preexec(limits: Limits):
    """Build the preexec_fn: only setrlimit calls on precomputed numbers, because it runs
    between fork and exec in a process that has threads."""
    settings = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, limits.file_mb << 20)]
    if limits.memory_mb:
        settings.append((resource.RLIMIT_AS, limits.memory_mb << 20))
    clamped = []
    for which, value in settings:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        clamped.append((which, value, hard))

    def apply() -> None:
        for which, value, hard in clamped:
            resource.setrlimit(which, (value, hard))
    return apply


def environment(home: Path, token: str, limits: Limits, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in _DROP_VARS and not k.startswith("AWS_ENDPOINT_URL")}
    runtime.pin(env)
    for var in _THREAD_VARS:
        env[var] = str(limits.threads)
    env["LABCLOUD_HOME"] = str(home)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["MPLBACKEND"] = "Agg"
    env[TOKEN_VAR] = token
    env.update(extra or {})
    return env


def _marked(token: str, home: Path) -> list[int]:
    """Pids of processes started by the run: the token in their environment, or a labcloud
    server serving the run's home."""
    needle = f"{TOKEN_VAR}={token}".encode()
    home_arg = str(home).encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                environ = f.read()
            if needle in environ.split(b"\0"):
                found.append(int(entry.name))
                continue
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmdline = f.read().split(b"\0")
            if b"labcloud" in b" ".join(cmdline) and home_arg in cmdline:
                found.append(int(entry.name))
        except OSError:       # gone, or not ours to read
            continue
    return found


def sweep(token: str, home: Path, rounds: int = 5) -> list[int]:
    """Freeze then kill every process of the run; repeat while forks race the sweep."""
    killed: list[int] = []
    for _ in range(rounds):
        pids = _marked(token, home)
        if not pids:
            break
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
        killed.extend(p for p in pids if p not in killed)
        time.sleep(0.05)
    return killed


def stop_cloud(home: Path) -> bool:
    """Stop the run's labcloud through its own shutdown (so it stops its containers)."""
    try:
        return labcloud.stop(home, timeout=10)
    except Exception:          # a wedged server is killed by the sweep instead
        return False


def run(cmd: list[str], *, cwd: Path, log_path: Path, limits: Limits,
        extra_env: dict[str, str] | None = None, home: Path | None = None) -> Outcome:
    """Run `cmd` sandboxed with a fresh LABCLOUD_HOME (`home`, else a temp dir), then stop its
    cloud, kill every process it left and delete the home: a cloud lives for one run only.
    Never raises for the command's sake."""
    token = uuid.uuid4().hex
    if home is None:
        home = Path(tempfile.mkdtemp(prefix="mlprod-cloud-"))
    else:
        home = Path(home).resolve()
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
    env = environment(home, token, limits, extra_env)
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    timed_out, returncode = False, None
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    preexec_fn=_preexec(limits))
        _ACTIVE.add(proc)
        try:
            returncode = proc.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            _killpg(proc.pid)
            returncode = proc.wait()
        finally:
            _ACTIVE.discard(proc)
    finally:
        seconds = time.monotonic() - started
        try:
            _killpg(proc.pid)   # helpers left in the group after a normal exit
        except NameError:
            pass                # Popen itself failed
        cloud_stopped = stop_cloud(home)
        leftovers = sweep(token, home)
        shutil.rmtree(home, ignore_errors=True)
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return Outcome(returncode, timed_out, seconds, text, leftovers, cloud_stopped)


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_all() -> None:
    """Kill the process group of every run in progress (their own cleanup then stops their
    clouds and sweeps their processes): what Ctrl-C on `course grade` must do."""
    for proc in list(_ACTIVE):
        _killpg(proc.pid)
