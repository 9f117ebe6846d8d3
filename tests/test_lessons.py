"""Course-level proofs: lessons/ is what `course release` makes of solutions/, and every
assignment grades as it must through the real nbgrader (solution = full marks, blank release =
zero, known-wrong variants lose points), each on its own labcloud."""
import json
import subprocess
import sys

import pytest

from conftest import REPO

ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())


def course(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def test_every_solution_has_a_released_lesson():
    for assignment in ASSIGNMENTS:
        for source in (REPO / "solutions" / assignment).glob("*.ipynb"):
            assert (REPO / "lessons" / assignment / source.name).exists(), \
                f"run `course release`: lessons/{assignment}/{source.name} is missing"


def test_lessons_are_in_sync_with_solutions():
    result = course("release", "--check")
    assert result.returncode == 0, f"lessons/ is stale; run `course release`.\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def selftest(tmp_path_factory) -> subprocess.CompletedProcess:
    """One `course selftest` of every assignment: one pool of graders, so the runs of one lesson
    fill the gaps at the end of another's. Three at once on two cores: a run spends much of its
    time waiting on its kernel and its cloud, not computing."""
    out = tmp_path_factory.mktemp("selftest") / "course"
    return course("selftest", "--jobs", "3", "--out", str(out), timeout=2400)


@pytest.mark.timeout(2400)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_selftest_solution_full_marks_blank_zero(assignment, selftest):
    rows = [line.split() for line in selftest.stdout.splitlines()
            if line.startswith(assignment + " ")]
    results = {row[1]: row[-1] for row in rows}
    mutants = json.loads((REPO / "solutions" / assignment / "mutants.json").read_text()) \
        if (REPO / "solutions" / assignment / "mutants.json").exists() else []
    expected = {"solution", "blank"} | {f"mutant-{m['name']}" for m in mutants}
    report = f"{selftest.stdout}\n{selftest.stderr}"
    assert set(results) == expected, f"{assignment}: graded {sorted(results)}\n{report}"
    failed = {variant: result for variant, result in results.items() if result != "PASS"}
    assert not failed, f"{assignment}: {failed}\n{report}"
