"""Service Quotas (JSON 1.1, `X-Amz-Target: ServiceQuotasV20190624.<Op>`) and quota enforcement.

Quotas matter to the course because a new AWS account cannot start a GPU training job: the
student meets AWS's `ResourceLimitExceeded`, requests an increase, waits for it, and tries again.
The same service answers both sides: the API a student calls, and `check()`, which every create
of an instance-backed resource calls before it starts anything.

Increase requests are decided lazily: their status is a function of the simulated clock (see
defaults.py for the rule), settled whenever anything reads quotas, so no thread is needed and a
restarted server finds requests exactly where the clock says they are.
"""
from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Callable

from ... import config
from ...server import paging
from ...server.errors import AWSError
from ...server.json_protocol import JsonService
from ...server.state import Resources
from . import defaults as d
from .defaults import QuotaDef

if TYPE_CHECKING:
    from ...server.app import Cloud

SCHEMA = """
CREATE TABLE IF NOT EXISTS quota_values (
    service_code TEXT NOT NULL, quota_code TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (service_code, quota_code));
CREATE TABLE IF NOT EXISTS quota_requests (
    id TEXT PRIMARY KEY, service_code TEXT NOT NULL, quota_code TEXT NOT NULL,
    desired REAL NOT NULL, status TEXT NOT NULL, created REAL NOT NULL, last_updated REAL NOT NULL,
    case_id TEXT);
CREATE INDEX IF NOT EXISTS quota_requests_open ON quota_requests (status);
"""
OPEN = ("PENDING", "CASE_OPENED")
DEFAULT_PAGE = 100
LIMIT_TAIL = ("Please use AWS Service Quotas to request an increase for this quota. If AWS "
              "Service Quotas is not available, contact AWS support to request an increase for "
              "this quota.")
UsageCounter = Callable[["Cloud"], Counter]


def training_usage(cloud: "Cloud") -> Counter:
    """Instances held by training jobs that are InProgress or Stopping, per instance type."""
    from ..sagemaker.training import ACTIVE, KIND

    jobs = Resources(cloud.store, KIND)
    used: Counter = Counter()
    for name in jobs.names_with_status(*ACTIVE):
        doc = jobs.get(name) or {}
        resource = doc.get("ResourceConfig") or {}
        used[resource.get("InstanceType")] += int(resource.get("InstanceCount") or 0)
    return used


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _page(items: list, p: dict) -> tuple[list, str | None]:
    return paging.page(items, p.get("NextToken"), int(p.get("MaxResults") or DEFAULT_PAGE),
                       AWSError("InvalidPaginationTokenException", "Invalid pagination token."))


