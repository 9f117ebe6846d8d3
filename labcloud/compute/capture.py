"""Data capture for real-time endpoints: sampled requests and responses as JSONL in S3.

The runtime hands every invocation to its observers on the server's event loop (see
labcloud/services/sagemaker_runtime/invocation.py), so `DataCapture.observe` only samples and
appends to a queue; one writer thread turns the queued invocations into AWS's capture records
and writes one object per (destination, endpoint, variant, hour) through the S3 service.

AWS buffers captured data for minutes before it lands in S3; here the writer flushes every
FLUSH_SECONDS so a lesson or a test reads its records at once. The control plane also flushes
when an endpoint is updated or deleted and when the server stops, so a record that was
accepted is never lost. Which config applies is the one the serving fleet ran
(`Invocation.config`), so an UpdateEndpoint switches capture exactly when traffic switches.

Record format (AWS's, one JSON object per line):
{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"...",
"encoding":"CSV"},"endpointOutput":{...,"mode":"OUTPUT",...}},"eventMetadata":{"eventId":"<uuid>",
"inferenceId":"<given>","inferenceTime":"2022-02-14T17:25:49Z"},"eventVersion":"0"}
"""
from __future__ import annotations

import base64
import json
import logging
import os
import random
import threading
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..server.errors import AWSError
from ..services.s3.names import is_valid_bucket_name

if TYPE_CHECKING:
    from ..server.app import Cloud
    from ..services.sagemaker_runtime.invocation import Invocation

log = logging.getLogger("labcloud.capture")
# AWS delivers within minutes; a lesson should see its records at once. A test of the flushes
# on update, delete and stop sets a long interval so that only those can deliver.
FLUSH_SECONDS = float(os.environ.get("LABCLOUD_CAPTURE_FLUSH_SECONDS", "0.5") or 0.5)
MAX_QUEUED = 100_000  # beyond this the writer is far behind: drop (and say so) rather than grow
# what AWS captures as text when CaptureContentTypeHeader does not list types (the SageMaker
# SDK's DataCaptureConfig sends the same defaults)
DEFAULT_CSV_TYPES = ("text/csv",)
DEFAULT_JSON_TYPES = ("application/json",)
MODES = {"Input": ("INPUT",), "Output": ("OUTPUT",), "InputAndOutput": ("INPUT", "OUTPUT")}


def log_group(endpoint: str) -> str:
    return f"/aws/sagemaker/Endpoints/{endpoint}"


def split_s3_uri(uri: str) -> tuple[str, str]:
    """("bucket", "prefix") of s3://bucket/prefix/ (prefix without surrounding slashes)."""
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    return bucket, prefix.strip("/")


def media_type(content_type: str) -> str:
    """`text/csv` of `text/csv; charset=utf-8`: the lists name media types, not parameters."""
    return content_type.split(";", 1)[0].strip().lower()


def validate(dcc: dict | None) -> None:
    """What botocore's model cannot say about a DataCaptureConfig (its enums, the 0-100 range
    and the URI pattern are checked from the model before this runs)."""
    if not dcc:
        return
    uri = dcc["DestinationS3Uri"]
    if not uri.startswith("s3://"):
        raise AWSError("ValidationException", f"DestinationS3Uri '{uri}' is not a valid S3 URI. "
                       "Data capture writes to Amazon S3: use s3://<bucket>/<prefix>.")
    bucket, _ = split_s3_uri(uri)
    if not is_valid_bucket_name(bucket):
        raise AWSError("ValidationException", f"DestinationS3Uri '{uri}' is not a valid S3 URI: "
                       f"'{bucket}' is not a valid bucket name.")
    header = dcc.get("CaptureContentTypeHeader") or {}
    both = {media_type(t) for t in header.get("CsvContentTypes") or []} & \
        {media_type(t) for t in header.get("JsonContentTypes") or []}
    if both:
        raise AWSError("ValidationException", "CaptureContentTypeHeader lists "
                       f"{', '.join(sorted(both))} in both CsvContentTypes and JsonContentTypes; "
                       "a content type can be captured with one encoding only.")


def enabled(dcc: dict | None) -> bool:
    return bool(dcc) and dcc.get("EnableCapture", True) is not False  # defaults to enabled


def summary(dcc: dict | None) -> dict | None:
    """DescribeEndpoint's DataCaptureConfigSummary for the config the fleet runs."""
    if not dcc:
        return None
    out = {"EnableCapture": enabled(dcc),
           "CaptureStatus": "Started" if enabled(dcc) else "Stopped",
           "CurrentSamplingPercentage": int(dcc["InitialSamplingPercentage"]),
           "DestinationS3Uri": dcc["DestinationS3Uri"]}
    if dcc.get("KmsKeyId"):
        out["KmsKeyId"] = dcc["KmsKeyId"]
    return out


