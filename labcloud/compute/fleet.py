"""An endpoint's fleet: per production variant, instances that are real serving containers.

The control plane (labcloud.services.sagemaker.endpoints) builds a Fleet from an endpoint
config, waits until every instance answers /ping, then hands it to the runtime, which picks a
variant by weight and an instance round-robin and proxies the request over a kept-alive
asyncio connection (the runtime runs on the server's event loop; no thread per request).

A watchdog replaces an instance whose process died, as SageMaker replaces an unhealthy
instance; the dead one leaves the routing table at once, so clients never see it.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import random
import shutil
import tarfile
import threading
import time
import uuid
from typing import TYPE_CHECKING

from .serving import ServingContainer, ServingError, for_model

if TYPE_CHECKING:
    from ..server.app import Cloud

log = logging.getLogger("labcloud.fleet")
WATCH_EVERY = 0.25
DRAIN_TIMEOUT = 30.0


class FleetError(Exception):
    pass


class Instance:
    """One serving container plus a small pool of kept-alive asyncio connections to it."""

    def __init__(self, variant: str, instance_id: str, serving: ServingContainer):
        self.variant = variant
        self.id = instance_id
        self.serving = serving
        self.port = serving.port
        self.inflight = 0
        self.stopped = False
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._loop: asyncio.AbstractEventLoop | None = None  # the server's loop, once invoked

    def alive(self) -> bool:
        return not self.stopped and self.serving.alive()

    async def invoke(self, body: bytes, headers: dict[str, str],
                     timeout: float = 60.0) -> tuple[int, dict[str, str], bytes]:
        """POST /invocations. A kept-alive connection the container closed is retried once on a
        fresh one; any other failure raises OSError/asyncio.TimeoutError to the caller."""
        head = [f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Content-Length: {len(body)}\r\n"]
        head += [f"{k}: {v}\r\n" for k, v in headers.items()]
        head.append("\r\n")
        request = "".join(head).encode("latin-1") + body
        self.inflight += 1
        self._loop = asyncio.get_running_loop()
        try:
            for attempt in (1, 2):
                fresh = not self._idle
                if fresh:
                    conn = await asyncio.open_connection("127.0.0.1", self.port)
                else:
                    conn = self._idle.pop()
                reader, writer = conn
                try:
                    writer.write(request)
                    async with asyncio.timeout(timeout):  # no Task per request, as wait_for makes
                        result = await _read_response(reader)
                except TimeoutError:  # an OSError too, but the container is slow, not gone
                    writer.close()
                    raise
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    writer.close()
                    if fresh or attempt == 2:
                        raise OSError("the serving container closed the connection")
                    continue
                except BaseException:
                    writer.close()
                    raise
                status, rheaders, data, keep = result
                if keep and not self.stopped:
                    self._idle.append(conn)
                else:
                    writer.close()
                return status, rheaders, data
            raise AssertionError("unreachable")
        finally:
            self.inflight -= 1

    def close_idle(self) -> None:
        """Close the pooled connections (on the loop that owns them)."""
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()

    def stop(self) -> None:
        self.stopped = True
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while self.inflight > 0 and time.monotonic() < deadline:  # let requests finish
            time.sleep(0.01)
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self.close_idle)
            except RuntimeError:  # the loop closed meanwhile (server stopping)
                pass
        self.serving.stop()


async def _read_response(reader: asyncio.StreamReader):
    # the status line and headers with one buffer search, not one await per line
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError("bad status line")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:-2]:  # the block ends with an empty line: [..., "", ""]
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        data = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        data = b"".join(chunks)
    else:
        data = await reader.read()
        headers["connection"] = "close"
    keep = headers.get("connection", "").lower() != "close"
    return status, headers, data, keep


class Fleet:
    """The running instances of one endpoint, built from one endpoint config."""

    def __init__(self, cloud: "Cloud", endpoint: str, config: dict, models: dict[str, dict],
                 images: dict[str, object]):
        self.cloud = cloud
        self.endpoint = endpoint
        self.config_name = config["EndpointConfigName"]
        self.config = config
        self.variants = {v["VariantName"]: v for v in config["ProductionVariants"]}
        self.models, self.images = models, images
        self.weights = {n: float(v.get("InitialVariantWeight", 1.0)) for n, v in self.variants.items()}
        self.instances: dict[str, list[Instance]] = {n: [] for n in self.variants}
        self.counts = {n: int(v["InitialInstanceCount"]) for n, v in self.variants.items()}
        self.log_group = f"/aws/sagemaker/Endpoints/{endpoint}"
        self.tag = uuid.uuid4().hex[:8]
        self._rr = itertools.count()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None
        self.replaced = 0

    # ---- building --------------------------------------------------------------------------
    def _start_instance(self, variant: str) -> Instance:
        v = self.variants[variant]
        model = self.models[v["ModelName"]]
        image = self.images[v["ModelName"]]
        container = model.get("PrimaryContainer") or model["Containers"][0]
        instance_id = "i-" + uuid.uuid4().hex[:17]
        root = self.cloud.home / "containers" / f"endpoint-{self.endpoint}-{self.tag}" / variant / instance_id
        try:
            serving = for_model(self.cloud, model, image, root)
        except (OSError, EOFError, tarfile.TarError):
            raise FleetError(f'Failed to extract model data archive from URL '
                             f'"{container["ModelDataUrl"]}". Please ensure that the object located '
                             "at the URL is a valid tar.gz archive.")
        stream = f"{variant}/{instance_id}"
        logs = self.cloud.services["logs"]
        try:
            serving.start(lambda lines: logs.write(self.log_group, stream, lines), timeout=60.0)
        except ServingError:
            serving.stop()
            raise FleetError(f"The primary container for production variant {variant} did not "
                             "pass the ping health check. Please check CloudWatch logs for this "
                             "endpoint.")
        return Instance(variant, instance_id, serving)

    def _start_many(self, variant: str, n: int) -> list[Instance]:
        results: list[Instance | Exception] = [None] * n  # type: ignore[list-item]

        def one(i: int) -> None:
            try:
                results[i] = self._start_instance(variant)
            except Exception as err:  # noqa: BLE001 - reported below
                results[i] = err
        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        started = [r for r in results if isinstance(r, Instance)]
        errors = [r for r in results if not isinstance(r, Instance)]
        if errors:
            for inst in started:
                inst.stop()
            raise errors[0] if isinstance(errors[0], FleetError) else FleetError(str(errors[0]))
        return started

    def start(self) -> None:
        """Start every instance of every variant; all healthy or FleetError (nothing left)."""
        try:
            for variant, n in self.counts.items():
                self.instances[variant] = self._start_many(variant, n)
        except Exception:
            self.stop()
            raise
        self._watch = threading.Thread(target=self._watchdog, daemon=True,
                                       name=f"fleet-{self.endpoint}")
        self._watch.start()

    def scale(self, variant: str, count: int) -> None:
        with self._lock:
            current = list(self.instances[variant])
        if count > len(current):
            new = self._start_many(variant, count - len(current))
            with self._lock:
                self.instances[variant] = self.instances[variant] + new
        elif count < len(current):
            with self._lock:
                keep, drop = current[:count], current[count:]
                self.instances[variant] = keep
            for inst in drop:
                inst.stop()
        self.counts[variant] = count

    # ---- serving ---------------------------------------------------------------------------
    def pick(self, target_variant: str | None = None) -> Instance | None:
        if target_variant is not None:
            variant = target_variant
        else:
            names = [n for n, w in self.weights.items() if w > 0]
            if not names:
                return None
            variant = names[0] if len(names) == 1 else \
                random.choices(names, weights=[self.weights[n] for n in names])[0]
        live = [i for i in self.instances.get(variant, ()) if not i.stopped]
        if not live:
            return None
        return live[next(self._rr) % len(live)]

    # ---- health ----------------------------------------------------------------------------
    def _watchdog(self) -> None:
        while not self._stop.wait(WATCH_EVERY):
            for variant in list(self.instances):
                for inst in list(self.instances[variant]):
                    if self._stop.is_set() or inst.alive() or inst.stopped:
                        continue
                    self._replace(variant, inst)

    def _replace(self, variant: str, dead: Instance) -> None:
        with self._lock:  # out of routing at once
            self.instances[variant] = [i for i in self.instances[variant] if i is not dead]
        log.warning("endpoint %s: instance %s of %s died; replacing it", self.endpoint, dead.id, variant)
        try:
            dead.stop()
        except OSError:
            pass
        for attempt in range(3):
            if self._stop.is_set():
                return
            try:
                new = self._start_instance(variant)
            except FleetError:
                time.sleep(1)
                continue
            with self._lock:
                if self._stop.is_set():
                    new.stop()
                    return
                self.instances[variant] = self.instances[variant] + [new]
            self.replaced += 1
            return

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            everything = [i for group in self.instances.values() for i in group]
        threads = [threading.Thread(target=i.stop, daemon=True) for i in everything]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        shutil.rmtree(self.cloud.home / "containers" / f"endpoint-{self.endpoint}-{self.tag}",
                      ignore_errors=True)

    def instance_ids(self) -> dict[str, list[str]]:
        return {v: [i.id for i in group] for v, group in self.instances.items()}

    def pids(self) -> dict[str, list[int]]:
        return {v: [i.serving.container.proc.pid for i in group if i.serving.container.proc]
                for v, group in self.instances.items()}


def launch_seconds(name: str, salt: str, low: int = 180, high: int = 330) -> int:
    """Minutes AWS spends launching hosting instances: accounted on the simulated clock."""
    digest = hashlib.sha256(f"{name}:{salt}".encode()).digest()
    return low + digest[0] % (high - low + 1)

