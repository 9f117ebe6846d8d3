"""The exceptions SageMaker Python SDK v2 raises when a job ends badly (sagemaker/exceptions.py)."""
from __future__ import annotations


class UnexpectedStatusException(ValueError):
    """A job ended in a status other than the ones the caller can go on with."""

    def __init__(self, message: str, allowed_statuses: list[str], actual_status: str):
        self.allowed_statuses = allowed_statuses
        self.actual_status = actual_status
        super().__init__(message)


class CapacityError(UnexpectedStatusException):
    """A job failed because AWS had no capacity for its instances."""
