"""Mirrors sagemaker.model_monitor: for now DataCaptureConfig, what deploy() takes to record
an endpoint's requests and responses in S3."""
from .data_capture_config import DataCaptureConfig  # noqa: F401

__all__ = ["DataCaptureConfig"]
