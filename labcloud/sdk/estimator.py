"""Estimator: a training job described once, started with fit().

fit() is one sagemaker:CreateTrainingJob call (see `training_job_request` for the exact request)
followed by the waiting and transcript of Session.logs_for_job. deploy() puts the trained model
on a real-time endpoint (Model.deploy) and returns a Predictor.
"""
from __future__ import annotations

from .deprecations import removed_function, removed_kwargs, renamed_kwargs
from .inputs import TrainingInput
from .session import Session
from .utils import base_from_name, base_name_from_image, name_from_base


class _TrainingJob:
    """The job fit() started: its name, and a wait that prints the transcript."""

    def __init__(self, sagemaker_session: Session, job_name: str):
        self.sagemaker_session = sagemaker_session
        self.job_name = job_name

    @property
    def name(self) -> str:
        return self.job_name

    def wait(self, logs="All") -> dict:
        if isinstance(logs, bool):
            logs = "All" if logs else "None"
        if logs != "None":
            return self.sagemaker_session.logs_for_job(self.job_name, wait=True, log_type=logs)
        return self.sagemaker_session.wait_for_job(self.job_name)

    def describe(self) -> dict:
        return self.sagemaker_session.describe_training_job(self.job_name)

    def stop(self) -> None:
        """sagemaker:StopTrainingJob."""
        self.sagemaker_session.sagemaker_client.stop_training_job(TrainingJobName=self.job_name)


def _channels(inputs) -> list[dict] | None:
    """fit()'s `inputs` -> InputDataConfig. A single input becomes the channel 'training'."""
    if inputs is None:
        return None
    if isinstance(inputs, (str, TrainingInput)):
        inputs = {"training": inputs}
    if not isinstance(inputs, dict):
        raise ValueError(f"Cannot format input {inputs}. Expecting one of str, dict, "
                         "TrainingInput or FileSystemInput")
    channels = []
    for name, value in inputs.items():
        value = TrainingInput(value) if isinstance(value, str) else value
        channels.append({"ChannelName": name, **value.config})
    return channels


