"""IAM policies: a few AWS managed policies, inline-policy validation and the evaluator that
decides what a role may do. Jobs ask `can(role, "s3:GetObject", arn)` before they touch a
bucket, so a role with too little access fails the way it fails on AWS."""
from __future__ import annotations

import json
from fnmatch import fnmatchcase

from ...server.errors import AWSError

MANAGED_PREFIX = "arn:aws:iam::aws:policy/"

# Trimmed copies of the AWS managed policies: only the statements labcloud can evaluate
# (SageMaker and S3). AmazonSageMakerFullAccess grants S3 object access only to buckets whose
# name contains "sagemaker" (in the three spellings AWS lists), as the real policy does.
_SAGEMAKER_BUCKETS = ["arn:aws:s3:::*SageMaker*", "arn:aws:s3:::*Sagemaker*",
                      "arn:aws:s3:::*sagemaker*"]
MANAGED_POLICIES: dict[str, dict] = {
    "AmazonSageMakerFullAccess": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sagemaker:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:CreateBucket", "s3:GetBucketLocation",
                                       "s3:ListBucket", "s3:ListAllMyBuckets"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                                       "s3:AbortMultipartUpload"],
         "Resource": [b + "/*" for b in _SAGEMAKER_BUCKETS]},
        {"Effect": "Allow", "Action": ["logs:*", "cloudwatch:PutMetricData"], "Resource": "*"},
    ]},
    "AmazonS3FullAccess": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"},
    ]},
    "AmazonS3ReadOnlyAccess": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "s3:Describe*",
                                       "s3-object-lambda:Get*", "s3-object-lambda:List*"],
         "Resource": "*"},
    ]},
}

# What the console's "Create a new role" gives a SageMaker execution role with "Any S3 bucket".
EXECUTION_POLICY_NAME = "AmazonSageMaker-ExecutionPolicy"
EXECUTION_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::*"]},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": ["arn:aws:s3:::*"]},
]}


def managed_policy(arn: str) -> dict:
    """The document of an AWS managed policy, or AWS's errors for a bad or unknown ARN."""
    if not arn.startswith("arn:aws:iam::") or ":policy/" not in arn:
        raise AWSError("InvalidInput", f"ARN {arn} is not valid.")
    name = arn[len(MANAGED_PREFIX):] if arn.startswith(MANAGED_PREFIX) else None
    if name not in MANAGED_POLICIES:
        raise AWSError("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.", 404)
    return MANAGED_POLICIES[name]


def _as_list(value) -> list:
    return [value] if isinstance(value, str) else list(value or [])


def parse_policy(text: str) -> dict:
    """An identity policy as IAM checks it on PutRolePolicy (MalformedPolicyDocument)."""
    try:
        doc = json.loads(text)
    except ValueError:
        raise AWSError("MalformedPolicyDocument", "This policy contains invalid Json")
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise AWSError("MalformedPolicyDocument", "Syntax errors in policy.")
    if doc.get("Version", "2012-10-17") not in ("2012-10-17", "2008-10-17"):
        raise AWSError("MalformedPolicyDocument", "The policy failed legacy parsing")
    statements = doc["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list):
        raise AWSError("MalformedPolicyDocument", "Syntax errors in policy.")
    for st in statements:
        if not isinstance(st, dict):
            raise AWSError("MalformedPolicyDocument", "Syntax errors in policy.")
        if st.get("Effect") not in ("Allow", "Deny"):
            raise AWSError("MalformedPolicyDocument", "Syntax errors in policy.")
        if "Principal" in st or "NotPrincipal" in st:
            raise AWSError("MalformedPolicyDocument",
                           "Policy document should not specify a principal.")
        if "Action" not in st and "NotAction" not in st:
            raise AWSError("MalformedPolicyDocument", "Policy statement must contain actions.")
        if "Resource" not in st and "NotResource" not in st:
            raise AWSError("MalformedPolicyDocument", "Policy statement must contain resources.")
        for action in _as_list(st.get("Action", st.get("NotAction"))):
            if action != "*" and (not isinstance(action, str) or ":" not in action):
                raise AWSError("MalformedPolicyDocument",
                               f"Actions/Conditions must be prefaced by a vendor, e.g., "
                               f"iam, sdb, ec2, etc.")
    return doc


def role_policies(role: dict) -> list[dict]:
    docs = [MANAGED_POLICIES[a[len(MANAGED_PREFIX):]] for a in role.get("AttachedPolicies", [])
            if a.startswith(MANAGED_PREFIX) and a[len(MANAGED_PREFIX):] in MANAGED_POLICIES]
    return docs + list((role.get("InlinePolicies") or {}).values())


def _matches(patterns: list, value: str, *, case: bool) -> bool:
    if not case:
        value = value.lower()
    return any(fnmatchcase(value, p if case else p.lower()) for p in patterns
               if isinstance(p, str))


def _statement_applies(st: dict, action: str, resource: str) -> bool:
    if "Condition" in st:
        return False  # labcloud knows no request context: a conditional grant never applies
    if "Action" in st:
        if not _matches(_as_list(st["Action"]), action, case=False):
            return False
    elif _matches(_as_list(st.get("NotAction")), action, case=False):
        return False
    if "Resource" in st:
        return _matches(_as_list(st["Resource"]), resource, case=True)
    return not _matches(_as_list(st.get("NotResource")), resource, case=True)


def can(role: dict | None, action: str, resource_arn: str) -> bool:
    """IAM's evaluation for one identity: an explicit Deny wins, else any Allow, else deny."""
    if role is None:
        return False
    allowed = False
    for doc in role_policies(role):
        statements = doc.get("Statement", [])
        for st in [statements] if isinstance(statements, dict) else statements:
            if _statement_applies(st, action, resource_arn):
                if st.get("Effect") == "Deny":
                    return False
                allowed = True
    return allowed
