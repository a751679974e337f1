"""Pakaura's test plan: one nox session per kind of check (`nox -l` lists them).

Every session installs exactly what it needs from the lock files in `requirements/`, so a session
runs the same on a laptop and in CI. `nox` with no arguments runs what `.ci/run` runs: every
session except those declared `default=False` (they need something CI does not have, e.g. a
cluster); `nox -l` marks which is which.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import nox
import nox.command

ROOT = Path(__file__).parent
REQ = ROOT / "requirements"
PYTHON = "3.11"
MISSING_PREREQUISITE = 2  # exit code: a tool or a cluster is missing (docs/automation.md)

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True


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
    """ruff (lint + format) over all Python, mypy --strict on the API, on tasks.py + automation/
    and on tests/acceptance/, shellcheck on scripts. `-- ruff`, `-- mypy` or `-- shellcheck` runs
    only that (the pre-commit hooks do)."""
    only = set(session.posargs) or {"ruff", "mypy", "shellcheck"}
    install_api(session)
    install_locked(session, "lint")
    if "ruff" in only:
        session.run("ruff", "check", ".")
        session.run("ruff", "format", "--check", ".")
    if "mypy" in only:
        with session.chdir(ROOT / "api"):  # mypy reads its settings from api/pyproject.toml
            session.run("mypy", "src")
        # tasks.py + automation/, strict, against the pinned invoke and rich they run with
        install_locked(session, "tasks")
        session.run("mypy", "--strict", "--python-version", PYTHON, "tasks.py", "automation")
        # the acceptance suite, strict, against its pinned dependencies (tests/acceptance/mypy.ini)
        install_locked(session, "acceptance")
        session.run("mypy", "--config-file", "tests/acceptance/mypy.ini", "tests/acceptance")
    if "shellcheck" in only:
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
def resilience(session: nox.Session) -> None:
    """Attacks and faults against real servers on loopback (tests/resilience): spoofed
    forwarded headers, 64 concurrent writers with a ledger (SQLite and PostgreSQL), kill -9 of
    the API and a PostgreSQL crash mid-load, a full pool. Private PostgreSQL servers only
    (apt `postgresql`); every loop is bounded in count and time; each test prints its figures."""
    install_api(session)
    install_locked(session, "api-test")
    web_attacks = "tests/resilience/test_webapp_limits.py"
    session.log(f"deselected {web_attacks}: it needs the built web app; `nox -s frontend` runs it")
    session.run(
        "pytest",
        "tests/resilience",
        f"--ignore={web_attacks}",
        "-p",
        "no:cacheprovider",
        "-s",
        *session.posargs,
        env={"PYTHONPATH": str(ROOT)},
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Load-test `pakaura-api serve` (1 and 2 workers; 1 and 32 connections) with wrk on a
    private PostgreSQL server; req/s, p50/p99, CPU ms/request, statements/request, the /health
    baseline, py-spy's top frames, instructions per request (valgrind's callgrind: the
    deterministic figure), and which issue-11 target each figure meets. Printed and written to
    artifacts/bench.json, never asserted.

    Needs the apt packages `wrk`, `postgresql` (initdb) and `valgrind`. `-- --help` lists the
    options.
    """
    install_api(session)
    install_locked(session, "bench")
    session.run(
        "python", str(ROOT / "api" / "bench" / "run_bench.py"), "--profile", *session.posargs
    )


@nox.session(python=PYTHON)
def tasks(session: nox.Session) -> None:
    """tasks.py and scripts/ai-deploy.sh: MockContext unit tests (shellcheck runs in `lint`)."""
    install_locked(session, "tasks")
    session.run("pytest", "tests/tasks", "-q", *session.posargs)


@nox.session(python=PYTHON)
def newcomer(session: nox.Session) -> None:
    """The README's first hour, for real, from a fresh clone of HEAD (tests/newcomer): bootstrap +
    `invoke dev` exactly as written with PATH untouched, a browser signing up and adding a task
    by chat, Ctrl-C leaving nothing behind; a plain `pip install invoke nox`; no cluster; links."""
    install_locked(session, "e2e")  # pytest + Playwright (Debian's Chromium), nothing more
    session.run("pytest", "tests/newcomer", "-p", "no:cacheprovider", "-rs", "-v", *session.posargs)


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
    env = {"PYTHONPATH": str(ROOT), **run_options.pop("env", {})}
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
        env=env,
        **run_options,
    )


