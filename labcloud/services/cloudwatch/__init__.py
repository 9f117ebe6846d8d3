"""CloudWatch metrics (issue 5): custom metrics and the endpoint metrics SageMaker publishes."""
from .service import CloudWatchService

__all__ = ["CloudWatchService"]
