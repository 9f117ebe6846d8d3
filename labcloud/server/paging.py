"""Opaque NextToken pagination over an in-memory list: one implementation for every service.

Each service keeps its own wording for a bad token (CloudWatch Logs, SageMaker and Service
Quotas each answer differently), so the error is the caller's.
"""
from __future__ import annotations

import base64
import json

from .errors import AWSError


def encode(position: dict) -> str:
    return base64.b64encode(json.dumps(position).encode()).decode()


def decode(token: str | None, field: str, invalid: AWSError) -> int:
    """The integer `field` of a token made by `encode`, 0 for no token, `invalid` if forged."""
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))[field])
    except (ValueError, KeyError, TypeError):
        raise invalid


def page(items: list, token: str | None, size: int, invalid: AWSError) -> tuple[list, str | None]:
    """One page of `items` and the token of the next (None on the last page)."""
    start = decode(token, "offset", invalid)
    more = start + size < len(items)
    return items[start:start + size], encode({"offset": start + size}) if more else None
