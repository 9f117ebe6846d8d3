"""The container's log lines, worded and formatted as each image generation prints them.

Every line goes to stdout and is flushed at once, because the platform turns each line into a
CloudWatch event as it arrives (and renders TAB as #011 for the metric regexes). Three styles:
* legacy (xgboost:1, closed-source 0.72): "[2019-11-30:10:18:35:INFO] ..." plus xgboost's own
  "[10:18:35] ..." lines; metrics with 6 significant digits ("%g");
* containers-0.90 (0.90-x): python logging's default "INFO:root:..." format; "%g" metrics;
* current (1.0-1 ... 3.0-5): "[2023-03-22:07:44:36:INFO] ..."; metrics with 5 decimals.
"""
from __future__ import annotations

import os
import sys
import time

from .versions import VersionFacts


def _now() -> time.struct_time:
    """The instance's clock is the cloud's: the platform passes the simulated clock's offset,
    so the container's own timestamps agree with the job's status transitions."""
    return time.gmtime(time.time() + float(os.environ.get("LABCLOUD_CLOCK_OFFSET", "0") or 0))


class ContainerLog:
    def __init__(self, facts: VersionFacts, stream=None):
        self.facts = facts
        self.stream = stream or sys.stdout
        self.percent_g = facts.log_style in ("legacy", "containers-0.90")

    def raw(self, text: str) -> None:
        self.stream.write(text if text.endswith("\n") else text + "\n")
        self.stream.flush()

    def _line(self, level: str, message: str, logger: str) -> str:
        if self.facts.log_style == "containers-0.90":
            return f"{level}:{logger}:{message}"
        stamp = time.strftime("%Y-%m-%d:%H:%M:%S", _now())
        return f"[{stamp}:{level}] {message}"

    def info(self, message: str, logger: str = "root") -> None:
        self.raw(self._line("INFO", message, logger))

    def warning(self, message: str, logger: str = "root") -> None:
        self.raw(self._line("WARNING", message, logger))

    def error(self, message: str, logger: str = "root") -> None:
        self.raw(self._line("ERROR", message, logger))

    def native(self, message: str) -> None:
        """A line printed by xgboost's C++ logger: "[HH:MM:SS] message"."""
        self.raw(f"[{time.strftime('%H:%M:%S', _now())}] {message}")

    def format_value(self, value: float) -> str:
        return f"{value:g}" if self.percent_g else f"{value:.5f}"

    def eval_line(self, iteration: int, results: list[tuple[str, float]]) -> str:
        """"[3]\\ttrain-rmse:1.23456\\tvalidation-rmse:2.34567" as xgboost prints it."""
        return f"[{iteration}]" + "".join(f"\t{name}:{self.format_value(value)}"
                                          for name, value in results)
