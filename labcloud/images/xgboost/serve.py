"""`python -m labcloud.images.xgboost serve`: the image's inference server.

The container contract: GET /ping answers 200 with an empty body once the model is loaded,
POST /invocations scores a payload, GET /execution-parameters tells batch transform what the
container prefers. It listens on 127.0.0.1 only (labcloud never binds other addresses), on
$SAGEMAKER_BIND_TO_PORT (AWS's variable) or 8080, and reads the model the platform extracted
into $LABCLOUD_OPT_ML/model.

Latency is the point of a real-time endpoint, so the server is a bare ASGI callable on uvicorn
with uvloop and httptools: no framework, the Booster loaded once, numpy parsing, and the answer
written from the event loop (a single-row prediction takes ~0.1 ms, less than a thread hop).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import payloads
from .logs import ContainerLog
from .versions import facts as version_facts

HOST = "127.0.0.1"


def _response(status: int, body: bytes = b"", content_type: str | None = None) -> tuple:
    headers = [(b"content-length", str(len(body)).encode())]
    if content_type:
        headers.append((b"content-type", content_type.encode()))
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body})


class InferenceApp:
    """The ASGI application of one serving container."""

    def __init__(self, model, serving_output: str, batch: bool, default_accept: str):
        self.model = model
        self.style = serving_output
        self.batch = batch
        self.default_accept = default_accept
        self.execution_parameters = json.dumps({
            "MaxConcurrentTransforms": os.cpu_count() or 1, "BatchStrategy": "MULTI_RECORD",
            "MaxPayloadInMB": 6}).encode()

    def invocations(self, body: bytes, headers: dict[bytes, bytes]) -> tuple:
        from .model import BadRequest

        if not body:
            return _response(204)
        try:
            kind, data = payloads.read(body, headers.get(b"content-type", b"").decode("latin-1"))
        except payloads.PayloadError as err:
            return _response(err.status, err.message.encode(), "text/plain; charset=utf-8")
        try:
            predictions = self.model.predict(kind, data)
        except BadRequest as err:
            return _response(400, f"Unable to evaluate payload provided: {err}".encode(),
                             "text/plain; charset=utf-8")
        accept = "text/csv"
        if self.style == "encoders":
            try:
                accept = payloads.accept_type(headers.get(b"accept", b"").decode("latin-1"),
                                              self.default_accept)
            except payloads.PayloadError as err:
                return _response(err.status, err.message.encode(), "text/plain; charset=utf-8")
        body, content_type = payloads.encode(predictions, self.style, self.batch, accept)
        return _response(200, body, content_type)

    def route(self, method: str, path: str, body: bytes, headers: dict[bytes, bytes]) -> tuple:
        if path == "/invocations":
            return self.invocations(body, headers) if method == "POST" else _response(405)
        if path == "/ping":
            return _response(200) if method == "GET" else _response(405)
        if path == "/execution-parameters":
            return _response(200, self.execution_parameters, "application/json") \
                if method == "GET" else _response(405)
        return _response(404)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        start, payload = self.route(scope["method"], scope["path"], body, dict(scope["headers"]))
        await send(start)
        await send(payload)


def main() -> int:
    import uvicorn

    from .model import ServedModel

    try:
        facts = version_facts(os.environ.get("LABCLOUD_IMAGE_VERSION"))
    except KeyError:
        print(f"unknown XGBoost image version {os.environ.get('LABCLOUD_IMAGE_VERSION')!r}",
              file=sys.stderr)
        return 1
    log = ContainerLog(facts)
    opt_ml = Path(os.environ.get("LABCLOUD_OPT_ML", "/opt/ml"))
    port = int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080"))
    try:
        model = ServedModel(opt_ml / "model")
    except Exception as err:
        log.error(f"Unable to load model: {err}")
        return 1
    batch = bool(os.environ.get("SAGEMAKER_BATCH"))
    default_accept = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "text/csv")
    app = InferenceApp(model, facts.serving_output, batch, default_accept)
    log.info(f"Model loaded successfully for worker : {os.getpid()}")
    config = uvicorn.Config(app, host=HOST, port=port, loop="uvloop", http="httptools",
                            lifespan="off", access_log=False, log_level="warning",
                            timeout_keep_alive=60, server_header=False, date_header=False)
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
