"""SageMaker Runtime (rest-json, `POST /endpoints/{name}/invocations`): the data plane.

The handler is a coroutine that runs on the server's event loop and proxies to the chosen
instance over a kept-alive asyncio connection, so invocations are served concurrently without
a thread per request and with little overhead over the container itself. Only the headers the
InvokeEndpoint API defines reach the container, as on AWS.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import TYPE_CHECKING

from ... import config
from ...server.http import Request, Response
from .invocation import Invocation, Observer

if TYPE_CHECKING:
    from ...server.app import Cloud

log = logging.getLogger("labcloud.runtime")
MAX_BODY = 6 * 1024 * 1024
TIMEOUT = 60.0
REPLACE_WAIT = 20.0  # how long a request waits for a replaced instance
FORWARDED = {"content-type": "Content-Type", "accept": "Accept",
             "x-amzn-sagemaker-custom-attributes": "X-Amzn-SageMaker-Custom-Attributes",
             "x-amzn-sagemaker-inference-id": "X-Amzn-SageMaker-Inference-Id"}


def _error(code: str, message: str, status: int, **fields) -> Response:
    body = {"message": message, **fields}
    return Response(status, json.dumps(body).encode(), {
        "content-type": "application/json", "x-amzn-errortype": code,
        "x-amzn-requestid": str(uuid.uuid4())})


class SageMakerRuntimeService:
    def __init__(self, cloud: "Cloud"):
        self.cloud = cloud
        self.observers: list[Observer] = []  # metrics, data capture: see invocation.py
        self.observers.append(cloud.services["sagemaker"].endpoints.capture.observe)

    @property
    def endpoints(self):
        return self.cloud.services["sagemaker"].endpoints

    async def handle(self, request: Request) -> Response:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()  # latencies: uvloop's loop.time() counts whole ms
        arrived = self.cloud.clock.now()
        parts = request.path.split("/")
        if request.method != "POST" or len(parts) != 4 or parts[1] != "endpoints":
            return _error("UnknownOperationException", f"No operation for {request.method} "
                          f"{request.path} in SageMaker Runtime.", 404)
        name, action = parts[2], parts[3]
        if action != "invocations":
            return _error("ValidationError", f"labcloud does not support {action} yet.", 400)
        if len(request.body) > MAX_BODY:
            return _error("ValidationError", "1 validation error detected: Value at 'body' failed "
                          "to satisfy constraint: Member must have length less than or equal to "
                          f"{MAX_BODY}", 400)
        fleet = self.endpoints.fleet(name)
        waited = 0.0
        while fleet is None and name in self.endpoints.restoring and waited < TIMEOUT:
            await asyncio.sleep(0.05)  # the server just restarted: its fleet is coming back
            waited += 0.05
            fleet = self.endpoints.fleet(name)
        if fleet is None:
            return _error("ValidationError", f"Endpoint {name} of account {config.ACCOUNT_ID} "
                          "not found.", 400)
        target = request.headers.get("x-amzn-sagemaker-target-variant")
        if target is not None and target not in fleet.variants:
            return _error("ValidationError", f"The variant {target} does not exist for endpoint "
                          f"{name}.", 400)
        headers = {FORWARDED[k]: v for k, v in request.headers.items() if k in FORWARDED}
        headers.setdefault("Content-Type", "application/octet-stream")
        instance = None
        deadline = loop.time() + REPLACE_WAIT
        while True:
            # an instance that died is out of routing at once; with none left (a one-instance
            # variant being replaced) the request waits a little for the replacement
            instance = fleet.pick(target)
            if instance is not None and not instance.alive():
                instance = None  # died: the fleet's watchdog replaces it
            if instance is not None:
                try:
                    sent = time.perf_counter()
                    status, rheaders, body = await instance.invoke(request.body, headers, TIMEOUT)
                    model_time = time.perf_counter() - sent
                    break
                except asyncio.TimeoutError:
                    self._observe(fleet, instance.variant, request, headers, arrived, 0,
                                  time.perf_counter() - sent, time.perf_counter() - started,
                                  b"", None, {})
                    return self._model_error(name, instance.variant, 0, "Your invocation timed "
                                             "out while waiting for a response from container "
                                             "primary. Review the latency metrics for each "
                                             "container in Amazon CloudWatch, resolve the issue, "
                                             "and try again.")
                except OSError:
                    instance = None
            if loop.time() > deadline or self.endpoints.fleet(name) is None:
                break
            fleet = self.endpoints.fleet(name) or fleet
            await asyncio.sleep(0.01)
        if instance is None:
            return _error("ServiceUnavailable", "The endpoint has no healthy instance to serve "
                          "the request; it is being replaced. Try again.", 503)
        self._observe(fleet, instance.variant, request, headers, arrived, status, model_time,
                      time.perf_counter() - started, body, rheaders.get("content-type"), rheaders)
        if status >= 400:
            return self._model_error(name, instance.variant, status,
                                     body.decode("utf-8", errors="replace"))
        out = {"content-type": rheaders.get("content-type", "application/octet-stream"),
               "x-amzn-invoked-production-variant": instance.variant,
               "x-amzn-requestid": str(uuid.uuid4())}
        if "x-amzn-sagemaker-custom-attributes" in rheaders:
            out["x-amzn-sagemaker-custom-attributes"] = rheaders["x-amzn-sagemaker-custom-attributes"]
        return Response(200, body, out)

    def _observe(self, fleet, variant: str, request: Request, headers: dict, arrived: float,
                 status: int, model_time: float, total_time: float, body: bytes,
                 content_type: str | None, rheaders: dict) -> None:
        if not self.observers:
            return
        model_us = int(model_time * 1e6)
        record = Invocation(
            endpoint=fleet.endpoint, variant=variant, instances=max(1, fleet.counts.get(variant, 1)),
            time=arrived, status=status, model_latency_us=model_us,
            overhead_latency_us=max(0, int(total_time * 1e6) - model_us),
            request_body=request.body, content_type=headers["Content-Type"],
            accept=headers.get("Accept"), response_body=body, response_content_type=content_type,
            inference_id=headers.get("X-Amzn-SageMaker-Inference-Id"), config=fleet.config)
        for observe in self.observers:
            try:
                observe(record)
            except Exception:  # an observer's bug must not fail the caller's request
                log.exception("invocation observer %r failed", observe)

    def _model_error(self, name: str, variant: str, status: int, message: str) -> Response:
        kind = "client" if 400 <= status < 500 else "server"
        region = config.REGION
        text = (f'Received {kind} error ({status}) from primary with message "{message}". See '
                f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
                f"#logEventViewer:group=/aws/sagemaker/Endpoints/{name} in account "
                f"{config.ACCOUNT_ID} for more information.")
        log_arn = config.arn("logs", f"log-group:/aws/sagemaker/Endpoints/{name}")
        return _error("ModelError", text, 424, OriginalStatusCode=status,
                      OriginalMessage=message, LogStreamArn=log_arn,
                      ErrorCode="CLIENT_ERROR_FROM_MODEL" if kind == "client"
                      else "SERVER_ERROR_FROM_MODEL")
