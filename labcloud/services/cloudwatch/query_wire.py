"""The query protocol form of a model-driven service: what botocore before 1.36 sends CloudWatch.

Requests arrive flattened (`MetricData.member.1.Dimensions.member.2.Name=...`), answers go back
as XML elements named after the output shape's members. Both directions are read off the
service model, so the handlers see the same dict, timestamps as epoch seconds, that the CBOR
and JSON forms give them; the envelope and the error body are query_protocol's.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from botocore.model import Shape
from botocore.utils import parse_timestamp

from ...server.clock import iso
from ...server.errors import AWSError


def from_form(shape: Shape, form: dict[str, str]) -> dict:
    """The nested request a flattened query form stands for."""
    return _member(shape, form, "") or {}


def _present(form: dict[str, str], key: str) -> bool:
    dotted = key + "."
    return any(k == key or k.startswith(dotted) for k in form)


def _member(shape: Shape, form: dict[str, str], key: str):
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            sub = f"{key}.{member.serialization.get('name', name)}" if key else \
                member.serialization.get("name", name)
            if _present(form, sub):
                out[name] = _member(member, form, sub)
        return out
    if t == "list":
        if form.get(key) == "":
            return []  # botocore sends an empty list as `Key=`
        items, n = [], 1
        base = key if shape.serialization.get("flattened") else f"{key}.member"
        while _present(form, f"{base}.{n}"):
            items.append(_member(shape.member, form, f"{base}.{n}"))
            n += 1
        return items
    if t == "map":
        out, n = {}, 1
        base = key if shape.serialization.get("flattened") else f"{key}.entry"
        while _present(form, f"{base}.{n}"):
            out[form.get(f"{base}.{n}.key", "")] = _member(shape.value, form, f"{base}.{n}.value")
            n += 1
        return out
    raw = form.get(key, "")
    try:
        if t in ("integer", "long"):
            return int(raw)
        if t in ("double", "float"):
            return float(raw)
        if t == "boolean":
            return raw.lower() == "true"
        if t == "timestamp":
            return parse_timestamp(raw).timestamp()
    except (ValueError, TypeError):
        raise AWSError("InvalidParameterValue", f"The value {raw} for parameter {key} is invalid.")
    return raw


def to_xml(shape: Shape, value: dict) -> str:
    """The members of an output structure as XML elements (the inner part of <OpResult>)."""
    return "".join(_element(member, value[name], member.serialization.get("name", name))
                   for name, member in shape.members.items() if value.get(name) is not None)


def _element(shape: Shape, value, tag: str) -> str:
    t = shape.type_name
    if t == "structure":
        return f"<{tag}>{to_xml(shape, value)}</{tag}>"
    if t == "list":
        item = shape.member.serialization.get("name", "member")
        return f"<{tag}>{''.join(_element(shape.member, v, item) for v in value)}</{tag}>"
    if t == "map":
        entries = "".join(f"<entry>{_element(shape.key, k, 'key')}{_element(shape.value, v, 'value')}"
                          "</entry>" for k, v in value.items())
        return f"<{tag}>{entries}</{tag}>"
    if t == "timestamp":
        text = iso(float(value))
    elif t == "boolean":
        text = "true" if value else "false"
    elif t in ("double", "float"):
        text = repr(float(value))
    else:
        text = escape(str(value))
    return f"<{tag}>{text}</{tag}>"
