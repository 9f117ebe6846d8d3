"""CloudWatch Logs (JSON 1.1): the operations the SageMaker SDK and students use to read logs.

Tokens look like AWS's (`f/<56 digits>` forward, `b/<56 digits>` backward) and behave like them:
reading forward past the end returns the same forward token, which is how callers know to stop.
"""
from __future__ import annotations

import fnmatch
import shlex

from ... import config
from ...server import paging
from ...server.errors import AWSError
from ...server.json_protocol import JsonService
from .store import LogStore, render

MAX_EVENTS = 10000


def _token(kind: str, event_id: int) -> str:
    return f"{kind}/{event_id:056d}"


def _parse_token(token: str) -> tuple[str, int]:
    kind, _, digits = token.partition("/")
    if kind not in ("f", "b") or not digits.isdigit():
        raise AWSError("InvalidParameterException", "The specified nextToken is invalid.")
    return kind, int(digits)


def _not_found(what: str) -> AWSError:
    return AWSError("ResourceNotFoundException", f"The specified log {what} does not exist.")


class LogsService(JsonService):
    def __init__(self, cloud):
        super().__init__("logs")
        self.cloud = cloud
        self.target_prefix = self.prefix
        self.store = LogStore(cloud.store)
        for name in ("CreateLogGroup", "CreateLogStream", "DeleteLogGroup", "DeleteLogStream",
                     "DescribeLogGroups", "DescribeLogStreams", "GetLogEvents", "FilterLogEvents",
                     "PutLogEvents"):
            snake = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
            self.operation(name)(getattr(self, snake))

    # ---- used by other services ---------------------------------------------------------
    def now_ms(self) -> int:
        return int(self.cloud.clock.now() * 1000)

    def write(self, group: str, stream: str, lines: list[str], ts_ms: int | None = None) -> None:
        """Append container output lines to a stream, rendered as CloudWatch shows them."""
        now = self.now_ms()
        ts = ts_ms if ts_ms is not None else now
        self.store.append(group, stream, [(ts, render(line)) for line in lines], now)

    # ---- wire ---------------------------------------------------------------------------
    def _group(self, p: dict) -> str:
        group = p.get("logGroupName") or (p.get("logGroupIdentifier") or "").split(":log-group:")[-1]
        if not group:
            raise AWSError("InvalidParameterException", "Either logGroupName or "
                           "logGroupIdentifier must be provided.")
        if not self.store.group_exists(group):
            raise _not_found("group")
        return group

    def create_log_group(self, p: dict) -> dict:
        if not self.store.create_group(p["logGroupName"], self.now_ms()):
            raise AWSError("ResourceAlreadyExistsException", "The specified log group already exists")
        return {}

    def create_log_stream(self, p: dict) -> dict:
        group = self._group(p)
        if not self.store.create_stream(group, p["logStreamName"], self.now_ms()):
            raise AWSError("ResourceAlreadyExistsException", "The specified log stream already exists")
        return {}

    def delete_log_group(self, p: dict) -> dict:
        if not self.store.delete_group(self._group(p)):
            raise _not_found("group")
        return {}

    def delete_log_stream(self, p: dict) -> dict:
        if not self.store.delete_stream(self._group(p), p["logStreamName"]):
            raise _not_found("stream")
        return {}

    def put_log_events(self, p: dict) -> dict:
        group = self._group(p)
        if not self.store.stream_exists(group, p["logStreamName"]):
            raise _not_found("stream")
        events = sorted(p["logEvents"], key=lambda e: e["timestamp"])
        self.store.append(group, p["logStreamName"], [(e["timestamp"], e["message"]) for e in events],
                          self.now_ms())
        return {}

    def describe_log_groups(self, p: dict) -> dict:
        groups = self.store.groups(p.get("logGroupNamePrefix", ""))
        if p.get("logGroupNamePattern"):
            groups = [g for g in groups if p["logGroupNamePattern"].lower() in g["name"].lower()]
        page, token = _page(groups, p, default_limit=50)
        out = []
        for g in page:
            arn = config.arn("logs", f"log-group:{g['name']}")
            item = {"logGroupName": g["name"], "creationTime": g["created"], "metricFilterCount": 0,
                    "arn": arn + ":*", "logGroupArn": arn, "storedBytes": g["bytes"],
                    "logGroupClass": "STANDARD"}
            if g["retention"]:
                item["retentionInDays"] = g["retention"]
            out.append(item)
        return {"logGroups": out, **({"nextToken": token} if token else {})}

    def describe_log_streams(self, p: dict) -> dict:
        group = self._group(p)
        prefix = p.get("logStreamNamePrefix", "")
        order = p.get("orderBy", "LogStreamName")
        if prefix and order == "LastEventTime":
            raise AWSError("InvalidParameterException",
                           "Cannot order by LastEventTime with a logStreamNamePrefix.")
        streams = [s for s in self.store.streams(group) if s["name"].startswith(prefix)]
        if order == "LastEventTime":
            streams.sort(key=lambda s: (s["last_ts"] or 0, s["name"]))
        if p.get("descending"):
            streams.reverse()
        page, token = _page(streams, p, default_limit=50)
        out = []
        for s in page:
            item = {"logStreamName": s["name"], "creationTime": s["created"],
                    "arn": config.arn("logs", f"log-group:{group}:log-stream:{s['name']}"),
                    "storedBytes": s["stored_bytes"]}
            if s["first_ts"] is not None:
                item.update(firstEventTimestamp=s["first_ts"], lastEventTimestamp=s["last_ts"],
                            lastIngestionTime=s["last_ingestion"])
            out.append(item)
        return {"logStreams": out, **({"nextToken": token} if token else {})}

    def get_log_events(self, p: dict) -> dict:
        group = self._group(p)
        stream = p["logStreamName"]
        if not self.store.stream_exists(group, stream):
            raise _not_found("stream")
        limit = min(int(p.get("limit", MAX_EVENTS)), MAX_EVENTS)
        window = {"start": p.get("startTime"), "end": p.get("endTime"), "limit": limit}
        token = p.get("nextToken")
        if token:
            kind, mark = _parse_token(token)
            if kind == "f":
                events = self.store.events(group, stream, after_id=mark, **window)
            else:
                events = self.store.events(group, stream, before_id=mark, newest=True, **window)
        elif p.get("startFromHead"):
            events = self.store.events(group, stream, **window)
        else:
            events = self.store.events(group, stream, newest=True, **window)
        if events:
            forward, backward = _token("f", events[-1]["id"]), _token("b", events[0]["id"])
        else:  # nothing new: hand the same position back, as CloudWatch does
            if token:
                kind, mark = _parse_token(token)
                forward = token if kind == "f" else _token("f", mark - 1)
                backward = token if kind == "b" else _token("b", mark + 1)
            else:
                forward, backward = _token("f", 0), _token("b", 1)
        return {"events": [{"timestamp": e["ts"], "message": e["message"],
                            "ingestionTime": e["ingestion"]} for e in events],
                "nextForwardToken": forward, "nextBackwardToken": backward}

    def filter_log_events(self, p: dict) -> dict:
        group = self._group(p)
        names = p.get("logStreamNames")
        if names and p.get("logStreamNamePrefix"):
            raise AWSError("InvalidParameterException", "logStreamNames and logStreamNamePrefix "
                           "are mutually exclusive")
        if names is None and p.get("logStreamNamePrefix"):
            names = [s["name"] for s in self.store.streams(group)
                     if s["name"].startswith(p["logStreamNamePrefix"])]
        limit = min(int(p.get("limit", MAX_EVENTS)), MAX_EVENTS)
        after = paging.decode(p.get("nextToken"), "after", _bad_token())
        match = _pattern(p.get("filterPattern", ""))
        found, last_seen = [], after
        while len(found) < limit:
            batch = self.store.events(group, None, after_id=last_seen, start=p.get("startTime"),
                                      end=p.get("endTime"), limit=2000, streams=names)
            if not batch:
                break
            for e in batch:
                last_seen = e["id"]
                if match(e["message"]):
                    found.append(e)
                    if len(found) == limit:
                        break
        more = len(found) == limit and bool(self.store.events(
            group, None, after_id=last_seen, start=p.get("startTime"), end=p.get("endTime"),
            limit=1, streams=names))
        out = {"events": [{"logStreamName": e["stream"], "timestamp": e["ts"],
                           "message": e["message"], "ingestionTime": e["ingestion"],
                           "eventId": f"{e['id']:056d}"} for e in found],
               "searchedLogStreams": [{"logStreamName": s, "searchedCompletely": not more}
                                      for s in (names or [s["name"] for s in self.store.streams(group)])]}
        if more:
            out["nextToken"] = paging.encode({"after": last_seen})
        return out


