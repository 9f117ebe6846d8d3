"""Model: an image plus a model artifact, registered with sagemaker:CreateModel when first used.

Model(...) itself calls nothing; transformer() (and, from lesson 07, deploy()) creates the
SageMaker model first, as v2 does.
"""
from __future__ import annotations

from .session import Session, container_def
from .transformer import Transformer
from .utils import base_name_from_image, name_from_base


class Model:
    """image_uri: the serving image; model_data: the S3 URI of model.tar.gz; role: the
    execution role the model runs as; name: the SageMaker model's name (default: the image's
    repository plus a timestamp, chosen when the model is created)."""

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

    def enable_network_isolation(self) -> bool:
        return self._enable_network_isolation

    def prepare_container_def(self, instance_type: str | None = None) -> dict:
        """The PrimaryContainer of the CreateModel request: Image, ModelDataUrl, Environment."""
        return container_def(self.image_uri, self.model_data, self.env)

    def _create_sagemaker_model(self, instance_type: str | None = None,
                                tags: list[dict] | None = None) -> None:
        """sagemaker:CreateModel (an existing model of the same name is reused)."""
        self.sagemaker_session = self.sagemaker_session or Session()
        self.name = self.name or name_from_base(base_name_from_image(self.image_uri))
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

    def deploy(self, *args, **kwargs):
        raise NotImplementedError(
            "Model.deploy (real-time endpoints) is not available in labcloud yet: lesson 07 "
            "(real-time deployment) brings it. Until then, use the boto3 calls directly "
            "(sagemaker client: create_endpoint_config, create_endpoint).")
