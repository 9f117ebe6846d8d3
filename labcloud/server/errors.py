"""The one exception every service raises; each wire codec renders it its own way."""
from __future__ import annotations


class AWSError(Exception):
    """An error the client sees as AWS would send it: a code, a message and an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400, *, sender_fault: bool = True,
                 extra: dict | None = None, headers: dict | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.extra = extra or {}  # extra fields some protocols carry (S3's <BucketName>, <Key>)
        self.headers = headers or {}


def validation_error(message: str) -> AWSError:
    return AWSError("ValidationException", message)


def not_found(message: str = "Requested resource not found.") -> AWSError:
    return AWSError("ValidationException", message)
