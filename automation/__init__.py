"""Shared steps behind `tasks.py`: plain functions the invoke tasks compose (and tests call).

Importing this package first checks that it runs inside the project's tooling (Python 3.11+ with
the packages of requirements/tools.txt, which `./scripts/bootstrap.sh` installs into .venv). An
`invoke` from elsewhere (e.g. `pip install invoke nox && invoke --list`) gets one line saying what
to run and exit code 2 (a missing prerequisite), never an import traceback.
"""

from __future__ import annotations

import sys

MISSING_PREREQUISITE = 2  # the exit code for a missing prerequisite (config.ExitCode uses it)


def _missing_tooling() -> str | None:
    if sys.version_info < (3, 11):  # noqa: UP036 (the point: an older Python runs this)
        return f"Python {sys.version_info.major}.{sys.version_info.minor} is too old (3.11+)"
    for module in ("rich", "yaml"):
        try:
            __import__(module)
        except ImportError:
            return f"the Python module {module!r} is missing"
    return None


_problem = _missing_tooling()
if _problem is not None:
    sys.stderr.write(
        f"error: this invoke runs outside Pakaura's tooling ({_problem} in {sys.executable}); "
        "run `./scripts/bootstrap.sh`, then `.venv/bin/invoke --list`\n"
    )
    raise SystemExit(MISSING_PREREQUISITE)