@nox.session(python=PYTHON, default=False)
def acceptance(session: nox.Session) -> None:
    """The live-cluster acceptance suite (not a default session: it needs a cluster).

    `nox -s acceptance` uses the current kubeconfig context; `-- --cluster kind` creates a
    throwaway kind cluster; `-- --capabilities control_plane` runs only what such a cluster offers.
    With no reachable cluster the suite says so in one line and this session exits 2 (the
    project's exit code for a missing prerequisite), not nox's generic 1.
    """
    try:
        run_acceptance(session, *session.posargs)
    except nox.command.CommandFailed as failed:
        if failed.return_code == MISSING_PREREQUISITE:
            raise SystemExit(MISSING_PREREQUISITE) from None  # nox itself only ever exits 1
        raise


def refuses_without_cluster(session: nox.Session) -> None:
    """With no cluster at all the suite must refuse loudly (exit 2), never pass silently."""
    empty = Path(session.create_tmp()) / "no-cluster.kubeconfig"
    empty.write_text("")
    output = run_acceptance(session, "--kubeconfig", str(empty), success_codes=[2], silent=True)
    if "no reachable Kubernetes cluster" not in str(output):
        session.error(f"acceptance without a cluster did not say so:\n{output}")
    session.log(
        "acceptance with no cluster: exit 2, 'no reachable Kubernetes cluster' (as intended)"
    )


def kubernetes_bin(session: nox.Session) -> str:
    """The folder of the Kubernetes v1.36 binaries built by tests/acceptance/tools/build.sh."""
    out = session.run(*TOOLS, "dir", "kubernetes", silent=True, external=True)
    return str(out).strip().splitlines()[-1]


def with_kubectl(env: dict[str, str], k8s_bin: str) -> dict[str, str]:
    """kubectl 1.36.3 (the server's minor version) first on PATH, for the suite and the tasks."""
    return {
        **env,
        "PATH": os.pathsep.join([k8s_bin, os.environ.get("PATH", "")]),
        "PAKAURA_KUBECTL": str(Path(k8s_bin) / "kubectl"),
    }


@nox.session(name="acceptance-control-plane", python=PYTHON, default=False)
def acceptance_control_plane(session: nox.Session) -> None:
    """The acceptance suite's `control_plane` tests on a real API server with kwok's fake node.

    The fallback for machines where `acceptance-real-node` cannot run (no root, iptables or
    cgroups): kube-apiserver, controller-manager, scheduler, kubectl, etcd and kwok are built
    from the Go module proxy (tests/acceptance/tools/, the same cache as the real node) and run
    with kwok's simulated node (tests/acceptance/kwok-cluster.sh). Tests needing real containers
    or an ingress controller are deselected, and the run prints how many and why.
    """
    install_locked(session, "acceptance")
    refuses_without_cluster(session)
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
            env=with_kubectl({"PYTHONPATH": str(ROOT)}, kubernetes_bin(session)),
        )
    finally:
        session.run(*script, "down", external=True)


