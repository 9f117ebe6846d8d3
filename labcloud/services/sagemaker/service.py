"""SageMaker (JSON 1.1, `X-Amz-Target: SageMaker.<Operation>`): the control plane."""
from __future__ import annotations

from ...server.json_protocol import JsonService
from .endpoints import EndpointConfigs, Endpoints
from .models import Models
from .monitoring import MonitoringSchedules  # model monitor (issue 5)
from .notebooks import NotebookInstances  # notebook instances (issue 3)
from .processing import ProcessingJobs  # processing jobs (issue 5)
from .registry import ModelRegistry  # model registry (issue 5)
from .tags import Tags
from .training import TrainingJobs
from .transform import TransformJobs


class SageMakerService(JsonService):
    def __init__(self, cloud):
        super().__init__("sagemaker")
        self.cloud = cloud
        self.target_prefix = self.prefix
        self.training = TrainingJobs(cloud)
        self.operation("CreateTrainingJob")(self.training.create)
        self.operation("DescribeTrainingJob")(self.training.describe)
        self.operation("ListTrainingJobs")(self.training.list)
        self.operation("StopTrainingJob")(self.training.stop)
        self.registry = ModelRegistry(cloud)  # model registry (issue 5)
        for op, handler in (("CreateModelPackageGroup", "create_group"),
                            ("DescribeModelPackageGroup", "describe_group"),
                            ("ListModelPackageGroups", "list_groups"),
                            ("DeleteModelPackageGroup", "delete_group"),
                            ("CreateModelPackage", "create_package"),
                            ("DescribeModelPackage", "describe_package"),
                            ("ListModelPackages", "list_packages"),
                            ("UpdateModelPackage", "update_package"),
                            ("DeleteModelPackage", "delete_package")):
            self.operation(op)(getattr(self.registry, handler))
        self.models = Models(cloud, self.registry)
        self.operation("CreateModel")(self.models.create)
        self.operation("DescribeModel")(self.models.describe)
        self.operation("ListModels")(self.models.list)
        self.operation("DeleteModel")(self.models.delete)
        self.transform = TransformJobs(cloud, self.models)
        self.operation("CreateTransformJob")(self.transform.create)
        self.operation("DescribeTransformJob")(self.transform.describe)
        self.operation("ListTransformJobs")(self.transform.list)
        self.operation("StopTransformJob")(self.transform.stop)
        self.endpoint_configs = EndpointConfigs(cloud, self.models)
        self.operation("CreateEndpointConfig")(self.endpoint_configs.create)
        self.operation("DescribeEndpointConfig")(self.endpoint_configs.describe)
        self.operation("ListEndpointConfigs")(self.endpoint_configs.list)
        self.operation("DeleteEndpointConfig")(self.endpoint_configs.delete)
        self.endpoints = Endpoints(cloud, self.models, self.endpoint_configs)
        self.operation("CreateEndpoint")(self.endpoints.create)
        self.operation("DescribeEndpoint")(self.endpoints.describe)
        self.operation("ListEndpoints")(self.endpoints.list)
        self.operation("UpdateEndpoint")(self.endpoints.update)
        self.operation("UpdateEndpointWeightsAndCapacities")(self.endpoints.update_weights)
        self.processing = ProcessingJobs(cloud)  # processing jobs (issue 5)
        for op in ("Create", "Describe", "Stop"):
            self.operation(op + "ProcessingJob")(getattr(self.processing, op.lower()))
        self.operation("ListProcessingJobs")(self.processing.list)
        self.monitoring = MonitoringSchedules(cloud, self.processing, self.endpoints)  # model monitor
        for op in ("Create", "Describe", "Update", "Delete", "Stop", "Start"):
            self.operation(op + "MonitoringSchedule")(getattr(self.monitoring, op.lower()))
        self.operation("ListMonitoringSchedules")(self.monitoring.list)
        self.operation("ListMonitoringExecutions")(self.monitoring.list_executions)
        for op in ("Create", "Describe", "Delete"):
            self.operation(op + "DataQualityJobDefinition")(
                getattr(self.monitoring.job_definitions, op.lower()))
        self.operation("ListDataQualityJobDefinitions")(self.monitoring.job_definitions.list)
        # an endpoint a monitoring schedule watches cannot be deleted (issue 5)
        self.operation("DeleteEndpoint")(self.monitoring.guard_endpoint_delete(self.endpoints.delete))

        self.notebooks = NotebookInstances(cloud)  # notebook instances (issue 3)
        for op in ("Create", "Describe", "List", "Start", "Stop", "Delete", "Update"):
            suffix = "NotebookInstances" if op == "List" else "NotebookInstance"
            self.operation(op + suffix)(getattr(self.notebooks, op.lower()))
        self.tags = Tags(cloud)  # last: it wraps every Create* registered above that takes Tags
        self.tags.record_creates(self)
        self.operation("AddTags")(self.tags.add)
        self.operation("ListTags")(self.tags.list)
        self.operation("DeleteTags")(self.tags.delete)

    def resume(self) -> None:
        self.training.resume()
        self.transform.resume()
        self.processing.resume()  # processing jobs (issue 5)
        self.notebooks.resume()  # notebook instances (issue 3)
        self.endpoints.resume()
        self.monitoring.resume()  # the scheduler starts once endpoints are back (issue 5)

    def stop(self) -> None:
        self.training.stop_all()
        self.transform.stop_all()
        self.monitoring.stop_all()  # model monitor (issue 5)
        self.processing.stop_all()
        self.endpoints.stop_all()
