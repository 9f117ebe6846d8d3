"""Server-side validation from the service model, worded as AWS words it.

botocore checks only required members, unknown members, types and minimums before sending. AWS
checks the rest (enums, patterns, maximums) on the server and answers
`N validation error(s) detected: Value 'x' at 'resourceConfig.instanceType' failed to satisfy
constraint: ...`. Paths use camelCase member names and `.N.member` for list items, as AWS does.
"""
from __future__ import annotations

import re
from functools import lru_cache

from botocore.model import Shape

from .errors import AWSError

_MAX_ERRORS = 10  # AWS lists a bounded number of violations


@lru_cache(maxsize=4096)
def _pattern(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:  # Java-only constructs such as \p{...}: not enforced
        return None


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _check(shape: Shape, value, path: str, errors: list[str]) -> None:
    if value is None:
        return
    meta = shape.metadata
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is None:
                where = f"{path}.{_camel(name)}" if path else _camel(name)
                errors.append(f"Value null at '{where}' failed to satisfy constraint: "
                              "Member must not be null")
        for name, member in shape.members.items():
            if name in value:
                _check(member, value[name], f"{path}.{_camel(name)}" if path else _camel(name), errors)
        return
    if t == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
                          f"Member must have length less than or equal to {meta['max']}")
        for i, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{i}.member", errors)
        return
    if t == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
                          f"Member must have length less than or equal to {meta['max']}")
        for key, item in value.items():
            _check(shape.key, key, path, errors)
            _check(shape.value, item, f"{path}.{key}", errors)
        return
    if t == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must "
                          f"satisfy enum value set: [{', '.join(shape.enum)}]")
            return
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must "
                          f"have length less than or equal to {meta['max']}")
        if "min" in meta and len(value) < meta["min"]:
            errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must "
                          f"have length greater than or equal to {meta['min']}")
        pattern = meta.get("pattern")
        if pattern:
            compiled = _pattern(pattern)
            if compiled is not None and not compiled.fullmatch(value):
                errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member "
                              f"must satisfy regular expression pattern: {pattern}")
        return
    if t in ("integer", "long", "float", "double") and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        if "max" in meta and value > meta["max"]:
            errors.append(f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
                          f"Member must have value less than or equal to {meta['max']}")
        if "min" in meta and value < meta["min"]:
            errors.append(f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
                          f"Member must have value greater than or equal to {meta['min']}")


def violations(shape: Shape | None, params: dict) -> list[str]:
    errors: list[str] = []
    if shape is not None:
        _check(shape, params, "", errors)
    return errors


def validate(shape: Shape | None, params: dict) -> None:
    """Raise AWS's ValidationException listing every constraint `params` breaks."""
    errors = violations(shape, params)
    if errors:
        raise AWSError("ValidationException", format_violations(errors))


def format_violations(errors: list[str]) -> str:
    n = len(errors)
    head = f"{n} validation error{'s' if n > 1 else ''} detected: "
    return head + "; ".join(errors[:_MAX_ERRORS])
