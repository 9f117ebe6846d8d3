"""The endpoint invocation metrics SageMaker publishes to CloudWatch, from the runtime's records.

Namespace `AWS/SageMaker`, dimensions EndpointName and VariantName, one value per request, as
the SageMaker developer guide lists them: Invocations and InvocationsPerInstance
(1 / InService instances of the variant), Invocation4XXErrors, Invocation5XXErrors and
InvocationModelErrors (1 or 0, so Average is the error rate), all with unit None, and
ModelLatency and OverheadLatency in Microseconds. The observer runs on the server's event loop,
so it only counts into `Pending`; a background thread writes the counts to SQLite.
"""
from __future__ import annotations

from ..sagemaker_runtime.invocation import Invocation
from .store import Pending, dims_key, minute_of

NAMESPACE = "AWS/SageMaker"


class EndpointMetrics:
    def __init__(self, pending: Pending):
        self.pending = pending
        self._dims: dict[tuple[str, str], str] = {}  # (endpoint, variant) -> dimension key

    def observe(self, inv: Invocation) -> None:
        dims = self._dims.get((inv.endpoint, inv.variant))
        if dims is None:
            dims = self._dims[inv.endpoint, inv.variant] = dims_key([
                {"Name": "EndpointName", "Value": inv.endpoint},
                {"Name": "VariantName", "Value": inv.variant}])
        minute = minute_of(inv.time)
        error = inv.error

        def key(metric: str, unit: str = "None"):
            return (NAMESPACE, metric, dims, unit, minute)
        self.pending.add([
            (key("Invocations"), 1.0),
            (key("InvocationsPerInstance"), 1.0 / max(1, inv.instances)),
            (key("Invocation4XXErrors"), 1.0 if error == "4xx" else 0.0),
            (key("Invocation5XXErrors"), 1.0 if error == "5xx" else 0.0),
            (key("InvocationModelErrors"), 1.0 if error else 0.0),
            (key("ModelLatency", "Microseconds"), float(inv.model_latency_us)),
            (key("OverheadLatency", "Microseconds"), float(inv.overhead_latency_us)),
        ])
