"""What one InvokeEndpoint did, handed to whoever observes the data plane.

The runtime builds one `Invocation` per request that reached a variant and passes it to each
observer in `SageMakerRuntimeService.observers`: CloudWatch turns it into the endpoint's metrics,
data capture into JSONL records. Observers run on the server's event loop, so they must only
queue or count, never block on disk or network.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass(slots=True)
class Invocation:
    endpoint: str
    variant: str
    instances: int               # InService instances of that variant (InvocationsPerInstance)
    time: float                  # simulated clock, epoch seconds, when the request arrived
    status: int                  # the container's HTTP status; 0 when it timed out
    model_latency_us: int        # time spent in the container, microseconds
    overhead_latency_us: int     # the rest of the request's time in labcloud, microseconds
    request_body: bytes
    content_type: str
    accept: str | None
    response_body: bytes = b""
    response_content_type: str | None = None
    inference_id: str | None = None
    config: dict = field(default_factory=dict)  # the endpoint config the fleet runs

    @property
    def error(self) -> str | None:
        """None for a 2xx answer, else '4xx' or '5xx' (a timeout counts as 5xx)."""
        if 200 <= self.status < 300:
            return None
        return "4xx" if 400 <= self.status < 500 else "5xx"


Observer = Callable[[Invocation], None]
