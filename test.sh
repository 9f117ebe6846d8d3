#!/usr/bin/env bash
# Set up and run every test: labcloud against real boto3 and the AWS CLI, the XGBoost
# container, the lessons through the real nbgrader, and the course's own consistency checks.
#   ./test.sh               all tests
#   ./test.sh -k s3         any pytest arguments
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec python -m pytest "$@"
