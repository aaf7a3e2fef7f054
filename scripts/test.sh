#!/usr/bin/env bash
# Bootstrap, then lint, format check and the tests (all but the GPU ones); extra arguments go
# to pytest. Runs every check and exits non-zero if any failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh

status=0
.venv/bin/ruff check . || status=1
.venv/bin/ruff format --check . || status=1
.venv/bin/python -m pytest -m "not gpu" "$@" || status=1
exit "$status"
