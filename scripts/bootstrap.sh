#!/usr/bin/env bash
# Create (or refresh) the project's tooling venv `.venv` from requirements/tools.txt:
# nox, invoke, rich, uv, pyyaml — everything `invoke` and `nox` need before anything else.
#
# Idempotent: the venv is rebuilt only when it is missing or requirements/tools.txt changed since
# the last run (a sha256 stamp inside the venv); then it prints nothing. Messages go to stderr and
# stdout stays empty. Needs python3 (3.11); uses `uv` when present (fast), otherwise python's venv
# + pip. PAKAURA_PYTHON picks another interpreter.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
lock="$root/requirements/tools.txt"
stamp="$venv/.tools-sha256"
python="${PAKAURA_PYTHON:-$(command -v python3.11 || echo python3)}"

# sha256sum on Linux, shasum on macOS
if command -v sha256sum >/dev/null 2>&1; then
    want="$(sha256sum "$lock" | cut -d' ' -f1)"
else
    want="$(shasum -a 256 "$lock" | cut -d' ' -f1)"
fi
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: $python not found; install Python 3.11 (https://www.python.org/downloads/)" >&2
    exit 2
fi

echo "bootstrap: installing Pakaura's tooling into .venv (about half a minute, once)" >&2
if command -v uv >/dev/null 2>&1; then
    uv venv --quiet --allow-existing --python "$python" "$venv" >&2
    VIRTUAL_ENV="$venv" uv pip install --quiet --require-hashes -r "$lock" >&2
else
    "$python" -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --require-hashes -r "$lock" >&2
fi
echo "$want" >"$stamp"
echo "bootstrap: ready: .venv/bin has invoke, nox and uv (nothing else on your machine changed)" >&2
