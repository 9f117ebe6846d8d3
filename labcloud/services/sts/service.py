"""STS: who am I? As on a SageMaker notebook instance, the caller is the execution role."""
from __future__ import annotations

from ... import config
from ...server.query_protocol import QueryService, xml_fields

SESSION_NAME = "SageMaker"


class StsService(QueryService):
    def __init__(self, cloud):
        super().__init__("https://sts.amazonaws.com/doc/2011-06-15/")
        self.cloud = cloud
        self.action("GetCallerIdentity")(self._get_caller_identity)

    def _get_caller_identity(self, params: dict) -> str:
        role = self.cloud.services["iam"].roles.get(config.EXECUTION_ROLE_NAME)
        role_id = role["RoleId"] if role else "AROALABCLOUD"
        return xml_fields({
            "UserId": f"{role_id}:{SESSION_NAME}",
            "Account": config.ACCOUNT_ID,
            "Arn": f"arn:aws:sts::{config.ACCOUNT_ID}:assumed-role/{config.EXECUTION_ROLE_NAME}/"
                   f"{SESSION_NAME}",
        })