@nox.session(python=PYTHON)
def frontend(session: nox.Session) -> None:
    """The web app: npm ci, eslint, tsc, vitest, production build; then the browser e2e suite
    (Debian's /usr/bin/chromium) against the real API + a throw-away PostgreSQL database, the
    web app's attack tests (tests/resilience/test_webapp_limits.py) and the figures (first-load
    JS, start -> first 200, RSS). `-- <pytest args>` goes to the browser suite's pytest."""
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
    # The web app under attack: 256 MiB bodies (413, RSS < 200 MiB), forwarded-header spoofing.
    session.run(
        "pytest",
        "tests/resilience/test_webapp_limits.py",
        "-p",
        "no:cacheprovider",
        "-s",
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
    env = {
        "DOCKER_HOST": docker_host,
        "DOCKER_BUILDKIT": "1",
        "PAKAURA_COLD_BUILD": cold,
        # the label `invoke build` checks: the real-node session reuses these images as built
        "PAKAURA_SOURCE_LABELS": json.dumps(source_labels()),
    }
    if not (ROOT / "frontend" / "node_modules" / "axe-core").is_dir():
        # the browser suite's accessibility checks inject the web app's pinned axe-core
        session.run("npm", "ci", "--no-audit", "--no-fund", "--prefix", "frontend", external=True)
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
    """The Helm chart offline: values.schema.json and the chart README's values table generated
    from values.yaml (stale → fail), helm lint --strict and helm template over every
    helm/pakaura/ci/*-values.yaml, strict Kubernetes schema validation (1.25/1.33/1.37), FR,
    rollout, NetworkPolicy, connection-budget and backup assertions, invalid values rejected
    readably, secrets never leaked, infra/kubernetes up to date, checkov (zero failures, annotated
    skips), and hadolint on infra/docker/*.Dockerfile. helm/kubectl come from
    scripts/install_tools.py, the doc generators from scripts/chart_docs.py (Go proxy + npm), all
    cached outside the repo; PAKAURA_HELM=<path> runs the suite with another helm, e.g. Helm 3."""
    install_locked(session, "chart")
    tools = session.run("python", "scripts/install_tools.py", silent=True)
    session.log(str(tools).strip())
    generators = session.run("python", "scripts/chart_docs.py", "--tools", silent=True)
    session.log(str(generators).strip())
    session.run("pytest", "tests/chart", "-q", "-p", "no:cacheprovider", *session.posargs)
    # Any finding fails, down to "info"; an ignore belongs next to its line as
    # `# hadolint ignore=DLxxxx` with the reason in the Dockerfile.
    dockerfiles = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("infra/docker/*.Dockerfile"))
    if dockerfiles:
        session.run("hadolint", "--failure-threshold", "info", *dockerfiles)
        session.log(f"hadolint: {len(dockerfiles)} Dockerfiles, no findings")
    else:
        session.log("hadolint: no infra/docker/*.Dockerfile yet")


# --- the real node (tests/acceptance/real-node.sh); last, as it imports the `containers` images ---

TOOLS = ["bash", "tests/acceptance/tools/build.sh"]
REAL_NODE = ["bash", "tests/acceptance/real-node.sh"]
NODE_TOOLS = ("kubernetes", "etcd", "containerd", "coredns")  # built in this order, then traefik
REAL_NODE_ARTIFACTS = ROOT / "artifacts" / "real-node"
# What the node, the images, the suite and the teardown take on a warm machine (~5 min measured),
# doubled (seconds): the budget check below keeps this much in hand when it decides about Traefik.
REAL_NODE_RUN_SECONDS = 12 * 60
STEPS = ("tools", "up", "import", "suite", "down")  # timed, printed, in timings.json


def tool_status(session: nox.Session, *tools: str) -> dict[str, list[str]]:
    """tools/build.sh status: {tool: ["built", seconds, dir] | ["building", elapsed, typical]
    | ["missing", typical]}."""
    out = session.run(*TOOLS, "status", *tools, silent=True, external=True)
    rows = [line.split() for line in str(out).splitlines() if line.strip()]
    return {row[0]: row[1:] for row in rows}


def seconds_until_built(status: dict[str, list[str]], tools: list[str]) -> int:
    """Roughly how long until every tool in `tools` is built, one build at a time."""
    total = 0
    for tool in tools:
        state = status[tool]
        if state[0] == "building":
            total += max(60, int(state[2]) - int(state[1]))
        elif state[0] == "missing":
            total += int(state[1])
    return total


