"""`course selftest`: prove each assignment's tests grade what they claim, through the real grader.

For every assignment three kinds of submission go through `course grade` exactly as students'
do: the solution (the source notebook) must get full marks, the blank release must get zero,
and each known-wrong variant listed in `solutions/<assignment>/mutants.json` must lose points.
A test that passes a wrong answer, or a stub that earns points, is a defect in the lesson.

mutants.json: a list of {"name": ..., "grade_id": <answer cell>, "source": <its wrong code>,
"notebook": <stem, optional when the grade_id is unique>}.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import config, courseroot, grading, notebooks, sandbox

MUTANTS_FILE = "mutants.json"


class MutantError(Exception):
    """mutants.json is malformed or names a cell that does not exist."""


@dataclass
class Verdict:
    assignment: str
    variant: str
    points: float
    max_points: float
    expected: str
    passed: bool
    detail: str = ""


def load_mutants(folder: Path) -> list[dict]:
    path = folder / MUTANTS_FILE
    if not path.exists():
        return []
    try:
        mutants = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise MutantError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(mutants, list):
        raise MutantError(f"{path}: must hold a list of mutants")
    names = set()
    for m in mutants:
        if not (isinstance(m, dict) and {"name", "grade_id", "source"} <= set(m)):
            raise MutantError(f"{path}: each mutant needs name, grade_id and source: {m!r}")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", m["name"]) or m["name"] in names:
            raise MutantError(f"{path}: mutant names must be unique and file-safe: {m['name']!r}")
        names.add(m["name"])
    return mutants


def _apply(source_dir: Path, dest: Path, mutant: dict) -> None:
    """Write the source notebooks to dest with the mutant's answer cell replaced."""
    hits = []
    for path in sorted(source_dir.glob("*.ipynb")):
        nb = notebooks.read(path)
        if mutant.get("notebook") not in (None, path.stem):
            notebooks.write(nb, dest / path.name)
            continue
        for cell in nb.cells:
            if notebooks.grade_id(cell) == mutant["grade_id"]:
                if not notebooks.is_answer(cell):
                    raise MutantError(f"mutant {mutant['name']}: {mutant['grade_id']} is not an answer cell")
                cell.source = mutant["source"]
                hits.append(path.stem)
        notebooks.write(nb, dest / path.name)
    if len(hits) != 1:
        where = "no notebook" if not hits else f"several notebooks ({', '.join(hits)}); add \"notebook\""
        raise MutantError(f"mutant {mutant['name']}: answer cell {mutant['grade_id']!r} found in {where}")


def build_submissions(grader: grading.Grader, submissions: Path) -> dict[str, list[str]]:
    """submissions/<variant>/<assignment>/...: the variants of each assignment."""
    variants: dict[str, list[str]] = {}
    for name in grader.names:
        source = grader.out / "source" / name
        solution = submissions / "solution" / name
        courseroot.copy_tree(source, solution)
        (solution / MUTANTS_FILE).unlink(missing_ok=True)
        blank = submissions / "blank" / name
        blank.mkdir(parents=True)
        for path in (grader.out / "release" / name).glob("*.ipynb"):
            shutil.copy(path, blank / path.name)
        variants[name] = ["solution", "blank"]
        for mutant in load_mutants(grader.solutions / name):
            folder = submissions / f"mutant-{mutant['name']}" / name
            folder.mkdir(parents=True)
            _apply(source, folder, mutant)
            variants[name].append(f"mutant-{mutant['name']}")
    return variants


def judge(result: grading.JobResult) -> Verdict:
    v = result.student
    if v == "solution":
        expected, passed = "full marks", result.points == result.max_points and result.status == "ok"
    elif v == "blank":
        expected, passed = "zero", result.points == 0
    else:
        expected, passed = "loses points", result.points < result.max_points
    if not passed:
        detail = "; ".join(f"{q.test_id}: {q.status} {q.points:g}/{q.max_points:g} {q.hint}".strip()
                           for q in result.questions if (v == "solution") != (q.status == "ok"))
    else:
        detail = ""
    if result.message and not passed:
        detail = f"{detail} ({result.message})" if detail else result.message
    return Verdict(result.assignment, v, result.points, result.max_points, expected, passed, detail)


def selftest(solutions: Path, wanted: list[str] | None, out: Path, *, workers: int = 1,
             limits: sandbox.Limits = sandbox.Limits(), cell_timeout: int = config.CELL_TIMEOUT,
             progress=None) -> list[Verdict]:
    names = courseroot.assignments(solutions, wanted)
    for name in names:                       # fail fast on a broken mutants.json
        load_mutants(Path(solutions) / name)
    grader = grading.Grader(out, solutions, names, limits=limits, cell_timeout=cell_timeout,
                            workers=workers, progress=progress)
    submissions = grader.out / "selftest-submissions"
    if submissions.exists():
        shutil.rmtree(submissions)
    build_submissions(grader, submissions)
    jobs = [job for job in grading.find_jobs(submissions, names)[0] if job.folder.is_dir()]
    order = {"solution": 0, "blank": 1}
    verdicts = [judge(r) for r in grader.grade(jobs)]
    verdicts.sort(key=lambda v: (v.assignment, order.get(v.variant, 2), v.variant))
    return verdicts


def render(verdicts: list[Verdict]) -> str:
    aw = max(10, *(len(v.assignment) for v in verdicts)) if verdicts else 10
    vw = max(7, *(len(v.variant) for v in verdicts)) if verdicts else 7
    lines = [f"{'assignment':{aw}}  {'variant':{vw}}  {'score':>9}  {'expected':12}  result"]
    for v in verdicts:
        lines.append(f"{v.assignment:{aw}}  {v.variant:{vw}}  {f'{v.points:g}/{v.max_points:g}':>9}  "
                     f"{v.expected:12}  {'PASS' if v.passed else 'FAIL'}"
                     + (f"  {v.detail}" if v.detail else ""))
    failed = sum(not v.passed for v in verdicts)
    lines.append("")
    lines.append(f"{len(verdicts) - failed}/{len(verdicts)} passed" + (f", {failed} FAILED" if failed else ""))
    return "\n".join(lines)