class Estimator:
    """A generic estimator for any training image (here: the built-in XGBoost images).

    v1 keyword names (train_instance_count, train_instance_type, train_volume_size,
    train_max_run, image_name) still work, with v2's rename warning.
    """

    def __init__(self, image_uri: str | None = None, role: str | None = None,
                 instance_count: int | None = None, instance_type: str | None = None,
                 volume_size: int = 30, max_run: int = 24 * 60 * 60, input_mode: str = "File",
                 output_path: str | None = None, sagemaker_session: Session | None = None,
                 hyperparameters: dict | None = None, base_job_name: str | None = None,
                 tags: list[dict] | None = None, metric_definitions: list[dict] | None = None,
                 use_spot_instances: bool = False, max_wait: int | None = None,
                 environment: dict | None = None, **kwargs):
        image_uri = renamed_kwargs("image_name", "image_uri", image_uri, kwargs)
        instance_count = renamed_kwargs("train_instance_count", "instance_count",
                                        instance_count, kwargs)
        instance_type = renamed_kwargs("train_instance_type", "instance_type", instance_type,
                                       kwargs)
        max_run = renamed_kwargs("train_max_run", "max_run", max_run, kwargs)
        volume_size = renamed_kwargs("train_volume_size", "volume_size", volume_size, kwargs)
        use_spot_instances = renamed_kwargs("train_use_spot_instances", "use_spot_instances",
                                            use_spot_instances, kwargs)
        max_wait = renamed_kwargs("train_max_wait", "max_wait", max_wait, kwargs)
        unknown = set(kwargs) - {"image_uri", "instance_count", "instance_type", "max_run",
                                 "volume_size", "use_spot_instances", "max_wait"}
        if unknown:
            raise TypeError(f"Estimator got unexpected keyword arguments: {sorted(unknown)}")
        if instance_count is None or instance_type is None:
            raise ValueError("Both instance_count and instance_type are required.")
        if image_uri is None:
            raise ValueError("image_uri is required (see image_uris.retrieve).")
        self.image_uri = image_uri
        self.role = role
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.volume_size = volume_size
        self.max_run = max_run
        self.input_mode = input_mode
        self.output_path = output_path
        self.sagemaker_session = sagemaker_session or Session()
        self.base_job_name = base_job_name
        self.tags = tags
        self.metric_definitions = metric_definitions
        self.use_spot_instances = use_spot_instances
        self.max_wait = max_wait
        self.environment = environment
        self._hyperparameters: dict = {}
        if hyperparameters:
            self.set_hyperparameters(**hyperparameters)
        self.latest_training_job: _TrainingJob | None = None
        self._current_job_name: str | None = None

    # ---- hyperparameters ------------------------------------------------------------------
    def set_hyperparameters(self, **kwargs) -> None:
        """Hyperparameters travel as strings: num_round=50 is sent as "50"."""
        for key, value in kwargs.items():
            self._hyperparameters[str(key)] = str(value)

    def hyperparameters(self) -> dict[str, str]:
        return dict(self._hyperparameters)

    def training_image_uri(self) -> str:
        return self.image_uri

    # ---- training -------------------------------------------------------------------------
    def _job_name(self, job_name: str | None) -> str:
        if job_name:
            return job_name
        self.base_job_name = self.base_job_name or base_name_from_image(self.image_uri)
        return name_from_base(self.base_job_name)

    def training_job_request(self, inputs, job_name: str) -> dict:
        """The CreateTrainingJob request fit() sends (call it to see, or send it yourself)."""
        if self.output_path is None:
            self.output_path = f"s3://{self.sagemaker_session.default_bucket()}/"
        request = {
            "TrainingJobName": job_name,
            "AlgorithmSpecification": {"TrainingImage": self.image_uri,
                                       "TrainingInputMode": self.input_mode},
            "RoleArn": self.sagemaker_session.expand_role(self.role),
            "OutputDataConfig": {"S3OutputPath": self.output_path},
            "ResourceConfig": {"InstanceCount": self.instance_count,
                               "InstanceType": self.instance_type,
                               "VolumeSizeInGB": self.volume_size},
            "StoppingCondition": {"MaxRuntimeInSeconds": self.max_run},
            "HyperParameters": self.hyperparameters(),
        }
        channels = _channels(inputs)
        if channels:
            request["InputDataConfig"] = channels
        if self.metric_definitions:
            request["AlgorithmSpecification"]["MetricDefinitions"] = self.metric_definitions
        if self.tags:
            request["Tags"] = self.tags
        if self.environment:
            request["Environment"] = self.environment
        if self.use_spot_instances:
            request["EnableManagedSpotTraining"] = True
            if self.max_wait:
                request["StoppingCondition"]["MaxWaitTimeInSeconds"] = self.max_wait
        return request

    def fit(self, inputs=None, wait: bool = True, logs="All", job_name: str | None = None) -> None:
        """sagemaker:CreateTrainingJob, then (with `wait`) the transcript until the job ends.

        `inputs`: an S3 URI or TrainingInput (the channel 'training'), or a dict of channel name
        to S3 URI / TrainingInput, e.g. {"train": ..., "validation": ...}.
        Raises UnexpectedStatusException if the job fails.
        """
        self._current_job_name = self._job_name(job_name)
        request = self.training_job_request(inputs, self._current_job_name)
        self.sagemaker_session.sagemaker_client.create_training_job(**request)
        self.latest_training_job = _TrainingJob(self.sagemaker_session, self._current_job_name)
        if wait:
            self.latest_training_job.wait(logs=logs)

    def logs(self) -> dict:
        """The transcript of the latest job, following it until it ends."""
        if self.latest_training_job is None:
            raise ValueError("Estimator is not associated with a training job")
        return self.sagemaker_session.logs_for_job(self.latest_training_job.name, wait=True)

    @property
    def model_data(self) -> str | None:
        """The S3 URI of the job's model.tar.gz (from DescribeTrainingJob's ModelArtifacts)."""
        if self.latest_training_job is None:
            return None
        desc = self.latest_training_job.describe()
        return desc.get("ModelArtifacts", {}).get("S3ModelArtifacts")

    @classmethod
    def attach(cls, training_job_name: str, sagemaker_session: Session | None = None,
               model_channel_name: str = "model") -> "Estimator":
        """An Estimator for a job that already exists (DescribeTrainingJob), waiting for it to
        end if it is still running."""
        session = sagemaker_session or Session()
        job = session.describe_training_job(training_job_name)
        estimator = cls(
            image_uri=job["AlgorithmSpecification"]["TrainingImage"],
            role=job["RoleArn"],
            instance_count=job["ResourceConfig"]["InstanceCount"],
            instance_type=job["ResourceConfig"]["InstanceType"],
            volume_size=job["ResourceConfig"]["VolumeSizeInGB"],
            max_run=job["StoppingCondition"]["MaxRuntimeInSeconds"],
            input_mode=job["AlgorithmSpecification"].get("TrainingInputMode", "File"),
            output_path=job["OutputDataConfig"]["S3OutputPath"],
            base_job_name=base_from_name(job["TrainingJobName"]),
            hyperparameters=job.get("HyperParameters") or {},
            metric_definitions=job["AlgorithmSpecification"].get("MetricDefinitions"),
            sagemaker_session=session)
        estimator.latest_training_job = _TrainingJob(session, training_job_name)
        estimator._current_job_name = training_job_name
        estimator.latest_training_job.wait(logs="None")
        return estimator

    # ---- models and endpoints -------------------------------------------------------------
    def deploy(self, initial_instance_count: int | None = None,
               instance_type: str | None = None, serializer=None, deserializer=None,
               accelerator_type: str | None = None, endpoint_name: str | None = None,
               use_compiled_model: bool = False, wait: bool = True,
               model_name: str | None = None, kms_key: str | None = None,
               data_capture_config=None, tags: list[dict] | None = None, **kwargs):
        """A real-time endpoint serving the latest training job's model, and a Predictor for it.

        The model and the endpoint (and its endpoint config) get one default name, the job's
        base name plus a new timestamp (e.g. sagemaker-xgboost-2026-12-01-10-00-00-123). Then
        Model.deploy: CreateModel (the job's image and model.tar.gz), CreateEndpointConfig (one
        variant 'AllTraffic'), CreateEndpoint, and with `wait`, '-' per poll until '!'.
        Other keyword arguments go to create_model (env=, role=, image_uri=, ...)."""
        removed_kwargs("update_endpoint", kwargs)
        kwargs.pop("update_endpoint", None)
        if self.latest_training_job is None:
            raise ValueError("Estimator is not associated with a training job")
        self.base_job_name = self.base_job_name or base_name_from_image(self.image_uri)
        default_name = name_from_base(self.base_job_name)
        endpoint_name = endpoint_name or default_name
        if use_compiled_model:  # SageMaker Neo: labcloud compiles nothing
            family = "_".join(instance_type.split(".")[:-1])
            raise ValueError(f"No compiled model for {family}. Please compile one with "
                             "compile_model before deploying.")
        model = self.create_model(**kwargs)
        model.name = model_name or default_name
        return model.deploy(initial_instance_count=initial_instance_count,
                            instance_type=instance_type, serializer=serializer,
                            deserializer=deserializer, accelerator_type=accelerator_type,
                            endpoint_name=endpoint_name, tags=tags or self.tags,
                            kms_key=kms_key, wait=wait,
                            data_capture_config=data_capture_config)

    # v1's estimator.delete_endpoint(): a no-op in v2 (use Predictor.delete_endpoint())
    delete_endpoint = removed_function("delete_endpoint")

    def create_model(self, role: str | None = None, image_uri: str | None = None,
                     predictor_cls=None, env: dict | None = None,
                     vpc_config: dict | None = None, enable_network_isolation: bool = False,
                     model_kms_key: str | None = None, name: str | None = None, **kwargs):
        """A Model of the latest job's artifact and this estimator's image (nothing is created
        in SageMaker until the model is used). Its deploy() returns a Predictor unless
        `predictor_cls` says otherwise."""
        from .model import Model
        from .predictor import Predictor
        image_uri = renamed_kwargs("image", "image_uri", image_uri, kwargs)
        for removed in ("serializer", "deserializer", "content_type", "accept"):
            removed_kwargs(removed, kwargs)
            kwargs.pop(removed, None)
        if kwargs:
            raise TypeError(f"create_model got unexpected keyword arguments: {sorted(kwargs)}")
        return Model(image_uri or self.training_image_uri(), self.model_data,
                     role or self.role, predictor_cls=predictor_cls or Predictor, env=env,
                     name=name, vpc_config=vpc_config,
                     sagemaker_session=self.sagemaker_session,
                     enable_network_isolation=enable_network_isolation,
                     model_kms_key=model_kms_key)

    def transformer(self, instance_count: int, instance_type: str, strategy: str | None = None,
                    assemble_with: str | None = None, output_path: str | None = None,
                    output_kms_key: str | None = None, accept: str | None = None,
                    env: dict | None = None, max_concurrent_transforms: int | None = None,
                    max_payload: int | None = None, tags: list[dict] | None = None,
                    role: str | None = None, volume_kms_key: str | None = None,
                    vpc_config_override=None, enable_network_isolation: bool | None = None,
                    model_name: str | None = None):
        """sagemaker:CreateModel named after the latest training job (its image and
        model.tar.gz; an existing model of that name is reused), then a Transformer for it.
        No transform job starts until you call the Transformer's transform()."""
        from .transformer import Transformer
        tags = tags or self.tags
        model_name = model_name or self._current_job_name
        if self.latest_training_job is None:
            raise ValueError("Estimator is not associated with a training job: call fit() "
                             "(or attach()) first.")
        model = self.create_model(enable_network_isolation=bool(enable_network_isolation))
        model.name = model_name
        if role is not None:
            model.role = role
        model._create_sagemaker_model(instance_type, tags=tags)
        transform_env = dict(model.env)
        if env is not None:
            transform_env.update(env)
        return Transformer(model_name, instance_count, instance_type, strategy=strategy,
                           assemble_with=assemble_with, output_path=output_path,
                           output_kms_key=output_kms_key, accept=accept,
                           max_concurrent_transforms=max_concurrent_transforms,
                           max_payload=max_payload, env=transform_env or None, tags=tags,
                           base_transform_job_name=self.base_job_name,
                           volume_kms_key=volume_kms_key,
                           sagemaker_session=self.sagemaker_session)
