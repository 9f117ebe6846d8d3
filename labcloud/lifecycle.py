"""Connect a Python process to its labcloud, starting the server when none runs.

After `start()`, `os.environ` points every AWS client at labcloud: `AWS_ENDPOINT_URL`, dummy
credentials and the region, plus an AWS config of its own so a student's real `~/.aws` profile
can never send a request to real AWS from a lesson.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import config

_AWS_VARS_TO_CLEAR = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                      "AWS_SECURITY_TOKEN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


@dataclass(frozen=True)
class Connection:
    """A running labcloud server: where it listens and which home it serves."""
    url: str
    port: int
    pid: int
    home: Path

    def __repr__(self) -> str:
        return f"labcloud at {self.url} (home {self.home})"

    @property
    def env(self) -> dict[str, str]:
        """The environment variables that send AWS clients (boto3, the AWS CLI) here."""
        aws_dir = self.home / "aws"
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": config.ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": config.SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": config.REGION,
            "AWS_REGION": config.REGION,
            "AWS_CONFIG_FILE": str(aws_dir / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(aws_dir / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "LABCLOUD_HOME": str(self.home),
        }


def _health(url: str, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(f"{url}/_labcloud/health", timeout=timeout) as r:
            return json.loads(r.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    try:  # a server this process started is our child: reap it, or it lingers as a zombie
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running(home: str | os.PathLike | None = None) -> Connection | None:
    """The server for this home if one answers, else None."""
    h = config.home(home)
    try:
        info = json.loads((h / "server.json").read_text())
    except (OSError, ValueError):
        return None
    if not _pid_alive(int(info.get("pid", 0))):
        return None
    health = _health(info["url"])
    if not health or Path(health.get("home", "")) != h:
        return None
    return Connection(info["url"], int(info["port"]), int(info["pid"]), h)


def _write_aws_files(conn: Connection) -> None:
    aws_dir = conn.home / "aws"
    aws_dir.mkdir(parents=True, exist_ok=True)
    (aws_dir / "config").write_text(f"[default]\nregion = {config.REGION}\noutput = json\n")
    (aws_dir / "credentials").write_text(
        f"[default]\naws_access_key_id = {config.ACCESS_KEY_ID}\n"
        f"aws_secret_access_key = {config.SECRET_ACCESS_KEY}\n")


def start(home: str | os.PathLike | None = None, *, port: int = 0, timeout: float = 60.0,
          export: bool = True, quiet: bool = False) -> Connection:
    """Connect to the labcloud of `home` (default $LABCLOUD_HOME or ~/.labcloud), starting it
    in the background if none runs, and point this process's AWS clients at it."""
    h = config.home(home)
    conn = running(h)
    if conn is None:
        conn = _spawn(h, port, timeout)
        if not quiet:
            print(f"labcloud started: {conn.url} (home {h})")
    elif not quiet:
        print(f"labcloud running: {conn.url} (home {h})")
    _write_aws_files(conn)
    if export:
        for var in _AWS_VARS_TO_CLEAR:
            os.environ.pop(var, None)
        for var in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL_")]:
            os.environ.pop(var)
        os.environ.update(conn.env)
    return conn


def _spawn(home: Path, port: int, timeout: float) -> Connection:
    home.mkdir(parents=True, exist_ok=True)
    stale = home / "server.json"
    if stale.exists():
        stale.unlink()
    logfile = open(home / "server.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "labcloud", "serve", "--home", str(home), "--port", str(port)],
        stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT,
        start_new_session=True, close_fds=True)
    logfile.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = running(home)
        if conn is not None:
            return conn
        if proc.poll() is not None:
            # another server may have won the race for this home's lock
            conn = running(home)
            if conn is not None:
                return conn
            tail = (home / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"labcloud server exited with code {proc.returncode}:\n{tail}")
        time.sleep(0.02)
    proc.terminate()
    raise TimeoutError(f"labcloud did not answer within {timeout:.0f} s; see {home / 'server.log'}")


def stop(home: str | os.PathLike | None = None, timeout: float = 30.0) -> bool:
    """Stop the server of this home. True if one was running."""
    conn = running(home)
    if conn is None:
        return False
    try:
        req = urllib.request.Request(f"{conn.url}/_labcloud/shutdown", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=5).read()
    except (urllib.error.URLError, OSError):
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(conn.pid):
        time.sleep(0.05)
    if _pid_alive(conn.pid):
        os.kill(conn.pid, signal.SIGTERM)
    return True


def status(home: str | os.PathLike | None = None) -> dict:
    h = config.home(home)
    conn = running(h)
    if conn is None:
        return {"running": False, "home": str(h)}
    return {"running": True, "home": str(h), "url": conn.url, "pid": conn.pid}
