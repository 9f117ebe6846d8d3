"""The training transcript SDK v2 prints while it waits for a job (sagemaker/session.py
`_logs_for_job`, sagemaker/logs.py), rebuilt from two plain API calls you can make yourself:

* sagemaker DescribeTrainingJob -> SecondaryStatusTransitions, printed as
  `2026-11-25 10:00:00 Starting - Launching requested ML instances...`
* logs DescribeLogStreams + GetLogEvents on /aws/sagemaker/TrainingJobs, stream `<job>/algo-1-...`
  -> the container's lines, printed as CloudWatch stores them (a TAB shows as `#011`, exactly
  what the real SDK prints, because it prints the raw message).
"""
from __future__ import annotations

import os
import sys
import time
from datetime import timezone

from botocore.exceptions import ClientError

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TERMINAL = ("Completed", "Failed", "Stopped")
SDK_POLL_SECONDS = 10  # the real SDK's poll: one '.' per poll while a phase lasts


class ColorWrap:
    """In a terminal or Jupyter, each instance's lines get their own colour, as in v2."""

    _stream_colors = [34, 35, 32, 36, 33]

    def __init__(self, force: bool = False):
        self.colorize = force or sys.stdout.isatty() or bool(os.environ.get("JPY_PARENT_PID"))

    def __call__(self, index: int, s: str) -> None:
        if self.colorize:
            print(f"\x1b[{self._stream_colors[index % len(self._stream_colors)]}m{s}\x1b[0m")
        else:
            print(s)


def status_line(transition: dict) -> str:
    """One SecondaryStatusTransition as the SDK shows it. The real SDK prints a '.' per poll
    while the phase lasts; labcloud's phases pass on a simulated clock, so we print the dots the
    phase's simulated duration would have produced (at least three). Times are UTC, as v2
    prints them."""
    start = transition["StartTime"]
    dots = 3
    if transition.get("EndTime") is not None:
        seconds = (transition["EndTime"] - start).total_seconds()
        dots = max(3, min(12, int(seconds // SDK_POLL_SECONDS)))
    when = start.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return f"{when} {transition['Status']} - {transition['StatusMessage']}" + "." * dots


class LogTail:
    """Reads the job's log streams from where it left off last time."""

    def __init__(self, logs_client, job_name: str, instance_count: int = 1,
                 log_group: str = LOG_GROUP):
        self.client = logs_client
        self.log_group = log_group
        self.job_name = job_name
        self.instance_count = instance_count
        self.tokens: dict[str, str | None] = {}
        self.color = ColorWrap()

    def _find_streams(self) -> None:
        if len(self.tokens) >= self.instance_count:
            return
        try:
            streams = self.client.describe_log_streams(
                logGroupName=self.log_group, logStreamNamePrefix=self.job_name + "/",
                orderBy="LogStreamName", limit=min(self.instance_count, 50))
        except ClientError as err:  # no log group before the first container ever logged
            if err.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            return
        for s in streams["logStreams"]:
            self.tokens.setdefault(s["logStreamName"], None)

    def flush(self) -> int:
        """Print every event not printed yet; returns how many were printed."""
        self._find_streams()
        printed = 0
        for index, stream in enumerate(sorted(self.tokens)):
            while True:
                kwargs = {"nextToken": self.tokens[stream]} if self.tokens[stream] else {}
                page = self.client.get_log_events(logGroupName=self.log_group, logStreamName=stream,
                                                  startFromHead=True, **kwargs)
                for event in page["events"]:
                    self.color(index, event["message"])
                    printed += 1
                token = page.get("nextForwardToken")
                if not page["events"] or token == self.tokens[stream]:
                    self.tokens[stream] = token or self.tokens[stream]
                    break
                self.tokens[stream] = token
        return printed


class StatusPrinter:
    """Prints a SecondaryStatusTransition when it first appears, and again when its message
    changes while it is the current one (AWS updates e.g. Starting's message in place:
    'Starting the training job' -> 'Launching requested ML instances' -> ...). Like the real
    SDK, it can only show the messages it saw when it polled."""

    def __init__(self, dots_follow: bool = False):
        self.printed: list[str] = []   # the message printed for each transition so far
        self.dots_follow = dots_follow  # wait_for_job: '.' per poll goes on the status line

    def _print(self, transition: dict) -> None:
        if self.dots_follow:
            print()
            print(status_line(transition), end="", flush=True)
        else:
            print(status_line(transition))

    def print_new(self, desc: dict, upto_training: bool = False) -> bool:
        """Print what is new in `desc`; with `upto_training`, stop after the 'Training'
        transition (what follows waits until the container's log lines are out).
        Returns whether anything was printed."""
        transitions = desc.get("SecondaryStatusTransitions") or []
        printed_any = False
        for i, transition in enumerate(transitions):
            if upto_training and any(t["Status"] == "Training" for t in transitions[:i]):
                break
            if i < len(self.printed):
                if i == len(transitions) - 1 and self.printed[i] != transition["StatusMessage"]:
                    self._print(transition)
                    self.printed[i] = transition["StatusMessage"]
                    printed_any = True
                continue
            self._print(transition)
            self.printed.append(transition["StatusMessage"])
            printed_any = True
        return printed_any


def tail_training_job(sagemaker_client, logs_client, job_name: str, wait: bool,
                      poll: float, show_logs: bool = True, timeout: float | None = None) -> dict:
    """The loop behind Session.logs_for_job: DescribeTrainingJob, print what is new, read the
    logs, sleep `poll` seconds, until the job ends (or once, without `wait`)."""
    desc = sagemaker_client.describe_training_job(TrainingJobName=job_name)
    tail = LogTail(logs_client, job_name, desc["ResourceConfig"]["InstanceCount"])
    status = StatusPrinter()
    deadline = time.time() + timeout if timeout else None
    while True:
        done = desc["TrainingJobStatus"] in TERMINAL
        status.print_new(desc, upto_training=True)
        if show_logs:
            tail.flush()
        # everything the snapshot holds may print now: its log lines are out
        status.print_new(desc)
        if done or not wait:
            return desc
        if deadline and time.time() > deadline:
            print(f"Timeout Exceeded. {timeout} seconds elapsed.")
            return desc
        time.sleep(poll)
        desc = sagemaker_client.describe_training_job(TrainingJobName=job_name)
