"""A small IAM: roles with a trust policy. Every fresh account has the SageMaker execution role
that a SageMaker notebook instance runs as, so `get_execution_role()` finds it."""
from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from ... import config
from ...server.clock import iso
from ...server.errors import AWSError
from ...server.query_protocol import QueryService, xml_fields
from ...server.state import Resources
from . import policies

SAGEMAKER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-")


class IamService(QueryService):
    def __init__(self, cloud):
        super().__init__("https://iam.amazonaws.com/doc/2010-05-08/")
        self.cloud = cloud
        self.roles = Resources(cloud.store, "iam-role")
        self.action("CreateRole")(self._create_role)
        self.action("GetRole")(self._get_role)
        self.action("ListRoles")(self._list_roles)
        for op in ("DeleteRole", "AttachRolePolicy", "DetachRolePolicy", "ListAttachedRolePolicies",
                   "PutRolePolicy", "GetRolePolicy", "DeleteRolePolicy", "ListRolePolicies"):
            self.action(op)(getattr(self, "_" + "".join(
                "_" + c.lower() if c.isupper() else c for c in op).lstrip("_")))
        role = self.roles.get(config.EXECUTION_ROLE_NAME)
        if role is None:
            role = self.create_role(config.EXECUTION_ROLE_NAME, SAGEMAKER_TRUST,
                                    path="/service-role/",
                                    description="SageMaker execution role of the labcloud account")
        if "AttachedPolicies" not in role:  # a fresh account, or a home from before policies
            # as the console's "Create a new role" with "Any S3 bucket" leaves it
            role["AttachedPolicies"] = [policies.MANAGED_PREFIX + "AmazonSageMakerFullAccess"]
            role["InlinePolicies"] = {policies.EXECUTION_POLICY_NAME: policies.EXECUTION_POLICY}
            self._save(role)

    # ---- logic used by other services ---------------------------------------------------
    def create_role(self, name: str, trust: dict, path: str = "/", description: str = "") -> dict:
        if not name or len(name) > 64 or set(name) - NAME_CHARS:
            raise AWSError("ValidationError", f"1 validation error detected: Value '{name}' at "
                           "'roleName' failed to satisfy constraint: Member must satisfy regular "
                           "expression pattern: [\\w+=,.@-]+")
        if not (path.startswith("/") and path.endswith("/")):
            raise AWSError("ValidationError", "The specified value for path is invalid. It must "
                           "begin and end with / and contain only alphanumeric characters and/or "
                           "/ characters.")
        now = self.cloud.clock.now()
        role = {
            "Path": path, "RoleName": name,
            "RoleId": "AROA" + hashlib.sha1(name.encode()).hexdigest()[:17].upper(),
            "Arn": f"arn:aws:iam::{config.ACCOUNT_ID}:role{path}{name}",
            "CreateDate": now, "AssumeRolePolicyDocument": trust,
            "Description": description, "MaxSessionDuration": 3600,
        }
        if not self.roles.insert(name, role["Arn"], role, status=None, created=now):
            raise AWSError("EntityAlreadyExists", f"Role with name {name} already exists.", 409)
        return role

    def can(self, role_arn: str, action: str, resource_arn: str) -> bool:
        """May the role with this ARN do `action` on `resource_arn`? (explicit Deny wins)"""
        return policies.can(self.role_by_arn(role_arn), action, resource_arn)

    def _role(self, name: str) -> dict:
        role = self.roles.get(name)
        if role is None:
            raise AWSError("NoSuchEntity", f"The role with name {name} cannot be found.", 404)
        return role

    def _save(self, role: dict) -> None:
        self.roles.put(role["RoleName"], role, status=None, modified=self.cloud.clock.now())

    def role_by_arn(self, arn: str) -> dict | None:
        name = arn.rsplit("/", 1)[-1]
        role = self.roles.get(name)
        return role if role and role["Arn"] == arn else None

    # ---- wire ---------------------------------------------------------------------------
    def _create_role(self, p: dict) -> str:
        try:
            trust = json.loads(p.get("AssumeRolePolicyDocument", ""))
        except ValueError:
            raise AWSError("MalformedPolicyDocument", "This policy contains invalid Json")
        role = self.create_role(p.get("RoleName", ""), trust, p.get("Path", "/"),
                                p.get("Description", ""))
        return f"<Role>{_role_xml(role)}</Role>"

    def _get_role(self, p: dict) -> str:
        return f"<Role>{_role_xml(self._role(p.get('RoleName', '')))}</Role>"

    def _delete_role(self, p: dict) -> str:
        role = self._role(p.get("RoleName", ""))
        if role.get("AttachedPolicies"):
            raise AWSError("DeleteConflict", "Cannot delete entity, must detach all policies "
                           "first.", 409)
        if role.get("InlinePolicies"):
            raise AWSError("DeleteConflict", "Cannot delete entity, must delete policies first.",
                           409)
        self.roles.delete(role["RoleName"])
        return ""

    def _attach_role_policy(self, p: dict) -> str:
        role = self._role(p.get("RoleName", ""))
        arn = p.get("PolicyArn", "")
        policies.managed_policy(arn)
        attached = role.setdefault("AttachedPolicies", [])
        if arn not in attached:
            attached.append(arn)
            self._save(role)
        return ""

    def _detach_role_policy(self, p: dict) -> str:
        role = self._role(p.get("RoleName", ""))
        arn = p.get("PolicyArn", "")
        if arn not in role.get("AttachedPolicies", []):
            policies.managed_policy(arn)  # a malformed ARN is InvalidInput first
            raise AWSError("NoSuchEntity", f"Policy {arn} was not found.", 404)
        role["AttachedPolicies"].remove(arn)
        self._save(role)
        return ""

    def _list_attached_role_policies(self, p: dict) -> str:
        role = self._role(p.get("RoleName", ""))
        prefix = p.get("PathPrefix", "/")
        arns = [a for a in role.get("AttachedPolicies", [])
                if a.split(":policy", 1)[1].startswith(prefix)]
        members = [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]
        return _page(p, "AttachedPolicies", members)

    def _put_role_policy(self, p: dict) -> str:
        role = self._role(p.get("RoleName", ""))
        name = p.get("PolicyName", "")
        if not name or len(name) > 128 or set(name) - NAME_CHARS:
            raise AWSError("ValidationError", f"1 validation error detected: Value '{name}' at "
                           "'policyName' failed to satisfy constraint: Member must satisfy "
                           "regular expression pattern: [\\w+=,.@-]+")
        doc = policies.parse_policy(p.get("PolicyDocument", ""))
        role.setdefault("InlinePolicies", {})[name] = doc
        self._save(role)
        return ""

    def _inline(self, p: dict) -> tuple[dict, str]:
        role = self._role(p.get("RoleName", ""))
        name = p.get("PolicyName", "")
        if name not in (role.get("InlinePolicies") or {}):
            raise AWSError("NoSuchEntity", f"The role policy with name {name} cannot be found.",
                           404)
        return role, name

    def _get_role_policy(self, p: dict) -> str:
        role, name = self._inline(p)
        return xml_fields({"RoleName": role["RoleName"], "PolicyName": name,
                           "PolicyDocument": quote(json.dumps(role["InlinePolicies"][name]))})

    def _delete_role_policy(self, p: dict) -> str:
        role, name = self._inline(p)
        del role["InlinePolicies"][name]
        self._save(role)
        return ""

    def _list_role_policies(self, p: dict) -> str:
        role = self._role(p.get("RoleName", ""))
        return _page(p, "PolicyNames", sorted(role.get("InlinePolicies") or {}))

    def _list_roles(self, p: dict) -> str:
        prefix = p.get("PathPrefix", "/")
        roles = [r for r in self.roles.all() if r["Path"].startswith(prefix)]
        roles.sort(key=lambda r: r["RoleName"].lower())
        start = int(p["Marker"]) if p.get("Marker", "").isdigit() else 0
        size = max(1, min(int(p.get("MaxItems", 100)), 1000))
        page = roles[start:start + size]
        truncated = start + size < len(roles)
        members = "".join(f"<member>{_role_xml(r)}</member>" for r in page)
        marker = f"<Marker>{start + size}</Marker>" if truncated else ""
        return f"<Roles>{members}</Roles><IsTruncated>{str(truncated).lower()}</IsTruncated>{marker}"


def _page(p: dict, key: str, items: list) -> str:
    """IAM's Marker/MaxItems pagination (the marker is an offset, opaque to clients)."""
    start = int(p["Marker"]) if p.get("Marker", "").isdigit() else 0
    size = max(1, min(int(p.get("MaxItems", 100)), 1000))
    page, truncated = items[start:start + size], start + size < len(items)
    marker = f"<Marker>{start + size}</Marker>" if truncated else ""
    return (xml_fields({key: page}) if page else f"<{key}/>") + \
        f"<IsTruncated>{str(truncated).lower()}</IsTruncated>{marker}"


def _role_xml(role: dict) -> str:
    fields = {k: role[k] for k in ("Path", "RoleName", "RoleId", "Arn")}
    fields["CreateDate"] = iso(role["CreateDate"])
    fields["AssumeRolePolicyDocument"] = quote(json.dumps(role["AssumeRolePolicyDocument"]))
    if role.get("Description"):
        fields["Description"] = role["Description"]
    fields["MaxSessionDuration"] = role["MaxSessionDuration"]
    return xml_fields(fields)
