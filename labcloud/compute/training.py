"""Run one training job: instances, data, image, container, artifacts, as SageMaker does.

Each phase that takes minutes on AWS (launching instances, pulling the image) is *accounted*
on the simulated clock; the phases that do real work here (copying the data, training,
tarring the model) take the wall-clock time they take. The job's document records every
transition so `describe_training_job` and the SDK's transcript look as they do on AWS.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..server.errors import AWSError
from .container import Container
from .runner import ContainerRun, JobEnded  # JobEnded: imported from here by the other runs

if TYPE_CHECKING:
    from ..server.app import Cloud
    from ..services.sagemaker.training import TrainingJobs

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRUSTED_PRINCIPAL = "sagemaker.amazonaws.com"


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise AWSError("ValidationException", f"Invalid S3 URI: {uri}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def check_role(cloud: "Cloud", role_arn: str) -> None:
    """SageMaker must be able to assume the role: it exists and trusts sagemaker.amazonaws.com."""
    role = cloud.services["iam"].role_by_arn(role_arn)
    trusted = False
    if role is not None:
        for st in role["AssumeRolePolicyDocument"].get("Statement", []):
            principal = (st.get("Principal") or {}).get("Service", [])
            principals = [principal] if isinstance(principal, str) else principal
            actions = st.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if st.get("Effect") == "Allow" and TRUSTED_PRINCIPAL in principals \
                    and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
                trusted = True
    if not trusted:
        raise AWSError("ValidationException", f"Could not assume role {role_arn}. Please ensure "
                       f"that the role exists and allows principal '{TRUSTED_PRINCIPAL}' to "
                       "assume the role.")


def check_request(cloud: "Cloud", p: dict):
    """What SageMaker rejects at CreateTrainingJob time, before any instance starts."""
    from ..images.registry import resolve
    from ..services.servicequotas import check as quota_check  # quotas (issue 3)

    spec = p.get("AlgorithmSpecification") or {}
    if not spec.get("TrainingImage"):
        if spec.get("AlgorithmName"):
            raise AWSError("ValidationException", "labcloud supports training images only: set "
                           "AlgorithmSpecification.TrainingImage (see image_uris.retrieve).")
        raise AWSError("ValidationException", "1 validation error detected: Value null at "
                       "'algorithmSpecification' failed to satisfy constraint: Member must not be null")
    resource = p.get("ResourceConfig") or {}
    for field in ("InstanceType", "InstanceCount"):
        if resource.get(field) is None:
            raise AWSError("ValidationException", "1 validation error detected: Value null at "
                           f"'resourceConfig.{field[0].lower() + field[1:]}' failed to satisfy "
                           "constraint: Member must not be null")
    names = [c["ChannelName"] for c in p.get("InputDataConfig") or []]
    if len(names) != len(set(names)):
        raise AWSError("ValidationException", "Channel names must be unique.")
    for channel in p.get("InputDataConfig") or []:
        source = channel["DataSource"].get("S3DataSource")
        if source is None:
            raise AWSError("ValidationException", f"Channel '{channel['ChannelName']}': labcloud "
                           "supports S3 data sources only.")
        split_s3_uri(source["S3Uri"])
    split_s3_uri(p["OutputDataConfig"]["S3OutputPath"])
    check_role(cloud, p["RoleArn"])
    quota_check(cloud, "training", resource["InstanceType"], resource["InstanceCount"])  # quotas (issue 3)
    return resolve(spec["TrainingImage"])


def _seconds(name: str, salt: str, low: int, high: int) -> int:
    """A phase's simulated duration: varied between jobs, repeatable for one name."""
    digest = hashlib.sha256(f"{name}:{salt}".encode()).digest()
    return low + digest[0] % (high - low + 1)


