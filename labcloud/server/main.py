"""Run the labcloud server in this process (`python -m labcloud serve`)."""
from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
from pathlib import Path

import uvicorn

from .. import config
from .app import App, Cloud
from .state import atomic_write

log = logging.getLogger("labcloud")


class AlreadyRunning(RuntimeError):
    pass


def serve(home: Path, port: int = 0) -> None:
    """Serve until told to stop. One server per home: a lock file makes a second one refuse."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    lock = open(home / "server.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise AlreadyRunning(f"a labcloud server already runs for {home}")
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.HOST, port))  # loopback only, always
    sock.listen(1024)
    sock.set_inheritable(False)
    port = sock.getsockname()[1]

    cloud = Cloud(home)
    server: uvicorn.Server | None = None

    def shutdown() -> None:
        if server is not None:
            server.should_exit = True

    app = App(cloud, on_shutdown=shutdown)
    uconfig = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False,
                             timeout_keep_alive=30, limit_concurrency=2048,
                             timeout_graceful_shutdown=2)
    server = uvicorn.Server(uconfig)
    info = {"pid": os.getpid(), "port": port, "url": f"http://{config.HOST}:{port}",
            "home": str(home)}

    # server.json is written once the app has started, so its presence means "answering"
    original_startup = server.startup

    async def startup(sockets=None):
        await original_startup(sockets=sockets)
        atomic_write(home / "server.json", json.dumps(info).encode())
        log.info("labcloud %s serving %s on %s", os.getpid(), home, info["url"])
    server.startup = startup
    try:
        server.run(sockets=[sock])
    finally:
        try:
            current = json.loads((home / "server.json").read_text())
            if current.get("pid") == os.getpid():
                (home / "server.json").unlink()
        except (OSError, ValueError):
            pass
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