def _bad_token() -> AWSError:
    return AWSError("InvalidParameterException", "The specified nextToken is invalid.")


def _page(items: list, p: dict, default_limit: int) -> tuple[list, str | None]:
    return paging.page(items, p.get("nextToken"), int(p.get("limit", default_limit)), _bad_token())


def _pattern(pattern: str):
    """CloudWatch's plain-text filter patterns: every term (or "quoted phrase") must appear;
    a term prefixed with - must not; `?a ?b` matches any. JSON and space-delimited patterns are
    not supported and match literally."""
    pattern = pattern.strip()
    if not pattern:
        return lambda message: True
    try:
        terms = shlex.split(pattern)
    except ValueError:
        terms = pattern.split()
    optional = [t[1:] for t in terms if t.startswith("?")]
    required = [t for t in terms if not t.startswith(("?", "-"))]
    excluded = [t[1:] for t in terms if t.startswith("-") and len(t) > 1]

    def match(message: str) -> bool:
        if any(_has(message, t) for t in excluded):
            return False
        if optional and not any(_has(message, t) for t in optional):
            return False
        return all(_has(message, t) for t in required)
    return match


def _has(message: str, term: str) -> bool:
    return fnmatch.fnmatchcase(message, f"*{term}*") if "*" in term else term in message
