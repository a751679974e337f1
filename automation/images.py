"""Building the images where the cluster can see them (pitfall 19), skipping unchanged sources."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from invoke.context import Context

from . import config
from .cluster import Cluster, flavour, kind_name, minikube_profile
from .console import done, skipped, step
from .errors import TaskError
from .shell import run

# Never part of an image's inputs: dependencies, build output, caches, local state.
IGNORED = {
    "node_modules",
    ".next",
    ".venv",
    ".nox",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".pakaura",
    ".git",
    "coverage",
    "htmlcov",
    "dist",
    "build",
}


def _files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(part in IGNORED or part.startswith(".venv") for part in parts):
            continue
        if path.is_file():
            found.append(path)
    return found


def source_digest(component: str, root: Path | None = None) -> str:
    """sha256 over the Dockerfile and every file of the build context (paths and contents)."""
    root = root or config.ROOT
    _, dockerfile, context = config.IMAGES[component]
    digest = hashlib.sha256()
    for path in [root / dockerfile, *_files(root / context)]:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()[:16]


def extra_ca_build_args() -> list[str]:
    """`--build-arg EXTRA_CA_CERTS=<PEM>` from the file named by PAKAURA_EXTRA_CA_CERTS, if set.

    For builds behind a TLS-intercepting proxy: the Dockerfiles trust these (public) certificates
    in their build stages only.
    """
    path = os.environ.get("PAKAURA_EXTRA_CA_CERTS")
    if not path:
        return []
    try:
        pem = Path(path).read_text()
    except OSError as error:
        raise TaskError(
            f"PAKAURA_EXTRA_CA_CERTS={path} cannot be read ({error.strerror})",
            "point it at a PEM file with the extra CA certificates, or unset it",
        ) from None
    return ["--build-arg", f"EXTRA_CA_CERTS={pem}"]


def docker_env(c: Context, cluster: str) -> dict[str, str]:
    """The environment that points `docker` at minikube's engine (empty for other targets)."""
    if cluster != "minikube":
        return {}
    result = run(
        c, ["minikube", "docker-env", "-p", minikube_profile(), "--shell", "none"], check=False
    )
    if result.failed:  # a containerd/cri-o minikube has no docker engine: build here, then load
        return {}
    env = {}
    for line in (result.stdout or "").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.startswith("DOCKER_"):
            env[key] = value
    return env


def built_digest(c: Context, image: str, env: dict[str, str]) -> str:
    label = '{{ index .Config.Labels "' + config.SOURCE_DIGEST_LABEL + '" }}'
    result = run(c, ["docker", "image", "inspect", image, "--format", label], check=False, env=env)
    return (result.stdout or "").strip() if result.ok else ""


def build(
    c: Context, target: Cluster | None, components: list[str], force: bool = False
) -> list[str]:
    """Build each component's image into the cluster's runtime; returns the rebuilt ones.

    target None builds into the local engine only (`--cluster none`).
    """
    kind = flavour(c, target) if target else "none"
    env = docker_env(c, kind)
    kind_cluster = kind_name(c, target) if target and kind == "kind" else ""
    if kind == "minikube" and not env:
        step("minikube has no docker engine (containerd?) — building locally, then loading")
    rebuilt = []
    for component in components:
        image, dockerfile, context = config.IMAGES[component]
        if not (config.ROOT / dockerfile).exists():
            raise TaskError(f"{dockerfile} does not exist", "build from a complete checkout")
        digest = source_digest(component)
        if not force and built_digest(c, image, env) == digest:
            skipped(f"{image} is up to date (sources {digest})")
        else:
            step(f"building {image}" + (" in minikube's engine" if env else ""))
            run(
                c,
                [
                    "docker",
                    "build",
                    "-t",
                    image,
                    "-f",
                    str(config.ROOT / dockerfile),
                    "--label",
                    f"{config.SOURCE_DIGEST_LABEL}={digest}",
                    "--build-arg",
                    f"VERSION={config.VERSION}",
                    *extra_ca_build_args(),
                    str(config.ROOT / context),
                ],
                env=env,
                fix=f"run `docker build -f {dockerfile} {context}` to see the full build log",
            )
            done(f"built {image}")
            rebuilt.append(component)
        load(c, kind, image, env, kind_cluster)
    return rebuilt


def load(c: Context, kind: str, image: str, env: dict[str, str], kind_cluster: str = "") -> None:
    """Copy a locally built image into the cluster's runtime when it cannot see the local engine."""
    if kind == "kind":
        # kind compares image IDs and skips nodes that already have this one
        run(c, ["kind", "load", "docker-image", image, "--name", kind_cluster])
    elif kind == "minikube" and not env:
        run(c, ["minikube", "image", "load", image, "-p", minikube_profile()])
