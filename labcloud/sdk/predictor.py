"""Predictor: a deployed endpoint, as SageMaker Python SDK v2 wraps it (sagemaker/predictor.py).

predict() is one sagemaker-runtime:InvokeEndpoint call: the serializer makes the Body and the
ContentType header, the deserializer's ACCEPT is the Accept header and it reads the answer.
update_endpoint, delete_endpoint and delete_model are the control-plane calls named in their
docstrings. v1 names (RealTimePredictor, .endpoint, csv_serializer, ...) still work, with v2's
rename warnings.
"""
from __future__ import annotations

from .deprecations import (deprecated_class, deprecated_deserialize, deprecated_serialize,
                           removed_kwargs, renamed_kwargs, renamed_warning)
from .deserializers import (BytesDeserializer, CSVDeserializer, JSONDeserializer,
                            NumpyDeserializer)
from .serializers import CSVSerializer, IdentitySerializer, JSONSerializer, NumpySerializer
from .session import Session, production_variant
from .utils import name_from_base


class Predictor:
    """Sends requests to the endpoint `endpoint_name`.

    serializer: turns predict()'s data into the request body (default: the bytes as they are,
    labelled application/octet-stream); deserializer: turns the response body into the result
    (default: the bytes).
    """

    def __init__(self, endpoint_name: str, sagemaker_session: Session | None = None,
                 serializer=IdentitySerializer(), deserializer=BytesDeserializer(), **kwargs):
        removed_kwargs("content_type", kwargs)
        removed_kwargs("accept", kwargs)
        endpoint_name = renamed_kwargs("endpoint", "endpoint_name", endpoint_name, kwargs)
        self.endpoint_name = endpoint_name
        self.sagemaker_session = sagemaker_session or Session()
        self.serializer = serializer
        self.deserializer = deserializer
        self._endpoint_config_name: str | None = None
        self._model_names: list[str] | None = None
        self._content_type: str | None = None
        self._accept: str | None = None

    # ---- inference --------------------------------------------------------------------------
    def predict(self, data, initial_args: dict | None = None, target_model: str | None = None,
                target_variant: str | None = None, inference_id: str | None = None,
                custom_attributes: str | None = None):
        """sagemaker-runtime:InvokeEndpoint with the serialized data; returns the deserialized
        answer. target_variant sends the request to that production variant whatever the
        weights; inference_id is stored with the captured data (DataCaptureConfig)."""
        request = self._create_request_args(data, initial_args, target_model, target_variant,
                                            inference_id, custom_attributes)
        response = self.sagemaker_session.sagemaker_runtime_client.invoke_endpoint(**request)
        return self._handle_response(response)

    def _create_request_args(self, data, initial_args=None, target_model=None,
                             target_variant=None, inference_id=None,
                             custom_attributes=None) -> dict:
        """The InvokeEndpoint request predict() sends (initial_args' keys take precedence)."""
        args = dict(initial_args) if initial_args else {}
        args.setdefault("EndpointName", self.endpoint_name)
        if "ContentType" not in args:
            args["ContentType"] = (self.content_type if isinstance(self.content_type, str)
                                   else ", ".join(self.content_type))
        if "Accept" not in args:
            args["Accept"] = self.accept if isinstance(self.accept, str) else ", ".join(self.accept)
        if target_model:
            args["TargetModel"] = target_model
        if target_variant:
            args["TargetVariant"] = target_variant
        if inference_id:
            args["InferenceId"] = inference_id
        if custom_attributes:
            args["CustomAttributes"] = custom_attributes
        args["Body"] = self.serializer.serialize(data)
        return args

    def _handle_response(self, response: dict):
        content_type = response.get("ContentType", "application/octet-stream")
        return self.deserializer.deserialize(response["Body"], content_type)

    @property
    def content_type(self):
        """The request's ContentType: the serializer's, unless set here."""
        return self._content_type or self.serializer.CONTENT_TYPE

    @content_type.setter
    def content_type(self, value: str) -> None:
        self._content_type = value

    @property
    def accept(self):
        """The request's Accept: the deserializer's, unless set here."""
        return self._accept or self.deserializer.ACCEPT

    @accept.setter
    def accept(self, value: str) -> None:
        self._accept = value

    @property
    def endpoint(self) -> str:
        """v1 name of endpoint_name."""
        renamed_warning("The endpoint attribute")
        return self.endpoint_name

    # ---- control plane ----------------------------------------------------------------------
    def update_endpoint(self, initial_instance_count: int | None = None,
                        instance_type: str | None = None, accelerator_type: str | None = None,
                        model_name: str | None = None, tags: list[dict] | None = None,
                        kms_key: str | None = None, data_capture_config_dict: dict | None = None,
                        wait: bool = True) -> None:
        """Move the endpoint to a new endpoint config, without downtime.

        Calls: DescribeEndpoint and DescribeEndpointConfig (the current models), then
        DescribeEndpointConfig, ListTags (unless `tags` are given) + CreateEndpointConfig of
        `<current config>-<timestamp>` (the current one, with one new AllTraffic variant if a
        count, type or model is given, the new data capture config if given, and `tags` or the
        current config's tags), then DescribeEndpoint + UpdateEndpoint, and with
        `wait`, DescribeEndpoint until InService ('-' per poll, then '!')."""
        production_variants = None
        current_model_names = self._get_model_names()
        if initial_instance_count or instance_type or accelerator_type or model_name:
            if instance_type is None or initial_instance_count is None:
                raise ValueError(
                    "Missing initial_instance_count and/or instance_type. Provided values: "
                    f"initial_instance_count={initial_instance_count}, "
                    f"instance_type={instance_type}, accelerator_type={accelerator_type}, "
                    f"model_name={model_name}.")
            if model_name is None:
                if len(current_model_names) > 1:
                    raise ValueError(
                        "Unable to choose a default model for a new EndpointConfig because the "
                        f"endpoint has multiple models: {', '.join(current_model_names)}")
                model_name = current_model_names[0]
            else:
                self._model_names = [model_name]
            production_variants = [production_variant(
                model_name, instance_type, initial_instance_count=initial_instance_count,
                accelerator_type=accelerator_type)]
        current_config = self._get_endpoint_config_name()
        new_config = name_from_base(current_config)
        self.sagemaker_session.create_endpoint_config_from_existing(
            current_config, new_config, new_tags=tags, new_kms_key=kms_key,
            new_data_capture_config_dict=data_capture_config_dict,
            new_production_variants=production_variants)
        self.sagemaker_session.update_endpoint(self.endpoint_name, new_config, wait=wait)
        self._endpoint_config_name = new_config

    def delete_endpoint(self, delete_endpoint_config: bool = True) -> None:
        """DeleteEndpointConfig of its current config (found with DescribeEndpoint), unless
        delete_endpoint_config=False, then DeleteEndpoint. The models stay: delete_model()."""
        if delete_endpoint_config:
            self._delete_endpoint_config()
        self.sagemaker_session.delete_endpoint(self.endpoint_name)

    def _delete_endpoint_config(self) -> None:
        self.sagemaker_session.delete_endpoint_config(self._get_endpoint_config_name())

    def delete_model(self) -> None:
        """DeleteModel of every model of the endpoint's config (DescribeEndpoint and
        DescribeEndpointConfig find them: call it before delete_endpoint)."""
        failed = []
        for model_name in self._get_model_names():
            try:
                self.sagemaker_session.delete_model(model_name)
            except Exception:  # noqa: BLE001 - v2 tries them all, then reports the failures
                failed.append(model_name)
        if failed:
            raise Exception("One or more models cannot be deleted, please retry. \n"
                            f"Failed models: {', '.join(failed)}")

    def enable_data_capture(self) -> None:
        """update_data_capture_config with DataCaptureConfig(enable_capture=True): 20 % of the
        requests to s3://<default bucket>/model-monitor/data-capture."""
        from .model_monitor import DataCaptureConfig
        self.update_data_capture_config(DataCaptureConfig(
            enable_capture=True, sagemaker_session=self.sagemaker_session))

    def disable_data_capture(self) -> None:
        """update_data_capture_config with DataCaptureConfig(enable_capture=False)."""
        from .model_monitor import DataCaptureConfig
        self.update_data_capture_config(DataCaptureConfig(
            enable_capture=False, sagemaker_session=self.sagemaker_session))

    def update_data_capture_config(self, data_capture_config) -> None:
        """DescribeEndpoint, then a new config `<endpoint>-<timestamp>` copying the current one
        with this DataCaptureConfig (DescribeEndpointConfig + CreateEndpointConfig), then
        UpdateEndpoint and the wait. As in v2, the Predictor keeps the config name it knew:
        delete_endpoint() afterwards deletes that one, not the new one."""
        desc = self.sagemaker_session.sagemaker_client.describe_endpoint(
            EndpointName=self.endpoint_name)
        new_config = name_from_base(self.endpoint_name)
        capture = (data_capture_config._to_request_dict()
                   if data_capture_config is not None else None)
        self.sagemaker_session.create_endpoint_config_from_existing(
            desc["EndpointConfigName"], new_config, new_data_capture_config_dict=capture)
        self.sagemaker_session.update_endpoint(self.endpoint_name, new_config)

    def _get_endpoint_config_name(self) -> str:
        """DescribeEndpoint -> EndpointConfigName (remembered)."""
        if self._endpoint_config_name is None:
            desc = self.sagemaker_session.sagemaker_client.describe_endpoint(
                EndpointName=self.endpoint_name)
            self._endpoint_config_name = desc["EndpointConfigName"]
        return self._endpoint_config_name

    def _get_model_names(self) -> list[str]:
        """DescribeEndpointConfig -> the variants' ModelName (remembered)."""
        if self._model_names is None:
            config = self.sagemaker_session.sagemaker_client.describe_endpoint_config(
                EndpointConfigName=self._get_endpoint_config_name())
            self._model_names = [v["ModelName"] for v in config["ProductionVariants"]
                                 if "ModelName" in v]
        return self._model_names


# v1 names, still accepted by v2 with a rename warning
csv_serializer = deprecated_serialize(CSVSerializer(), "csv_serializer")
json_serializer = deprecated_serialize(JSONSerializer(), "json_serializer")
npy_serializer = deprecated_serialize(NumpySerializer(), "npy_serializer")
csv_deserializer = deprecated_deserialize(CSVDeserializer(), "csv_deserializer")
json_deserializer = deprecated_deserialize(JSONDeserializer(), "json_deserializer")
numpy_deserializer = deprecated_deserialize(NumpyDeserializer(), "numpy_deserializer")
RealTimePredictor = deprecated_class(Predictor, "RealTimePredictor")
