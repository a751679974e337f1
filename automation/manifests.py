"""`invoke manifests`: plain manifests in infra/kubernetes/, rendered from the chart."""

from __future__ import annotations

import sys

from invoke.context import Context

from . import config
from .console import done, step
from .errors import TaskError
from .shell import run

# The chart's own renderer (owned by the chart); the first one that exists is used.
CANDIDATES = ("scripts/render_manifests.py", "scripts/render-manifests.sh")


def regenerate(c: Context, check: bool = False) -> None:
    for candidate in CANDIDATES:
        script = config.ROOT / candidate
        if not script.exists():
            continue
        # the tooling venv's python has pyyaml, which the renderer needs
        interpreter = [sys.executable] if candidate.endswith(".py") else ["bash"]
        step(("checking" if check else "regenerating") + f" infra/kubernetes/ with {candidate}")
        run(
            c,
            [*interpreter, str(script), *(["--check"] if check else [])],
            hide=False,
            fix="run `invoke manifests` and commit infra/kubernetes/"
            if check
            else "helm must be installed: `python3 scripts/install_tools.py`",
        )
        done("infra/kubernetes/ is up to date" if check else "infra/kubernetes/ regenerated")
        return
    raise TaskError(
        "no manifest renderer found (looked for " + ", ".join(CANDIDATES) + ")",
        "render by hand: `helm template pakaura helm/pakaura -n pakaura`",
    )
