"""Endpoint configs and endpoints: the API side, each endpoint's state, and its fleet.

An endpoint's document holds what DescribeEndpoint shows plus `_segments`: the periods during
which each variant's instances were InService, which is what the bill charges. The running
fleets live in `self.fleets` (the runtime reads them); a restarted server rebuilds the fleets of
InService endpoints from their documents.

Provisioning takes minutes on AWS; here it is accounted on the simulated clock while the real
containers start, so an endpoint is InService within a second or two of real time.
"""
from __future__ import annotations

import logging
import threading
import traceback
from collections import Counter
from typing import TYPE_CHECKING

from ... import config
from ...billing import line, register_source
from ...compute import capture
from ...compute.fleet import Fleet, FleetError, launch_seconds
from ...server.errors import AWSError
from ...server.state import Resources
from ...server.validation import format_violations
from .listing import list_page

if TYPE_CHECKING:
    from ...server.app import Cloud

log = logging.getLogger("labcloud.endpoints")
CONFIG_KIND = "endpoint-config"
KIND = "endpoint"
BILLED_KIND = "endpoint-billed"  # segments of deleted endpoints: the bill outlives the endpoint
BUSY = ("Creating", "Updating", "Deleting", "SystemUpdating", "RollingBack")
HOLDING = ("Creating", "InService", "Updating", "SystemUpdating", "RollingBack")


def endpoint_arn(name: str) -> str:
    return config.arn("sagemaker", f"endpoint/{name}")


def endpoint_config_arn(name: str) -> str:
    return config.arn("sagemaker", f"endpoint-config/{name}")


def no_traffic(arn: str) -> AWSError:
    """Every weight at 0 would leave requests nowhere to go (labcloud's wording)."""
    return AWSError("ValidationException", "At least one production variant must have a weight "
                    f'greater than 0 for "{arn}" to receive traffic; use TargetVariant to call a '
                    "variant with weight 0.")


def not_found(name: str) -> AWSError:
    return AWSError("ValidationException", f'Could not find endpoint "{endpoint_arn(name)}".')


class EndpointConfigs:
    def __init__(self, cloud: "Cloud", models):
        self.cloud = cloud
        self.models = models
        self.docs = Resources(cloud.store, CONFIG_KIND)

    def create(self, p: dict) -> dict:
        name = p["EndpointConfigName"]
        arn = endpoint_config_arn(name)
        if self.docs.get(name) is not None:
            raise AWSError("ValidationException", "Cannot create already existing endpoint "
                           f'configuration "{arn}".')
        variants = p["ProductionVariants"]
        seen = set()
        for v in variants:
            if v["VariantName"] in seen:
                raise AWSError("ValidationException", "The VariantName must be unique across "
                               f"ProductionVariants; {v['VariantName']} is repeated.")
            seen.add(v["VariantName"])
            if v.get("ServerlessConfig"):
                raise AWSError("ValidationException", "labcloud does not run serverless variants; "
                               "give InstanceType and InitialInstanceCount.")
            if not v.get("InstanceType") or not v.get("InitialInstanceCount"):
                raise AWSError("ValidationException", "InstanceType and InitialInstanceCount must "
                               f"be specified for variant {v['VariantName']}.")
            if not v.get("ModelName"):
                raise AWSError("ValidationException", "ModelName must be specified for variant "
                               f"{v['VariantName']}.")
            self.models.get(v["ModelName"])  # Could not find model "arn..."
        if not any(float(v.get("InitialVariantWeight", 1.0)) > 0 for v in variants):
            raise no_traffic(arn)
        capture.validate(p.get("DataCaptureConfig"))
        now = self.cloud.clock.now()
        doc = {k: v for k, v in p.items() if k != "Tags"}
        doc["ProductionVariants"] = [{**v, "InitialVariantWeight": float(v.get("InitialVariantWeight", 1.0))}
                                     for v in variants]
        doc.update({"EndpointConfigArn": arn, "CreationTime": now})
        if not self.docs.insert(name, arn, doc, status=None, created=now):
            raise AWSError("ValidationException", "Cannot create already existing endpoint "
                           f'configuration "{arn}".')
        return {"EndpointConfigArn": arn}

    def get(self, name: str) -> dict:
        doc = self.docs.get(name)
        if doc is None:
            raise AWSError("ValidationException", "Could not find endpoint configuration "
                           f'"{endpoint_config_arn(name)}".')
        return doc

    def describe(self, p: dict) -> dict:
        return self.get(p["EndpointConfigName"])

    def list(self, p: dict) -> dict:
        page, token = list_page(
            self.docs.all(), p, name_key="EndpointConfigName", status_key=None,
            summary=lambda d: {k: d[k] for k in ("EndpointConfigName", "EndpointConfigArn",
                                                 "CreationTime")},
            sort_keys={"Name": "EndpointConfigName", "CreationTime": "CreationTime"})
        return {"EndpointConfigs": page, **({"NextToken": token} if token else {})}

    def delete(self, p: dict) -> dict:
        self.get(p["EndpointConfigName"])
        self.docs.delete(p["EndpointConfigName"])
        return {}


