"""Run one processing job: instances, inputs, the container, outputs, as SageMaker does.

Launching the instances and pulling the image take minutes on AWS: they are accounted on the
simulated clock. Then each ProcessingInput is copied from S3 to its LocalPath under the
container's root (/opt/ml/processing/...), the image runs as a child process (its lines become
the job's CloudWatch log stream), and each ProcessingOutput's LocalPath is uploaded to its
S3Uri. The container's /opt/ml/output/message becomes the job's ExitMessage and
/opt/ml/output/failure its FailureReason, as with AWS's processing containers.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..server.errors import AWSError
from .container import FAILURE_LIMIT, Container
from .runner import ContainerRun, JobEnded
from .training import _seconds, split_s3_uri

if TYPE_CHECKING:
    from ..server.app import Cloud

LOG_GROUP = "/aws/sagemaker/ProcessingJobs"
PROCESSING_ROOT = "/opt/ml/processing/"


def check_local_path(path: str, field: str) -> None:
    """SageMaker mounts processing data only under /opt/ml/processing/."""
    parts = path.split("/")
    if not path.startswith(PROCESSING_ROOT) or ".." in parts or path.rstrip("/") + "/" == PROCESSING_ROOT:
        raise AWSError("ValidationException", f"{field} {path!r} is not valid: a local path must "
                       f"be a folder below {PROCESSING_ROOT}")


class ProcessingRun(ContainerRun):
    kind = "processing"

    def __init__(self, cloud: "Cloud", jobs, name: str, image):
        self.deadline: float | None = None
        super().__init__(cloud, jobs, name, image)

    def _finish(self, end: JobEnded) -> None:
        self.jobs.finish(self.name, end.status, end.failure, ExitMessage=self._exit_message())

    def _check_stop(self) -> None:
        if self._aborted:
            raise JobEnded("Failed", "Failed", "aborted")
        if self.jobs.stop_requested(self.name):
            raise JobEnded("Stopped", "Stopped", "stopped")
        if self.deadline is not None and self.clock.now() >= self.deadline:
            limit = self.doc["StoppingCondition"]["MaxRuntimeInSeconds"]
            raise JobEnded("Stopped", "Stopped", "stopped", f"MaxRuntimeExceeded: The job "
                           f"reached its MaxRuntimeInSeconds ({limit} s) and was stopped.")

    def _stop_reason(self) -> str | None:
        try:
            self._check_stop()
        except JobEnded:
            return "stop"
        return None

    def _fail(self, reason: str) -> JobEnded:
        return JobEnded("Failed", "Failed", "failed", reason)

    def _phases(self) -> None:
        self.doc = doc = self.jobs.docs.get(self.name)
        # instances launch and the image is pulled: minutes on AWS, accounted here
        self.clock.wait(_seconds(self.name, "launch", 120, 240))
        self._check_stop()
        start = self.clock.now()
        self.jobs.update(self.name, ProcessingStartTime=start)
        self.deadline = start + doc["StoppingCondition"]["MaxRuntimeInSeconds"]
        self.stream = f"{self.name}/algo-1-{int(start)}"
        root = self.cloud.home / "containers" / f"processing-{self.name}"
        shutil.rmtree(root, ignore_errors=True)
        cluster = doc["ProcessingResources"]["ClusterConfig"]
        env = {**self.image.env, **(doc.get("Environment") or {}),
               "LABCLOUD_CLOCK_OFFSET": str(self.clock.offset), "AWS_REGION": config.REGION}
        self.container = container = Container(root, self.image.command, env)
        hosts = [f"algo-{i}" for i in range(1, int(cluster["InstanceCount"]) + 1)]
        (container.opt_ml / "config").mkdir(parents=True, exist_ok=True)
        (container.opt_ml / "config" / "resourceconfig.json").write_text(
            json.dumps({"current_host": "algo-1", "hosts": hosts}))
        self._download(container)
        self._check_stop()
        result = container.run("analyze", self._on_lines, should_stop=self._stop_reason)
        if result == "stop":
            self._check_stop()
        if result != 0:
            reason = container.failure()
            raise self._fail(f"AlgorithmError: {reason}" if reason else
                             "AlgorithmError: See job logs for more information")
        self._upload(container)
        self.clock.wait(_seconds(self.name, "upload", 3, 10))
        self.jobs.finish(self.name, "Completed", ExitMessage=self._exit_message())

    def _exit_message(self) -> str | None:
        container = self.container
        if container is None:
            return None
        path = container.opt_ml / "output" / "message"
        if not path.exists():
            return None
        return path.read_text(errors="replace").strip()[:FAILURE_LIMIT] or None

    def _local(self, container: Container, path: str) -> Path:
        return container.root / path.lstrip("/")

    def _role_can(self, action: str, resource_arn: str) -> bool:
        return self.cloud.services["iam"].can(self.doc["RoleArn"], action, resource_arn)

    def _download(self, container: Container) -> None:
        s3 = self.cloud.services["s3"]
        for item in self.doc.get("ProcessingInputs") or []:
            source = item["S3Input"]
            uri = source["S3Uri"]
            bucket, key = split_s3_uri(uri)
            target = self._local(container, source["LocalPath"])
            target.mkdir(parents=True, exist_ok=True)
            if source["S3DataType"] == "S3Prefix":
                objects = s3.list_objects(bucket, key) if s3.bucket_exists(bucket) \
                    and self._role_can("s3:ListBucket", f"arn:aws:s3:::{bucket}") else []
                objects = [o for o in objects if not o["Key"].endswith("/")]
            else:  # ManifestFile is refused at create; S3Object is one object
                objects = [{"Key": key}] if self._exists(bucket, key) else []
            if not objects:
                raise self._fail(f'ClientError: No S3 objects found under S3 URL "{uri}" given '
                                 f"in input data source for input {item['InputName']}. Please "
                                 "ensure that the bucket exists in the selected region "
                                 f"({config.REGION}) and that objects exist under that S3 prefix.")
            base = key if source["S3DataType"] == "S3Prefix" else key[:key.rfind("/") + 1]
            for obj in objects:
                relative = obj["Key"][len(base):].lstrip("/") or obj["Key"].rsplit("/", 1)[-1]
                dest = (target / relative).resolve()
                if target.resolve() not in dest.parents:  # a key like ../x stays inside
                    dest = target / hashlib.sha1(obj["Key"].encode()).hexdigest()
                if not self._role_can("s3:GetObject", f"arn:aws:s3:::{bucket}/{obj['Key']}"):
                    raise self._fail("ClientError: Data download failed:AccessDenied (403): "
                                     "Access Denied")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(s3.object_file(bucket, obj["Key"]), dest)

    def _exists(self, bucket: str, key: str) -> bool:
        try:
            self.cloud.services["s3"].object_file(bucket, key)
        except AWSError:
            return False
        return True

    def _upload(self, container: Container) -> None:
        s3 = self.cloud.services["s3"]
        outputs = (self.doc.get("ProcessingOutputConfig") or {}).get("Outputs") or []
        for item in outputs:
            out = item["S3Output"]
            bucket, prefix = split_s3_uri(out["S3Uri"])
            prefix = prefix.rstrip("/")
            folder = self._local(container, out["LocalPath"])
            files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
            for path in files:
                key = f"{prefix}/{path.relative_to(folder).as_posix()}".lstrip("/")
                if not s3.bucket_exists(bucket) or not self._role_can(
                        "s3:PutObject", f"arn:aws:s3:::{bucket}/{key}"):
                    raise self._fail(f"ClientError: Unable to upload output {item['OutputName']} "
                                     f"to s3://{bucket}/{key}: the bucket {bucket} does not exist "
                                     "or the role may not write to it.")
                s3.put_object_file(bucket, key, path, content_type="application/octet-stream"
                                   if path.suffix != ".json" else "application/json")

    def _on_lines(self, lines: list[str]) -> None:
        self.cloud.services["logs"].write(LOG_GROUP, self.stream, lines)
