"""Request validation worded as CloudWatch words it.

CloudWatch began as a query service and still answers constraint violations in that service's
words, whichever protocol carried the request: `MissingParameter` / `The parameter
MetricData.member.1.MetricName is required.` and `InvalidParameterValue` / `The parameter
MetricData.member.1.Unit must be a value in the set [ Seconds, ... ].`, with query-style paths
(`.member.N`, counted from 1). The generic JSON-style validator (`1 validation error detected`)
would be wrong here, so this walks the same service model with CloudWatch's wording.
"""
from __future__ import annotations

from botocore.model import Shape

from ...server.errors import AWSError
from ...server.validation import _pattern


def invalid(message: str) -> AWSError:
    return AWSError("InvalidParameterValue", message)


def combination(message: str) -> AWSError:
    return AWSError("InvalidParameterCombination", message)


def missing(message: str) -> AWSError:
    return AWSError("MissingParameter", message)


def check_request(shape: Shape | None, params: dict) -> None:
    """Raise the first missing member (MissingParameter), else the first bad value."""
    if shape is None:
        return
    absent: list[str] = []
    bad: list[str] = []
    _walk(shape, params, "", absent, bad)
    if absent:
        raise missing(absent[0])
    if bad:
        raise invalid(bad[0])


def _walk(shape: Shape, value, path: str, absent: list[str], bad: list[str]) -> None:
    t = shape.type_name
    meta = shape.metadata
    if t == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is None:
                absent.append(f"The parameter {path + '.' if path else ''}{name} is required.")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _walk(member, value[name], f"{path}.{name}" if path else name, absent, bad)
    elif t == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            bad.append(f"The collection {path} must not have a size greater than {meta['max']}.")
        for i, item in enumerate(value, start=1):
            _walk(shape.member, item, f"{path}.member.{i}", absent, bad)
    elif t == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            bad.append(f"The parameter {path} must be a value in the set "
                       f"[ {', '.join(shape.enum)} ].")
        elif "max" in meta and len(value) > meta["max"]:
            bad.append(f"The parameter {path} must be shorter than {meta['max'] + 1} characters.")
        elif "min" in meta and len(value) < meta["min"]:
            bad.append(f"The parameter {path} must be longer than {meta['min'] - 1} characters.")
        elif meta.get("pattern"):
            compiled = _pattern(meta["pattern"])
            if compiled is not None and not compiled.fullmatch(value):
                bad.append(f"The value {value} for parameter {path} is invalid.")