class Endpoints:
    def __init__(self, cloud: "Cloud", models, configs: EndpointConfigs):
        self.cloud = cloud
        self.models = models
        self.configs = configs
        self.docs = Resources(cloud.store, KIND)
        self.billed = Resources(cloud.store, BILLED_KIND)
        self.lock = threading.RLock()
        self.fleets: dict[str, Fleet] = {}
        self.restoring: set[str] = set()  # InService endpoints whose fleet restarts after a restart
        self._stopping = False
        self.capture = capture.DataCapture(cloud)  # the runtime's observer (data capture)
        cloud.services["servicequotas"].register_usage("endpoint", self.usage)

    # ---- quotas ----------------------------------------------------------------------------
    def usage(self, cloud) -> Counter:
        """Instances held by endpoints (all but Failed/Deleting ones), per instance type; an
        endpoint being updated holds both fleets, as on AWS."""
        used: Counter = Counter()
        for name in self.docs.names_with_status(*HOLDING):
            doc = self.docs.get(name) or {}
            for key in ("_config", "_pending_config"):
                for v in (doc.get(key) or {}).get("ProductionVariants", []):
                    used[v["InstanceType"]] += int(v["InitialInstanceCount"])
        return used

    def _check_quota(self, cfg: dict) -> None:
        from ..servicequotas import check as quota_check
        wanted: Counter = Counter()
        for v in cfg["ProductionVariants"]:
            wanted[v["InstanceType"]] += int(v["InitialInstanceCount"])
        for instance_type, count in wanted.items():
            quota_check(self.cloud, "endpoint", instance_type, count)

    # ---- API -------------------------------------------------------------------------------
    def _get(self, name: str) -> dict:
        doc = self.docs.get(name)
        if doc is None:
            raise not_found(name)
        return doc

    def _resolve(self, cfg: dict, kept: dict | None = None) -> tuple[dict, dict]:
        """The models of `cfg`'s variants and their images. `kept` is the endpoint's own copy
        (`_models`): its instances hold their model, so a DeleteModel after deployment does not
        stop a restarted server from bringing the endpoint back, as on AWS."""
        from ...images.registry import resolve
        models, images = {}, {}
        for v in cfg["ProductionVariants"]:
            model = (kept or {}).get(v["ModelName"]) or self.models.get(v["ModelName"])
            container = model.get("PrimaryContainer") or model["Containers"][0]
            models[v["ModelName"]] = model
            images[v["ModelName"]] = resolve(container["Image"])
        return models, images

    def create(self, p: dict) -> dict:
        name = p["EndpointName"]
        arn = endpoint_arn(name)
        with self.lock:  # quota check and insert as one step
            if self.docs.get(name) is not None:
                raise AWSError("ValidationException", "Cannot create already existing endpoint "
                               f'"{arn}".')
            cfg = self.configs.get(p["EndpointConfigName"])
            models, images = self._resolve(cfg)
            self._check_quota(cfg)
            now = self.cloud.clock.now()
            doc = {"EndpointName": name, "EndpointArn": arn,
                   "EndpointConfigName": cfg["EndpointConfigName"],
                   "ProductionVariants": self._summaries(cfg, images, now, status="Creating"),
                   "EndpointStatus": "Creating", "CreationTime": now, "LastModifiedTime": now,
                   "_config": cfg, "_models": models, "_segments": []}
            if not self.docs.insert(name, arn, doc, status="Creating", created=now):
                raise AWSError("ValidationException", "Cannot create already existing endpoint "
                               f'"{arn}".')
        self._spawn(self._create_run, name, cfg, models, images)
        return {"EndpointArn": arn}

    def describe(self, p: dict) -> dict:
        doc = self._get(p["EndpointName"])
        out = {k: v for k, v in doc.items() if not k.startswith("_") and v is not None}
        out.pop("DataCaptureConfig", None)  # documents of older versions kept the raw config
        capture_summary = capture.summary(doc["_config"].get("DataCaptureConfig"))
        if capture_summary:  # what the serving fleet captures, not a pending update's config
            out["DataCaptureConfig"] = capture_summary
        return out

    def list(self, p: dict) -> dict:
        def summary(d: dict) -> dict:
            return {k: d[k] for k in ("EndpointName", "EndpointArn", "CreationTime",
                                      "LastModifiedTime", "EndpointStatus")}
        page, token = list_page(self.docs.all(), p, name_key="EndpointName",
                                status_key="EndpointStatus", summary=summary,
                                sort_keys={"Name": "EndpointName", "CreationTime": "CreationTime",
                                           "Status": "EndpointStatus"})
        return {"Endpoints": page, **({"NextToken": token} if token else {})}

    def delete(self, p: dict) -> dict:
        name = p["EndpointName"]
        with self.lock:
            doc = self._get(name)
            if doc["EndpointStatus"] in BUSY:
                raise AWSError("ValidationException", "Cannot update in-progress endpoint "
                               f'"{doc["EndpointArn"]}".')
            now = self.cloud.clock.now()
            self._close_segments(doc, now)
            doc.update(EndpointStatus="Deleting", LastModifiedTime=now)
            self._put(doc)
            fleet = self.fleets.pop(name, None)
        self._spawn(self._delete_run, name, fleet)
        return {}

    def update(self, p: dict) -> dict:
        name = p["EndpointName"]
        with self.lock:
            doc = self._get(name)
            if doc["EndpointStatus"] != "InService":
                if doc["EndpointStatus"] == "Failed":
                    raise AWSError("ValidationException", "Cannot update failed endpoint "
                                   f'"{doc["EndpointArn"]}".')
                raise AWSError("ValidationException", "Cannot update in-progress endpoint "
                               f'"{doc["EndpointArn"]}".')
            cfg = self.configs.get(p["EndpointConfigName"])
            models, images = self._resolve(cfg)
            if p.get("RetainAllVariantProperties"):
                excluded = {e["VariantPropertyType"] for e in p.get("ExcludeRetainedVariantProperties") or []}
                current = {v["VariantName"]: v for v in doc["ProductionVariants"]}
                variants = []
                for v in cfg["ProductionVariants"]:
                    v = dict(v)
                    old = current.get(v["VariantName"])
                    if old and "DesiredWeight" not in excluded:
                        v["InitialVariantWeight"] = old["CurrentWeight"]
                    if old and "DesiredInstanceCount" not in excluded:
                        v["InitialInstanceCount"] = old["CurrentInstanceCount"]
                    variants.append(v)
                cfg = {**cfg, "ProductionVariants": variants}
            self._check_quota(cfg)
            now = self.cloud.clock.now()
            doc.update(EndpointStatus="Updating", LastModifiedTime=now, _pending_config=cfg)
            doc.pop("FailureReason", None)
            self._put(doc)
        self._spawn(self._update_run, name, cfg, models, images)
        return {"EndpointArn": doc["EndpointArn"]}

    def update_weights(self, p: dict) -> dict:
        name = p["EndpointName"]
        with self.lock:
            doc = self._get(name)
            if doc["EndpointStatus"] != "InService":
                raise AWSError("ValidationException", "Cannot update in-progress endpoint "
                               f'"{doc["EndpointArn"]}".')
            known = {v["VariantName"] for v in doc["ProductionVariants"]}
            desired = p["DesiredWeightsAndCapacities"]
            repeated = sorted(n for n, c in Counter(d["VariantName"] for d in desired).items() if c > 1)
            if repeated:  # labcloud's wording: the last value would win silently otherwise
                raise AWSError("ValidationException", f"The variant(s) \"[{', '.join(repeated)}]\" "
                               "are repeated in DesiredWeightsAndCapacities; give each variant once.")
            missing = [d["VariantName"] for d in desired if d["VariantName"] not in known]
            if missing:
                raise AWSError("ValidationException", f"The variant(s) \"[{', '.join(missing)}]\" "
                               f"are not present in endpoint \"{doc['EndpointArn']}\".")
            for d in desired:
                if "DesiredWeight" not in d and "DesiredInstanceCount" not in d:
                    raise AWSError("ValidationException", "Either DesiredWeight or "
                                   "DesiredInstanceCount must be specified for variant "
                                   f"{d['VariantName']}.")
            # the model's minimum of 0 is for inference-component endpoints (scale to zero); a
            # variant of instances keeps at least one, as the model's minimum was before them
            # (with none, every request would wait for an instance that never comes)
            empty = [f"Value '{d['DesiredInstanceCount']}' at 'desiredWeightsAndCapacities.{i}."
                     "member.desiredInstanceCount' failed to satisfy constraint: Member must have "
                     "value greater than or equal to 1"
                     for i, d in enumerate(desired, start=1) if d.get("DesiredInstanceCount", 1) < 1]
            if empty:
                raise AWSError("ValidationException", format_violations(empty))
            weights = {v["VariantName"]: float(v.get("DesiredWeight", v.get("CurrentWeight", 1.0)))
                       for v in doc["ProductionVariants"]}
            weights.update({d["VariantName"]: float(d["DesiredWeight"]) for d in desired
                            if "DesiredWeight" in d})
            if not any(w > 0 for w in weights.values()):
                raise no_traffic(doc["EndpointArn"])
            grow: Counter = Counter()
            by_name = {v["VariantName"]: v for v in doc["_config"]["ProductionVariants"]}
            for d in desired:
                if "DesiredInstanceCount" in d:
                    v = by_name[d["VariantName"]]
                    extra = int(d["DesiredInstanceCount"]) - int(v["InitialInstanceCount"])
                    if extra > 0:
                        grow[v["InstanceType"]] += extra
            from ..servicequotas import check as quota_check
            for instance_type, count in grow.items():
                quota_check(self.cloud, "endpoint", instance_type, count)
            now = self.cloud.clock.now()
            for v in doc["ProductionVariants"]:
                for d in desired:
                    if d["VariantName"] == v["VariantName"]:
                        if "DesiredWeight" in d:
                            v["DesiredWeight"] = float(d["DesiredWeight"])
                        if "DesiredInstanceCount" in d:
                            v["DesiredInstanceCount"] = int(d["DesiredInstanceCount"])
            doc.update(EndpointStatus="Updating", LastModifiedTime=now)
            self._put(doc)
        self._spawn(self._weights_run, name, desired)
        return {"EndpointArn": doc["EndpointArn"]}

    # ---- runners ---------------------------------------------------------------------------
    def _spawn(self, target, *args) -> None:
        def run() -> None:
            try:
                target(*args)
            except Exception:
                log.error("endpoint runner %s crashed:\n%s", target.__name__, traceback.format_exc())
        threading.Thread(target=run, daemon=True, name=f"endpoint-{args[0]}").start()

    def _launch(self, name: str, cfg: dict, models: dict, images: dict,
                step: str) -> tuple[Fleet, str | None]:
        """Start a fleet for `cfg` and account its launch on the simulated clock; the failure
        reason, if it did not pass its health checks."""
        fleet = Fleet(self.cloud, name, cfg, models, images)
        failure = None
        try:
            fleet.start()
        except FleetError as err:
            failure = str(err)
        self.cloud.clock.wait(launch_seconds(name, f"{step}-{fleet.tag}"))
        return fleet, failure

    def _create_run(self, name: str, cfg: dict, models: dict, images: dict) -> None:
        fleet, failure = self._launch(name, cfg, models, images, "create")
        with self.lock:
            doc = self.docs.get(name)
            if doc is None or doc["EndpointStatus"] != "Creating" or self._stopping:
                if failure is None:
                    fleet.stop()
                return
            now = self.cloud.clock.now()
            if failure is not None:
                doc.update(EndpointStatus="Failed", FailureReason=failure, LastModifiedTime=now)
                doc["ProductionVariants"] = [{k: v for k, v in s.items() if k != "VariantStatus"}
                                             for s in doc["ProductionVariants"]]
                self._put(doc)
                return
            self.fleets[name] = fleet
            doc["ProductionVariants"] = self._summaries(cfg, images, now)
            self._open_segments(doc, cfg, now)
            doc.update(EndpointStatus="InService", LastModifiedTime=now)
            self._put(doc)

    def _update_run(self, name: str, cfg: dict, models: dict, images: dict) -> None:
        """Blue/green: the new fleet starts and passes its health checks while the old one
        serves; traffic switches in one step; the old fleet drains and stops."""
        fleet, failure = self._launch(name, cfg, models, images, "update")
        self.capture.flush()  # what was captured before the update is in S3 once it is InService
        old = None
        with self.lock:
            doc = self.docs.get(name)
            if doc is None or self._stopping:
                if failure is None:
                    fleet.stop()
                return
            now = self.cloud.clock.now()
            doc.pop("_pending_config", None)
            if failure is not None:  # rolled back: the old fleet keeps serving
                doc.update(EndpointStatus="InService", LastModifiedTime=now,
                           FailureReason=f"Failed to update endpoint: {failure}")
                self._put(doc)
                return
            old = self.fleets.get(name)
            self.fleets[name] = fleet
            self._close_segments(doc, now)
            self._open_segments(doc, cfg, now)
            doc.update(EndpointStatus="InService", LastModifiedTime=now,
                       EndpointConfigName=cfg["EndpointConfigName"], _config=cfg, _models=models,
                       ProductionVariants=self._summaries(cfg, images, now))
            self._put(doc)
        if old is not None:
            old.stop()
        self.capture.flush()  # and what the old fleet answered while it drained

    def _weights_run(self, name: str, desired: list[dict]) -> None:
        fleet = self.fleets.get(name)
        failure = None
        if fleet is not None:
            for d in desired:
                if "DesiredInstanceCount" in d:
                    try:
                        fleet.scale(d["VariantName"], int(d["DesiredInstanceCount"]))
                    except FleetError as err:
                        failure = str(err)
        self.cloud.clock.wait(launch_seconds(name, "weights", 20, 60))
        with self.lock:
            doc = self.docs.get(name)
            if doc is None or self._stopping:
                return
            now = self.cloud.clock.now()
            cfg = doc["_config"]
            variants = []
            for v in cfg["ProductionVariants"]:
                v = dict(v)
                for d in desired:
                    if d["VariantName"] == v["VariantName"]:
                        if "DesiredWeight" in d:
                            v["InitialVariantWeight"] = float(d["DesiredWeight"])
                        if "DesiredInstanceCount" in d and fleet is not None:
                            v["InitialInstanceCount"] = fleet.counts[v["VariantName"]]
                variants.append(v)
            cfg = {**cfg, "ProductionVariants": variants}
            if fleet is not None:
                fleet.weights = {v["VariantName"]: float(v["InitialVariantWeight"]) for v in variants}
            self._close_segments(doc, now)
            self._open_segments(doc, cfg, now)
            for s in doc["ProductionVariants"]:
                v = next(x for x in variants if x["VariantName"] == s["VariantName"])
                s.update(CurrentWeight=v["InitialVariantWeight"], DesiredWeight=v["InitialVariantWeight"],
                         CurrentInstanceCount=v["InitialInstanceCount"],
                         DesiredInstanceCount=v["InitialInstanceCount"])
            doc.update(EndpointStatus="InService", LastModifiedTime=now, _config=cfg)
            if failure:
                doc["FailureReason"] = failure
            self._put(doc)

    def _delete_run(self, name: str, fleet: Fleet | None) -> None:
        if fleet is not None:
            fleet.stop()
        self.capture.flush()  # nothing captured is lost with the endpoint
        self.cloud.clock.wait(launch_seconds(name, "delete", 5, 20))
        with self.lock:
            doc = self.docs.get(name)
            if doc is None:
                return
            segments = doc.get("_segments") or []
            if segments:
                key = f"{name}@{doc['CreationTime']}"
                self.billed.insert(key, doc["EndpointArn"], {"EndpointName": name,
                                   "_segments": segments}, status="Deleted",
                                   created=doc["CreationTime"])
            self.docs.delete(name)

    # ---- helpers ---------------------------------------------------------------------------
    def _put(self, doc: dict) -> None:
        self.docs.put(doc["EndpointName"], doc, status=doc["EndpointStatus"],
                      modified=doc["LastModifiedTime"])

    @staticmethod
    def _summaries(cfg: dict, images: dict, now: float, status: str | None = None) -> list[dict]:
        out = []
        for v in cfg["ProductionVariants"]:
            image = images[v["ModelName"]]
            uri = getattr(image, "uri", None) or ""
            s = {"VariantName": v["VariantName"],
                 "DesiredWeight": float(v["InitialVariantWeight"]),
                 "DesiredInstanceCount": int(v["InitialInstanceCount"])}
            if status is None:
                s = {"VariantName": v["VariantName"],
                     "DeployedImages": [{"SpecifiedImage": uri, "ResolvedImage": uri,
                                         "ResolutionTime": now}],
                     "CurrentWeight": float(v["InitialVariantWeight"]), **s,
                     "CurrentInstanceCount": int(v["InitialInstanceCount"])}
            else:
                s["VariantStatus"] = [{"Status": status, "StartTime": now}]
            out.append(s)
        return out

    @staticmethod
    def _open_segments(doc: dict, cfg: dict, now: float) -> None:
        for v in cfg["ProductionVariants"]:
            doc["_segments"].append({"variant": v["VariantName"], "type": v["InstanceType"],
                                     "count": int(v["InitialInstanceCount"]), "start": now,
                                     "end": None})

    @staticmethod
    def _close_segments(doc: dict, now: float) -> None:
        for s in doc.get("_segments") or []:
            if s["end"] is None:
                s["end"] = now

    def fleet(self, name: str) -> Fleet | None:
        return self.fleets.get(name)

    def resume(self) -> None:
        """Bring back the fleets of endpoints that were serving when the server stopped."""
        for name in self.docs.names_with_status(*BUSY, "InService"):
            doc = self.docs.get(name)
            status = doc["EndpointStatus"]
            if status == "Deleting":
                self._spawn(self._delete_run, name, None)
                continue
            if status == "Creating":
                try:
                    cfg = doc["_config"]
                    models, images = self._resolve(cfg, doc.get("_models"))
                except AWSError as err:
                    self._fail(doc, str(err.message))
                    continue
                self._spawn(self._create_run, name, cfg, models, images)
                continue
            doc.pop("_pending_config", None)  # an update in flight is abandoned: old config
            doc["EndpointStatus"] = "InService"
            self._put(doc)
            self.restoring.add(name)
            self._spawn(self._restore, name, doc["_config"], doc.get("_models"))

    def _restore(self, name: str, cfg: dict, kept: dict | None) -> None:
        try:
            self._restore_fleet(name, cfg, kept)
        finally:
            self.restoring.discard(name)

    def _restore_fleet(self, name: str, cfg: dict, kept: dict | None) -> None:
        try:
            models, images = self._resolve(cfg, kept)
            fleet = Fleet(self.cloud, name, cfg, models, images)
            fleet.start()
        except (AWSError, FleetError) as err:
            with self.lock:
                doc = self.docs.get(name)
                if doc is not None:
                    self._fail(doc, f"The endpoint could not be restored: {getattr(err, 'message', err)}")
            return
        with self.lock:
            if self._stopping or self.docs.get(name) is None:
                fleet.stop()
                return
            self.fleets[name] = fleet

    def _fail(self, doc: dict, reason: str) -> None:
        now = self.cloud.clock.now()
        self._close_segments(doc, now)
        doc.update(EndpointStatus="Failed", FailureReason=reason, LastModifiedTime=now)
        self._put(doc)

    def stop_all(self) -> None:
        """Server shutdown: stop the processes, keep the documents (resume brings them back)."""
        with self.lock:
            self._stopping = True
            fleets, self.fleets = list(self.fleets.values()), {}
        for fleet in fleets:
            fleet.stop()
        self.capture.close()


@register_source
def endpoints_bill(cloud: "Cloud") -> list[dict]:
    """Each InService period of each variant bills its instances, up to now or its end."""
    now = cloud.clock.now()
    out = []
    for kind in (KIND, BILLED_KIND):
        for doc in Resources(cloud.store, kind).all():
            status = doc.get("EndpointStatus", "Deleted")
            totals: dict[tuple, float] = {}
            for s in doc.get("_segments") or []:
                key = (s["variant"], s["type"], s["count"])
                totals[key] = totals.get(key, 0.0) + max(0.0, (s["end"] or now) - s["start"])
            for (variant, instance_type, count), seconds in totals.items():
                out.append(line(f"{doc['EndpointName']}/{variant}", "sagemaker", "endpoint",
                                instance_type, count, float(int(seconds)), status))
    return out
