"""The `course` command: release, check, grade, selftest (and demo).

    course release [ASSIGNMENT...] [--check]
    course check NOTEBOOK
    course grade SUBMISSIONS_DIR [--assignment A] [--jobs N] [--out DIR]
    course selftest [ASSIGNMENT...] [--out DIR]
    course demo [ASSIGNMENT...]

Paths default to the repository this package sits in (solutions/, lessons/), so the commands
work from anywhere inside it; `--solutions`/`--lessons` point them at another course.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from . import config, runtime, sandbox

REPO = Path(__file__).resolve().parent.parent

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _limits(args) -> sandbox.Limits:
    return sandbox.Limits(wall_seconds=args.timeout, memory_mb=args.memory_mb or None)


def _add_limits(p: argparse.ArgumentParser, wall: float) -> None:
    p.add_argument("--timeout", type=float, default=wall, metavar="SECONDS",
                   help=f"wall-clock limit per notebook run (default {wall:g})")
    p.add_argument("--cell-timeout", type=int, default=config.CELL_TIMEOUT, metavar="SECONDS",
                   help=f"limit per cell; the cell is interrupted, later cells still run "
                        f"(default {config.CELL_TIMEOUT})")
    p.add_argument("--memory-mb", type=int, default=4096,
                   help="address-space limit per process in MiB, 0 for none (default 4096)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n\n")[0])
    parser.add_argument("--solutions", type=Path, default=REPO / "solutions",
                        help="nbgrader source folder (default: the repository's solutions/)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate lessons/ from solutions/")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--lessons", type=Path, default=REPO / "lessons")
    p.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 and name the files if lessons/ is out of date")

    p = sub.add_parser("check", help="self-check a notebook: visible tests, fresh kernel and cloud")
    p.add_argument("notebook", type=Path)
    _add_limits(p, 900)

    p = sub.add_parser("grade", help="autograde submissions: <dir>/<student>/<assignment>/*.ipynb")
    p.add_argument("submissions", type=Path)
    p.add_argument("--assignment", action="append", dest="assignments", metavar="A",
                   help="grade only this assignment (repeatable)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    p.add_argument("--out", type=Path, default=Path("course-build"),
                   help="the nbgrader course root to grade in (default ./course-build)")
    p.add_argument("--csv", type=Path, help="grade sheet path (default OUT/grades-<assignment>.csv)")
    _add_limits(p, 900)

    p = sub.add_parser("selftest", help="solution = full marks, blank = 0, mutants lose points")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    p.add_argument("--out", type=Path, default=Path("course-build") / "selftest")
    _add_limits(p, 900)

    p = sub.add_parser("demo", help="run every lesson's solution top to bottom on a fresh cloud")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--out", type=Path, default=Path("course-build") / "demo")
    return parser


def cmd_release(args) -> int:
    from .release import release
    drift = release(args.solutions, args.lessons, args.assignments or None, check=args.check)
    if args.check:
        for item in drift:
            print(item)
        print("lessons/ is up to date" if not drift else
              f"lessons/ is out of date ({len(drift)} file(s)); run `course release`")
        return EXIT_FAILED if drift else EXIT_OK
    written = [d for d in drift if d.kind != "stale"]
    for item in written:
        print(f"wrote lessons/{item.path}")
    for item in drift:
        if item.kind == "stale":
            print(item)
    print(f"{len(written)} file(s) written" if written else "lessons/ was already up to date")
    return EXIT_FAILED if any(d.kind == "stale" for d in drift) else EXIT_OK


def cmd_check(args) -> int:
    from .selfcheck import check, render
    report = check(args.notebook, _limits(args), args.cell_timeout)
    print(render(report))
    return EXIT_OK if report.passed else EXIT_FAILED


def cmd_grade(args) -> int:
    from . import courseroot, gradesheet, grading
    if not args.submissions.is_dir():
        print(f"course grade: {args.submissions} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    available = courseroot.assignments(args.solutions)
    if args.assignments:
        names = courseroot.assignments(args.solutions, args.assignments)
    else:
        handed_in = {p.name for s in args.submissions.iterdir() if s.is_dir() for p in s.iterdir()
                     if p.is_dir()}
        names = [n for n in available if n in handed_in]
    if not names:
        print(f"course grade: no submissions for any assignment of {args.solutions} in "
              f"{args.submissions}", file=sys.stderr)
        return EXIT_USAGE
    jobs, notes = grading.find_jobs(args.submissions, names)
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    grader = grading.Grader(args.out, args.solutions, names, limits=_limits(args),
                            cell_timeout=args.cell_timeout, workers=args.jobs)
    rows = grader.grade(jobs)
    for name in names:
        path = args.csv if args.csv and len(names) == 1 else Path(args.out) / f"grades-{name}.csv"
        gradesheet.write_csv(path, [r for r in rows if r.assignment == name])
        print(f"grade sheet: {path}")
    print(f"feedback:    {Path(args.out) / 'feedback'}")
    print(gradesheet.summary(rows))
    for alert in grader.alerts:
        print(f"warning: {alert}")
    return EXIT_FAILED if grader.alerts else EXIT_OK


def cmd_selftest(args) -> int:
    from .selftest import render, selftest
    verdicts = selftest(args.solutions, args.assignments or None, args.out, workers=args.jobs,
                        limits=_limits(args), cell_timeout=args.cell_timeout)
    print(render(verdicts))
    return EXIT_OK if verdicts and all(v.passed for v in verdicts) else EXIT_FAILED


def cmd_demo(args) -> int:
    from .demo import run_demo
    return run_demo(args.solutions, args.out, args.assignments or None)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    runtime.pin()
    # nbgrader's gradebook code trips SQLAlchemy warnings that say nothing about the course
    warnings.filterwarnings("ignore", module=r"nbgrader\..*")
    warnings.filterwarnings("ignore", message=r".*not in session.*")
    from .courseroot import CourseError
    from .runtime import KernelError
    from .selftest import MutantError
    try:
        if args.command in ("check", "grade", "selftest"):
            runtime.check_kernel()
        return {"release": cmd_release, "check": cmd_check, "grade": cmd_grade,
                "selftest": cmd_selftest, "demo": cmd_demo}[args.command](args)
    except (CourseError, KernelError, MutantError) as err:
        print(f"course {args.command}: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
