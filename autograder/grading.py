"""`course grade`: autograde many submissions in parallel, each sandboxed on its own cloud.

nbgrader grades one submission at a time and trusts the student's kernel with the course root
(issue #174, and the gradebook tampering in the anchors document). So each submission is graded
by the real `nbgrader autograde` in a course root of its own: the course config, a gradebook
holding the assignment but no students, the assignment's non-notebook files and this one
submission. The run is sandboxed (sandbox.py). Only after it has ended and its processes are
gone does the trusted parent read the autograded notebook, score it with nbgrader's own rules
and write the grades into the course gradebook: nothing the student's code did can reach
another student's grades, and the course gradebook is only ever written by this process.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveAutoGrades

from . import config, courseroot, feedback, notebooks, results, sandbox
from .guard import GradebookGuard
from .results import QuestionResult


@dataclass
class Job:
    student: str
    assignment: str
    folder: Path                     # <submissions>/<student>/<assignment>


@dataclass
class JobResult:
    student: str
    assignment: str
    questions: list[QuestionResult]
    status: str = results.OK
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    autograded: Path | None = None   # the run's autograded/<student>/<assignment> folder
    graded_notebooks: list[str] = field(default_factory=list)
    leftovers: int = 0

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def max_points(self) -> float:
        return sum(q.max_points for q in self.questions)

    @property
    def message(self) -> str:
        """What the instructor should know: the submission's problems, then each question
        that did not pass and why (unless that is already said)."""
        parts = list(self.messages)
        for q in self.questions:
            if q.status not in (results.OK, results.NO_RESPONSE) and q.hint and not any(
                    q.hint in m for m in self.messages):
                parts.append(f"{q.test_id}: {q.hint}")
        return "; ".join(parts)


def find_jobs(submissions: Path, names: list[str]) -> tuple[list[Job], list[str]]:
    """Every (student, assignment) to grade, and warnings about folders that are not one."""
    jobs, warnings = [], []
    for student_dir in sorted(p for p in Path(submissions).iterdir() if p.is_dir()
                              and not p.name.startswith(".")):
        present = {p.name for p in student_dir.iterdir() if p.is_dir()}
        for unknown in sorted(present - set(names)):
            if not unknown.startswith("."):
                warnings.append(f"{student_dir.name}/{unknown}: not an assignment being graded; skipped")
        for name in names:
            jobs.append(Job(student_dir.name, name, student_dir / name))
    return jobs, warnings


def match_notebooks(expected: list[str], folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Map each expected notebook name to the submitted file; accept one renamed copy
    ("lesson (1).ipynb") when exactly one expected notebook is missing and exactly one
    unknown notebook was handed in. Returns the mapping and what was noticed."""
    found = {p.stem: p for p in sorted(folder.glob("*.ipynb")) if not p.name.startswith(".")}
    mapping = {name: found[name] for name in expected if name in found}
    notes = []
    missing = [n for n in expected if n not in mapping]
    unknown = [s for s in found if s not in expected]
    if len(missing) == 1 and len(unknown) == 1:
        mapping[missing[0]] = found[unknown[0]]
        notes.append(f"graded {found[unknown[0]].name!r} as {missing[0]}.ipynb (renamed file)")
    elif unknown:
        notes.append("ignored unexpected notebook(s): " + ", ".join(f"{u}.ipynb" for u in unknown))
    return mapping, notes


def failure_reason(log: str) -> tuple[str, str]:
    """Why nbgrader could not autograde at all, from its log: (status, one line)."""
    if "DeadKernelError" in log or "Kernel died" in log:
        return results.CRASHED, ("the kernel died while running the notebook "
                                 "(os._exit, a crash or memory exhausted)")
    if "CellTimeoutError" in log:
        return results.TIMEOUT, ("a cell ran past the per-cell time limit and ignored the "
                                 "interrupt, so the notebook was stopped")
    if "MemoryError" in log:
        return results.CRASHED, "out of memory while grading"
    errors = [line.strip() for line in log.splitlines()
              if re.search(r"\b\w*(Error|Exception)\b", line) and "Traceback" not in line]
    line = errors[-1] if errors else (log.strip().splitlines() or ["nbgrader failed"])[-1]
    return results.CRASHED, line[:300]


