"""A container is a child process with its own root holding the SageMaker layout.

The platform side of the container contract: write `opt/ml/input/config/*.json`, lay out the
channels, start the image's command with `train` or `serve` in its own process group, hand
every output line to a callback (which makes CloudWatch log events of them), and read
`opt/ml/output/failure` when it exits non-zero.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

FAILURE_LIMIT = 1024  # SageMaker returns the first 1024 characters of the failure file
_ENV_DROP = ("AWS_", "LABCLOUD_")


class Container:
    def __init__(self, root: Path, command: list[str], env: dict[str, str]):
        self.root = Path(root)
        self.command = list(command)
        self.env = dict(env)
        self.proc: subprocess.Popen | None = None
        for sub in ("input/config", "input/data", "model", "output/data", "code", "checkpoints"):
            (self.opt_ml / sub).mkdir(parents=True, exist_ok=True)

    @property
    def opt_ml(self) -> Path:
        return self.root / "opt" / "ml"

    def channel_dir(self, channel: str) -> Path:
        return self.opt_ml / "input" / "data" / channel

    def write_config(self, name: str, data: dict) -> None:
        (self.opt_ml / "input" / "config" / f"{name}.json").write_text(json.dumps(data, indent=1))

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_ENV_DROP)}
        env.update({"LABCLOUD_OPT_ML": str(self.opt_ml), "PYTHONUNBUFFERED": "1"})
        env.update(self.env)
        return env

    def start(self, mode: str) -> subprocess.Popen:
        self.proc = subprocess.Popen(
            [*self.command, mode], cwd=self.root, env=self._environment(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True)
        return self.proc

    def run(self, mode: str, on_lines: Callable[[list[str]], None], *,
            should_stop: Callable[[], str | None], flush_every: float = 0.2) -> int | str:
        """Run to completion. Returns the exit code, or the reason `should_stop` gave (then the
        process group has been stopped: SIGTERM, then SIGKILL as SageMaker does)."""
        proc = self.start(mode)
        pending: list[str] = []
        lock = threading.Lock()

        def read() -> None:
            assert proc.stdout is not None
            for raw in iter(proc.stdout.readline, b""):
                with lock:
                    pending.append(raw.decode("utf-8", errors="replace"))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        def flush() -> None:
            with lock:
                lines, pending[:] = list(pending), []
            if lines:
                on_lines(lines)

        stopped: str | None = None
        last = time.monotonic()
        while proc.poll() is None:
            reason = should_stop()
            if reason:
                stopped = reason
                self.kill()
                break
            time.sleep(0.02)
            if time.monotonic() - last >= flush_every:
                flush()
                last = time.monotonic()
        proc.wait()
        reader.join(timeout=5)
        flush()
        return stopped if stopped else proc.returncode

    def kill(self, grace: float = 2.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def failure(self) -> str | None:
        path = self.opt_ml / "output" / "failure"
        if not path.exists():
            return None
        text = path.read_text(errors="replace").strip()
        return text[:FAILURE_LIMIT] or None

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)