def ingress_decision(session: nox.Session) -> tuple[bool, str]:
    """Whether the run includes Traefik (the `ingress` capability), and why not if it does not.

    Only when PAKAURA_CI_DEADLINE (epoch seconds; `.ci/run` sets it from its time budget) is set
    and Traefik is not built yet: if waiting for its build would not leave REAL_NODE_RUN_SECONDS
    for the rest, the `ingress` tests are deselected (pytest prints their count) and this says why.
    """
    if os.environ.get("PAKAURA_REAL_NODE_INGRESS") == "0":
        return False, "PAKAURA_REAL_NODE_INGRESS=0"
    status = tool_status(session, *NODE_TOOLS, "traefik")
    if status["traefik"][0] == "built" or not os.environ.get("PAKAURA_CI_DEADLINE"):
        return True, ""
    left = int(os.environ["PAKAURA_CI_DEADLINE"]) - int(time.time())
    with_traefik = seconds_until_built(status, [*NODE_TOOLS, "traefik"]) + REAL_NODE_RUN_SECONDS
    if with_traefik <= left:
        return True, ""
    return False, (
        f"Traefik v3.6.9 is not built yet ({status['traefik'][0]}); waiting for it would need "
        f"~{with_traefik // 60} min with the rest of this session, and CI has {left // 60} min "
        "left of its time budget"
    )


def images_for_the_node(session: nox.Session) -> list[str]:
    """The images the chart runs by default: the project's two, and the chart's PostgreSQL."""
    code = (
        "import yaml; from automation import config; "
        "v = yaml.safe_load(open('helm/pakaura/values.yaml')); "
        "pg = v['postgresql']['image']; "
        "print(*[image for image, _, _ in config.IMAGES.values()], "
        "f\"{pg['repository']}:{pg['tag']}\")"
    )
    out = session.run("python", "-c", code, silent=True, env={"PYTHONPATH": str(ROOT)})
    return str(out).split()


def start_engine(session: nox.Session) -> tuple[str, bool]:
    """DOCKER_HOST of the engine holding the images (PAKAURA_DOCKER_HOST, else the private one,
    started here if needed); True when this session started it."""
    given = os.environ.get("PAKAURA_DOCKER_HOST")
    if given:
        return given, False
    engine = ["bash", "scripts/container-engine.sh"]
    status = session.run(*engine, "status", silent=True, success_codes=[0, 3], external=True)
    started = not str(status).startswith("running")
    if started:
        session.run(*engine, "start", external=True)
    host = str(session.run(*engine, "env", silent=True, external=True)).strip()
    return host.removeprefix("DOCKER_HOST="), started


def source_labels() -> dict[str, str]:
    """image -> `<label>=<digest of its sources>`, the label `invoke build` gives an image and
    checks to skip an up-to-date one (noxfile.py runs in the tooling venv: automation imports)."""
    if str(ROOT) not in sys.path:  # nox loads this file by path; automation/ lives beside it
        sys.path.insert(0, str(ROOT))
    from automation import config, images

    return {
        image: f"{config.SOURCE_DIGEST_LABEL}={images.source_digest(name)}"
        for name, (image, _, _) in config.IMAGES.items()
    }


def ensure_images(session: nox.Session, env: dict[str, str]) -> None:
    """The images come from the `containers` session (no second build): they carry the source
    label `invoke build` checks, so `invoke build --cluster none` keeps them when they match
    this checkout and rebuilds only what is missing or stale (never a stale image relabelled)."""
    session.run("bash", "infra/ci-images/ensure-stand-ins.sh", env=env, external=True)
    session.run("invoke", "build", "--cluster", "none", env={**env, "DOCKER_BUILDKIT": "1"})


