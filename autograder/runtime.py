"""Make nbgrader and its kernels run from *this* Python environment, whatever PATH says.

Two things go wrong when the course is run as `.venv/bin/course` without activating the venv:
nbgrader's Gradebook shells out to `alembic` by name, and a kernelspec from the user's own
~/.local/share/jupyter could win over the venv's. Both are fixed here, for this process and for
every process the grader starts.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from . import config

BIN = str(Path(sys.executable).parent)
JUPYTER_DATA = str(Path(sys.prefix) / "share" / "jupyter")


class KernelError(Exception):
    """No usable kernel named `python3` for this environment."""


def pin(env: dict[str, str] | os._Environ = os.environ) -> dict[str, str] | os._Environ:
    """Put this environment's bin/ first on PATH and its Jupyter data first on JUPYTER_PATH."""
    path = env.get("PATH", "")
    if path.split(os.pathsep)[:1] != [BIN]:
        env["PATH"] = os.pathsep.join([BIN, *[p for p in path.split(os.pathsep) if p and p != BIN]])
    jpath = env.get("JUPYTER_PATH", "")
    if jpath.split(os.pathsep)[:1] != [JUPYTER_DATA]:
        env["JUPYTER_PATH"] = os.pathsep.join([JUPYTER_DATA, *[p for p in jpath.split(os.pathsep)
                                                               if p and p != JUPYTER_DATA]])
    return env


def check_kernel() -> str:
    """The python3 kernelspec that will run notebooks, checked to start *this* Python.

    jupyter_client replaces a bare `python` in a kernelspec's argv by sys.executable, so the
    spec `python -m ipykernel install --sys-prefix` writes is right; an absolute path to some
    other interpreter is not.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    pin()
    try:
        spec = KernelSpecManager().get_kernel_spec(config.KERNEL_NAME)
    except NoSuchKernel:
        raise KernelError(f"no Jupyter kernel named {config.KERNEL_NAME!r}; install it with\n  "
                          f"{sys.executable} -m ipykernel install --sys-prefix --name python3") from None
    exe = spec.argv[0] if spec.argv else ""
    bare = {"python", f"python{sys.version_info[0]}", "python%d.%d" % sys.version_info[:2]}
    if exe not in bare and Path(exe).resolve() != Path(sys.executable).resolve():
        raise KernelError(f"the {config.KERNEL_NAME!r} kernel ({spec.resource_dir}) runs {exe}, not "
                          f"{sys.executable}; reinstall it with\n  {sys.executable} -m ipykernel "
                          "install --sys-prefix --name python3")
    return spec.resource_dir
