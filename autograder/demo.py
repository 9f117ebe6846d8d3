"""`course demo`: run every lesson's worked solution top to bottom, each on a fresh labcloud.

The non-interactive form of the course for CI and demonstrations: it proves the lessons run
as a student would run them (a fresh kernel, a fresh cloud, the notebook's own folder as the
working directory) and leaves the executed notebooks, with their figures, in the output folder.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

import labcloud

KERNEL = "python3"


def run_notebook(path: Path, out: Path, timeout: int = 300) -> tuple[str, float, str]:
    """Execute one notebook in a scratch copy of its folder with its own LABCLOUD_HOME.
    Returns (status, seconds, message)."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="mlprod-demo-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(path.parent, work)
        home = Path(tmp) / "labcloud"
        env_before = os.environ.get("LABCLOUD_HOME")
        os.environ["LABCLOUD_HOME"] = str(home)  # the kernel inherits it
        client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL,
                                resources={"metadata": {"path": str(work)}})
        started = time.perf_counter()
        status, message = "ok", ""
        try:
            client.execute()
        except CellTimeoutError as err:
            status, message = "timeout", str(err).strip().splitlines()[-1]
        except DeadKernelError as err:
            status, message = "crashed", str(err).strip().splitlines()[-1]
        except CellExecutionError as err:
            status, message = "failed", (err.ename + ": " + err.evalue).strip()
        finally:
            seconds = time.perf_counter() - started
            labcloud.stop(home)
            if env_before is None:
                os.environ.pop("LABCLOUD_HOME", None)
            else:
                os.environ["LABCLOUD_HOME"] = env_before
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return status, seconds, message


def run_demo(solutions: Path, out_dir: Path, assignments: list[str] | None = None) -> int:
    notebooks = sorted(p for p in solutions.glob("*/*.ipynb")
                       if not assignments or p.parent.name in assignments)
    if not notebooks:
        print(f"no notebooks found under {solutions}")
        return 1
    failures = 0
    print(f"{'notebook':55} {'status':8} {'seconds':>8}")
    for nb in notebooks:
        rel = nb.relative_to(solutions)
        status, seconds, message = run_notebook(nb, out_dir / rel)
        failures += status != "ok"
        print(f"{str(rel):55} {status:8} {seconds:8.1f}" + (f"  {message}" if message else ""))
    print(f"\nexecuted notebooks with their figures: {out_dir}")
    return 1 if failures else 0
