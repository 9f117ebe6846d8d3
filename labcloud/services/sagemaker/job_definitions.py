"""Data quality job definitions (CreateDataQualityJobDefinition and friends).

The SageMaker Python SDK's DefaultModelMonitor creates one of these and then a schedule that
names it (MonitoringJobDefinitionName + MonitoringType DataQuality) instead of an inline
MonitoringJobDefinition. Both forms describe the same job, so a definition is stored as the
request gave it and turned into the inline shape (`inline`) wherever a schedule needs it:
validation and executions have one path.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import config
from ...server.errors import AWSError
from ...server.state import Resources
from .listing import list_page

if TYPE_CHECKING:
    from ...server.app import Cloud

KIND = "data-quality-job-definition"
FIELDS = ("JobDefinitionName", "JobDefinitionArn", "CreationTime", "DataQualityBaselineConfig",
          "DataQualityAppSpecification", "DataQualityJobInput", "DataQualityJobOutputConfig",
          "JobResources", "NetworkConfig", "RoleArn", "StoppingCondition")


def definition_arn(name: str) -> str:
    return config.arn("sagemaker", f"data-quality-job-definition/{name}")


def to_inline(p: dict) -> dict:
    """A data quality job definition as the MonitoringJobDefinition of a schedule."""
    app = p["DataQualityAppSpecification"]
    job_input = p["DataQualityJobInput"]
    out = {
        "MonitoringInputs": [{k: v for k, v in job_input.items() if v is not None}],
        "MonitoringOutputConfig": p["DataQualityJobOutputConfig"],
        "MonitoringResources": p["JobResources"],
        "MonitoringAppSpecification": {k: v for k, v in app.items() if k != "Environment"},
        "Environment": app.get("Environment") or {},
        "RoleArn": p["RoleArn"],
    }
    for source, target in (("DataQualityBaselineConfig", "BaselineConfig"),
                           ("StoppingCondition", "StoppingCondition"),
                           ("NetworkConfig", "NetworkConfig")):
        if p.get(source):
            out[target] = p[source]
    return out


class DataQualityJobDefinitions:
    def __init__(self, cloud: "Cloud", schedules):
        self.cloud = cloud
        self.schedules = schedules
        self.docs = Resources(cloud.store, KIND)

    def get(self, name: str) -> dict:
        doc = self.docs.get(name)
        if doc is None:
            raise AWSError("ResourceNotFound", f"Job definition {definition_arn(name)} does not "
                           "exist.")
        return doc

    def inline(self, name: str) -> dict:
        return to_inline(self.get(name))

    def create(self, p: dict) -> dict:
        name = p["JobDefinitionName"]
        arn = definition_arn(name)
        if self.docs.get(name) is not None:
            raise AWSError("ResourceInUse", f"Job definition {arn} already exists.")
        endpoint = self.schedules.check_definition(to_inline(p))
        now = self.cloud.clock.now()
        doc = {k: v for k, v in p.items() if k != "Tags"}
        doc.update(JobDefinitionArn=arn, CreationTime=now, _endpoint=endpoint)
        if not self.docs.insert(name, arn, doc, status=None, created=now):
            raise AWSError("ResourceInUse", f"Job definition {arn} already exists.")
        return {"JobDefinitionArn": arn}

    def describe(self, p: dict) -> dict:
        doc = self.get(p["JobDefinitionName"])
        return {k: doc[k] for k in FIELDS if doc.get(k) is not None}

    def list(self, p: dict) -> dict:
        docs = [d for d in self.docs.all()
                if not p.get("EndpointName") or d["_endpoint"] == p["EndpointName"]]

        def summary(d: dict) -> dict:
            return {"MonitoringJobDefinitionName": d["JobDefinitionName"],
                    "MonitoringJobDefinitionArn": d["JobDefinitionArn"],
                    "CreationTime": d["CreationTime"], "EndpointName": d["_endpoint"]}
        page, token = list_page(docs, p, name_key="JobDefinitionName", status_key=None,
                                summary=summary, sort_keys={"Name": "JobDefinitionName",
                                                            "CreationTime": "CreationTime"})
        return {"JobDefinitionSummaries": page, **({"NextToken": token} if token else {})}

    def delete(self, p: dict) -> dict:
        """A definition that a schedule still runs cannot go (its next execution would fail)."""
        name = p["JobDefinitionName"]
        doc = self.get(name)
        users = sorted(s["MonitoringScheduleName"] for s in self.schedules.docs.all()
                       if s["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName") == name)
        if users:
            raise AWSError("ValidationException", f"Job definition {doc['JobDefinitionArn']} is used by "
                           f"monitoring schedule(s) {', '.join(users)}: delete them first.")
        self.docs.delete(name)
        return {}