@nox.session(name="acceptance-real-node", python=PYTHON)
def acceptance_real_node(session: nox.Session) -> None:
    """The whole acceptance suite on a real single-node Kubernetes v1.36 cluster, here.

    tests/acceptance/real-node.sh builds (once; cached outside the repository) and starts etcd,
    the control plane, containerd + runc, kubelet, kube-proxy and CoreDNS as host processes, and
    Traefik as the ingress controller for class `nginx`; the images of the `containers` session
    are imported with `docker save | ctr import`. The suite (whose `release` fixture runs
    `invoke deploy` against the node) runs with `--capabilities control_plane,runtime,ingress`,
    kubectl 1.36.3 first on PATH; the node is torn down afterwards, also when a test fails.
    Needs root, iptables and cgroups (prerequisites are checked first, exit 2 each); elsewhere
    use `acceptance-control-plane`. Step times: artifacts/real-node/timings.json. In CI a short
    time budget with Traefik not built yet deselects the `ingress` tests, saying why.
    """
    install_locked(session, "acceptance")
    refuses_without_cluster(session)
    try:  # root, iptables, cgroups, packages, Go, free addresses and ports: one line each
        session.run(*REAL_NODE, "check", external=True)
    except nox.command.CommandFailed as failed:
        if failed.return_code == MISSING_PREREQUISITE:
            raise SystemExit(MISSING_PREREQUISITE) from None  # nox itself only ever exits 1
        raise
    REAL_NODE_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    timings: dict[str, Any] = {}

    def timed(step: str, *args: str, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return session.run(*args, **kwargs)
        finally:
            timings[f"{step}_s"] = round(time.monotonic() - started, 1)

    ingress, reason = ingress_decision(session)
    if not ingress:
        session.warn(f"real node without Traefik: the `ingress` tests are deselected: {reason}")
        timings["ingress_deselected_because"] = reason
    tools = [*NODE_TOOLS, *(["traefik"] if ingress else [])]
    before = tool_status(session, *tools)
    timed("tools", *TOOLS, "build", *tools, external=True)  # waits for a background CI build
    after = tool_status(session, *tools)
    timings["tool_builds"] = {
        tool: {
            "cold_build_s": int(after[tool][1]),
            "built_during_this_ci_run": before[tool][0] != "built",
        }
        for tool in tools
    }
    k8s_bin = kubernetes_bin(session)

    node_env = {"PAKAURA_REAL_NODE_INGRESS": "1" if ingress else "0"}
    docker_host, started_engine = start_engine(session)
    docker = os.environ.get("PAKAURA_DOCKER_CLI", "/usr/bin/docker")
    # `docker` on PATH for the tasks: Debian's 20.10 CLI (built-in BuildKit), like the
    # `containers` session, not a newer CLI without buildx that may come first on PATH.
    shim = Path(session.create_tmp()) / "docker-cli"
    shim.mkdir(exist_ok=True)
    if not (shim / "docker").exists():
        (shim / "docker").symlink_to(docker)
    engine_env = {"DOCKER_HOST": docker_host, "PAKAURA_DOCKER_CLI": docker}
    capabilities = "control_plane,runtime" + (",ingress" if ingress else "")
    try:
        images = images_for_the_node(session)
        ensure_images(
            session, {**engine_env, "PATH": os.pathsep.join([str(shim), os.environ["PATH"]])}
        )
        timed("up", *REAL_NODE, "up", env=node_env, external=True)
        out = session.run(*REAL_NODE, "kubeconfig", silent=True, external=True)
        kubeconfig = str(out).strip()
        timed("import", *REAL_NODE, "import", *images, env=engine_env, external=True)
        suite_env = with_kubectl({"PYTHONPATH": str(ROOT), **engine_env}, k8s_bin)
        suite_env["PATH"] = os.pathsep.join([k8s_bin, str(shim), os.environ.get("PATH", "")])
        suite_env["KUBECONFIG"] = kubeconfig
        started = time.monotonic()
        try:
            run_acceptance(
                session,
                "--capabilities",
                capabilities,
                "--kubeconfig",
                kubeconfig,
                *session.posargs,
                env=suite_env,
            )
        finally:
            timings["suite_s"] = round(time.monotonic() - started, 1)
            session.run(*REAL_NODE, "status", success_codes=[0, 1, 3], external=True)
    finally:
        try:
            timed("down", *REAL_NODE, "down", external=True)
        finally:
            logs = Path(str(session.run(*REAL_NODE, "logs", silent=True, external=True)).strip())
            if logs.is_dir():
                shutil.copytree(logs, REAL_NODE_ARTIFACTS / "logs", dirs_exist_ok=True)
            if started_engine:
                session.run("bash", "scripts/container-engine.sh", "stop", external=True)
            (REAL_NODE_ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
            for tool, build in timings.get("tool_builds", {}).items():
                when = "built in this run" if build["built_during_this_ci_run"] else "cached"
                session.log(f"{tool}: cold build {build['cold_build_s']} s ({when})")
            steps = [f"{step} {timings[f'{step}_s']} s" for step in STEPS if f"{step}_s" in timings]
            session.log(f"real node steps: {', '.join(steps)} (artifacts/real-node/timings.json)")
