"""The simulated clock: what takes minutes on AWS is accounted, not slept.

The cloud's time is wall-clock time plus an offset that only grows. When a job must wait for
something AWS spends minutes on (launching instances, pulling an image) the clock *skips* to the
moment the wait would end, so timestamps, durations and the bill look real while the student
waits only for real compute. Waits that end at the same simulated moment skip once, so two jobs
launched together do not push the clock twice. `LABCLOUD_TIME_SCALE` (0..1) makes a demo really
sleep that fraction of every skip.
"""
from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timezone

from .state import Store


class SimClock:
    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._offset = float(store.get_meta("clock_offset", 0.0))
        self.scale = float(os.environ.get("LABCLOUD_TIME_SCALE", "0") or 0)

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock on by `seconds` (a weekend, an hour of traffic) without sleeping."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
            self.store.set_meta("clock_offset", self._offset)
        return self.now()

    def wait_until(self, target: float) -> float:
        """Return once simulated time has reached `target`: sleep the scaled part, skip the rest."""
        delta = target - self.now()
        if delta <= 0:
            return self.now()
        if self.scale > 0:
            time.sleep(delta * min(self.scale, 1.0))
        with self._lock:
            remaining = target - (time.time() + self._offset)
            if remaining > 0:
                self._offset += remaining
                self.store.set_meta("clock_offset", self._offset)
        return self.now()

    def wait(self, seconds: float) -> float:
        return self.wait_until(self.now() + seconds)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def http_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
