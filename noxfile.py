"""Pakaura's test plan: one nox session per kind of check (`nox -l` lists them).

Every session installs exactly what it needs from the lock files in `requirements/`, so a session
runs the same on a laptop and in CI. `nox` with no arguments runs what `.ci/run` runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nox

ROOT = Path(__file__).parent
REQ = ROOT / "requirements"
PYTHON = "3.11"

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = [
    "lint",
    "api",
    "bench",
    "frontend",
    "chart",
    "tasks",
    "workflow",
    "containers",
    "acceptance-control-plane",
]


def install_locked(session: nox.Session, *names: str) -> None:
    """Install the pinned, hash-checked lock files requirements/<name>.txt."""
    args: list[str] = []
    for name in names:
        args += ["-r", str(REQ / f"{name}.txt")]
    session.install("--require-hashes", *args)


def install_api(session: nox.Session) -> None:
    """The API's locked runtime dependencies plus the package itself (no dependency resolution)."""
    session.install("--require-hashes", "-r", str(ROOT / "api" / "requirements.lock"))
    session.install("--no-deps", "-e", str(ROOT / "api"))


# --- sessions (each section is owned by the part of the project it checks) ---------------------


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint + format) over all Python, mypy --strict on the API and the acceptance suite,
    shellcheck on scripts."""
    install_api(session)
    install_locked(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    with session.chdir(ROOT / "api"):  # mypy reads its settings from api/pyproject.toml
        session.run("mypy", "src")
    # the acceptance suite, strict, against its pinned dependencies (tests/acceptance/mypy.ini)
    install_locked(session, "acceptance")
    session.run("mypy", "--config-file", "tests/acceptance/mypy.ini", "tests/acceptance")
    # Every shell script in the repository, wherever it lives.
    scripts = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.sh") if _tracked(p))
    session.run("shellcheck", *scripts, ".ci/run", external=True)
    session.log(f"shellcheck: {len(scripts) + 1} scripts clean")


def _tracked(path: Path) -> bool:
    """Not inside a dependency or tool folder (node_modules, virtualenvs, nox's own)."""
    skip = {"node_modules", ".nox", ".venv", ".git"}
    return not skip.intersection(path.relative_to(ROOT).parts)


@nox.session(python=PYTHON)
def api(session: nox.Session) -> None:
    """The API test suite against a real PostgreSQL (TEST_DATABASE_URL), coverage gate 90%."""
    install_api(session)
    install_locked(session, "api-test")
    session.run(
        "pytest",
        "api/tests",
        "--cov=pakaura_api",
        "--cov-report=term-missing:skip-covered",
        *session.posargs,
        env={"COVERAGE_RCFILE": str(ROOT / "api" / "pyproject.toml")},
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Load-test one `pakaura-api serve` on a fresh PostgreSQL database with wrk; prints figures.

    Needs the apt package `wrk` and PostgreSQL (TEST_DATABASE_URL). Figures are not asserted.
    """
    install_api(session)
    session.run("python", str(ROOT / "api" / "bench" / "run_bench.py"), *session.posargs)


@nox.session(python=PYTHON)
def tasks(session: nox.Session) -> None:
    """tasks.py and scripts/ai-deploy.sh: MockContext unit tests (shellcheck runs in `lint`)."""
    install_locked(session, "tasks")
    session.run("pytest", "tests/tasks", "-q", *session.posargs)


@nox.session(python=False)
def workflow(session: nox.Session) -> None:
    """actionlint over .github/workflows, with shellcheck on every `run:` block.

    actionlint is pinned and built from the Go module proxy into a version-keyed cache outside the
    repository (scripts/install-actionlint.sh); it runs shellcheck because shellcheck is on PATH.
    """
    output = session.run("bash", "scripts/install-actionlint.sh", silent=True, external=True)
    actionlint = str(output).strip().splitlines()[-1]
    session.run(actionlint, "-color", *session.posargs, external=True)


def run_acceptance(session: nox.Session, *args: str, **run_options: Any) -> Any:
    install_locked(session, "acceptance")
    return session.run(
        "pytest",
        "tests/acceptance",
        "--rootdir",
        str(ROOT),
        "--strict-markers",
        "-p",
        "no:cacheprovider",
        "-rs",
        *args,
        env={"PYTHONPATH": str(ROOT)},
        **run_options,
    )


@nox.session(python=PYTHON)
def acceptance(session: nox.Session) -> None:
    """The live-cluster acceptance suite (not a default session: it needs a cluster).

    `nox -s acceptance` uses the current kubeconfig context; `-- --cluster kind` creates a
    throwaway kind cluster; `-- --capabilities control_plane` runs only what such a cluster offers.
    With no reachable cluster it exits non-zero saying so.
    """
    run_acceptance(session, *session.posargs)


@nox.session(name="acceptance-control-plane", python=PYTHON)
def acceptance_control_plane(session: nox.Session) -> None:
    """The acceptance suite's `control_plane` tests on a real Kubernetes API server, here.

    Minikube and kind cannot run on the CI machine, so this builds kube-apiserver,
    controller-manager, scheduler, etcd and kwok from the Go module proxy (cached outside the
    repository; ~12 min once) and runs them with kwok's simulated node
    (tests/acceptance/kwok-cluster.sh). Tests needing real containers or an ingress controller are
    deselected, and the run prints how many and why.
    """
    # First, with no cluster at all: the suite must refuse loudly (exit 2), never pass silently.
    empty = Path(session.create_tmp()) / "no-cluster.kubeconfig"
    empty.write_text("")
    output = run_acceptance(session, "--kubeconfig", str(empty), success_codes=[2], silent=True)
    if "no reachable Kubernetes cluster" not in str(output):
        session.error(f"acceptance without a cluster did not say so:\n{output}")
    session.log(
        "acceptance with no cluster: exit 2, 'no reachable Kubernetes cluster' (as intended)"
    )

    script = ["bash", "tests/acceptance/kwok-cluster.sh"]
    kubeconfig = str(session.run(*script, "up", silent=True, external=True)).strip().splitlines()
    try:
        run_acceptance(
            session,
            "--capabilities",
            "control_plane",
            "--kubeconfig",
            kubeconfig[-1],
            *session.posargs,
        )
    finally:
        session.run(*script, "down", external=True)


@nox.session(python=PYTHON)
def frontend(session: nox.Session) -> None:
    """The web app: npm ci, eslint, tsc, vitest, production build; then the browser e2e suite
    (Debian's /usr/bin/chromium) against the real API + a throw-away PostgreSQL database, and the
    figures (first-load JS, start -> first 200, RSS). `-- <pytest args>` goes to pytest."""
    env = {"NEXT_TELEMETRY_DISABLED": "1"}
    with session.chdir(ROOT / "frontend"):
        session.run("npm", "ci", "--no-audit", "--no-fund", external=True, env=env)
        session.run("npm", "run", "lint", external=True, env=env)
        session.run("npm", "run", "typecheck", external=True, env=env)
        session.run("npm", "test", external=True, env=env)
        session.run("npm", "run", "build", external=True, env=env)
    install_api(session)
    install_locked(session, "e2e")
    session.run(
        "pytest",
        "tests/e2e",
        "-p",
        "no:cacheprovider",
        "--output=artifacts/e2e/test-results",
        "--screenshot=only-on-failure",
        *session.posargs,
        env=env,
    )
    session.run("python", "tests/e2e/figures.py", env=env)


@nox.session(python=PYTHON)
def containers(session: nox.Session) -> None:
    """Both images built from infra/docker/*.Dockerfile and compose.yaml run for real.

    Needs apt `docker.io docker-compose debootstrap` and root. Unless PAKAURA_DOCKER_HOST names an
    engine to use, it starts a private Docker engine (scripts/container-engine.sh; stopped again
    at the end if this session started it) and loads stand-ins for the official base images
    (infra/ci-images/, cached outside the repo), because CI reaches no container registry.
    Then tests/containers: cold and cached builds, the compose stack, the browser suite against
    it, outages and restarts; the report is in artifacts/containers/report.json.
    """
    install_locked(session, "containers")
    engine = ["bash", "scripts/container-engine.sh"]
    docker_host = os.environ.get("PAKAURA_DOCKER_HOST")
    started_engine = False
    if not docker_host:
        status = session.run(*engine, "status", silent=True, success_codes=[0, 3], external=True)
        if not str(status).startswith("running"):
            session.run(*engine, "start", external=True)
            started_engine = True
        docker_host = str(session.run(*engine, "env", silent=True, external=True)).strip()
        docker_host = docker_host.removeprefix("DOCKER_HOST=")
    own_engine_default = "0" if "PAKAURA_DOCKER_HOST" in os.environ else "1"
    stand_ins = os.environ.get("PAKAURA_STAND_INS", own_engine_default)
    # A cold build prunes the engine's whole build cache: by default only on the private engine.
    cold = os.environ.get("PAKAURA_COLD_BUILD", own_engine_default)
    env = {"DOCKER_HOST": docker_host, "DOCKER_BUILDKIT": "1", "PAKAURA_COLD_BUILD": cold}
    try:
        if stand_ins == "1":
            session.run("bash", "infra/ci-images/ensure-stand-ins.sh", env=env, external=True)
        session.run(
            "pytest", "tests/containers", "-p", "no:cacheprovider", *session.posargs, env=env
        )
    finally:
        if started_engine:
            session.run(*engine, "stop", external=True)


@nox.session(python=PYTHON)
def chart(session: nox.Session) -> None:
    """The Helm chart offline: helm lint --strict and helm template over a value matrix, strict
    Kubernetes schema validation (1.25/1.33/1.37), FR assertions, invalid values rejected, secrets
    never leaked, infra/kubernetes up to date, checkov (zero failures, annotated skips), and
    hadolint on infra/docker/*.Dockerfile. helm/kubectl come from scripts/install_tools.py (cached
    outside the repo); PAKAURA_HELM=<path> runs the suite with another helm, e.g. Helm 3."""
    install_locked(session, "chart")
    tools = session.run("python", "scripts/install_tools.py", silent=True)
    session.log(str(tools).strip())
    session.run("pytest", "tests/chart", "-q", "-p", "no:cacheprovider", *session.posargs)
    # Any finding fails, down to "info"; an ignore belongs next to its line as
    # `# hadolint ignore=DLxxxx` with the reason in the Dockerfile.
    dockerfiles = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("infra/docker/*.Dockerfile"))
    if dockerfiles:
        session.run("hadolint", "--failure-threshold", "info", *dockerfiles)
        session.log(f"hadolint: {len(dockerfiles)} Dockerfiles, no findings")
    else:
        session.log("hadolint: no infra/docker/*.Dockerfile yet")
