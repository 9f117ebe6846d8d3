"""Model: an image plus a model artifact, registered with sagemaker:CreateModel when first used.

Model(...) itself calls nothing; transformer() and deploy() create the SageMaker model first, as
v2 does.
"""
from __future__ import annotations

from .deprecations import removed_kwargs
from .session import Session, container_def, production_variant
from .transformer import Transformer
from .utils import base_from_name, base_name_from_image, name_from_base


class Model:
    """image_uri: the serving image; model_data: the S3 URI of model.tar.gz; role: the
    execution role the model runs as; name: the SageMaker model's name (default: the image's
    repository plus a timestamp, chosen when the model is created); predictor_cls: what
    deploy() returns, called as predictor_cls(endpoint_name, sagemaker_session) (without it,
    as in v2, deploy() returns None: use Predictor(endpoint_name) yourself)."""

    def __init__(self, image_uri: str, model_data: str | None = None, role: str | None = None,
                 predictor_cls=None, env: dict | None = None, name: str | None = None,
                 vpc_config: dict | None = None, sagemaker_session: Session | None = None,
                 enable_network_isolation: bool = False, model_kms_key: str | None = None,
                 **kwargs):
        if kwargs:
            raise TypeError(f"Model got unexpected keyword arguments: {sorted(kwargs)}")
        self.image_uri = image_uri
        self.model_data = model_data
        self.role = role
        self.predictor_cls = predictor_cls
        self.env = dict(env or {})
        self.name = name
        self.vpc_config = vpc_config
        self.sagemaker_session = sagemaker_session
        self._enable_network_isolation = enable_network_isolation
        self.model_kms_key = model_kms_key
        self.endpoint_name: str | None = None
        self._base_name: str | None = None

    def enable_network_isolation(self) -> bool:
        return self._enable_network_isolation

    def prepare_container_def(self, instance_type: str | None = None) -> dict:
        """The PrimaryContainer of the CreateModel request: Image, ModelDataUrl, Environment."""
        return container_def(self.image_uri, self.model_data, self.env)

    def _create_sagemaker_model(self, instance_type: str | None = None,
                                tags: list[dict] | None = None) -> None:
        """sagemaker:CreateModel (an existing model of the same name is reused)."""
        self.sagemaker_session = self.sagemaker_session or Session()
        if self.name is None:
            self._base_name = self._base_name or base_name_from_image(self.image_uri)
            self.name = name_from_base(self._base_name)
        self.sagemaker_session.create_model(
            self.name, self.role, self.prepare_container_def(instance_type),
            vpc_config=self.vpc_config,
            enable_network_isolation=self.enable_network_isolation(), tags=tags)

    def create(self, instance_type: str | None = None, tags: list[dict] | None = None) -> None:
        """Create the SageMaker model now (CreateModel)."""
        self._create_sagemaker_model(instance_type, tags)

    def transformer(self, instance_count: int, instance_type: str, strategy: str | None = None,
                    assemble_with: str | None = None, output_path: str | None = None,
                    output_kms_key: str | None = None, accept: str | None = None,
                    env: dict | None = None, max_concurrent_transforms: int | None = None,
                    max_payload: int | None = None, tags: list[dict] | None = None,
                    volume_kms_key: str | None = None) -> Transformer:
        """CreateModel, then a Transformer for this model (no job yet: call its transform)."""
        self._create_sagemaker_model(instance_type, tags=tags)
        if self.enable_network_isolation():
            env = None
        return Transformer(self.name, instance_count, instance_type, strategy=strategy,
                           assemble_with=assemble_with, output_path=output_path,
                           output_kms_key=output_kms_key, accept=accept,
                           max_concurrent_transforms=max_concurrent_transforms,
                           max_payload=max_payload, env=env, tags=tags,
                           base_transform_job_name=self.name, volume_kms_key=volume_kms_key,
                           sagemaker_session=self.sagemaker_session)

    def delete_model(self) -> None:
        """sagemaker:DeleteModel."""
        if self.name is None:
            raise ValueError("The SageMaker model must be created first before attempting to "
                             "delete.")
        (self.sagemaker_session or Session()).delete_model(self.name)

    def deploy(self, initial_instance_count: int | None = None,
               instance_type: str | None = None, serializer=None, deserializer=None,
               accelerator_type: str | None = None, endpoint_name: str | None = None,
               tags: list[dict] | None = None, kms_key: str | None = None, wait: bool = True,
               data_capture_config=None, **kwargs):
        """A real-time endpoint serving this model. Calls, as v2 makes them:

        1. sagemaker:CreateModel (the model's name; an existing one is reused);
        2. sagemaker:CreateEndpointConfig named like the endpoint, with one production variant
           'AllTraffic' (weight 1) of `initial_instance_count` x `instance_type`, and the
           DataCaptureConfig if `data_capture_config` is given;
        3. sagemaker:CreateEndpoint (default name: the model's base name plus a timestamp);
        4. with `wait`, DescribeEndpoint per poll, printing '-' while Creating and '!' once
           InService; UnexpectedStatusException if it Failed.

        Returns predictor_cls(endpoint_name, session) with `serializer`/`deserializer` set, or
        None when the Model has no predictor_cls (as in v2)."""
        removed_kwargs("update_endpoint", kwargs)
        kwargs.pop("update_endpoint", None)
        if kwargs:
            raise TypeError(f"deploy got unexpected keyword arguments: {sorted(kwargs)}")
        if initial_instance_count is None or instance_type is None:
            raise ValueError("Must specify instance type and instance count unless using "
                             "serverless inference")
        self.sagemaker_session = self.sagemaker_session or Session()
        if self.role is None:
            raise ValueError("Role can not be null for deploying a model")
        self._create_sagemaker_model(instance_type, tags=tags)
        variant = production_variant(self.name, instance_type, initial_instance_count,
                                     accelerator_type=accelerator_type)
        self.endpoint_name = endpoint_name or \
            name_from_base(self._base_name or base_from_name(self.name))
        capture = (data_capture_config._to_request_dict()
                   if data_capture_config is not None else None)
        self.sagemaker_session.endpoint_from_production_variants(
            name=self.endpoint_name, production_variants=[variant], tags=tags, kms_key=kms_key,
            wait=wait, data_capture_config_dict=capture)
        if self.predictor_cls is None:
            return None
        predictor = self.predictor_cls(self.endpoint_name, self.sagemaker_session)
        if serializer:
            predictor.serializer = serializer
        if deserializer:
            predictor.deserializer = deserializer
        return predictor
