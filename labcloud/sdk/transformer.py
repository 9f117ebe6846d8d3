"""Transformer: a batch transform job described once, started with transform().

transform() is one sagemaker:CreateTransformJob call (see `transform_job_request` for the exact
request) followed, with `wait`, by Session.logs_for_transform_job or wait_for_transform_job.
"""
from __future__ import annotations

from .session import Session, transform_request
from .utils import base_name_from_image, name_from_base


class _TransformJob:
    """The job transform() started: its name, and a wait."""

    def __init__(self, sagemaker_session: Session, job_name: str):
        self.sagemaker_session = sagemaker_session
        self.job_name = job_name

    @property
    def name(self) -> str:
        return self.job_name

    def wait(self, logs: bool = True) -> dict:
        if logs:
            return self.sagemaker_session.logs_for_transform_job(self.job_name, wait=True)
        return self.sagemaker_session.wait_for_transform_job(self.job_name)

    def describe(self) -> dict:
        return self.sagemaker_session.describe_transform_job(self.job_name)

    def stop(self) -> None:
        self.sagemaker_session.stop_transform_job(self.job_name)


class Transformer:
    """Runs a model (already created with CreateModel) over data in S3.

    strategy: BatchStrategy, 'SingleRecord' or 'MultiRecord' (records per request).
    assemble_with: 'Line' joins the answers with newlines in the .out file ('None': back to back).
    output_path: S3 prefix of the .out files; default s3://<default bucket>/<job name>.
    accept: the content type asked of the container (its Accept header).
    """

    def __init__(self, model_name: str, instance_count: int, instance_type: str,
                 strategy: str | None = None, assemble_with: str | None = None,
                 output_path: str | None = None, output_kms_key: str | None = None,
                 accept: str | None = None, max_concurrent_transforms: int | None = None,
                 max_payload: int | None = None, tags: list[dict] | None = None,
                 env: dict | None = None, base_transform_job_name: str | None = None,
                 sagemaker_session: Session | None = None, volume_kms_key: str | None = None):
        self.model_name = model_name
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.strategy = strategy
        self.assemble_with = assemble_with
        self.output_path = output_path
        self.output_kms_key = output_kms_key
        self.accept = accept
        self.max_concurrent_transforms = max_concurrent_transforms
        self.max_payload = max_payload
        self.tags = tags
        self.env = env
        self.base_transform_job_name = base_transform_job_name
        self.volume_kms_key = volume_kms_key
        self.sagemaker_session = sagemaker_session or Session()
        self.latest_transform_job: _TransformJob | None = None
        self._current_job_name: str | None = None
        self._reset_output_path = False

    def _base_name(self) -> str:
        """The model's image repository (DescribeModel), else the model's name."""
        try:
            desc = self.sagemaker_session.sagemaker_client.describe_model(
                ModelName=self.model_name)
        except Exception:  # noqa: BLE001 - v2 falls back to the model name too
            return self.model_name
        container = desc.get("PrimaryContainer") or (desc.get("Containers") or [{}])[0]
        image = container.get("Image")
        return base_name_from_image(image) if image else self.model_name

    def transform_job_request(self, data: str, job_name: str, data_type: str = "S3Prefix",
                              content_type: str | None = None,
                              compression_type: str | None = None,
                              split_type: str | None = None, input_filter: str | None = None,
                              output_filter: str | None = None,
                              join_source: str | None = None) -> dict:
        """The CreateTransformJob request transform() sends (call it to see it)."""
        input_config: dict = {"DataSource": {"S3DataSource": {"S3DataType": data_type,
                                                              "S3Uri": data}}}
        if content_type is not None:
            input_config["ContentType"] = content_type
        if compression_type is not None:
            input_config["CompressionType"] = compression_type
        if split_type is not None:
            input_config["SplitType"] = split_type
        output_config: dict = {"S3OutputPath": self.output_path}
        if self.accept is not None:
            output_config["Accept"] = self.accept
        if self.assemble_with is not None:
            output_config["AssembleWith"] = self.assemble_with
        if self.output_kms_key is not None:
            output_config["KmsKeyId"] = self.output_kms_key
        resource_config: dict = {"InstanceCount": self.instance_count,
                                 "InstanceType": self.instance_type}
        if self.volume_kms_key is not None:
            resource_config["VolumeKmsKeyId"] = self.volume_kms_key
        processing = {k: v for k, v in (("InputFilter", input_filter),
                                        ("OutputFilter", output_filter),
                                        ("JoinSource", join_source)) if v is not None}
        return transform_request(job_name, self.model_name, self.strategy,
                                 self.max_concurrent_transforms, self.max_payload, self.env,
                                 input_config, output_config, resource_config, self.tags,
                                 processing or None)

    def transform(self, data: str, data_type: str = "S3Prefix", content_type: str | None = None,
                  compression_type: str | None = None, split_type: str | None = None,
                  job_name: str | None = None, input_filter: str | None = None,
                  output_filter: str | None = None, join_source: str | None = None,
                  wait: bool = True, logs: bool = True) -> None:
        """sagemaker:CreateTransformJob over every object under the S3 prefix `data` (or the
        one object, with data_type='S3Prefix' and a full key), then with `wait`, wait for the
        job (printing its logs with `logs`). Raises UnexpectedStatusException if it fails.

        split_type: 'Line' sends the file line by line (records), None sends each file whole.
        input_filter / output_filter: JSONPath, e.g. '$[1:]' drops the first CSV column.
        join_source: 'Input' writes each input record next to its prediction.
        """
        if not data.startswith("s3://"):
            raise ValueError(f"Invalid S3 URI: {data}")
        if job_name is not None:
            self._current_job_name = job_name
        else:
            base = self.base_transform_job_name or self._base_name()
            self._current_job_name = name_from_base(base)
        if self.output_path is None or self._reset_output_path:
            self.output_path = (f"s3://{self.sagemaker_session.default_bucket()}/"
                                f"{self._current_job_name}")
            self._reset_output_path = True
        request = self.transform_job_request(data, self._current_job_name, data_type,
                                             content_type, compression_type, split_type,
                                             input_filter, output_filter, join_source)
        self.sagemaker_session.sagemaker_client.create_transform_job(**request)
        self.latest_transform_job = _TransformJob(self.sagemaker_session,
                                                  self._current_job_name)
        if wait:
            self.latest_transform_job.wait(logs=logs)

    def wait(self, logs: bool = True) -> dict:
        """Wait for the latest job: '.' per poll and '!' when it completed (or its logs)."""
        self._ensure_last_transform_job()
        return self.latest_transform_job.wait(logs=logs)

    def stop_transform_job(self, wait: bool = True) -> None:
        """sagemaker:StopTransformJob on the latest job, then (with `wait`) wait for it."""
        self._ensure_last_transform_job()
        self.latest_transform_job.stop()
        if wait:
            self.latest_transform_job.wait(logs=False)

    def _ensure_last_transform_job(self) -> None:
        if self.latest_transform_job is None:
            raise ValueError("No transform job available")

    @classmethod
    def attach(cls, transform_job_name: str,
               sagemaker_session: Session | None = None) -> "Transformer":
        """A Transformer for a job that already exists (DescribeTransformJob)."""
        session = sagemaker_session or Session()
        job = session.describe_transform_job(transform_job_name)
        out, res = job["TransformOutput"], job["TransformResources"]
        transformer = cls(job["ModelName"], res["InstanceCount"], res["InstanceType"],
                          strategy=job.get("BatchStrategy"),
                          assemble_with=out.get("AssembleWith"),
                          output_path=out["S3OutputPath"], accept=out.get("Accept"),
                          max_concurrent_transforms=job.get("MaxConcurrentTransforms"),
                          max_payload=job.get("MaxPayloadInMB"), env=job.get("Environment"),
                          sagemaker_session=session)
        transformer.latest_transform_job = _TransformJob(session, transform_job_name)
        transformer._current_job_name = transform_job_name
        return transformer
