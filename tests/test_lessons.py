"""Course-level proofs: lessons/ is what `course release` makes of solutions/, and every
assignment grades as it must through the real nbgrader (solution = full marks, blank release =
zero, known-wrong variants lose points), each on its own labcloud."""
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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_selftest_solution_full_marks_blank_zero(assignment, tmp_path):
    result = course("selftest", assignment, "--out", str(tmp_path / "course"))
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
