"""Run one batch transform job: start the model's serving container, send it every record of
every input object, and write one `<input>.out` object per input under S3OutputPath.

Records keep their input order; an object is uploaded only when every one of its requests
succeeded, and any failed object fails the job with the container's own message, as on AWS.
"""
from __future__ import annotations

import gzip
import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from .. import config
from . import records, serving
from .serving import ServingContainer, ServingError
from .runner import JobRun
from .training import JobEnded, split_s3_uri

if TYPE_CHECKING:
    from ..server.app import Cloud

LOG_GROUP = "/aws/sagemaker/TransformJobs"


def _seconds(name: str, salt: str, low: int, high: int) -> int:
    digest = hashlib.sha256(f"{name}:{salt}".encode()).digest()
    return low + digest[0] % (high - low + 1)


class TransformRun(JobRun):
    kind = "transform"

    def __init__(self, cloud: "Cloud", jobs, name: str, model: dict, image):
        self.model, self.image = model, image
        self.serving: ServingContainer | None = None
        super().__init__(cloud, jobs, name)

    def _halt(self) -> None:
        if self.serving:
            self.serving.stop()

    _cleanup = _halt

    def _finish(self, end: JobEnded) -> None:
        self.jobs.finish(self.name, end.status, end.failure)

    def _check_stop(self) -> None:
        if self._aborted:
            raise JobEnded("Failed", "Failed", "aborted")
        if self.jobs.stop_requested(self.name):
            raise JobEnded("Stopped", "Stopped", "stopped")

    def _fail(self, reason: str) -> JobEnded:
        return JobEnded("Failed", "Failed", "failed", reason)

    def _phases(self) -> None:
        doc = self.jobs.docs.get(self.name)
        # instances launch and the model's image is pulled: minutes on AWS, accounted here
        self.clock.wait(_seconds(self.name, "launch", 150, 260))
        self._check_stop()
        start = self.clock.now()
        self.jobs.update(self.name, TransformStartTime=start)
        self.stream = f"{self.name}/i-{hashlib.sha1(self.name.encode()).hexdigest()[:17]}-{int(start)}"
        root = self.cloud.home / "containers" / f"transform-{self.name}"
        self.serving = serving.for_model(self.cloud, self.model, self.image, root, {
            **(doc.get("Environment") or {}), "SAGEMAKER_BATCH": "true"})
        try:
            self.serving.start(self._on_lines)
        except ServingError as err:
            raise self._fail(f"ClientError: {err}. See the logs in {LOG_GROUP} for details.")
        strategy, max_mb, concurrency = self._execution_parameters(doc)
        self.jobs.update(self.name, BatchStrategy=strategy, MaxPayloadInMB=max_mb,
                         MaxConcurrentTransforms=concurrency)
        for bucket, key, out_key in self._inputs(doc):
            self._check_stop()
            self._transform_object(doc, bucket, key, out_key, strategy, max_mb, concurrency)
        self.clock.wait(_seconds(self.name, "stop", 5, 15))
        self.jobs.finish(self.name, "Completed")

    def _execution_parameters(self, doc: dict) -> tuple[str, int, int]:
        """The request's values win, then the container's /execution-parameters, then defaults."""
        preferred = {}
        try:
            status, _, body = self.serving.request("GET", "/execution-parameters", timeout=5)
            if status == 200:
                import json
                preferred = json.loads(body)
        except (OSError, ValueError):
            pass
        strategy = doc.get("BatchStrategy") or {"MULTI_RECORD": "MultiRecord", "SINGLE_RECORD":
                                                 "SingleRecord"}.get(preferred.get("BatchStrategy"), "MultiRecord")
        max_mb = doc.get("MaxPayloadInMB") or preferred.get("MaxPayloadInMB") or 6
        concurrency = doc.get("MaxConcurrentTransforms") or preferred.get("MaxConcurrentTransforms") or 1
        return strategy, int(max_mb), int(concurrency)

    def _inputs(self, doc: dict):
        s3 = self.cloud.services["s3"]
        source = doc["TransformInput"]["DataSource"]["S3DataSource"]
        uri = source["S3Uri"]
        if source["S3DataType"] != "S3Prefix":
            raise self._fail(f"ClientError: labcloud supports S3DataType S3Prefix only, not "
                             f"{source['S3DataType']}.")
        bucket, prefix = split_s3_uri(uri)
        listable = self._role_can("s3:ListBucket", f"arn:aws:s3:::{bucket}")
        objects = s3.list_objects(bucket, prefix) if listable and s3.bucket_exists(bucket) else []
        objects = [o for o in objects if not o["Key"].endswith("/")]
        if not objects:
            raise self._fail(f'ClientError: No S3 objects found under S3 URL "{uri}" given in '
                             "input data source. Please ensure that the bucket exists in the "
                             f"selected region ({config.REGION}), that objects exist under that "
                             f'S3 prefix, and that the role "{self._role()}" has "s3:ListBucket" '
                             f'permissions on bucket "{bucket}".')
        out_bucket, out_prefix = split_s3_uri(doc["TransformOutput"]["S3OutputPath"])
        out_prefix = out_prefix.rstrip("/")
        base = prefix[:prefix.rfind("/") + 1]  # keys keep their path below the input "folder"
        for obj in objects:
            relative = obj["Key"][len(base):]
            out_key = f"{out_prefix}/{relative}.out" if out_prefix else f"{relative}.out"
            yield bucket, obj["Key"], (out_bucket, out_key)

    def _transform_object(self, doc, bucket, key, out, strategy, max_mb, concurrency) -> None:
        s3 = self.cloud.services["s3"]
        tin, tout = doc["TransformInput"], doc["TransformOutput"]
        processing = doc.get("DataProcessing") or {}
        content_type, accept = tin.get("ContentType"), tout.get("Accept")
        if not self._role_can("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"):
            raise self._fail(f"ClientError: Failed to download data from s3://{bucket}/{key}: "
                             f'AccessDenied (403): Access Denied. Please ensure that the role '
                             f'"{self._role()}" has "s3:GetObject" permissions on it.')
        data = s3.object_file(bucket, key).read_bytes()
        if tin.get("CompressionType") == "Gzip":
            try:
                data = gzip.decompress(data)
            except OSError as err:
                raise self._fail(f"ClientError: Unable to decompress s3://{bucket}/{key} as gzip: {err}")
        try:
            items = records.split(data, tin.get("SplitType", "None"))
            parsed = None
            if processing.get("InputFilter") or processing.get("JoinSource") == "Input":
                parsed = [records.parse(r, content_type) for r in items]
            payloads = items
            if processing.get("InputFilter"):
                payloads = [records.render(records.select(processing["InputFilter"], p), content_type)
                            for p in parsed]
            groups = records.batches(payloads, strategy == "MultiRecord", max_mb * 1024 * 1024)
        except records.RecordError as err:
            raise self._fail(f"ClientError: {err}")

        def call(indices: list[int]) -> bytes:
            body = b"\n".join(payloads[i] for i in indices)
            if tin.get("SplitType") == "Line":
                body += b"\n"
            status, _, answer = self.serving.invoke(body, content_type, accept)
            if status >= 400:
                message = answer.decode("utf-8", errors="replace").strip()
                self.cloud.services["logs"].write(LOG_GROUP, f"{self.stream}/data-log", [
                    f"{self.clock_iso()}: ClientError: {status}", "Message:", message])
                raise self._fail(f'ClientError: Received client error ({status}) from the model '
                                 f'container with message "{message}". See the logs in '
                                 f"{LOG_GROUP} for more information.")
            return answer

        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            answers = list(pool.map(call, groups))

        line_assembly = tout.get("AssembleWith") == "Line"
        per_record: list[bytes] | None = None
        if len(items) > 1 or processing.get("JoinSource") == "Input" or processing.get("OutputFilter"):
            per_record = []
            for indices, answer in zip(groups, answers):
                lines = [l for l in answer.splitlines() if l.strip()] if len(indices) > 1 else [answer.strip()]
                if len(lines) != len(indices):
                    raise self._fail(f"ClientError: The model container returned {len(lines)} "
                                     f"records for a request of {len(indices)} records.")
                per_record += lines
        try:
            if per_record is not None and (processing.get("JoinSource") == "Input"
                                           or processing.get("OutputFilter")):
                out_values = []
                for i, answer in enumerate(per_record):
                    value = records.join(parsed[i], answer, content_type, accept) \
                        if processing.get("JoinSource") == "Input" else records.parse(answer, accept)
                    value = records.select(processing.get("OutputFilter"), value)
                    joined_type = content_type if processing.get("JoinSource") == "Input" else accept
                    out_values.append(records.render(value, joined_type))
                per_record = out_values
        except records.RecordError as err:
            raise self._fail(f"ClientError: {err}")
        if per_record is not None:
            sep = b"\n" if line_assembly else b""
            output = sep.join(per_record) + (b"\n" if line_assembly else b"")
        else:
            output = b"".join(answers) if not line_assembly else \
                b"".join(a if a.endswith(b"\n") else a + b"\n" for a in answers)
        out_bucket, out_key = out
        if not s3.bucket_exists(out_bucket):
            raise self._fail(f"ClientError: Unable to write the output to s3://{out_bucket}/"
                             f"{out_key}: the bucket {out_bucket} does not exist.")
        if not self._role_can("s3:PutObject", f"arn:aws:s3:::{out_bucket}/{out_key}"):
            raise self._fail(f"ClientError: Unable to write the output to s3://{out_bucket}/"
                             f"{out_key}: AccessDenied (403): Access Denied. Please ensure that "
                             f'the role "{self._role()}" has "s3:PutObject" permissions on '
                             f'bucket "{out_bucket}".')
        s3.put_object_bytes(out_bucket, out_key, output, content_type=accept or "text/csv")

    def _role(self) -> str:
        """A transform job reads and writes S3 as its model's execution role, as on AWS."""
        return self.model["ExecutionRoleArn"]

    def _role_can(self, action: str, resource_arn: str) -> bool:
        return self.cloud.services["iam"].can(self._role(), action, resource_arn)

    def clock_iso(self) -> str:
        from ..server.clock import iso
        return iso(self.clock.now())

    def _on_lines(self, lines: list[str]) -> None:
        self.cloud.services["logs"].write(LOG_GROUP, self.stream, lines)
