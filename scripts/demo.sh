#!/usr/bin/env bash
# Bootstrap, then run `pumice demo` with this script's arguments (paths relative to the caller).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/bootstrap.sh"
exec "$root/.venv/bin/pumice" demo "$@"
