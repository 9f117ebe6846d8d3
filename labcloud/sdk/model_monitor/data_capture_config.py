"""DataCaptureConfig: the DataCaptureConfig of a CreateEndpointConfig request, built as
SageMaker Python SDK v2 builds it (sagemaker/model_monitor/data_capture_config.py).

With it, the endpoint writes a sample of its requests and responses as JSON Lines under
`<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/`, the input of Model Monitor.
"""
from __future__ import annotations

MODEL_MONITOR_S3_PATH = "model-monitor"
DATA_CAPTURE_S3_PATH = "data-capture"


class DataCaptureConfig:
    """enable_capture: record or not; sampling_percentage: the share of requests recorded
    (default 20); destination_s3_uri: where (default
    s3://<default bucket>/model-monitor/data-capture, which costs an STS and an S3 call to find);
    capture_options: "REQUEST" and/or "RESPONSE" (default both); csv_content_types /
    json_content_types: the content types whose bodies are stored as text rather than base64."""

    API_MAPPING = {"REQUEST": "Input", "RESPONSE": "Output"}

    def __init__(self, enable_capture: bool, sampling_percentage: int = 20,
                 destination_s3_uri: str | None = None, kms_key_id: str | None = None,
                 capture_options: list[str] | None = None,
                 csv_content_types: list[str] | None = None,
                 json_content_types: list[str] | None = None, sagemaker_session=None):
        self.enable_capture = enable_capture
        self.sampling_percentage = sampling_percentage
        self.destination_s3_uri = destination_s3_uri
        if self.destination_s3_uri is None:
            from ..session import Session
            bucket = (sagemaker_session or Session()).default_bucket()
            self.destination_s3_uri = \
                f"s3://{bucket}/{MODEL_MONITOR_S3_PATH}/{DATA_CAPTURE_S3_PATH}"
        self.kms_key_id = kms_key_id
        self.capture_options = capture_options or ["REQUEST", "RESPONSE"]
        self.csv_content_types = csv_content_types or ["text/csv"]
        self.json_content_types = json_content_types or ["application/json"]

    def _to_request_dict(self) -> dict:
        """The request's DataCaptureConfig: capture options become CaptureMode Input/Output."""
        request = {
            "EnableCapture": self.enable_capture,
            "InitialSamplingPercentage": self.sampling_percentage,
            "DestinationS3Uri": self.destination_s3_uri,
            "CaptureOptions": [
                {"CaptureMode": self.API_MAPPING.get(option.upper(), option)}
                for option in self.capture_options],
        }
        if self.kms_key_id is not None:
            request["KmsKeyId"] = self.kms_key_id
        if self.csv_content_types is not None or self.json_content_types is not None:
            request["CaptureContentTypeHeader"] = {}
        if self.csv_content_types is not None:
            request["CaptureContentTypeHeader"]["CsvContentTypes"] = self.csv_content_types
        if self.json_content_types is not None:
            request["CaptureContentTypeHeader"]["JsonContentTypes"] = self.json_content_types
        return request