class TrainingRun(ContainerRun):
    kind = "training"

    def __init__(self, cloud: "Cloud", jobs: "TrainingJobs", name: str, image):
        self.metrics: dict[str, dict] = {}
        super().__init__(cloud, jobs, name, image)

    # ---- the phases ----------------------------------------------------------------------
    def _finish(self, end: JobEnded) -> None:
        self.jobs.finish(self.name, end.status, end.secondary, end.message, end.failure)

    def _check_stop(self) -> None:
        if self._aborted:
            raise JobEnded("Failed", "Failed", "aborted")
        if self.jobs.stop_requested(self.name):
            self._upload_partial()
            raise JobEnded("Stopped", "Stopped", "Training job stopped")
        if self.deadline is not None and self.clock.now() >= self.deadline:
            self._upload_partial()
            limit = self.doc["StoppingCondition"]["MaxRuntimeInSeconds"]
            raise JobEnded("Stopped", "MaxRuntimeExceeded",
                           f"Training job stopped: it reached MaxRuntimeInSeconds ({limit} s)")

    def _wait(self, seconds: float) -> None:
        """Account a simulated wait, ending early at the runtime limit."""
        target = self.clock.now() + seconds
        if self.deadline is not None:
            target = min(target, self.deadline)
        self.clock.wait_until(target)
        self._check_stop()

    def _phases(self) -> None:
        name, jobs = self.name, self.jobs
        self.doc = jobs.docs.get(name)
        self.deadline = None
        resource = self.doc["ResourceConfig"]
        count = resource["InstanceCount"]
        self.model_key = None

        jobs.update(name, "Starting", "Launching requested ML instances")
        self._wait(_seconds(name, "launch", 45, 95))
        jobs.update(name, "Starting", "Preparing the instances for training")
        self._wait(_seconds(name, "prepare", 20, 50))
        start = self.clock.now()
        self.doc = jobs.update(name, "Downloading", "Downloading input data", TrainingStartTime=start)
        self.deadline = start + self.doc["StoppingCondition"]["MaxRuntimeInSeconds"]
        self.stream = f"{name}/algo-1-{int(start)}"

        root = self.cloud.home / "containers" / f"training-{name}"
        shutil.rmtree(root, ignore_errors=True)
        env = self._environment(root, count)
        self.container = container = Container(root, self.image.command, env)
        hosts = [f"algo-{i}" for i in range(1, count + 1)]
        container.write_config("hyperparameters", self.doc.get("HyperParameters") or {})
        container.write_config("resourceconfig", {"current_host": "algo-1", "hosts": hosts,
                                                  "network_interface_name": "eth0"})
        container.write_config("inputdataconfig", self._input_config())
        size = self._download(container)
        self._wait(3 + size / 50e6)  # S3 to instance at ~50 MB/s on top of the real copy

        jobs.update(name, "Training", "Downloading the training image.")
        self._wait(_seconds(name, "image", 12, 28))
        jobs.update(name, "Training", "Training image download completed. Training in progress.")
        container.env["LABCLOUD_CLOCK_OFFSET"] = str(self.clock.offset)  # the cloud's time, now
        result = container.run("train", self._on_lines, should_stop=self._stop_reason)
        if result == "stop":
            self._check_stop()  # raises Stopped / MaxRuntimeExceeded
        if result != 0:
            reason = container.failure() or (
                f"AlgorithmError: The training container exited with code {result}. "
                "See the job's CloudWatch logs for details.")
            raise JobEnded("Failed", "Failed", "Training job failed", reason)

        jobs.update(name, "Uploading", "Uploading generated training model")
        artifacts = self._upload(container)
        self._wait(1)
        jobs.finish(name, "Completed", "Completed", "Training job completed",
                    ModelArtifacts={"S3ModelArtifacts": artifacts},
                    FinalMetricDataList=self._final_metrics())

    def _stop_reason(self) -> str | None:
        if self._aborted or self.jobs.stop_requested(self.name):
            return "stop"
        if self.deadline is not None and self.clock.now() >= self.deadline:
            return "stop"
        return None

    # ---- pieces --------------------------------------------------------------------------
    def _environment(self, root: Path, count: int) -> dict[str, str]:
        opt_ml = root / "opt" / "ml"
        env = {
            "TRAINING_JOB_NAME": self.name,
            "TRAINING_JOB_ARN": self.doc["TrainingJobArn"],
            "SM_MODEL_DIR": str(opt_ml / "model"),
            "SM_OUTPUT_DATA_DIR": str(opt_ml / "output" / "data"),
            "SM_INPUT_DIR": str(opt_ml / "input"),
            "SM_INPUT_CONFIG_DIR": str(opt_ml / "input" / "config"),
            "SM_HOSTS": str([f"algo-{i}" for i in range(1, count + 1)]).replace("'", '"'),
            "SM_CURRENT_HOST": "algo-1",
            "SM_NUM_CPUS": "2", "SM_NUM_GPUS": "0",
            "AWS_REGION": config.REGION,
        }
        for channel in self.doc.get("InputDataConfig") or []:
            env[f"SM_CHANNEL_{channel['ChannelName'].upper()}"] = \
                str(opt_ml / "input" / "data" / channel["ChannelName"])
        env.update(self.image.env)
        env.update(self.doc.get("Environment") or {})
        return env

    def _input_config(self) -> dict:
        out = {}
        for c in self.doc.get("InputDataConfig") or []:
            entry = {"TrainingInputMode": c.get("InputMode") or
                     self.doc["AlgorithmSpecification"].get("TrainingInputMode", "File"),
                     "S3DistributionType": c["DataSource"]["S3DataSource"].get(
                         "S3DataDistributionType", "FullyReplicated"),
                     "RecordWrapperType": c.get("RecordWrapperType", "None")}
            if c.get("ContentType"):
                entry["ContentType"] = c["ContentType"]
            out[c["ChannelName"]] = entry
        return out

    def _download(self, container: Container) -> int:
        s3 = self.cloud.services["s3"]
        total = 0
        for channel in self.doc.get("InputDataConfig") or []:
            source = channel["DataSource"]["S3DataSource"]
            uri = source["S3Uri"]
            bucket, prefix = split_s3_uri(uri)
            if source["S3DataType"] != "S3Prefix":
                raise JobEnded("Failed", "Failed", "Training job failed",
                               f"ClientError: labcloud supports S3DataType S3Prefix only, not "
                               f"{source['S3DataType']}.")
            listable = self._role_can("s3:ListBucket", f"arn:aws:s3:::{bucket}")  # roles (issue 3)
            objects = s3.list_objects(bucket, prefix) if listable and s3.bucket_exists(bucket) else []
            objects = [o for o in objects if not o["Key"].endswith("/")]
            if not objects:
                raise JobEnded("Failed", "Failed", "Training job failed",
                               f'ClientError: No S3 objects found under S3 URL "{uri}" given in '
                               "input data source. Please ensure that the bucket exists in the "
                               f"selected region ({config.REGION}), that objects exist under that "
                               f'S3 prefix, and that the role "{self.doc["RoleArn"]}" has '
                               f'"s3:ListBucket" permissions on bucket "{bucket}".')
            target = container.channel_dir(channel["ChannelName"])
            for obj in objects:
                relative = obj["Key"][len(prefix):].lstrip("/") or obj["Key"].rsplit("/", 1)[-1]
                dest = (target / relative).resolve()
                if target.resolve() not in dest.parents:  # a key like ../x stays inside
                    dest = target / hashlib.sha1(obj["Key"].encode()).hexdigest()
                dest.parent.mkdir(parents=True, exist_ok=True)
                if not self._role_can("s3:GetObject", f"arn:aws:s3:::{bucket}/{obj['Key']}"):
                    raise JobEnded("Failed", "Failed", "Training job failed",
                                   "ClientError: Data download failed:AccessDenied (403): "
                                   "Access Denied")  # roles (issue 3)
                try:
                    shutil.copyfile(s3.object_file(bucket, obj["Key"]), dest)
                except AWSError as err:
                    raise JobEnded("Failed", "Failed", "Training job failed",
                                   f"ClientError: Data download failed:{err.code} (404): "
                                   f"{err.message}")
                total += obj["Size"]
        return total

    def _on_lines(self, lines: list[str]) -> None:
        logs = self.cloud.services["logs"]
        logs.write(LOG_GROUP, self.stream, lines)
        now = self.clock.now()
        for line in lines:
            rendered = line.rstrip("\r\n").replace("\t", "#011")
            for metric in self.metric_definitions:
                m = metric["pattern"].search(rendered)
                if m:
                    try:
                        value = float(m.group(1))
                    except (ValueError, IndexError):
                        continue
                    self.metrics[metric["Name"]] = {"MetricName": metric["Name"], "Value": value,
                                                    "Timestamp": now}

    @property
    def metric_definitions(self) -> list[dict]:
        if not hasattr(self, "_metric_defs"):
            from ..images.registry import metric_definitions
            defs = list(metric_definitions(self.image))
            defs += self.doc["AlgorithmSpecification"].get("MetricDefinitions") or []
            compiled = []
            for d in defs:
                try:
                    compiled.append({"Name": d["Name"], "pattern": re.compile(d["Regex"])})
                except re.error:
                    continue
            self._metric_defs = compiled
        return self._metric_defs

    def _final_metrics(self) -> list[dict]:
        return [self.metrics[k] for k in sorted(self.metrics)]

    def _output_prefix(self) -> tuple[str, str]:
        bucket, prefix = split_s3_uri(self.doc["OutputDataConfig"]["S3OutputPath"])
        prefix = prefix.rstrip("/")
        return bucket, f"{prefix}/{self.name}/output" if prefix else f"{self.name}/output"

    def _role_can(self, action: str, resource_arn: str) -> bool:
        """The job acts as its role: S3 access follows the role's policies (issue 3)."""
        return self.cloud.services["iam"].can(self.doc["RoleArn"], action, resource_arn)

    def _upload(self, container: Container) -> str:
        s3 = self.cloud.services["s3"]
        bucket, prefix = self._output_prefix()
        if not s3.bucket_exists(bucket):
            raise JobEnded("Failed", "Failed", "Training job failed",
                           f"ClientError: Unable to upload the model artifacts to "
                           f"s3://{bucket}/{prefix}/model.tar.gz: the bucket {bucket} does not exist.")
        for folder, key in ((container.opt_ml / "model", "model.tar.gz"),
                            (container.opt_ml / "output" / "data", "output.tar.gz")):
            if key == "output.tar.gz" and not any(folder.iterdir()):
                continue
            if not self._role_can("s3:PutObject", f"arn:aws:s3:::{bucket}/{prefix}/{key}"):
                raise JobEnded("Failed", "Failed", "Training job failed",  # roles (issue 3)
                               f"ClientError: Unable to upload the model artifacts to "
                               f"s3://{bucket}/{prefix}/{key}: AccessDenied (403): Access Denied. "
                               f'Please ensure that the role "{self.doc["RoleArn"]}" has '
                               f'"s3:PutObject" permissions on bucket "{bucket}".')
            archive = container.root / key
            with tarfile.open(archive, "w:gz") as tar:
                for item in sorted(folder.iterdir()):
                    tar.add(item, arcname=item.name)
            s3.put_object_file(bucket, f"{prefix}/{key}", archive, content_type="application/x-tar")
        return f"s3://{bucket}/{prefix}/model.tar.gz"

    def _upload_partial(self) -> None:
        """A stopped job keeps what the algorithm saved before the stop, as on AWS."""
        container = self.container
        if container is None or not (container.opt_ml / "model").exists():
            return
        if any((container.opt_ml / "model").iterdir()):
            try:
                uri = self._upload(container)
                self.jobs.update(self.name, ModelArtifacts={"S3ModelArtifacts": uri})
            except JobEnded:
                pass
