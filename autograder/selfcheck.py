"""`course check NOTEBOOK`: a student's self-check, run as grading runs it.

The notebook runs in a scratch copy of its folder, in a fresh kernel, on a fresh labcloud, in
the sandbox, through nbgrader's own Execute and IgnorePattern, so "passes here" means "passes
the visible tests when graded". It cannot run hidden tests (the student's copy has none) and
says so. It also warns about what grading will undo: edited test cells are restored.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader import utils as nbutils

from . import config, notebooks, results, sandbox
from .execute import EXIT_KERNEL_DIED
from .results import QuestionResult


@dataclass
class CheckReport:
    notebook: Path
    questions: list[QuestionResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.error and all(q.status == results.OK for q in self.questions)


def edited_tests(nb) -> list[str]:
    """Test cells whose source differs from what was released (their stored checksum)."""
    edited = []
    for cell in nb.cells:
        stored = cell.metadata.get("nbgrader", {}).get("checksum")
        if notebooks.is_test(cell) and stored and stored != nbutils.compute_checksum(cell):
            edited.append(notebooks.grade_id(cell))
    return edited


def cell_errors(nb, limit: int = 3) -> list[str]:
    """Errors in cells that are not tests: often the real reason a test failed later."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or notebooks.is_test(cell) or results.unanswered(cell):
            continue   # an unanswered stub raising NotImplementedError is no news
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                name = notebooks.grade_id(cell) or f"#{index}"
                found.append(f"cell {name} raised {notebooks.error_line(output)}")
                break
    return found[:limit] + ([f"... and {len(found) - limit} more cells with errors"]
                            if len(found) > limit else [])


def check(path: Path, limits: sandbox.Limits = sandbox.Limits(),
          cell_timeout: int = config.CELL_TIMEOUT) -> CheckReport:
    path = Path(path).resolve()
    report = CheckReport(path)
    try:
        nb = notebooks.read(path)
    except notebooks.NotebookError as err:
        report.error = str(err)
        return report
    if not notebooks.questions(nb):
        report.warnings.append("this notebook has no autograded tests (is it a released lesson?)")
    for gid in edited_tests(nb):
        report.warnings.append(f"test cell {gid} was edited; grading runs the original instead")
    with tempfile.TemporaryDirectory(prefix="mlprod-check-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(path.parent, work, ignore=shutil.ignore_patterns(*config.IGNORE))
        out = Path(tmp) / "executed.ipynb"
        cmd = [sys.executable, "-m", "autograder.execute", str(work / path.name), str(out),
               f"--cell-timeout={cell_timeout}"]
        outcome = sandbox.run(cmd, cwd=work, log_path=Path(tmp) / "execute.log", limits=limits,
                              home=Path(tmp) / "cloud")
        report.seconds = outcome.seconds
        if outcome.timed_out:
            report.questions = results.unscored(nb, path.stem, results.TIMEOUT,
                                                f"stopped after {limits.wall_seconds:g} s")
            report.error = f"the notebook ran past the {limits.wall_seconds:g} s limit and was stopped"
        elif out.exists():
            executed = notebooks.read(out)
            crashed_at = executed.metadata.get("autograder", {}).get("kernel_died_at")
            report.questions = results.score(executed, path.stem, crashed_at)
            report.warnings += cell_errors(executed)
            if outcome.returncode == EXIT_KERNEL_DIED:
                where = (notebooks.grade_id(executed.cells[crashed_at]) or f"#{crashed_at}"
                         if isinstance(crashed_at, int) and crashed_at < len(executed.cells) else "?")
                report.error = f"the kernel died while running cell {where}"
        else:
            report.questions = results.unscored(nb, path.stem, results.CRASHED, "could not run")
            lines = [ln for ln in outcome.log.strip().splitlines() if ln.strip()]
            report.error = "could not run the notebook: " + (lines[-1] if lines else "no output")
    return report


def render(report: CheckReport) -> str:
    lines = [f"checked {report.notebook.name} in a fresh kernel on a fresh labcloud "
             f"({report.seconds:.1f} s)"]
    lines += [f"warning: {w}" for w in report.warnings]
    if report.questions:
        width = max(4, *(len(q.test_id) for q in report.questions))
        lines.append(f"  {'test':{width}}  {'points':>7}  {'result':11}  hint")
        for q in report.questions:
            shown = "pass" if q.status == results.OK else q.status
            lines.append(f"  {q.test_id:{width}}  {q.points:>3g}/{q.max_points:<3g}  {shown:11}  {q.hint}")
        total = sum(q.points for q in report.questions)
        most = sum(q.max_points for q in report.questions)
        lines.append(f"  visible tests: {total:g}/{most:g} points. Grading adds hidden tests, "
                     "so a pass here is necessary, not sufficient.")
    if report.error:
        lines.append(f"error: {report.error}")
    return "\n".join(lines)
