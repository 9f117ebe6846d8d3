"""Smithy RPC v2 CBOR (`POST /service/<Service>/operation/<Op>`, CBOR bodies): CloudWatch.

CloudWatch's model now lists this protocol first (then `json`, then `query`); SDKs that prefer
it send nothing else, and a botocore forced to it (as the tests do) must get the same answers.
The codec is driven by the service model, like json_protocol: the body is decoded, timestamps
(CBOR tag 1) become epoch seconds (the canonical form the JSON codecs hand to handlers too), and
the handler's result is encoded member by member from the output shape, so timestamps go back as
tag 1, integers as integers and doubles as doubles, which is what botocore's parser expects.

Errors carry `__type` in the body. For a service marked `awsQueryCompatible` (CloudWatch was a
query service) AWS also sends `x-amzn-query-error: <Code>;Sender`, from which botocore takes the
error code that its exception factory knows (`InvalidParameterValue`, not the shape name).
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

import cbor2
from botocore.model import ServiceModel, Shape

from .errors import AWSError
from .http import Request, Response
from .json_protocol import JsonService
from .json_protocol import error_response as json_error_response
from .validation import validate

CONTENT_TYPE = "application/cbor"


class CborService(JsonService):
    """A service answering smithy-rpc-v2-cbor and, where its model also lists `json`, the
    JSON form (`X-Amz-Target: <targetPrefix>.<Op>`) that botocore prefers when it may choose.

    Registration and the model are JsonService's (the same targetPrefix names the service in
    both protocols); both wires go through `call`, so they validate and answer alike.
    """

    # ---- what every wire form of the service shares --------------------------------------
    def check(self, name: str, params: dict) -> None:
        """Server-side validation before the handler runs; a service may word it its own way."""
        validate(self.model.operation_model(name).input_shape, params)

    def call(self, name: str, params: dict) -> dict:
        if name not in self.handlers:
            raise AWSError("UnknownOperationException",
                           f"Operation {name!r} is not supported by labcloud.")
        self.check(name, params)
        return self.handlers[name](params) or {}

    def error_headers(self, err: AWSError) -> dict[str, str]:
        return query_error_headers(self.model, err)

    def handle(self, request: Request) -> Response:
        if request.headers.get("x-amz-target"):
            return self.handle_json(request)
        return self.handle_cbor(request)

    # ---- the JSON wire (awsJson1_0 for CloudWatch) -----------------------------------------
    def handle_json(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        content_type = f"application/x-amz-json-{self.model.metadata.get('jsonVersion', '1.0')}"
        try:
            prefix, _, name = request.headers.get("x-amz-target", "").partition(".")
            if prefix != self.prefix:
                raise AWSError("UnknownOperationException",
                               f"Operation {name!r} is not supported by labcloud.")
            try:
                params = json.loads(request.body or b"{}")
            except ValueError:
                params = None
            if not isinstance(params, dict):
                raise AWSError("SerializationException",
                               "Start of structure or map found where not expected.")
            body = json.dumps(self.call(name, params)).encode()
            return Response(200, body, {"content-type": content_type,
                                        "x-amzn-requestid": request_id})
        except AWSError as err:
            response = json_error_response(err, request_id)
            response.headers.update(self.error_headers(err))
            response.headers["content-type"] = content_type
            return response

    # ---- the CBOR wire -------------------------------------------------------------------
    def handle_cbor(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            parts = request.path.strip("/").split("/")
            if len(parts) != 4 or parts[0] != "service" or parts[2] != "operation" \
                    or parts[1] != self.prefix:
                raise AWSError("UnknownOperationException",
                               f"No operation at {request.path} in {self.prefix}.", 404)
            name = parts[3]
            params = decode(request.body)
            result = self.call(name, params)
            output = self.model.operation_model(name).output_shape
            body = encode(output, result) if output is not None else b""
            return Response(200, body, {"content-type": CONTENT_TYPE, "smithy-protocol":
                                        "rpc-v2-cbor", "x-amzn-requestid": request_id})
        except AWSError as err:
            return error_response(err, self.error_headers(err), request_id,
                                  error_type(self.model, err.code))


def decode(body: bytes) -> dict:
    """A request body as a dict with timestamps as epoch seconds."""
    if not body:
        return {}
    try:
        value = cbor2.loads(body)
    except Exception:  # cbor2 raises several types for malformed input
        raise AWSError("SerializationException", "The request body is not valid CBOR.")
    if not isinstance(value, dict):
        raise AWSError("SerializationException", "The request body must be a CBOR map.")
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def encode(shape: Shape, value: Any) -> bytes:
    return cbor2.dumps(_typed(shape, value), datetime_as_timestamp=True)


def _typed(shape: Shape, value: Any) -> Any:
    """`value` with each member in the CBOR type its shape calls for."""
    t = shape.type_name
    if t == "structure":
        return {k: _typed(shape.members[k], v) for k, v in value.items()
                if v is not None and k in shape.members}
    if t == "list":
        return [_typed(shape.member, v) for v in value]
    if t == "map":
        return {k: _typed(shape.value, v) for k, v in value.items()}
    if t == "timestamp":
        if isinstance(value, datetime):
            return value
        return datetime.fromtimestamp(float(value), timezone.utc)
    if t in ("integer", "long"):
        return int(value)
    if t in ("double", "float"):
        return float(value)
    if t == "boolean":
        return bool(value)
    return value


def query_error_headers(model: ServiceModel, err: AWSError) -> dict[str, str]:
    """`x-amzn-query-error` for services that were query services, as AWS sends it."""
    if "awsQueryCompatible" not in model.metadata:
        return {}
    return {"x-amzn-query-error": f"{err.code};{'Sender' if err.sender_fault else 'Receiver'}"}


def error_type(model: ServiceModel, code: str) -> str:
    """The modeled error shape whose code is `code` (its name goes in `__type`), else `code`."""
    for shape_name in model.shape_names:
        shape = model.shape_for(shape_name)
        if shape.metadata.get("exception") and shape.metadata.get("error", {}).get("code") == code:
            return shape_name
    return code


def error_response(err: AWSError, headers: dict[str, str], request_id: str = "",
                   kind: str | None = None) -> Response:
    body = cbor2.dumps({"__type": kind or err.code, "message": err.message, **err.extra})
    return Response(err.status, body, {"content-type": CONTENT_TYPE, "smithy-protocol": "rpc-v2-cbor",
                                       "x-amzn-requestid": request_id or str(uuid.uuid4()),
                                       **headers, **err.headers})
