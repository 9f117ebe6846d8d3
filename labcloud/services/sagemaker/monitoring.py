"""Monitoring schedules (data quality) and their executions, on the simulated clock.

A schedule watches one endpoint's captured data. Each execution is a processing job running
the Model Monitor analyzer over the capture objects of its analysis window, comparing them with
the baseline's statistics.json and constraints.json and writing statistics.json and
constraint_violations.json to `<output S3Uri>/<endpoint>/<schedule>/yyyy/mm/dd/hh/`.

When executions run:
* `cron(...)` (hourly `cron(0 * ? * * *)`, every N hours `cron(0 */N ? * * *)`, daily
  `cron(0 H ? * * *)`): whenever the simulated clock passes a matching hour (advance it with
  `labcloud.clock.advance(hours=1)`), one execution for that hour, analysing the hour before it
  (or DataAnalysisStartTime..EndTime, offsets from the scheduled hour). If the clock jumps over
  several matching hours at once, only the latest one runs, as a scheduler that was asleep
  catches up once rather than replaying a weekend.
* `NOW`: one execution as soon as the schedule is Scheduled, over DataAnalysisStartTime..
  DataAnalysisEndTime (e.g. -PT1H..-PT0H) relative to that moment.

An execution's status follows its processing job: Completed, or CompletedWithViolations when
the analyzer's exit message says so (AWS's "CompletedWithViolations: Job completed successfully
with N violations."), Failed, Stopped. A window without captured data fails without a job, with
AWS's FailureReason "Job inputs had no data".

labcloud runs DataQuality schedules, defined inline (MonitoringJobDefinition) or by name
(MonitoringJobDefinitionName, from CreateDataQualityJobDefinition: job_definitions.py).
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ... import config
from ...compute.processing import check_local_path
from ...compute.training import check_role, split_s3_uri
from ...server.clock import iso
from ...server.errors import AWSError
from ...server.state import Resources
from .endpoints import not_found as endpoint_not_found
from .job_definitions import DataQualityJobDefinitions
from .listing import _epoch, list_page

if TYPE_CHECKING:
    from ...server.app import Cloud

log = logging.getLogger("labcloud.monitoring")
KIND = "monitoring-schedule"
EXECUTIONS = "monitoring-execution"
LIVE = ("Pending", "Scheduled")
TICK_SECONDS = 0.2
DEFAULT_START, DEFAULT_END = "-PT1H", "-PT0H"
NO_DATA = "Job inputs had no data"
CAPTURE_FORMAT = '{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}'
_CRON = re.compile(r"^cron\((?P<body>[^()]*)\)$")
_DURATION = re.compile(r"^(?P<sign>-)?P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?"
                       r"(?:(?P<s>\d+)S)?)?$")


def schedule_arn(name: str) -> str:
    return config.arn("sagemaker", f"monitoring-schedule/{name}")


def invalid(message: str) -> AWSError:
    return AWSError("ValidationException", message)


# ---- schedule expressions -------------------------------------------------------------------
def cron_hours(expression: str) -> set[int] | None:
    """The hours of the day a cron expression fires at (minute 0), None for NOW; refuses what
    Model Monitor refuses (anything but minute 0 of every day)."""
    if expression == "NOW":
        return None
    match = _CRON.match(expression.strip())
    fields = match["body"].split() if match else []
    usage = (f"Invalid ScheduleExpression {expression!r}: Model Monitor accepts cron(0 * ? * * *) "
             "(hourly), cron(0 */N ? * * *) (every N hours), cron(0 H ? * * *) (daily at hour H "
             "UTC) or NOW (one execution at once).")
    if len(fields) != 6 or fields[0] not in ("0", "00") or fields[2] not in ("?", "*") \
            or fields[3] != "*" or fields[4] not in ("*", "?") or fields[5] != "*" \
            or (fields[2] == "?") == (fields[4] == "?"):  # exactly one day field is "?"
        raise invalid(usage)
    hours: set[int] = set()
    for part in fields[1].split(","):
        step = re.fullmatch(r"(\*|\d{1,2})(?:/(\d{1,2}))?", part)
        if not step:
            raise invalid(usage)
        first = 0 if step[1] == "*" else int(step[1])
        every = int(step[2]) if step[2] else (1 if step[1] == "*" else 24)
        if first > 23 or every < 1 or every > 24:
            raise invalid(usage)
        hours.update(range(first, 24, every))
    return hours


def offset_seconds(text: str, field: str) -> float:
    """An ISO 8601 offset such as -PT1H, as seconds (never after the scheduled time)."""
    match = _DURATION.match(text or "")
    if not match or text in ("P", "-P", "PT", "-PT"):
        raise invalid(f"Invalid {field} {text!r}: give an ISO 8601 duration offset such as -PT1H.")
    seconds = (int(match["d"] or 0) * 86400 + int(match["h"] or 0) * 3600
               + int(match["m"] or 0) * 60 + int(match["s"] or 0))
    if seconds and not match["sign"]:
        raise invalid(f"Invalid {field} {text!r}: the offset must be negative or zero (the "
                      "window lies before the scheduled time).")
    return -float(seconds)


def next_fire(hours: set[int], after: float) -> float:
    """The first matching hour strictly after `after`."""
    t = datetime.fromtimestamp(after, timezone.utc).replace(minute=0, second=0, microsecond=0)
    for _ in range(24 * 2 + 1):
        t += timedelta(hours=1)
        if t.hour in hours:
            return t.timestamp()
    raise AssertionError("no matching hour")


def last_fire(hours: set[int], at: float) -> float:
    """The latest matching hour at or before `at`."""
    t = datetime.fromtimestamp(at, timezone.utc).replace(minute=0, second=0, microsecond=0)
    while t.hour not in hours:
        t -= timedelta(hours=1)
    return t.timestamp()


class MonitoringSchedules:
    def __init__(self, cloud: "Cloud", processing, endpoints):
        self.cloud = cloud
        self.processing = processing
        self.endpoints = endpoints
        self.docs = Resources(cloud.store, KIND)
        self.executions = Resources(cloud.store, EXECUTIONS)
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.job_definitions = DataQualityJobDefinitions(cloud, self)

    # ---- validation -------------------------------------------------------------------------
    def check_definition(self, definition: dict) -> str:
        """What SageMaker refuses in a data quality job definition (inline in a schedule or
        made with CreateDataQualityJobDefinition). Returns the endpoint it watches."""
        from ...images.registry import MODEL_MONITOR, resolve

        inputs = [i.get("EndpointInput") for i in definition["MonitoringInputs"]]
        if len(inputs) != 1 or inputs[0] is None:
            raise invalid("A DataQuality monitoring job takes exactly one EndpointInput "
                          "(labcloud does not monitor batch transform input).")
        endpoint = inputs[0]["EndpointName"]
        if self.endpoints.docs.get(endpoint) is None:
            raise endpoint_not_found(endpoint)
        check_local_path(inputs[0]["LocalPath"], "EndpointInput.LocalPath")
        for out in definition["MonitoringOutputConfig"]["MonitoringOutputs"]:
            check_local_path(out["S3Output"]["LocalPath"], "MonitoringOutputs.S3Output.LocalPath")
            split_s3_uri(out["S3Output"]["S3Uri"])
        baseline = definition.get("BaselineConfig") or {}
        for field in ("ConstraintsResource", "StatisticsResource"):
            if (baseline.get(field) or {}).get("S3Uri"):
                split_s3_uri(baseline[field]["S3Uri"])
        image = resolve(definition["MonitoringAppSpecification"]["ImageUri"], definition["RoleArn"])
        if image.name != MODEL_MONITOR:
            raise invalid("labcloud runs data quality monitoring with the Model Monitor analyzer "
                          "image only (image_uris.retrieve('model-monitor', region)).")
        check_role(self.cloud, definition["RoleArn"])
        return endpoint

    def definition(self, cfg: dict) -> dict:
        """The schedule's job definition in the inline shape, wherever it is defined."""
        if cfg.get("MonitoringJobDefinitionName"):
            return self.job_definitions.inline(cfg["MonitoringJobDefinitionName"])
        if cfg.get("MonitoringJobDefinition") is None:
            raise invalid("1 validation error detected: Value null at 'monitoringScheduleConfig."
                          "monitoringJobDefinition' failed to satisfy constraint: Member must not "
                          "be null")
        return cfg["MonitoringJobDefinition"]

    def _check_config(self, name: str, cfg: dict) -> tuple[str, str]:
        """What CreateMonitoringSchedule / UpdateMonitoringSchedule refuse. Returns the endpoint
        name and the monitoring type."""
        if cfg.get("MonitoringJobDefinitionName") and cfg.get("MonitoringJobDefinition"):
            raise invalid("Give either MonitoringJobDefinition or MonitoringJobDefinitionName, "
                          "not both.")
        if cfg.get("MonitoringJobDefinitionName") and not cfg.get("MonitoringType"):
            raise invalid("MonitoringType is required with MonitoringJobDefinitionName.")
        kind = cfg.get("MonitoringType", "DataQuality")
        if kind != "DataQuality":
            raise invalid(f"labcloud runs DataQuality monitoring only, not {kind}.")
        definition = self.definition(cfg)
        schedule = cfg.get("ScheduleConfig") or {}
        expression = schedule.get("ScheduleExpression", "")
        cron_hours(expression)
        if expression == "NOW" and not (schedule.get("DataAnalysisStartTime")
                                        and schedule.get("DataAnalysisEndTime")):
            raise invalid("DataAnalysisStartTime and DataAnalysisEndTime are required when the "
                          "ScheduleExpression is NOW.")
        start = offset_seconds(schedule.get("DataAnalysisStartTime") or DEFAULT_START,
                               "DataAnalysisStartTime")
        end = offset_seconds(schedule.get("DataAnalysisEndTime") or DEFAULT_END,
                             "DataAnalysisEndTime")
        if start >= end:
            raise invalid("DataAnalysisStartTime must be earlier than DataAnalysisEndTime.")
        endpoint = self.check_definition(definition)
        for other in self.docs.all():
            if other["MonitoringScheduleName"] != name and other.get("EndpointName") == endpoint \
                    and other.get("MonitoringType") == kind:
                raise invalid(f"Endpoint {endpoint} already has a {kind} monitoring schedule "
                              f"({other['MonitoringScheduleArn']}): an endpoint can have one "
                              "monitoring schedule of each monitoring type.")
        return endpoint, kind

    # ---- API ----------------------------------------------------------------------------
    def create(self, p: dict) -> dict:
        name = p["MonitoringScheduleName"]
        arn = schedule_arn(name)
        with self.lock:
            if self.docs.get(name) is not None:
                raise AWSError("ResourceInUse", f"Monitoring Schedule {arn} already exists.")
            cfg = p["MonitoringScheduleConfig"]
            endpoint, kind = self._check_config(name, cfg)
            now = self.cloud.clock.now()
            cfg = {**cfg, "MonitoringType": kind}
            doc = {"MonitoringScheduleArn": arn, "MonitoringScheduleName": name,
                   "MonitoringScheduleStatus": "Pending", "MonitoringType": kind,
                   "CreationTime": now, "LastModifiedTime": now, "MonitoringScheduleConfig": cfg,
                   "EndpointName": endpoint}
            if not self.docs.insert(name, arn, doc, status="Pending", created=now):
                raise AWSError("ResourceInUse", f"Monitoring Schedule {arn} already exists.")
        return {"MonitoringScheduleArn": arn}

    def get(self, name: str) -> dict:
        doc = self.docs.get(name)
        if doc is None:
            raise AWSError("ResourceNotFound", f"Monitoring Schedule {schedule_arn(name)} does "
                           "not exist.")
        return doc

    def describe(self, p: dict) -> dict:
        doc = self.get(p["MonitoringScheduleName"])
        out = {k: v for k, v in doc.items() if not k.startswith("_") and v is not None}
        runs = [self._summary(e) for e in self.executions.all()
                if e["MonitoringScheduleName"] == doc["MonitoringScheduleName"]
                and e["CreationTime"] >= doc["CreationTime"]]
        if runs:
            out["LastMonitoringExecutionSummary"] = max(
                runs, key=lambda s: (s["ScheduledTime"], s["CreationTime"]))
        return out

    def list(self, p: dict) -> dict:
        docs = [d for d in self.docs.all()
                if (not p.get("EndpointName") or d.get("EndpointName") == p["EndpointName"])
                and (not p.get("MonitoringTypeEquals") or d.get("MonitoringType") == p["MonitoringTypeEquals"])
                and (not p.get("MonitoringJobDefinitionName") or p["MonitoringJobDefinitionName"]
                     == d["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName"))]

        def summary(d: dict) -> dict:
            keys = ("MonitoringScheduleName", "MonitoringScheduleArn", "CreationTime",
                    "LastModifiedTime", "MonitoringScheduleStatus", "EndpointName", "MonitoringType")
            out = {k: d[k] for k in keys if d.get(k) is not None}
            if d["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName"):
                out["MonitoringJobDefinitionName"] = d["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
            return out
        page, token = list_page(docs, p, name_key="MonitoringScheduleName",
                                status_key="MonitoringScheduleStatus", summary=summary,
                                sort_keys={"Name": "MonitoringScheduleName",
                                           "CreationTime": "CreationTime",
                                           "Status": "MonitoringScheduleStatus"})
        return {"MonitoringScheduleSummaries": page, **({"NextToken": token} if token else {})}

    def update(self, p: dict) -> dict:
        name = p["MonitoringScheduleName"]
        with self.lock:
            doc = self.get(name)
            cfg = p["MonitoringScheduleConfig"]
            endpoint, kind = self._check_config(name, cfg)
            now = self.cloud.clock.now()
            doc.pop("_next", None)
            stopped = doc["MonitoringScheduleStatus"] == "Stopped"  # an update does not start it
            doc.update({"MonitoringScheduleConfig": {**cfg, "MonitoringType": kind},
                        "MonitoringType": kind, "EndpointName": endpoint, "LastModifiedTime": now,
                        "MonitoringScheduleStatus": "Stopped" if stopped else "Pending"})
            self._put(doc)
        return {"MonitoringScheduleArn": doc["MonitoringScheduleArn"]}

    def stop(self, p: dict) -> dict:
        with self.lock:
            doc = self.get(p["MonitoringScheduleName"])
            if doc["MonitoringScheduleStatus"] != "Stopped":
                doc.update(MonitoringScheduleStatus="Stopped", LastModifiedTime=self.cloud.clock.now())
                doc.pop("_next", None)
                self._put(doc)
        return {}

    def start(self, p: dict) -> dict:
        with self.lock:
            doc = self.get(p["MonitoringScheduleName"])
            if doc["MonitoringScheduleStatus"] == "Stopped":
                doc.update(MonitoringScheduleStatus="Pending", LastModifiedTime=self.cloud.clock.now())
                self._put(doc)
        return {}

    def delete(self, p: dict) -> dict:
        """Deleting a schedule keeps its executions' history, as on AWS."""
        with self.lock:
            doc = self.get(p["MonitoringScheduleName"])
            self.docs.delete(doc["MonitoringScheduleName"])
        return {}

    def list_executions(self, p: dict) -> dict:
        items = []
        for e in self.executions.all():
            s = self._summary(e)
            if p.get("MonitoringScheduleName") and s["MonitoringScheduleName"] != p["MonitoringScheduleName"]:
                continue
            if p.get("EndpointName") and s.get("EndpointName") != p["EndpointName"]:
                continue
            if p.get("MonitoringTypeEquals") and s.get("MonitoringType") != p["MonitoringTypeEquals"]:
                continue
            if p.get("MonitoringJobDefinitionName") and \
                    s.get("MonitoringJobDefinitionName") != p["MonitoringJobDefinitionName"]:
                continue
            items.append({**s, "_name": e["_name"]})
        for field, keep in (("ScheduledTimeAfter", lambda v, t: v > t),
                            ("ScheduledTimeBefore", lambda v, t: v < t)):
            if p.get(field) is not None:
                bound = _epoch(p[field])
                items = [s for s in items if keep(s["ScheduledTime"], bound)]
        page, token = list_page(items, p, name_key="_name", status_key="MonitoringExecutionStatus",
                                summary=lambda s: {k: v for k, v in s.items() if k != "_name"},
                                sort_keys={"CreationTime": "CreationTime",
                                           "ScheduledTime": "ScheduledTime",
                                           "Status": "MonitoringExecutionStatus"})
        return {"MonitoringExecutionSummaries": page, **({"NextToken": token} if token else {})}

    def guard_endpoint_delete(self, handler):
        """DeleteEndpoint refuses an endpoint that monitoring schedules still watch."""
        def delete(p: dict) -> dict:
            attached = sorted(d["MonitoringScheduleName"] for d in self.docs.all()
                              if d.get("EndpointName") == p["EndpointName"])
            if attached and self.endpoints.docs.get(p["EndpointName"]) is not None:
                arn = self.endpoints.docs.get(p["EndpointName"])["EndpointArn"]
                raise invalid(f'Cannot delete endpoint "{arn}" while monitoring schedules are '
                              f"attached to it: {', '.join(attached)}. Delete the monitoring "
                              "schedules first.")
            return handler(p)
        return delete

    # ---- executions -------------------------------------------------------------------------
    def _summary(self, e: dict) -> dict:
        """An execution as ListMonitoringExecutions shows it: its status is its job's."""
        out = {k: e[k] for k in ("MonitoringScheduleName", "ScheduledTime", "CreationTime",
                                 "LastModifiedTime", "MonitoringExecutionStatus", "ProcessingJobArn",
                                 "EndpointName", "FailureReason", "MonitoringType",
                                 "MonitoringJobDefinitionName") if e.get(k) is not None}
        job = self.processing.docs.get(e["ProcessingJobName"]) if e.get("ProcessingJobName") else None
        if job is not None:
            status = job["ProcessingJobStatus"]
            if status == "Completed" and (job.get("ExitMessage") or "").startswith("CompletedWithViolations"):
                status = "CompletedWithViolations"
            out["MonitoringExecutionStatus"] = status
            out["LastModifiedTime"] = job["LastModifiedTime"]
            if job.get("FailureReason"):
                out["FailureReason"] = job["FailureReason"]
        return out

    def _record(self, doc: dict, scheduled: float, now: float, **fields) -> None:
        name = fields.get("ProcessingJobName") or f"failed-{uuid.uuid4().hex}"
        execution = {"_name": name, "MonitoringScheduleName": doc["MonitoringScheduleName"],
                     "ScheduledTime": scheduled, "CreationTime": now, "LastModifiedTime": now,
                     "EndpointName": doc["EndpointName"], "MonitoringType": doc["MonitoringType"],
                     **fields}
        definition_name = doc["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName")
        if definition_name:
            execution["MonitoringJobDefinitionName"] = definition_name
        self.executions.insert(name, name, execution, status=fields.get("MonitoringExecutionStatus"),
                               created=now)

    def _captured_hours(self, endpoint: str, start: float, end: float) -> list[tuple[str, str]]:
        """(S3 URI, path below the endpoint) of every capture hour folder overlapping the window."""
        doc = self.endpoints.docs.get(endpoint)
        dcc = ((doc or {}).get("_config") or {}).get("DataCaptureConfig") or {}
        if not dcc.get("DestinationS3Uri"):
            return []
        writer = getattr(self.endpoints, "capture", None)
        if writer is not None:
            writer.flush()  # what the endpoint captured so far is in S3
        bucket, prefix = split_s3_uri(dcc["DestinationS3Uri"].rstrip("/"))
        base = f"{prefix.strip('/')}/{endpoint}/" if prefix.strip("/") else f"{endpoint}/"
        s3 = self.cloud.services["s3"]
        if not s3.bucket_exists(bucket):
            return []
        folders: dict[str, str] = {}
        for obj in s3.list_objects(bucket, base):
            parts = obj["Key"][len(base):].split("/")
            if len(parts) != 6:
                continue
            try:
                hour = datetime(int(parts[1]), int(parts[2]), int(parts[3]), int(parts[4]),
                                tzinfo=timezone.utc).timestamp()
            except ValueError:
                continue
            if hour < end and hour + 3600 > start:
                below = "/".join(parts[:5])
                folders[below] = f"s3://{bucket}/{base}{below}"
        return sorted((uri, below) for below, uri in folders.items())

    def _execute(self, doc: dict, scheduled: float) -> None:
        """Start one execution of `doc` for `scheduled` (a failure is recorded, never raised)."""
        now = self.cloud.clock.now()
        cfg = doc["MonitoringScheduleConfig"]
        try:
            definition = self.definition(cfg)
        except AWSError as err:  # its job definition was deleted
            self._record(doc, scheduled, now, MonitoringExecutionStatus="Failed",
                         FailureReason=err.message[:1024])
            return
        window = cfg.get("ScheduleConfig") or {}
        start = scheduled + offset_seconds(window.get("DataAnalysisStartTime") or DEFAULT_START, "")
        end = scheduled + offset_seconds(window.get("DataAnalysisEndTime") or DEFAULT_END, "")
        endpoint = doc["EndpointName"]
        endpoint_input = definition["MonitoringInputs"][0]["EndpointInput"]
        hours = self._captured_hours(endpoint, start, end)
        if not hours:
            self._record(doc, scheduled, now, MonitoringExecutionStatus="Failed", FailureReason=NO_DATA)
            return
        stamp = datetime.fromtimestamp(scheduled, timezone.utc)
        digest = hashlib.sha256(f"{doc['MonitoringScheduleArn']}:{scheduled}:{uuid.uuid4()}".encode())
        job = f"model-monitoring-{stamp:%Y%m%d%H%M}-{digest.hexdigest()[:24]}"
        local = endpoint_input["LocalPath"].rstrip("/")
        inputs = [{"InputName": f"endpoint_input_{i + 1}",
                   "S3Input": {"S3Uri": uri, "LocalPath": f"{local}/{endpoint}/{below}",
                               "S3DataType": "S3Prefix", "S3InputMode": "File",
                               "S3DataDistributionType": "FullyReplicated"}}
                  for i, (uri, below) in enumerate(hours)]
        environment = {"dataset_format": CAPTURE_FORMAT, "dataset_source": local,
                       "sagemaker_endpoint_name": endpoint,
                       "sagemaker_monitoring_schedule_name": doc["MonitoringScheduleName"],
                       "publish_cloudwatch_metrics": "Enabled",
                       "start_time": iso(start).replace(".000Z", "Z"),
                       "end_time": iso(end).replace(".000Z", "Z"),
                       "metric_time": iso(scheduled).replace(".000Z", "Z")}
        baseline = definition.get("BaselineConfig") or {}
        for field, folder, variable in (("ConstraintsResource", "constraints", "baseline_constraints"),
                                        ("StatisticsResource", "stats", "baseline_statistics")):
            uri = (baseline.get(field) or {}).get("S3Uri")
            if uri:
                path = f"/opt/ml/processing/baseline/{folder}"
                # S3Prefix: ProcessingS3DataType has no S3Object (a key is its own prefix)
                inputs.append({"InputName": folder, "S3Input": {
                    "S3Uri": uri, "LocalPath": path, "S3DataType": "S3Prefix",
                    "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated"}})
                environment[variable] = f"{path}/{uri.rstrip('/').rsplit('/', 1)[-1]}"
        out = definition["MonitoringOutputConfig"]["MonitoringOutputs"][0]["S3Output"]
        environment["output_path"] = out["LocalPath"]
        environment.update(definition.get("Environment") or {})
        target = f"{out['S3Uri'].rstrip('/')}/{endpoint}/{doc['MonitoringScheduleName']}/" \
                 f"{stamp:%Y/%m/%d/%H}"
        params = {"ProcessingJobName": job, "ProcessingInputs": inputs,
                  "ProcessingOutputConfig": {"Outputs": [{"OutputName": "result", "S3Output": {
                      "S3Uri": target, "LocalPath": out["LocalPath"],
                      "S3UploadMode": out.get("S3UploadMode", "EndOfJob")}}]},
                  "ProcessingResources": {"ClusterConfig": definition["MonitoringResources"]["ClusterConfig"]},
                  "StoppingCondition": definition.get("StoppingCondition") or {"MaxRuntimeInSeconds": 3600},
                  "AppSpecification": {"ImageUri": definition["MonitoringAppSpecification"]["ImageUri"]},
                  "Environment": environment, "RoleArn": definition["RoleArn"]}
        try:
            arn = self.processing.start(params, MonitoringScheduleArn=doc["MonitoringScheduleArn"])
        except AWSError as err:  # the quota, the role, the image: the execution fails with it
            self._record(doc, scheduled, now, MonitoringExecutionStatus="Failed",
                         FailureReason=err.message[:1024])
            return
        self._record(doc, scheduled, now, MonitoringExecutionStatus="Pending",
                     ProcessingJobName=job, ProcessingJobArn=arn)

    # ---- the scheduler ----------------------------------------------------------------------
    def _put(self, doc: dict) -> None:
        self.docs.put(doc["MonitoringScheduleName"], doc, status=doc["MonitoringScheduleStatus"],
                      modified=doc["LastModifiedTime"])

    def tick(self) -> None:
        """Advance every live schedule to where the simulated clock says it is."""
        with self.lock:
            for name in self.docs.names_with_status(*LIVE):
                doc = self.docs.get(name)
                if doc is None:
                    continue
                now = self.cloud.clock.now()
                hours = cron_hours(doc["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"])
                if doc["MonitoringScheduleStatus"] == "Pending":
                    doc.update(MonitoringScheduleStatus="Scheduled", LastModifiedTime=now)
                    if hours is None:
                        self._run_once(doc, now)
                    else:
                        doc["_next"] = next_fire(hours, now)
                    self._put(doc)
                elif hours is not None and now >= doc.get("_next", now + 1):
                    self._run_once(doc, last_fire(hours, now))
                    doc["_next"] = next_fire(hours, now)
                    self._put(doc)

    def _run_once(self, doc: dict, scheduled: float) -> None:
        """One execution; a bug of ours fails that execution, not the schedule's later hours."""
        try:
            self._execute(doc, scheduled)
        except Exception:
            log.exception("monitoring execution of %s failed to start", doc["MonitoringScheduleName"])
            self._record(doc, scheduled, self.cloud.clock.now(), MonitoringExecutionStatus="Failed",
                         FailureReason="InternalServerError: We encountered an internal error. "
                                       "Please try again.")

    def _loop(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.tick()
            except Exception:  # a bug must not stop every schedule for the server's lifetime
                log.exception("monitoring scheduler tick failed")

    def resume(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="monitoring-scheduler", daemon=True)
        self._thread.start()

    def stop_all(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
