"""What every job run shares: its own thread, abort on server stop, and one way to end.

A run (training, transform, processing) subclasses `JobRun` and gives `_phases` (the work,
ending by returning or by raising `JobEnded`), `_finish` (write the job's end state) and
`_halt` (stop the container it runs). A bug of ours ends the job Failed with AWS's internal
error; an aborted run writes nothing, so the job is settled when the server starts again.
"""
from __future__ import annotations

import logging
import threading
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server.app import Cloud

log = logging.getLogger("labcloud.jobs")
INTERNAL_ERROR = "InternalServerError: We encountered an internal error. Please try again."


class JobEnded(Exception):
    """Raised inside a run to end it: status, secondary status, message, failure reason."""

    def __init__(self, status: str, secondary: str, message: str, failure: str | None = None):
        super().__init__(failure or message)
        self.status, self.secondary, self.message, self.failure = status, secondary, message, failure


class JobRun:
    kind = "job"  # names the thread and the log line of a crash: "training", "transform", ...

    def __init__(self, cloud: "Cloud", jobs, name: str):
        self.cloud, self.jobs, self.name = cloud, jobs, name
        self.clock = cloud.clock
        self.thread = threading.Thread(target=self._run, name=f"{self.kind}-{name}", daemon=True)
        self._aborted = False

    def start(self) -> None:
        self.thread.start()

    def abort(self) -> None:
        self._aborted = True
        self._halt()

    def _run(self) -> None:
        try:
            self._phases()
        except JobEnded as end:
            self._end(end)
        except Exception:
            log.error("%s job %s crashed:\n%s", self.kind, self.name, traceback.format_exc())
            self._end(JobEnded("Failed", "Failed", f"{self.kind.capitalize()} job failed",
                               INTERNAL_ERROR))
        finally:
            self._cleanup()

    def _end(self, end: JobEnded) -> None:
        if not self._aborted:  # the server is shutting down; resume() settles the job on next start
            self._finish(end)

    # ---- what a kind of run gives ------------------------------------------------------------
    def _phases(self) -> None:
        raise NotImplementedError

    def _finish(self, end: JobEnded) -> None:
        raise NotImplementedError

    def _halt(self) -> None:
        """Stop what the run started, at once (abort)."""

    def _cleanup(self) -> None:
        """Release what the run started, when it ends either way."""


class ContainerRun(JobRun):
    """A run whose work is one container process (training, processing): killed on abort, its
    working root removed when the run ends either way."""

    def __init__(self, cloud: "Cloud", jobs, name: str, image):
        self.image = image
        self.container = None  # a compute.container.Container once the run has started it
        super().__init__(cloud, jobs, name)

    def _halt(self) -> None:
        if self.container:
            self.container.kill()

    def _cleanup(self) -> None:
        if self.container:
            self.container.remove()
