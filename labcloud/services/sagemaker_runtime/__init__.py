"""SageMaker Runtime (rest-json): InvokeEndpoint."""
from .service import SageMakerRuntimeService

__all__ = ["SageMakerRuntimeService"]
