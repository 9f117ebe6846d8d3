"""The services of one labcloud, each in its own folder with its state, logic and wire layer."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server.app import Cloud


def build_services(cloud: "Cloud") -> None:
    """Create every service in dependency order (S3 and logs first: jobs read and write them)."""
    from .cloudwatch import CloudWatchService  # metrics (issue 5)
    from .iam import IamService
    from .logs import LogsService
    from .s3 import S3Service
    from .servicequotas import ServiceQuotasService  # quotas (issue 3)
    from .sagemaker import SageMakerService
    from .sagemaker_runtime import SageMakerRuntimeService
    from .sts import StsService

    cloud.services["s3"] = S3Service(cloud)
    cloud.services["logs"] = LogsService(cloud)
    cloud.services["iam"] = IamService(cloud)
    cloud.services["sts"] = StsService(cloud)
    cloud.services["servicequotas"] = ServiceQuotasService(cloud)  # quotas (issue 3)
    cloud.services["sagemaker"] = SageMakerService(cloud)
    cloud.services["sagemaker-runtime"] = SageMakerRuntimeService(cloud)
    cloud.services["cloudwatch"] = CloudWatchService(cloud)  # observes the runtime (issue 5)
