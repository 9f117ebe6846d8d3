"""The container's two kinds of failure and how each becomes the text of opt/ml/output/failure.

The real image raises the algorithm toolkit's UserError (the customer can fix it) or
AlgorithmError (it cannot). How that reaches FailureReason depends on the image generation:
* sagemaker-containers images (0.90-x ... 1.2-x) catch every exception alike and write
  "framework error: \\n<traceback>\\n<message>"; AWS shows it as
  "AlgorithmError: framework error: \\nTraceback ..." (aws/amazon-sagemaker-examples#1740, 2020);
* current images (1.3-1 ... 3.0-5) report a UserError as
  "ClientError: <message>, exit code: 1" (aws-samples/amazon-sagemaker-immersion-day#82, 2024);
* the closed-source legacy image (xgboost:1) reported customer errors as "ClientError: ...".
The platform copies the failure file verbatim into FailureReason (first 1024 characters), so the
file holds the whole reason, prefix and exit-code suffix included.
"""
from __future__ import annotations

EXIT_CODE = 1  # sagemaker-containers' DEFAULT_FAILURE_CODE


class ToolkitError(Exception):
    def __init__(self, message: str, caused_by: BaseException | None = None):
        if caused_by is not None:
            message = f"{message} (caused by {type(caused_by).__name__})"
        super().__init__(message)
        self.message = message


class UserError(ToolkitError):
    """A failure the customer can avoid: bad hyperparameters, channels or data."""


class AlgorithmError(ToolkitError):
    """A failure inside the algorithm that the customer cannot avoid."""


def failure_reason(error: BaseException, failure_style: str, traceback_text: str) -> str:
    """The full FailureReason text for `error`, as the image generation `failure_style` words it."""
    message = str(error)
    if failure_style == "framework" or not isinstance(error, ToolkitError):
        text = f"AlgorithmError: framework error: \n{traceback_text.rstrip()}\n{message}"
    elif isinstance(error, UserError):
        text = f"ClientError: {message}"
    else:
        text = f"AlgorithmError: {message}"
    return f"{text}, exit code: {EXIT_CODE}"
