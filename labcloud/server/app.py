"""The labcloud HTTP app: one ASGI application that routes each request to a service.

Routing follows how AWS tells services apart: first the SigV4 credential scope's service name
(what every boto3 and AWS CLI request carries), then the protocol's own marks for unsigned
callers such as curl (`X-Amz-Target` prefix, `Action=` form, the runtime's invocations path).
Whatever is left is S3, which owns the rest of the path space as on a path-style S3 endpoint.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Awaitable, Callable

from .. import __version__
from .clock import SimClock
from .errors import AWSError
from .http import Request, Response, decode_path
from .json_protocol import error_response
from .state import Store

log = logging.getLogger("labcloud")
Handler = Callable[[Request], Response | Awaitable[Response]]

QUERY_SERVICES = {"sts", "iam"}
STS_ACTIONS = {"GetCallerIdentity", "AssumeRole", "GetSessionToken"}


class Cloud:
    """One simulated AWS account: its state, its clock and its services."""

    def __init__(self, home: Path):
        from ..services import build_services

        self.home = Path(home)
        self.store = Store(self.home)
        self.clock = SimClock(self.store)
        self.services: dict[str, object] = {}
        build_services(self)

    def start(self) -> None:
        """Bring back what was running when the server last stopped."""
        for service in self.services.values():
            resume = getattr(service, "resume", None)
            if resume:
                resume()

    def stop(self) -> None:
        for service in self.services.values():
            stop = getattr(service, "stop", None)
            if stop:
                stop()


class App:
    def __init__(self, cloud: Cloud, on_shutdown: Callable[[], None] | None = None):
        self.cloud = cloud
        self.pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="labcloud-req")
        self.on_shutdown = on_shutdown
        self._is_async: dict[object, bool] = {}  # handler function -> coroutine? (asked once)

    # ---- routing -------------------------------------------------------------------------
    def route(self, request: Request) -> tuple[str, Handler]:
        services = self.cloud.services
        if request.path.startswith("/_labcloud/"):
            return "labcloud", self.control
        name = request.signing_name
        target = request.headers.get("x-amz-target", "")
        if target:
            prefix = target.split(".", 1)[0]
            for svc_name, svc in services.items():
                if getattr(svc, "target_prefix", None) == prefix:
                    return svc_name, svc.handle
        if name == "sagemaker" or (name is None and _is_invocation(request)):
            if "sagemaker-runtime" in services:
                return "sagemaker-runtime", services["sagemaker-runtime"].handle
        if name == "monitoring" or request.path.startswith("/service/GraniteServiceVersion20100801/"):
            if "cloudwatch" in services:
                return "cloudwatch", services["cloudwatch"].handle
        if name in QUERY_SERVICES:
            return name, services[name].handle
        if name is None and request.method == "POST" and _is_form(request):
            action = request.form().get("Action", "")
            if action:
                return ("sts", services["sts"].handle) if action in STS_ACTIONS \
                    else ("iam", services["iam"].handle)
        return "s3", services["s3"].handle

    # ---- the labcloud control API (not AWS): health, shutdown, clock ---------------------
    def control(self, request: Request) -> Response:
        path = request.path
        cloud = self.cloud
        if path == "/_labcloud/health":
            return _json({"status": "ok", "home": str(cloud.home), "pid": os.getpid(),
                          "version": __version__, "time": cloud.clock.now()})
        if path == "/_labcloud/shutdown" and request.method == "POST":
            if self.on_shutdown:
                self.on_shutdown()
            return _json({"status": "stopping"})
        if path == "/_labcloud/clock":
            if request.method == "POST":
                try:
                    seconds = float(json.loads(request.body or b"{}").get("advance", 0))
                    cloud.clock.advance(seconds)
                except (ValueError, TypeError, AttributeError) as err:
                    return _json({"error": str(err)}, 400)
            return _json({"now": cloud.clock.now(), "offset": cloud.clock.offset})
        if path == "/_labcloud/bill":  # the bill (issue 3)
            from ..billing import ledger
            return _json(ledger(cloud))
        return _json({"error": f"no such labcloud path {path}"}, 404)

    # ---- ASGI ------------------------------------------------------------------------------
    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw_path = scope.get("raw_path", b"").decode("latin-1") or scope["path"]
        raw_path = raw_path.split("?", 1)[0]
        request = Request(
            method=scope["method"], path=decode_path(raw_path), raw_path=raw_path,
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=b"".join(chunks))
        service = "router"
        try:
            service, handler = self.route(request)
            if self._coroutine(handler):
                response = await handler(request)
            else:
                response = await asyncio.get_running_loop().run_in_executor(self.pool, handler, request)
        except Exception:  # a bug of ours: answer like AWS's InternalFailure, keep serving
            log.error("unhandled error in %s for %s %s\n%s", service, request.method,
                      request.path, traceback.format_exc())
            response = error_response(AWSError("InternalFailure", "labcloud hit an internal "
                                               "error; see server.log in the labcloud home.", 500))
        await _send(send, response)

    def _coroutine(self, handler: Handler) -> bool:
        """Whether a handler is a coroutine function, asked once per function: inspect's answer
        costs about as much as routing the request, on every invocation's hot path."""
        key = getattr(handler, "__func__", handler)
        known = self._is_async.get(key)
        if known is None:
            known = self._is_async[key] = asyncio.iscoroutinefunction(handler)
        return known

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await asyncio.get_running_loop().run_in_executor(None, self.cloud.start)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, self.cloud.stop)
                self.pool.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _send(send, response: Response) -> None:
    headers = dict(response.headers)
    if response.file is not None:
        path, offset, length = response.file
        headers["content-length"] = str(length)
    else:
        headers.setdefault("content-length", str(len(response.body)))
    await send({"type": "http.response.start", "status": response.status,
                "headers": [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]})
    if response.file is None:
        await send({"type": "http.response.body", "body": response.body})
        return
    path, offset, length = response.file
    with open(path, "rb") as f:
        f.seek(offset)
        remaining = length
        while remaining > 0:
            chunk = f.read(min(1 << 20, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
    if length == 0:
        await send({"type": "http.response.body", "body": b""})


def _json(data: dict, status: int = 200) -> Response:
    return Response(status, json.dumps(data).encode(), {"content-type": "application/json"})


def _is_invocation(request: Request) -> bool:
    parts = request.path.split("/")
    return request.method == "POST" and len(parts) == 4 and parts[1] == "endpoints" \
        and parts[3] in ("invocations", "async-invocations", "invocations-response-stream")


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