class ServiceQuotasService(JsonService):
    def __init__(self, cloud: "Cloud"):
        super().__init__("service-quotas")
        self.cloud = cloud
        self.target_prefix = self.prefix
        self.store = cloud.store
        self.store.executescript(SCHEMA)
        # usage -> function counting the instances in use per type; endpoints, transform jobs
        # and notebook instances register theirs when they exist
        self.usage_counters: dict[str, UsageCounter] = {"training": training_usage}
        for name in ("ListServices", "ListServiceQuotas", "ListAWSDefaultServiceQuotas",
                     "GetServiceQuota", "GetAWSDefaultServiceQuota", "RequestServiceQuotaIncrease",
                     "GetRequestedServiceQuotaChange", "ListRequestedServiceQuotaChangeHistory",
                     "ListRequestedServiceQuotaChangeHistoryByQuota"):
            self.operation(name)(getattr(self, "op_" + name))

    # ---- used by other services -----------------------------------------------------------
    def register_usage(self, usage: str, counter: UsageCounter) -> None:
        self.usage_counters[usage] = counter

    def value(self, q: QuotaDef) -> float:
        """The quota's applied value now (after settling any request the clock has decided)."""
        self.settle()
        row = self.store.query_one("SELECT value FROM quota_values WHERE service_code=? AND "
                                   "quota_code=?", (d.SERVICE_CODE, q.code))
        return float(row["value"]) if row else q.default

    def check(self, usage: str, instance_type: str, delta: int) -> None:
        """Refuse a create that would take `usage` past its quota, as SageMaker does: the
        instance type's quota first, then the account-wide cap of that usage."""
        counter = self.usage_counters.get(usage)
        used = counter(self.cloud) if counter else Counter()
        q = d.by_usage().get((usage, instance_type))
        if q is not None:
            self._enforce(q, used.get(instance_type, 0), delta)
        cap = d.by_usage().get((usage, None))
        if cap is not None:
            self._enforce(cap, sum(used.values()), delta)

    def _enforce(self, q: QuotaDef, used: int, delta: int) -> None:
        limit = self.value(q)
        if used + delta > limit:
            raise AWSError("ResourceLimitExceeded", f"The account-level service limit '{q.name}' "
                           f"is {_fmt(limit)} Instances, with current utilization of {used} "
                           f"Instances and a request delta of {delta} Instances. {LIMIT_TAIL}")

    # ---- increase requests on the simulated clock ----------------------------------------
    def settle(self) -> None:
        """Move open requests to where the clock says they are; apply the approved ones."""
        now = self.cloud.clock.now()
        if not self.store.query_one("SELECT 1 FROM quota_requests WHERE status IN (?, ?) AND "
                                    "created + ? <= ?", (*OPEN, d.CASE_OPENED_AFTER, now)):
            return
        with self.store.transaction() as conn:
            rows = conn.execute("SELECT * FROM quota_requests WHERE status IN (?, ?)", OPEN).fetchall()
            for r in rows:
                q = d.by_code()[r["quota_code"]]
                status, updated, case_id = r["status"], r["last_updated"], r["case_id"]
                if now >= r["created"] + d.CASE_OPENED_AFTER and status == "PENDING":
                    status, updated = "CASE_OPENED", r["created"] + d.CASE_OPENED_AFTER
                    case_id = str(17_000_000_000 + int(uuid.UUID(r["id"]).int % 1_000_000_000))
                if now >= r["created"] + d.DECIDED_AFTER:
                    updated = r["created"] + d.DECIDED_AFTER
                    status = "APPROVED" if r["desired"] <= q.ceiling else "DENIED"
                    if status == "APPROVED":
                        conn.execute(
                            "INSERT INTO quota_values(service_code, quota_code, value) VALUES "
                            "(?, ?, ?) ON CONFLICT(service_code, quota_code) DO UPDATE SET "
                            "value=max(value, excluded.value)", (r["service_code"], q.code, r["desired"]))
                if status != r["status"]:
                    conn.execute("UPDATE quota_requests SET status=?, last_updated=?, case_id=? "
                                 "WHERE id=?", (status, updated, case_id, r["id"]))

    # ---- rendering ----------------------------------------------------------------------
    @staticmethod
    def _service(code: str | None) -> None:
        if code is not None and code != d.SERVICE_CODE:
            raise AWSError("NoSuchResourceException", f"The request failed because the specified "
                           f"service ({code}) does not exist.")

    def _quota(self, p: dict) -> QuotaDef:
        self._service(p["ServiceCode"])
        q = d.by_code().get(p["QuotaCode"])
        if q is None:
            raise AWSError("NoSuchResourceException", "The request failed because the specified "
                           f"quota ({p['QuotaCode']}) does not exist for service {p['ServiceCode']}.")
        return q

    def _render(self, q: QuotaDef, value: float, *, default: bool) -> dict:
        account = "" if default else config.ACCOUNT_ID
        out = {"ServiceCode": d.SERVICE_CODE, "ServiceName": d.SERVICE_NAME,
               "QuotaArn": f"arn:aws:servicequotas:{config.REGION}:{account}:{d.SERVICE_CODE}/{q.code}",
               "QuotaCode": q.code, "QuotaName": q.name, "Value": value, "Unit": "None",
               "Adjustable": True, "GlobalQuota": False}
        if not default:
            out["QuotaAppliedAtLevel"] = "ACCOUNT"
        return out

    def _render_request(self, r) -> dict:
        q = d.by_code()[r["quota_code"]]
        out = {"Id": r["id"], "ServiceCode": r["service_code"], "ServiceName": d.SERVICE_NAME,
               "QuotaCode": q.code, "QuotaName": q.name, "DesiredValue": r["desired"],
               "Status": r["status"], "Created": r["created"], "LastUpdated": r["last_updated"],
               "Requester": json.dumps({"type": "accountId", "value": config.ACCOUNT_ID}),
               "QuotaArn": f"arn:aws:servicequotas:{config.REGION}:{config.ACCOUNT_ID}:"
                           f"{d.SERVICE_CODE}/{q.code}",
               "GlobalQuota": False, "Unit": "None", "QuotaRequestedAtLevel": "ACCOUNT"}
        if r["case_id"]:
            out["CaseId"] = r["case_id"]
        return out

    def _applied(self) -> dict[str, float]:
        self.settle()
        rows = self.store.query("SELECT quota_code, value FROM quota_values WHERE service_code=?",
                                (d.SERVICE_CODE,))
        return {r["quota_code"]: float(r["value"]) for r in rows}

    # ---- wire ---------------------------------------------------------------------------
    def op_ListServices(self, p: dict) -> dict:
        page, token = _page([{"ServiceCode": d.SERVICE_CODE, "ServiceName": d.SERVICE_NAME}], p)
        return {"Services": page, **({"NextToken": token} if token else {})}

    def op_ListServiceQuotas(self, p: dict) -> dict:
        self._service(p["ServiceCode"])
        applied = self._applied()
        quotas = [q for q in d.quota_table() if not p.get("QuotaCode") or q.code == p["QuotaCode"]]
        if p.get("QuotaAppliedAtLevel") == "RESOURCE":
            quotas = []
        page, token = _page(quotas, p)
        return {"Quotas": [self._render(q, applied.get(q.code, q.default), default=False)
                           for q in page], **({"NextToken": token} if token else {})}

    def op_ListAWSDefaultServiceQuotas(self, p: dict) -> dict:
        self._service(p["ServiceCode"])
        page, token = _page(list(d.quota_table()), p)
        return {"Quotas": [self._render(q, q.default, default=True) for q in page],
                **({"NextToken": token} if token else {})}

    def op_GetServiceQuota(self, p: dict) -> dict:
        q = self._quota(p)
        return {"Quota": self._render(q, self.value(q), default=False)}

    def op_GetAWSDefaultServiceQuota(self, p: dict) -> dict:
        q = self._quota(p)
        return {"Quota": self._render(q, q.default, default=True)}

    def op_RequestServiceQuotaIncrease(self, p: dict) -> dict:
        q = self._quota(p)
        desired = float(p["DesiredValue"])
        self.settle()
        with self.store.transaction() as conn:
            if conn.execute("SELECT 1 FROM quota_requests WHERE service_code=? AND quota_code=? "
                            "AND status IN (?, ?)", (d.SERVICE_CODE, q.code, *OPEN)).fetchone():
                raise AWSError("ResourceAlreadyExistsException", "Only one open service quota "
                               "increase request is allowed per quota.")
            row = conn.execute("SELECT value FROM quota_values WHERE service_code=? AND "
                               "quota_code=?", (d.SERVICE_CODE, q.code)).fetchone()
            current = float(row["value"]) if row else q.default
            if desired <= current:
                raise AWSError("IllegalArgumentException", "You must provide a quota value "
                               "greater than the current quota value")
            now = self.cloud.clock.now()
            rid = uuid.uuid4().hex
            conn.execute("INSERT INTO quota_requests(id, service_code, quota_code, desired, status, "
                         "created, last_updated) VALUES (?, ?, ?, ?, 'PENDING', ?, ?)",
                         (rid, d.SERVICE_CODE, q.code, desired, now, now))
        return {"RequestedQuota": self._render_request(self._request_row(rid))}

    def _request_row(self, rid: str):
        row = self.store.query_one("SELECT * FROM quota_requests WHERE id=?", (rid,))
        if row is None:
            raise AWSError("NoSuchResourceException", f"The request failed because the specified "
                           f"quota increase request ({rid}) does not exist.")
        return row

    def op_GetRequestedServiceQuotaChange(self, p: dict) -> dict:
        self.settle()
        return {"RequestedQuota": self._render_request(self._request_row(p["RequestId"]))}

    def _history(self, p: dict, quota_code: str | None) -> dict:
        self._service(p.get("ServiceCode"))
        self.settle()
        sql, args = "SELECT * FROM quota_requests WHERE 1=1", []
        if quota_code:
            sql, args = sql + " AND quota_code=?", args + [quota_code]
        if p.get("Status"):
            sql, args = sql + " AND status=?", args + [p["Status"]]
        rows = self.store.query(sql + " ORDER BY created DESC, id", args)
        page, token = _page(rows, p)
        return {"RequestedQuotas": [self._render_request(r) for r in page],
                **({"NextToken": token} if token else {})}

    def op_ListRequestedServiceQuotaChangeHistory(self, p: dict) -> dict:
        return self._history(p, None)

    def op_ListRequestedServiceQuotaChangeHistoryByQuota(self, p: dict) -> dict:
        return self._history(p, self._quota(p).code)


def check(cloud: "Cloud", usage: str, instance_type: str, delta: int) -> None:
    """What CreateTrainingJob (and later CreateEndpoint, CreateTransformJob,
    CreateNotebookInstance) call: raise ResourceLimitExceeded if `delta` more instances of
    `instance_type` for `usage` would pass a quota. A cloud without the service is unlimited."""
    service = cloud.services.get("servicequotas")
    if service is not None:
        service.check(usage, instance_type, int(delta))
