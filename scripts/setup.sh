#!/usr/bin/env bash
# Set up everything the course needs in ./.venv: Python 3.11+, the project and its pinned
# dependencies, and a Jupyter kernel from that venv. Safe to run again: it reinstalls only when
# pyproject.toml changed. Sourced by start.sh and test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  PY="$(find_python)" || { echo "setup: Python 3.11 or newer is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
  echo "setup: creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi

STAMP="$VENV/.mlprod-installed"
WANT="$(cat "$ROOT/pyproject.toml" | "$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "setup: installing the course and its dependencies (first time: a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[test]"
  # the kernel every notebook and nbgrader names ("python3"), pointing at this venv
  "$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (mlprod)" >/dev/null
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
export JUPYTER_PATH="$VENV/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