class Settings:
    """A DataCaptureConfig read once per flush: modes and how each content type is encoded."""

    def __init__(self, dcc: dict):
        self.bucket, self.prefix = split_s3_uri(dcc["DestinationS3Uri"])
        self.uri = dcc["DestinationS3Uri"]
        self.modes: set[str] = set()
        for option in dcc["CaptureOptions"]:
            self.modes.update(MODES[option["CaptureMode"]])
        header = dcc.get("CaptureContentTypeHeader") or {}
        self.csv = {media_type(t) for t in header.get("CsvContentTypes") or DEFAULT_CSV_TYPES}
        self.json = {media_type(t) for t in header.get("JsonContentTypes") or DEFAULT_JSON_TYPES}

    def part(self, body: bytes, content_type: str, mode: str) -> dict:
        kind = media_type(content_type)
        encoding = "CSV" if kind in self.csv else "JSON" if kind in self.json else "BASE64"
        data = None
        if encoding != "BASE64":
            try:
                data = body.decode("utf-8")
            except UnicodeDecodeError:  # listed as text but is not: keep the bytes intact
                encoding = "BASE64"
        if data is None:
            data = base64.b64encode(body).decode("ascii")
        return {"observedContentType": content_type, "mode": mode, "data": data,
                "encoding": encoding}

    def record(self, inv: "Invocation") -> str:
        capture = {}
        if "INPUT" in self.modes:
            capture["endpointInput"] = self.part(inv.request_body, inv.content_type, "INPUT")
        if "OUTPUT" in self.modes:
            capture["endpointOutput"] = self.part(
                inv.response_body, inv.response_content_type or "application/octet-stream",
                "OUTPUT")
        meta = {"eventId": str(uuid.uuid4())}
        if inv.inference_id:
            meta["inferenceId"] = inv.inference_id
        meta["inferenceTime"] = _utc(inv.time).strftime("%Y-%m-%dT%H:%M:%SZ")
        return json.dumps({"captureData": capture, "eventMetadata": meta, "eventVersion": "0"},
                          separators=(",", ":"), ensure_ascii=False)


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def object_key(prefix: str, endpoint: str, variant: str, first: float) -> str:
    """<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-mmm>-<uuid>.jsonl, named for the
    time of the object's first record, as AWS names its capture files."""
    t = _utc(first)
    name = f"{t:%Y/%m/%d/%H}/{t:%M-%S}-{t.microsecond // 1000:03d}-{uuid.uuid4()}.jsonl"
    return "/".join(p for p in (prefix, endpoint, variant, name) if p)


class DataCapture:
    """One per cloud: the runtime's observer and the thread that writes what it sampled."""

    def __init__(self, cloud: "Cloud"):
        self.cloud = cloud
        self._queue: deque = deque()
        self._dropped: dict[tuple[str, str], int] = {}  # (endpoint, variant) -> over MAX_QUEUED
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None  # started by the first captured record

    # ---- on the event loop: sample and enqueue only ------------------------------------------
    def observe(self, inv: "Invocation") -> None:
        dcc = inv.config.get("DataCaptureConfig")
        if not enabled(dcc) or not 200 <= inv.status < 300:
            return
        percent = dcc["InitialSamplingPercentage"]
        if percent < 100 and random.random() * 100 >= percent:
            return
        if len(self._queue) >= MAX_QUEUED:
            key = (inv.endpoint, inv.variant)
            self._dropped[key] = self._dropped.get(key, 0) + 1
            return
        self._queue.append(inv)
        if self._thread is None or not self._thread.is_alive():
            self._start()

    def _start(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,), daemon=True,
                                        name="data-capture")
        self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except Exception:  # keep capturing; the next flush retries what is queued
                log.exception("data capture flush failed")

    # ---- anywhere else: write ----------------------------------------------------------------
    def flush(self) -> int:
        """Write every queued record now; returns how many were written. Called by the writer
        thread and by the control plane (endpoint update/delete, server stop)."""
        with self._flush_lock:
            batch = []
            while self._queue:
                batch.append(self._queue.popleft())
            dropped, self._dropped = self._dropped, {}
            for (endpoint, variant), n in dropped.items():
                self._log(endpoint, variant, f"Data capture dropped {n} sampled record(s): the "
                          "capture buffer was full (the writer could not keep up).")
            if not batch:
                return 0
            settings: dict[int, Settings] = {}
            groups: dict[tuple, list] = {}
            for inv in batch:
                dcc = inv.config["DataCaptureConfig"]
                s = settings.get(id(dcc))
                if s is None:
                    s = settings[id(dcc)] = Settings(dcc)
                key = (s.uri, inv.endpoint, inv.variant, _utc(inv.time).strftime("%Y%m%d%H"))
                groups.setdefault(key, []).append((s, inv))
            written = 0
            for items in groups.values():
                written += self._write(items)
            return written

    def _write(self, items: list) -> int:
        s, first = items[0]
        body = "".join(s.record(inv) + "\n" for s, inv in items).encode("utf-8")
        key = object_key(s.prefix, first.endpoint, first.variant, first.time)
        try:
            self.cloud.services["s3"].put_object_bytes(s.bucket, key, body)
            return len(items)
        except AWSError as err:
            reason = f"{err.code}: {err.message}"
        except Exception as err:  # noqa: BLE001 - the disk or a bug: said in the log, not lost silently
            log.exception("data capture could not write s3://%s/%s", s.bucket, key)
            reason = f"{type(err).__name__}: {err}"
        self._log(first.endpoint, first.variant,
                  f"Data capture could not write {len(items)} captured record(s) to "
                  f"s3://{s.bucket}/{key} ({reason}); they were dropped. Check that the bucket "
                  f"of DestinationS3Uri {s.uri} exists.")
        return 0

    def _log(self, endpoint: str, variant: str, message: str) -> None:
        try:
            self.cloud.services["logs"].write(log_group(endpoint), f"{variant}/data-capture",
                                              [message])
        except Exception:  # noqa: BLE001 - logging must not take the writer down
            log.exception("data capture could not log for %s", endpoint)

    def close(self) -> None:
        """Server stop: end the writer thread, then write what is still queued."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout=30)
        self.flush()
