#!/usr/bin/env bash
# The one test command: installs Pakaura's own tooling (scripts/bootstrap.sh) and runs nox.
# With no arguments it runs every default session (`nox -l` lists them); arguments go to nox,
# e.g. `./scripts/test.sh -s api` or `./scripts/test.sh -s chart tasks`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
cd "$root"
exec "$root/.venv/bin/nox" "$@"
