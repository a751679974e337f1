"""`invoke manifests`: plain manifests in infra/kubernetes/, rendered from the chart."""

from __future__ import annotations

import sys

from invoke.context import Context

from . import config
from .console import done, step
from .errors import TaskError
from .shell import run

RENDERER = "scripts/render_manifests.py"  # the chart's own renderer (owned by the chart)


def regenerate(c: Context, check: bool = False) -> None:
    script = config.ROOT / RENDERER
    if not script.exists():
        raise TaskError(
            f"the manifest renderer {RENDERER} is missing",
            "render by hand: `helm template pakaura helm/pakaura -n pakaura`",
        )
    step(("checking" if check else "regenerating") + f" infra/kubernetes/ with {RENDERER}")
    # the tooling venv's python has pyyaml, which the renderer needs
    run(
        c,
        [sys.executable, str(script), *(["--check"] if check else [])],
        hide=False,
        fix="run `invoke manifests` and commit infra/kubernetes/"
        if check
        else "helm must be installed: `python3 scripts/install_tools.py`",
    )
    done("infra/kubernetes/ is up to date" if check else "infra/kubernetes/ regenerated")
