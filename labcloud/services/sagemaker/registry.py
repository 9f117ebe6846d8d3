"""The model registry: model package groups and the numbered versions (model packages) in them.

A group is the history of one model; each CreateModelPackage in it adds version 1, 2, 3... with
its own approval status, so that deployment can be gated on a human (or a pipeline) approving a
version. CreateModel with `ModelPackageName` asks `deployable_container` for the image and model
data, which refuses a versioned package that is not Approved, as SageMaker does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import config
from ...server.errors import AWSError
from ...server.state import Resources
from .listing import list_page
from .models import check_container

if TYPE_CHECKING:
    from ...server.app import Cloud

GROUP_KIND = "model-package-group"
PACKAGE_KIND = "model-package"
PENDING, APPROVED = "PendingManualApproval", "Approved"
# request fields a model package keeps as given (DescribeModelPackage returns them)
KEPT = ("ModelPackageDescription", "InferenceSpecification", "SourceAlgorithmSpecification",
        "ValidationSpecification", "MetadataProperties", "ModelMetrics", "Domain", "Task",
        "SamplePayloadUrl", "CustomerMetadataProperties", "DriftCheckBaselines",
        "AdditionalInferenceSpecifications", "SkipModelValidation", "SourceUri", "SecurityConfig",
        "ModelCard", "ModelLifeCycle", "ModelPackageRegistrationType")


def group_arn(name: str) -> str:
    return config.arn("sagemaker", f"model-package-group/{name}")


def package_arn(key: str) -> str:
    """`key` is `<group>/<version>` for a versioned package, the package name otherwise."""
    return config.arn("sagemaker", f"model-package/{key}")


def _name(value: str, kind: str) -> str:
    """Name or ARN -> name: the API takes either wherever it takes an existing resource."""
    marker = f":{kind}/"
    return value.split(marker, 1)[1] if value.startswith("arn:") and marker in value else value


def _public(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


class ModelRegistry:
    def __init__(self, cloud: "Cloud"):
        self.cloud = cloud
        self.groups = Resources(cloud.store, GROUP_KIND)
        self.packages = Resources(cloud.store, PACKAGE_KIND)

    # groups
    def create_group(self, p: dict) -> dict:
        name = p["ModelPackageGroupName"]
        arn = group_arn(name)
        now = self.cloud.clock.now()
        doc = {"ModelPackageGroupName": name, "ModelPackageGroupArn": arn,
               "ModelPackageGroupDescription": p.get("ModelPackageGroupDescription", ""),
               "CreationTime": now, "ModelPackageGroupStatus": "Completed",
               "_LatestVersion": 0}
        if not self.groups.insert(name, arn, doc, status="Completed", created=now):
            raise AWSError("ValidationException", f"Model Package Group already exists: {arn}")
        return {"ModelPackageGroupArn": arn}

    def get_group(self, name_or_arn: str) -> dict:
        name = _name(name_or_arn, GROUP_KIND)
        doc = self.groups.get(name)
        if doc is None:
            raise AWSError("ValidationException", f"ModelPackageGroup {group_arn(name)} does not exist.")
        return doc

    def describe_group(self, p: dict) -> dict:
        return _public(self.get_group(p["ModelPackageGroupName"]))

    def list_groups(self, p: dict) -> dict:
        page, token = list_page(
            self.groups.all(), {"SortOrder": "Ascending", **p}, name_key="ModelPackageGroupName",
            status_key=None, summary=_public,
            sort_keys={"Name": "ModelPackageGroupName", "CreationTime": "CreationTime"})
        return {"ModelPackageGroupSummaryList": page, **({"NextToken": token} if token else {})}

    def delete_group(self, p: dict) -> dict:
        name = self.get_group(p["ModelPackageGroupName"])["ModelPackageGroupName"]
        if any(d.get("ModelPackageGroupName") == name for d in self.packages.all()):
            raise AWSError("ConflictException", f"Model Package Group {name} contains model "
                           "packages. Delete all model packages in the group before deleting it.")
        self.groups.delete(name)
        return {}

    # packages (versions)
    def create_package(self, p: dict) -> dict:
        group, name = p.get("ModelPackageGroupName"), p.get("ModelPackageName")
        if group and name:
            raise AWSError("ValidationException", "Both ModelPackageName and ModelPackageGroupName "
                           "are provided in the input. Cannot determine which one to use.")
        if not group and not name:
            raise AWSError("ValidationException", "Missing ARN.")
        for container in (p.get("InferenceSpecification") or {}).get("Containers", []):
            check_container(self.cloud, container)
        now = self.cloud.clock.now()
        doc = {k: p[k] for k in KEPT if k in p}
        doc.update({"CreationTime": now, "ModelPackageStatus": "Completed",
                    "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
                    "CertifyForMarketplace": p.get("CertifyForMarketplace", False)})
        if name:  # unversioned (the Marketplace kind): no group, no version, no approval
            arn = package_arn(name)
            doc.update({"ModelPackageName": name, "ModelPackageArn": arn})
            if not self.packages.insert(name, arn, doc, status=None, created=now):
                raise AWSError("ValidationException", f"Model Package already exists: {arn}")
            return {"ModelPackageArn": arn}
        with self.cloud.store.transaction():
            group_doc = self.groups.get(_name(group, GROUP_KIND))
            if group_doc is None:
                raise AWSError("ValidationException", "Model Package Group does not exist.")
            group = group_doc["ModelPackageGroupName"]
            version = group_doc["_LatestVersion"] + 1
            group_doc["_LatestVersion"] = version
            self.groups.put(group, group_doc, status="Completed", modified=now)
            key = f"{group}/{version}"
            arn = package_arn(key)
            status = p.get("ModelApprovalStatus", PENDING)
            doc.update({"ModelPackageName": group, "ModelPackageGroupName": group,
                        "ModelPackageVersion": version, "ModelPackageArn": arn,
                        "ModelApprovalStatus": status})
            self.packages.insert(key, arn, doc, status=status, created=now)
        return {"ModelPackageArn": arn}

    def get_package(self, name_or_arn: str) -> dict:
        key = _name(name_or_arn, PACKAGE_KIND)
        doc = self.packages.get(key)
        if doc is None:
            raise AWSError("ValidationException", f"ModelPackage {package_arn(key)} does not exist.")
        return doc

    def describe_package(self, p: dict) -> dict:
        return self.get_package(p["ModelPackageName"])

    def list_packages(self, p: dict) -> dict:
        group = _name(p["ModelPackageGroupName"], GROUP_KIND) if p.get("ModelPackageGroupName") else None
        # AWS lists only unversioned packages unless a group or a type is named
        kind = p.get("ModelPackageType") or ("Versioned" if group else "Unversioned")
        docs = []
        for d in self.packages.all():
            versioned = "ModelPackageVersion" in d
            if (kind == "Versioned" and not versioned) or (kind == "Unversioned" and versioned):
                continue
            if group and d.get("ModelPackageGroupName") != group:
                continue
            if p.get("ModelApprovalStatus") and d.get("ModelApprovalStatus") != p["ModelApprovalStatus"]:
                continue
            # a name then version order key, so that versions of one group sort 1, 2, ... 10
            docs.append({**d, "_order": f"{d['ModelPackageName']}/{d.get('ModelPackageVersion', 0):010d}"})
        page, token = list_page(
            docs, {"SortOrder": "Ascending", **p}, name_key="ModelPackageName", status_key=None,
            summary=_summary, sort_keys={"Name": "_order", "CreationTime": "CreationTime"})
        return {"ModelPackageSummaryList": page, **({"NextToken": token} if token else {})}

    def update_package(self, p: dict) -> dict:
        doc = self.get_package(p["ModelPackageArn"])
        if "ModelApprovalStatus" in p:
            if "ModelPackageVersion" not in doc:
                raise AWSError("ValidationException", "ModelApprovalStatus can only be updated "
                               "for versioned model packages.")
            doc["ModelApprovalStatus"] = p["ModelApprovalStatus"]
        for field in ("ApprovalDescription", "SourceUri", "ModelCard", "ModelLifeCycle",
                      "InferenceSpecification"):
            if field in p:
                doc[field] = p[field]
        if "CustomerMetadataProperties" in p or "CustomerMetadataPropertiesToRemove" in p:
            props = {**doc.get("CustomerMetadataProperties", {}),
                     **p.get("CustomerMetadataProperties", {})}
            for key in p.get("CustomerMetadataPropertiesToRemove", []):
                props.pop(key, None)
            doc["CustomerMetadataProperties"] = props
        now = self.cloud.clock.now()
        doc["LastModifiedTime"] = now
        key = _name(doc["ModelPackageArn"], PACKAGE_KIND)
        self.packages.put(key, doc, status=doc.get("ModelApprovalStatus"), modified=now)
        return {"ModelPackageArn": doc["ModelPackageArn"]}

    def delete_package(self, p: dict) -> dict:
        doc = self.get_package(p["ModelPackageName"])
        self.packages.delete(_name(doc["ModelPackageArn"], PACKAGE_KIND))
        return {}

    def deployable_container(self, name_or_arn: str) -> dict:
        """The container a model built from this package runs; only an Approved version (or an
        unversioned package) may be deployed."""
        doc = self.get_package(name_or_arn)
        status = doc.get("ModelApprovalStatus")
        if "ModelPackageVersion" in doc and status != APPROVED:
            raise AWSError("ValidationException", f"Model package {doc['ModelPackageArn']} has "
                           f"ModelApprovalStatus {status}. For versioned models, the value of "
                           "ModelApprovalStatus must be set to Approved to deploy the model.")
        containers = (doc.get("InferenceSpecification") or {}).get("Containers") or []
        if not containers:
            raise AWSError("ValidationException", f"Model package {doc['ModelPackageArn']} has "
                           "no InferenceSpecification to deploy.")
        return containers[0]


def _summary(d: dict) -> dict:
    """ListModelPackages' summary; versioned packages are named by their ARN only."""
    fields = ("ModelPackageGroupName", "ModelPackageVersion", "ModelPackageArn",
              "ModelPackageDescription", "CreationTime", "ModelPackageStatus",
              "ModelApprovalStatus", "ModelLifeCycle", "ModelPackageRegistrationType")
    out = {k: d[k] for k in fields if k in d}
    if "ModelPackageVersion" not in d:
        out["ModelPackageName"] = d["ModelPackageName"]
    return out
