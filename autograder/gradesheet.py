"""The grade sheet: one CSV row per student and assignment, per-question points and status.

nbgrader's own export has totals only and cannot tell "graded 0" from "crashed" or "never ran";
this sheet can, so an instructor sees at a glance which zeros need a look.
"""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from .grading import JobResult


def _columns(rows: list[JobResult]) -> list[tuple[str, str]]:
    """(notebook, test_id) in notebook order; named by test id alone when one notebook."""
    seen: dict[tuple[str, str], None] = {}
    for row in rows:
        for q in row.questions:
            seen.setdefault((q.notebook, q.test_id), None)
    return list(seen)


def write_csv(path: Path, rows: list[JobResult]) -> None:
    """Write the sheet of one assignment's results."""
    columns = _columns(rows)
    single = len({nb for nb, _ in columns}) <= 1
    label = {key: key[1] if single else f"{key[0]}:{key[1]}" for key in columns}
    header = ["student", "assignment", "status", "total", "max"]
    for key in columns:
        header += [label[key], f"{label[key]} status"]
    header += ["message", "seconds"]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            by_key = {(q.notebook, q.test_id): q for q in row.questions}
            line = [row.student, row.assignment, row.status, f"{row.points:g}", f"{row.max_points:g}"]
            for key in columns:
                q = by_key.get(key)
                line += [f"{q.points:g}", q.status] if q else ["", ""]
            line += [row.message, f"{row.seconds:.1f}"]
            writer.writerow(line)


def summary(rows: list[JobResult]) -> str:
    """A fixed-width table for the terminal, and the count of each status."""
    if not rows:
        return "nothing to grade"
    sw = max(7, *(len(r.student) for r in rows))
    aw = max(10, *(len(r.assignment) for r in rows))
    lines = [f"{'student':{sw}}  {'assignment':{aw}}  {'score':>9}  {'status':11}  {'secs':>5}  message"]
    for r in rows:
        score = f"{r.points:g}/{r.max_points:g}"
        message = r.message if len(r.message) <= 100 else r.message[:97] + "..."
        lines.append(f"{r.student:{sw}}  {r.assignment:{aw}}  {score:>9}  {r.status:11}  "
                     f"{r.seconds:5.1f}  {message}")
    counts = Counter(r.status for r in rows)
    lines.append("")
    lines.append(f"{len(rows)} submission(s): " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return "\n".join(lines)
