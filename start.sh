#!/usr/bin/env bash
# Set up and run the course: labcloud started, JupyterLab opened on lessons/.
#   ./start.sh          interactive: JupyterLab on http://127.0.0.1:8888 (Ctrl-C to stop)
#   ./start.sh --demo   non-interactive: run every lesson's worked solution, print a summary
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
if [ "${1:-}" = "--demo" ]; then
  shift
  exec course demo "$@"
fi
labcloud start
echo "labcloud is up. Opening JupyterLab on lessons/ (stop with Ctrl-C; 'labcloud stop' stops the cloud)."
extra=()
[ "$(id -u)" = "0" ] && extra+=(--allow-root)  # containers and CI machines often run as root
exec jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$ROOT/lessons" "${extra[@]}" "$@"
