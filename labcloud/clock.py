"""The simulated clock from a notebook: skip a weekend, see what it did to a quota request or a bill.

A thin client of the server's control API (`/_labcloud/clock`), so it moves the clock of the
cloud the student's boto3 clients talk to (found through AWS_ENDPOINT_URL, which
`labcloud.start()` sets), not a clock of its own.
"""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timezone

from .billing import _url


def _call(body: dict | None, endpoint_url: str | None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(_url(endpoint_url) + "/_labcloud/clock", data=data,
                                 method="GET" if body is None else "POST",
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def now(endpoint_url: str | None = None) -> datetime:
    """The cloud's current time (wall-clock plus everything skipped), in UTC."""
    return datetime.fromtimestamp(_call(None, endpoint_url)["now"], timezone.utc)


def advance(hours: float = 0, minutes: float = 0, seconds: float = 0,
            endpoint_url: str | None = None) -> datetime:
    """Move the cloud's clock forward without waiting; returns the new time."""
    total = hours * 3600 + minutes * 60 + seconds
    if total < 0:
        raise ValueError("the clock only moves forward")
    return datetime.fromtimestamp(_call({"advance": total}, endpoint_url)["now"], timezone.utc)
