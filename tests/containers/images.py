"""Build Pakaura's two images from infra/docker/*.Dockerfile exactly as a user would, and measure.

A cold build starts with no build cache for our images (`docker builder prune -a` and the old
tags removed), so every dependency is downloaded again; the base images stay (in CI they are the
stand-ins from infra/ci-images, loaded from their cache). A second, cached build
of the same sources follows. Behind a TLS-intercepting proxy the host's extra CA certificates are
passed as the EXTRA_CA_CERTS build argument (used by the build stages only).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .harness import API_IMAGE, DOCKER, FRONTEND_IMAGE, ROOT, VERSION, docker, image_size, run

HOST_EXTRA_CAS = Path("/usr/local/share/ca-certificates")


@dataclass(frozen=True)
class ImageSpec:
    tag: str
    dockerfile: Path
    context: Path
    base: str  # the runtime stage's FROM, for "size added above the base"


IMAGES = (
    ImageSpec(API_IMAGE, ROOT / "infra/docker/api.Dockerfile", ROOT / "api", "python:3.11-slim"),
    ImageSpec(
        FRONTEND_IMAGE,
        ROOT / "infra/docker/frontend.Dockerfile",
        ROOT / "frontend",
        "node:20-alpine",
    ),
)


def extra_ca_certs() -> str:
    """PEM text of PAKAURA_EXTRA_CA_CERTS (a file), else of the host's extra CAs; may be ''."""
    given = os.environ.get("PAKAURA_EXTRA_CA_CERTS")
    files = [Path(given)] if given else sorted(HOST_EXTRA_CAS.glob("*.crt"))
    return "".join(path.read_text() for path in files).strip()


def build(spec: ImageSpec, extra_ca: str) -> float:
    """Seconds for one `docker build` (BuildKit) of spec."""
    ca_arg = ["--build-arg", f"EXTRA_CA_CERTS={extra_ca}"] if extra_ca else []
    # The source label `invoke build` checks (the noxfile passes it): the real-node session
    # reuses these images instead of building them again.
    label = json.loads(os.environ.get("PAKAURA_SOURCE_LABELS", "{}")).get(spec.tag)
    label_arg = ["--label", label] if label else []
    started = time.monotonic()
    run(
        DOCKER, "build", "-f", str(spec.dockerfile), *ca_arg, *label_arg,
        "--build-arg", f"VERSION={VERSION}", "-t", spec.tag, str(spec.context),
        env={"DOCKER_BUILDKIT": "1"}, timeout=1800,
    )  # fmt: skip
    return time.monotonic() - started


def copied_layers_size(image: str) -> int:
    """Bytes in the layers our COPY --from=builder steps added (the application itself), leaving
    out the base: for the frontend that includes the `COPY / /` of the trimmed Node base."""
    history = docker(
        "history", "--no-trunc", "--human=false", "--format", "{{.Size}}|{{.CreatedBy}}", image
    )
    total = 0
    for line in history.splitlines():
        size, created_by = line.split("|", 1)
        if created_by.startswith("COPY") and not created_by.startswith("COPY / /"):
            total += int(size)
    return total


def build_all(cold: bool) -> dict[str, dict[str, float | int | str | bool]]:
    """Build both images (cold then cached when cold=True) and report times and sizes."""
    report: dict[str, dict[str, float | int | str | bool]] = {}
    extra_ca = extra_ca_certs()
    if cold:
        for spec in IMAGES:
            docker("image", "rm", "-f", spec.tag, check=False)
        docker("builder", "prune", "-a", "-f")
    for spec in IMAGES:
        entry = report.setdefault(spec.tag, {})
        first = build(spec, extra_ca)
        entry["cold_build_s" if cold else "build_s"] = round(first, 1)
        if cold:
            entry["cached_build_s"] = round(build(spec, extra_ca), 1)
    for spec in IMAGES:
        size, base = image_size(spec.tag), image_size(spec.base)
        # The frontend's runner is a trimmed copy of its base (no npm/yarn), so "above the base"
        # understates it; app_layers_mb counts what the COPY --from=builder steps added.
        labels = docker("image", "inspect", "--format", "{{json .Config.Labels}}", spec.base)
        report[spec.tag].update(
            size_mb=round(size / 1e6, 1),
            base=spec.base,
            base_size_mb=round(base / 1e6, 1),
            base_is_ci_stand_in="org.pakaura.ci.stand-in" in labels,
            added_above_base_mb=round((size - base) / 1e6, 1),
            app_layers_mb=round(copied_layers_size(spec.tag) / 1e6, 1),
        )
    return report
