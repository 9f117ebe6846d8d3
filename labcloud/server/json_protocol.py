"""AWS JSON 1.1 (`X-Amz-Target: Prefix.Operation`): SageMaker, CloudWatch Logs, Service Quotas.

A service declares its operations with `@service.operation("Name")`; this codec parses the body,
validates it against the operation's input shape, calls the handler and renders either the
result or AWS's error body (`{"__type": ..., "message": ...}`), which botocore turns into
`client.exceptions.X` for modeled errors and `ClientError` for the rest.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Callable

from .errors import AWSError
from .http import Request, Response
from .models import service_model
from .validation import validate

CONTENT_TYPE = "application/x-amz-json-1.1"
Handler = Callable[[dict], dict | None]


class JsonService:
    def __init__(self, model_name: str):
        self.model = service_model(model_name)
        self.prefix = self.model.metadata["targetPrefix"]
        self.handlers: dict[str, Handler] = {}

    def operation(self, name: str) -> Callable[[Handler], Handler]:
        if name not in self.model.operation_names:
            raise ValueError(f"{name} is not an operation of {self.model.service_name}")

        def register(fn: Handler) -> Handler:
            self.handlers[name] = fn
            return fn
        return register

    def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            target = request.headers.get("x-amz-target", "")
            prefix, _, name = target.partition(".")
            if prefix != self.prefix or name not in self.handlers:
                raise AWSError("UnknownOperationException",
                               f"Operation {name or target!r} is not supported by labcloud.")
            try:
                params = json.loads(request.body or b"{}")
            except ValueError:
                raise AWSError("SerializationException", "Start of structure or map found where not expected.")
            if not isinstance(params, dict):
                raise AWSError("SerializationException", "Start of structure or map found where not expected.")
            validate(self.model.operation_model(name).input_shape, params)
            result = self.handlers[name](params) or {}
            body = json.dumps(result, default=_default).encode()
            return Response(200, body, {"content-type": CONTENT_TYPE, "x-amzn-requestid": request_id})
        except AWSError as err:
            return error_response(err, request_id)


def error_response(err: AWSError, request_id: str = "") -> Response:
    body = {"__type": err.code, "message": err.message, **err.extra}
    headers = {"content-type": CONTENT_TYPE, "x-amzn-requestid": request_id or str(uuid.uuid4()),
               "x-amzn-errortype": err.code, **err.headers}
    return Response(err.status, json.dumps(body).encode(), headers)


def _default(value: Any):
    if hasattr(value, "timestamp"):
        return value.timestamp()
    raise TypeError(f"cannot render {type(value).__name__}")