class Grader:
    """Grades jobs for some assignments in the course root `out`."""

    def __init__(self, out: Path, solutions: Path, names: list[str], *,
                 limits: sandbox.Limits = sandbox.Limits(), cell_timeout: int = config.CELL_TIMEOUT,
                 workers: int = 1, progress=None):
        self.out = Path(out).resolve()
        self.solutions = Path(solutions).resolve()
        self.names = names
        self.limits = limits
        self.cell_timeout = cell_timeout
        self.workers = max(1, workers)
        self.progress = progress or (lambda line: print(line, file=sys.stderr, flush=True))
        self.api = courseroot.prepare(self.out, self.solutions, names, cell_timeout)
        self.db_url = f"sqlite:///{self.out / 'gradebook.db'}"
        self.released: dict[str, dict[str, NotebookNode]] = {}
        self.secrets: dict[str, dict[str, list[str]]] = {}
        for name in names:
            self.released[name] = {p.stem: notebooks.read(p) for p in
                                   sorted((self.out / "release" / name).glob("*.ipynb"))}
            self.secrets[name] = {p.stem: feedback.hidden_lines(notebooks.read(p)) for p in
                                  sorted((self.out / "source" / name).glob("*.ipynb"))}
        self.template_db = self._template_gradebook()
        self.alerts: list[str] = []     # problems of the run as a whole, for the instructor

    def _template_gradebook(self) -> Path:
        """The course gradebook without any student: what each sandboxed run starts from, so
        no run can read (or change) another student's grades."""
        path = self.out / "sandbox" / "template-gradebook.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.out / "gradebook.db", path)
        with Gradebook(f"sqlite:///{path}", config.COURSE_ID) as gb:
            for student in list(gb.students):
                gb.remove_student(student.id)
        return path

    # --- one submission, in a worker thread -------------------------------------------------

    def run_job(self, job: Job) -> JobResult:
        started = time.monotonic()
        released = self.released[job.assignment]
        result = JobResult(job.student, job.assignment, [])
        if not job.folder.is_dir():
            for name, nb in released.items():
                result.questions += results.unscored(nb, name, results.MISSING, "nothing handed in")
            result.messages.append(f"no folder {job.assignment}/ handed in")
            return self._finish(result, started)
        mapping, notes = match_notebooks(list(released), job.folder)
        result.messages += notes
        valid: dict[str, Path] = {}
        for name, nb in released.items():
            if name not in mapping:
                result.questions += results.unscored(nb, name, results.MISSING, f"no {name}.ipynb")
                result.messages.append(f"{name}.ipynb is missing")
                continue
            try:
                notebooks.read(mapping[name])
            except notebooks.NotebookError as err:
                result.questions += results.unscored(nb, name, results.INVALID, str(err))
                result.messages.append(str(err))
                continue
            valid[name] = mapping[name]
        if valid:
            self._autograde(job, valid, result)
        return self._finish(result, started)

    def _finish(self, result: JobResult, started: float) -> JobResult:
        order = {name: i for i, name in enumerate(self.released[result.assignment])}
        result.questions.sort(key=lambda q: order.get(q.notebook, 0))
        result.status = results.overall(result.questions)
        result.seconds = time.monotonic() - started
        return result

    def _job_root(self, job: Job, valid: dict[str, Path]) -> Path:
        root = self.out / "sandbox" / job.assignment / job.student
        if root.exists():
            _rmtree(root)
        config.write(root, self.cell_timeout)
        shutil.copy(self.template_db, root / "gradebook.db")
        courseroot.copy_tree(self.solutions / job.assignment, root / "source" / job.assignment,
                             notebooks_too=False)
        submitted = root / "submitted" / job.student / job.assignment
        submitted.mkdir(parents=True)
        chosen = {p.resolve() for p in valid.values()}
        for path in sorted(job.folder.rglob("*")):
            rel = path.relative_to(job.folder)
            if (path.is_dir() or path.is_symlink() or any(courseroot.ignored(p) for p in rel.parts)
                    or path.suffix == ".ipynb" and path.resolve() not in chosen):
                continue
            if path.suffix != ".ipynb":
                (submitted / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, submitted / rel)
        for name, path in valid.items():
            shutil.copy(path, submitted / f"{name}.ipynb")
        return root

    def _autograde(self, job: Job, valid: dict[str, Path], result: JobResult) -> None:
        root = self._job_root(job, valid)
        cmd = [sys.executable, "-m", "nbgrader", "autograde", job.assignment,
               f"--student={job.student}", "--force", f"--CourseDirectory.root={root}"]
        outcome = sandbox.run(cmd, cwd=root, log_path=root / "autograde.log", limits=self.limits,
                              home=root / "cloud")
        result.leftovers = len(outcome.leftovers)
        graded_dir = root / "autograded" / job.student / job.assignment
        status, reason = failure_reason(outcome.log) if outcome.returncode else (results.CRASHED, "")
        for name in valid:
            path = graded_dir / f"{name}.ipynb"
            released = self.released[job.assignment][name]
            if outcome.timed_out:
                hint = f"stopped: the notebook ran past the {self.limits.wall_seconds:g} s limit"
                result.questions += results.unscored(released, name, results.TIMEOUT, hint)
                result.messages.append(f"{name}.ipynb: {hint}")
            elif path.exists():
                result.questions += results.score(notebooks.read(path), name)
                result.graded_notebooks.append(name)
            else:
                hint = reason or "nbgrader produced no graded notebook"
                result.questions += results.unscored(released, name, status, hint)
                result.messages.append(f"{name}.ipynb: {hint}")
        if result.graded_notebooks:
            result.autograded = graded_dir

    # --- in the main thread -------------------------------------------------------------------

    def merge(self, result: JobResult) -> None:
        """Record a finished run in the course root: its autograded notebooks and, scored
        again here from those files, its grades. A submission that could not be graded leaves
        no entry (the grade sheet says why), and never a stale one from an earlier run."""
        target = self.out / "autograded" / result.student / result.assignment
        if target.exists():
            _rmtree(target)
        with Gradebook(self.db_url, config.COURSE_ID) as gb:
            try:
                gb.remove_submission(result.assignment, result.student)
            except MissingEntry:
                pass
            if result.autograded is None:
                return
            gb.update_or_create_student(result.student)
            kwargs = {}
            run_root = result.autograded.parents[2]
            stamp = run_root / "submitted" / result.student / result.assignment / "timestamp.txt"
            if stamp.exists() and stamp.read_text().strip():
                try:
                    kwargs["timestamp"] = nbutils.parse_utc(stamp.read_text().strip())
                except ValueError:
                    pass
            gb.update_or_create_submission(result.assignment, result.student, **kwargs)
        shutil.copytree(result.autograded, target)
        for path in target.rglob("*"):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        for name in self.released[result.assignment]:
            path = target / f"{name}.ipynb"
            if name in result.graded_notebooks:
                resources = {"nbgrader": {"notebook": name, "assignment": result.assignment,
                                          "student": result.student, "db_url": self.db_url}}
                SaveAutoGrades().preprocess(notebooks.read(path), resources)
            else:
                path.unlink(missing_ok=True)
                with Gradebook(self.db_url, config.COURSE_ID) as gb:
                    notebook = gb.find_submission_notebook(name, result.assignment, result.student)
                    for grade in notebook.grades:
                        grade.auto_score, grade.needs_manual_grade = 0.0, False
                    gb.db.commit()

    def write_feedback(self, graded: list[JobResult]) -> list[str]:
        """nbgrader's feedback pages for the graded submissions, checked for hidden tests."""
        problems = []
        for result in graded:
            if result.autograded is None:
                continue
            out = self.api.generate_feedback(result.assignment, result.student, force=True)
            if not out["success"]:
                _, why = failure_reason(out.get("log", "") + out.get("error", ""))
                problems.append(f"{result.student}/{result.assignment}: feedback failed: {why}")
                continue
            folder = self.out / "feedback" / result.student / result.assignment
            problems += feedback.check_files(folder, self.secrets[result.assignment])
        return problems

    def grade(self, jobs: list[Job]) -> list[JobResult]:
        """Run every job (in parallel), merge each as it finishes, then write feedback."""
        done: list[JobResult] = []
        guard = GradebookGuard(self.out / "gradebook.db")
        pool = ThreadPoolExecutor(max_workers=self.workers)
        try:
            futures = {pool.submit(self.run_job, job): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except Exception as err:   # a bug of ours must not lose the other students
                    result = JobResult(job.student, job.assignment, [
                        q for name, nb in self.released[job.assignment].items()
                        for q in results.unscored(nb, name, results.CRASHED, "grader error")],
                        status=results.CRASHED, messages=[f"grader error: {type(err).__name__}: {err}"])
                if not guard.verify():
                    self.alerts.append("the course gradebook was changed by something other than "
                                       "the grader while submissions ran; it was restored")
                try:
                    self.merge(result)
                    guard.snapshot()
                except Exception as err:   # roll back: no half-written submission
                    guard.restore()
                    target = self.out / "autograded" / result.student / result.assignment
                    if target.exists():
                        _rmtree(target)
                    result.status = results.CRASHED
                    result.messages.append(f"could not record the grades: {type(err).__name__}: {err}")
                    result.autograded = None
                done.append(result)
                self.progress(f"[{len(done)}/{len(jobs)}] {result.student} {result.assignment}: "
                              f"{result.status} {result.points:g}/{result.max_points:g} "
                              f"({result.seconds:.1f} s)")
        except BaseException:          # Ctrl-C: stop the queue and the runs, keep what is merged
            pool.shutdown(wait=False, cancel_futures=True)
            sandbox.kill_all()
            pool.shutdown(wait=True)
            raise
        pool.shutdown(wait=True)
        if not guard.verify():
            self.alerts.append("the course gradebook was changed by something other than "
                               "the grader while submissions ran; it was restored")
        self.alerts += self.write_feedback(done)
        for line in self.alerts:
            self.progress(f"warning: {line}")
        done.sort(key=lambda r: (r.assignment, r.student))
        return done


def _rmtree(path: Path) -> None:
    """rmtree that also removes nbgrader's read-only (444) files and folders."""
    def fix(func, p, _exc):
        os.chmod(p, 0o755)
        os.chmod(os.path.dirname(p), 0o755)
        func(p)
    shutil.rmtree(path, onerror=fix)
