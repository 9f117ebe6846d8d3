"""The autograder through the real nbgrader, real kernels and real labcloud servers, on the
fixture course in tests/fixtures/autograder (one assignment whose tests check the cloud's
state through boto3, hidden tests included, two known-wrong mutants)."""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from autograder import config, feedback, notebooks, release, sandbox
from conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "autograder" / "solutions"
ASSIGNMENT = "00-fixture"
NOTEBOOK = "cloud-basics"
SOURCE = FIXTURE / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
# Text that only hidden tests hold. (Their assert *messages* are written for students and may
# show in feedback as the error's text; their code must not.)
HIDDEN = ["SECRET-HIDDEN-BUCKET-CHECK", "SECRET-HIDDEN-ACCOUNT-CHECK",
          'assert "fixture-visible" in names', "get_caller_identity()[\"Account\"], \"not the caller"]


def course(*args: str, timeout: float = 240, tmp: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, TMPDIR=str(tmp)) if tmp else None
    return subprocess.run([sys.executable, "-m", "autograder.cli", "--solutions", str(FIXTURE), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)


def variant(**answers: str) -> nbformat.NotebookNode:
    """The solution notebook with some answer cells (by grade_id) rewritten."""
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in nb.cells:
        if notebooks.grade_id(cell) in answers:
            cell.source = answers[notebooks.grade_id(cell)]
    return nb


def labcloud_servers_under(path: Path) -> list[str]:
    """Command lines of live labcloud servers whose home is under `path`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            args = Path(f"/proc/{entry.name}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry.name}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        text = b" ".join(args).decode(errors="replace")
        if "labcloud" in text and str(path) in text and state != "Z":
            found.append(f"{entry.name}: {text}")
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- fast unit checks -------------------------------------------------------------------------

def test_ignore_pattern_drops_only_warnings_and_progress_bars():
    ignored = [
        "/tmp/ipykernel_1/2.py:2: UserWarning: plain\n  warnings.warn('plain')\n",
        "/x/y.py:4: DeprecationWarning: old\n  f()\n/x/y.py:5: FutureWarning: soon\n  g()\n",
        "/x/y.py:9: SettingWithCopyWarning: \nA value is trying to be set on a copy\n  df['b'] = 1\n",
        "\r 40%|████      | 20/50 [00:00<00:00, 95.19it/s]",
        "\r10it [00:00, 99.08it/s]",
        "\n",
    ]
    kept = [
        "genuine error text\n",
        "/x/y.py:2: UserWarning: w\n  warnings.warn('w')\nthen a real complaint\n",
        "Traceback (most recent call last):\n",
        "x" * 250_000 + ":1: UserWarning: too long to be noise\n",
    ]
    for text in ignored:
        assert re.search(config.IGNORE_PATTERN, text), text
    for text in kept:
        assert not re.search(config.IGNORE_PATTERN, text), text[:80]
    started = time.monotonic()
    re.search(config.IGNORE_PATTERN, "7%|" * 60_000 + "a" * 50_000)
    assert time.monotonic() - started < 1.0


def test_feedback_leak_check_sees_through_html_and_highlighting():
    source = nbformat.read(SOURCE, as_version=4)
    secrets = feedback.hidden_lines(source)
    assert any("created no bucket" in s for s in secrets)
    assert not any(s.startswith("assert make_bucket(\"fixture-visible\")") for s in secrets)
    page = ('<div class="highlight"><pre><span class="k">assert</span> <span class="s2">&quot;'
            'fixture-visible&quot;</span> <span class="ow">in</span> <span class="n">names'
            '</span><span class="p">,</span> <span class="s2">&quot;make_bucket returned the name '
            'but created no bucket&quot;</span></pre></div>')
    assert feedback.leaks(page, secrets)
    assert not feedback.leaks("<p>AssertionError: wrong</p>", secrets)


# --- release ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """lessons/ of the fixture course, released once (tests copy it before changing it)."""
    lessons = tmp_path_factory.mktemp("released") / "lessons"
    first = release.release(FIXTURE, lessons)
    assert {d.kind for d in first} == {"missing"}
    return lessons


def test_release_is_deterministic_and_check_detects_drift(released, tmp_path):
    lessons = tmp_path / "lessons"
    shutil.copytree(released, lessons)
    released = lessons / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    snapshot = {p.name: p.read_bytes() for p in (lessons / ASSIGNMENT).iterdir()}
    assert set(snapshot) == {f"{NOTEBOOK}.ipynb", "region.txt"}, "other files are released, mutants.json is not"
    text = released.read_text()
    for secret in [*HIDDEN, "created no bucket", "BEGIN SOLUTION", "create_bucket(Bucket=name)"]:
        assert secret not in text
    nb = nbformat.reads(text, as_version=4)
    assert all(c.get("execution_count") is None and not c.get("outputs") for c in nb.cells
               if c.cell_type == "code")
    assert "raise NotImplementedError()" in text

    assert release.release(FIXTURE, lessons) == [], "a second release changes nothing"
    assert {p.name: p.read_bytes() for p in (lessons / ASSIGNMENT).iterdir()} == snapshot

    assert release.release(FIXTURE, lessons, check=True) == []
    released.write_text(text.replace("returns its name", "returns the name"))
    (lessons / ASSIGNMENT / "old-lesson.ipynb").write_text("{}")
    result = course("release", "--check", "--lessons", str(lessons))
    assert result.returncode == 1
    assert f"lessons/{ASSIGNMENT}/{NOTEBOOK}.ipynb" in result.stdout
    assert f"lessons/{ASSIGNMENT}/old-lesson.ipynb" in result.stdout
    assert released.read_text() != text, "--check must not write"


# --- the sandbox ------------------------------------------------------------------------------

def test_sandbox_wall_clock_kills_the_group_detached_children_and_the_cloud(tmp_path):
    pids_file = tmp_path / "pids"
    script = textwrap.dedent(f"""
        import os, signal, subprocess, sys, time
        import labcloud
        conn = labcloud.start(quiet=True)
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                 start_new_session=True)
        open({str(pids_file)!r}, "w").write(f"{{os.getpid()}} {{child.pid}} {{conn.pid}}")
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.1)
    """)
    home = tmp_path / "cloud"
    outcome = sandbox.run([sys.executable, "-c", script], cwd=tmp_path, log_path=tmp_path / "log",
                          limits=sandbox.Limits(wall_seconds=4), home=home)
    assert outcome.timed_out, outcome.log
    pids = [int(p) for p in pids_file.read_text().split()]
    assert len(pids) == 3
    time.sleep(0.2)
    assert not [p for p in pids if alive(p)], "the run, its detached child and its server are gone"
    assert not labcloud_servers_under(tmp_path)
    assert not home.exists()


# --- check, grade, selftest through the real nbgrader ------------------------------------------

def test_check_runs_visible_tests_on_a_fresh_cloud(released, tmp_path):
    lessons = tmp_path / "lessons"
    shutil.copytree(released, lessons)
    nb = nbformat.read(lessons / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    for cell in nb.cells:
        if notebooks.grade_id(cell) == "ex1-make-bucket":     # passes the visible test only
            cell.source = "def make_bucket(name):\n    return name"
        if notebooks.grade_id(cell) == "ex2-account":
            cell.source = "def account_id():\n    return 42"
    mine = lessons / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nbformat.write(nb, mine)
    result = course("check", str(mine), "--cell-timeout", "30", tmp=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip().startswith("test-")}
    assert "2/2" in rows["test-ex1-make-bucket"] and "pass" in rows["test-ex1-make-bucket"]
    assert "0/1" in rows["test-ex2-account"] and "AssertionError" in rows["test-ex2-account"]
    assert "hidden tests" in result.stdout
    assert not labcloud_servers_under(tmp_path)


def test_selftest_solution_full_blank_zero_mutants_lose_points(tmp_path):
    out = tmp_path / "build"
    result = course("selftest", ASSIGNMENT, "--out", str(out), "--jobs", "2", "--cell-timeout", "60")
    assert result.returncode == 0, result.stdout + result.stderr
    verdicts = {line.split()[1]: line for line in result.stdout.splitlines()
                if line.startswith(ASSIGNMENT)}
    assert set(verdicts) == {"solution", "blank", "mutant-no-bucket", "mutant-wrong-account"}
    assert "3/3" in verdicts["solution"] and verdicts["solution"].endswith("PASS")
    assert "0/3" in verdicts["blank"] and verdicts["blank"].endswith("PASS")
    assert "1/3" in verdicts["mutant-no-bucket"], "the hidden test catches what the visible one cannot"
    assert "2/3" in verdicts["mutant-wrong-account"]

    # the mutant failed a hidden assert: its feedback shows the failure, not the hidden test
    page = (out / "feedback" / "mutant-no-bucket" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    text = feedback.visible_text(page)
    assert 'assert make_bucket("fixture-visible") == "fixture-visible"' in text
    assert "AssertionError" in text
    for secret in HIDDEN:
        assert secret not in text
    assert not feedback.leaks(page, feedback.hidden_lines(nbformat.read(SOURCE, as_version=4)))
    assert not labcloud_servers_under(out)


def test_grade_survives_broken_submissions_and_keeps_the_gradebook_clean(tmp_path):
    subs, out = tmp_path / "submissions", tmp_path / "build"

    def hand_in(student: str, nb, name: str = f"{NOTEBOOK}.ipynb", extra=True):
        folder = subs / student / ASSIGNMENT
        folder.mkdir(parents=True)
        if isinstance(nb, str):
            (folder / name).write_text(nb)
        else:
            nbformat.write(nb, folder / name)
        if extra:
            shutil.copy(FIXTURE / ASSIGNMENT / "region.txt", folder)

    hand_in("alice", variant(), name=f"{NOTEBOOK} (1).ipynb")          # browser-renamed
    hand_in("carol", SOURCE.read_text()[:-300])                         # truncated download
    hand_in("dave", variant(**{"ex1-make-bucket": "def make_bucket(name):\n    return name\nwhile True:\n    pass"}))
    hand_in("erin", variant(**{"ex1-make-bucket":                       # ignores the interrupt
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.05)"}))
    hand_in("frank", variant(**{"ex2-account": "import os\nos._exit(1)"}))
    hand_in("victor", variant(**{"ex2-account": textwrap.dedent("""\
        import glob, os, sqlite3
        for db in glob.glob(os.path.abspath("../../../../../../gradebook.db")):
            con = sqlite3.connect(db)
            con.execute("UPDATE grade SET auto_score = 99")
            con.execute("INSERT INTO student (id) VALUES ('mallory')")
            con.commit()
        def account_id():
            return boto3.client("sts").get_caller_identity()["Account"]""")}))

    started = time.monotonic()
    result = course("grade", str(subs), "--out", str(out), "--jobs", "2", "--cell-timeout", "3",
                    "--timeout", "90")
    elapsed = time.monotonic() - started
    assert result.returncode in (0, 1), result.stdout + result.stderr
    with open(out / f"grades-{ASSIGNMENT}.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"alice", "carol", "dave", "erin", "frank", "victor"}

    def q(student, test):
        return rows[student][test], rows[student][f"{test} status"]

    assert rows["alice"]["status"] == "ok" and rows["alice"]["total"] == "3"
    assert "renamed" in rows["alice"]["message"]
    assert rows["carol"]["status"] == "invalid" and "not valid JSON" in rows["carol"]["message"]
    assert rows["dave"]["status"] == "timeout"
    assert q("dave", "test-ex1-make-bucket") == ("0", "timeout")
    assert q("dave", "test-ex2-account") == ("1", "ok"), "a cell timeout costs only that question"
    assert rows["erin"]["status"] == "timeout" and rows["erin"]["total"] == "0"
    assert rows["frank"]["status"] == "crashed" and "kernel died" in rows["frank"]["message"]
    assert rows["victor"]["total"] == "3"
    assert "gradebook was changed" in result.stdout

    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", config.COURSE_ID) as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
        assert scores == {"alice": 3.0, "dave": 1.0, "victor": 3.0}
        with pytest.raises(MissingEntry):
            gb.find_submission(ASSIGNMENT, "carol")
        assert "mallory" not in {s.id for s in gb.students}

    pages = sorted((out / "feedback").rglob("*.html"))
    assert {p.parts[-3] for p in pages} == {"alice", "dave", "victor"}
    for page in pages:
        text = feedback.visible_text(page.read_text())
        assert not [s for s in HIDDEN if s in text], page
    assert not labcloud_servers_under(out), "every submission's labcloud was stopped"
    assert not list((out / "sandbox").glob(f"{ASSIGNMENT}/*/cloud")), "cloud homes are deleted"
    print(f"grade: 6 submissions in {elapsed:.1f} s")
