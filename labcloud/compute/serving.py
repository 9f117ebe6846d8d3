"""A serving container: a model's image started with `serve` on a private loopback port.

Batch transform and endpoints both need one: extract model.tar.gz into opt/ml/model, start the
image, wait until GET /ping answers 200 (as SageMaker's health check does), then POST
/invocations over a kept-alive connection.
"""
from __future__ import annotations

import http.client
import shutil
import socket
import tarfile
import threading
import time
from pathlib import Path

from .container import Container

PING_TIMEOUT = 2.0  # SageMaker's ping timeout per check


class ServingError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServingContainer:
    def __init__(self, root: Path, command: list[str], env: dict[str, str], model_tar: Path | None):
        self.port = free_port()
        env = {**env, "SAGEMAKER_BIND_TO_PORT": str(self.port)}
        self.container = Container(root, command, env)
        if model_tar is not None:
            with tarfile.open(model_tar) as tar:
                tar.extractall(self.container.opt_ml / "model", filter="data")
        self._local = threading.local()
        self.lines: list[str] = []
        self._reader: threading.Thread | None = None

    def start(self, on_lines, timeout: float = 60.0) -> None:
        """Start and wait for a healthy /ping; ServingError with the container's output if not."""
        proc = self.container.start("serve")

        def read() -> None:
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                self.lines.append(line)
                on_lines([line])
        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServingError(f"the serving container exited with code {proc.returncode}")
            try:
                status, _, _ = self.request("GET", "/ping", timeout=PING_TIMEOUT)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise ServingError("the serving container did not pass the ping health check")

    def _conn(self, timeout: float) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            self._local.conn = conn
        conn.timeout = timeout
        return conn

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None,
                timeout: float = 60.0) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            conn = self._conn(timeout)
            try:
                conn.request(method, path, body=body, headers=headers or {})
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
            except (http.client.HTTPException, ConnectionError, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def invoke(self, body: bytes, content_type: str | None, accept: str | None,
               timeout: float = 60.0) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": content_type or "application/octet-stream"}
        if accept:
            headers["Accept"] = accept
        return self.request("POST", "/invocations", body, headers, timeout)

    def alive(self) -> bool:
        proc = self.container.proc
        return proc is not None and proc.poll() is None

    def stop(self) -> None:
        self.container.remove()


def for_model(cloud, model: dict, image, root: Path, extra_env: dict[str, str] | None = None
              ) -> ServingContainer:
    """A serving container for a SageMaker model: its primary container's image, model data
    (copied from S3 into the instance's own folder) and environment, on the cloud's clock.
    Raises OSError/EOFError/tarfile.TarError when the model data is not a valid archive."""
    from .training import split_s3_uri

    container = model.get("PrimaryContainer") or model["Containers"][0]
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    model_tar = None
    if container.get("ModelDataUrl"):
        bucket, key = split_s3_uri(container["ModelDataUrl"])
        model_tar = root / "model.tar.gz"
        shutil.copyfile(cloud.services["s3"].object_file(bucket, key), model_tar)
    env = {**image.env, **(container.get("Environment") or {}), **(extra_env or {}),
           "LABCLOUD_CLOCK_OFFSET": str(cloud.clock.offset)}
    try:
        return ServingContainer(root / "instance", image.command, env, model_tar)
    finally:  # extracted into opt/ml/model: the archive itself is no longer needed
        if model_tar is not None:
            model_tar.unlink(missing_ok=True)
