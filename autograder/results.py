"""Per-question results of an executed notebook: points, and the reason they are what they are.

nbgrader stores only a number per test cell, and 0 means any of "wrong", "never answered",
"ran out of time", "the kernel died" or "a warning on stderr". Instructors and students need
the reason, so each test cell becomes a QuestionResult with a status and a one-line hint. The
points come from nbgrader's own `determine_grade`, so they always agree with the gradebook.
"""
from __future__ import annotations

from dataclasses import dataclass

from nbformat import NotebookNode
from nbgrader import utils as nbutils

from . import notebooks

OK, FAILED, TIMEOUT, CRASHED, NO_RESPONSE = "ok", "failed", "timeout", "crashed", "no response"
INVALID, MISSING = "invalid", "missing"   # the notebook could not be graded at all
TIMEOUT_ERROR = "CellTimeoutError"


@dataclass
class QuestionResult:
    notebook: str
    test_id: str
    points: float
    max_points: float
    status: str
    hint: str = ""


def _errors(cell: NotebookNode) -> list[NotebookNode]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _stderr(cell: NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stderr")


def unanswered(cell: NotebookNode) -> bool:
    """Still the released stub: nbgrader's own "No response." test."""
    stored = cell.metadata.get("nbgrader", {}).get("checksum")
    return stored is not None and stored == nbutils.compute_checksum(cell)


def score(nb: NotebookNode, notebook: str, crashed_at: int | None = None) -> list[QuestionResult]:
    """One result per test cell of an executed notebook. `crashed_at`: index of the cell during
    which the kernel died (that cell and all later ones never ran)."""
    by_id = {notebooks.grade_id(c): (i, c) for i, c in enumerate(nb.cells) if notebooks.grade_id(c)}
    results = []
    for question in notebooks.questions(nb):
        index, test = by_id[question.test_id]
        answers = [by_id[a][1] for a in question.answer_ids if a in by_id]
        points, max_points = nbutils.determine_grade(test)
        points = float(points or 0.0)
        errors = _errors(test)
        timed_out = any(e.get("ename") == TIMEOUT_ERROR for c in [*answers, test] for e in _errors(c))
        if crashed_at is not None and index >= crashed_at:
            status, hint = CRASHED, ("the kernel died in this test" if index == crashed_at
                                     else "not run: the kernel died in an earlier cell")
            points = 0.0
        elif test.get("execution_count") is None and not test.get("outputs"):
            # nbgrader would give a test that never ran full marks: no output, no error
            status, hint, points = CRASHED, "this test never ran", 0.0
        elif points >= max_points:
            status, hint = OK, ""
        elif timed_out:
            status, hint = TIMEOUT, "a cell ran past the per-cell time limit and was interrupted"
        elif answers and all(unanswered(a) for a in answers):
            status, hint = NO_RESPONSE, "the answer cell is still the released stub"
        else:
            status = FAILED
            if errors:
                hint = notebooks.error_line(errors[0])
            elif _stderr(test).strip():
                first = _stderr(test).strip().splitlines()[0]
                hint = f"the test wrote to stderr (counts as an error): {first[:200]}"
            else:
                hint = f"partial credit {points:g} of {max_points:g}"
        results.append(QuestionResult(notebook, question.test_id, points, float(max_points),
                                      status, hint))
    return results


def unscored(nb: NotebookNode, notebook: str, status: str, hint: str) -> list[QuestionResult]:
    """Zero for every question of `nb` (a source or release notebook), all with one status:
    the submission could not be run (invalid, missing, crashed, timed out as a whole)."""
    return [QuestionResult(notebook, q.test_id, 0.0, q.points, status, hint)
            for q in notebooks.questions(nb)]


def overall(questions: list[QuestionResult]) -> str:
    """One status for a submission: ok only if every question is; otherwise the most
    telling reason among the questions."""
    statuses = {q.status for q in questions}
    if not questions or statuses == {OK}:
        return OK
    for status in (INVALID, MISSING, CRASHED, TIMEOUT):
        if status in statuses:
            return status
    if statuses <= {NO_RESPONSE}:
        return NO_RESPONSE
    return FAILED
