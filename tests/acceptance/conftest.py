"""Live-cluster acceptance suite: options, capability markers, the cluster and release fixtures.

Options (besides pytest-kind's --kubeconfig, --cluster-name, --keep-cluster):
  --cluster current|kind   current (default): the active kubeconfig context (or --kube-context);
                           kind: a throwaway kind cluster made with pytest-kind (automation/
                           kind-config.yaml), then `invoke setup --cluster kind` installs
                           ingress-nginx, builds and loads the images and deploys.
  --capabilities LIST      what the cluster offers (default control_plane,runtime,ingress); tests
                           that need more are deselected, and the summary says how many and why.
  --namespace NS           namespace of the release under test (default pakaura).
With no reachable cluster the session stops before collection with exit code 2 and one message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import evidence  # noqa: E402
from memory import MemorySampler, render  # noqa: E402
from support import ARTIFACTS, ROOT, Cluster, restarts, tool  # noqa: E402

CAPABILITIES = {
    "control_plane": "needs a Kubernetes API server with controllers and a scheduler",
    "runtime": "needs real containers (probes, logs, exec, data on volumes, the app answering)",
    "ingress": "needs an ingress-nginx controller serving the chart's Ingress",
}
OTHER_MARKERS = {
    "session_end": "runs after every other test (checks what the whole session did)",
}
NO_CLUSTER = 2  # the project's exit code for a missing prerequisite (tasks.py uses it too)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pakaura", "Pakaura acceptance suite")
    group.addoption(
        "--cluster",
        choices=("current", "kind"),
        default="current",
        help="current kubeconfig context (default) or a throwaway kind cluster",
    )
    group.addoption(
        "--capabilities",
        default=",".join(CAPABILITIES),
        help="comma list of what the cluster offers: " + ", ".join(CAPABILITIES),
    )
    group.addoption("--namespace", default="pakaura", help="namespace of the release under test")
    group.addoption("--kube-context", default=None, help="kubeconfig context (default: current)")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in {**CAPABILITIES, **OTHER_MARKERS}.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    offered = {c.strip() for c in config.getoption("capabilities").split(",") if c.strip()}
    unknown = offered - set(CAPABILITIES)
    if unknown:
        raise pytest.UsageError(
            f"--capabilities: unknown {sorted(unknown)}; choose from {', '.join(CAPABILITIES)}"
        )
    config.stash[OFFERED] = offered
    config.stash[FIGURES] = {}


OFFERED = pytest.StashKey[set[str]]()
FIGURES = pytest.StashKey[dict[str, Any]]()
DESELECTED = pytest.StashKey[dict[str, int]]()
CLUSTER = pytest.StashKey[Cluster]()  # the cluster under test, for the failure-evidence hook
EXPORTED = pytest.StashKey[set[str]]()  # tests whose failure evidence was written
MORE_EVIDENCE = pytest.StashKey[list[tuple[Cluster, str]]]()  # a test's other namespaces


def _stop(config: pytest.Config, message: str) -> None:
    # pytest reports an exit this early twice (its "Exit:" line and the terminal reporter's
    # "!!! … !!!" banner); without the reporter the message is printed once.
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        config.pluginmanager.unregister(reporter)
    pytest.exit(f"{message}", returncode=NO_CLUSTER)


def _no_cluster(kubeconfig: str | None, reason: str) -> str:
    where = f"kubeconfig {kubeconfig}" if kubeconfig else "current kubeconfig context"
    return (
        f"acceptance: no reachable Kubernetes cluster ({where}: {reason}). Start one "
        "(`invoke setup`), pass --kubeconfig PATH / --kube-context, or use --cluster kind"
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to run (exit 2, one message) when no cluster can be reached — never a silent pass."""
    config = session.config
    if config.option.collectonly or config.option.help:
        return
    missing = [name for name in ("kubectl", "helm") if tool(name) is None]
    if missing:
        _stop(
            config,
            f"acceptance: {', '.join(missing)} not found; install them "
            "(python3 scripts/install_tools.py installs both) and retry",
        )
    if config.getoption("cluster") == "kind":
        if shutil.which("kind") is None:
            _stop(
                config,
                "acceptance: --cluster kind needs `kind` on PATH (https://kind.sigs.k8s.io/)",
            )
        if (
            shutil.which("docker") is None
            or subprocess.run(["docker", "info"], capture_output=True, check=False).returncode
        ):
            _stop(
                config,
                "acceptance: --cluster kind needs a running Docker engine (`docker info` failed)",
            )
        return
    from kubernetes import client
    from kubernetes import config as kube_config

    kubeconfig = config.getoption("kubeconfig")
    context = config.getoption("kube_context")
    try:
        api = kube_config.new_client_from_config(config_file=kubeconfig, context=context)
    except Exception as error:  # no kubeconfig, unknown context, unreadable file
        _stop(config, _no_cluster(kubeconfig, str(error).strip().splitlines()[0][:160]))
    try:
        # no retries: a refused connection should be reported now, not after urllib3's backoff
        api.configuration.retries = False
        version = client.VersionApi(api).get_code(_request_timeout=5)
    except Exception as error:  # refused, timeout, TLS, 401...
        _stop(
            config,
            _no_cluster(
                kubeconfig, f"{api.configuration.host} did not answer: {type(error).__name__}"
            ),
        )
    config.stash[FIGURES]["server_version"] = version.git_version


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    offered = config.stash[OFFERED]
    unmarked = [
        item.nodeid
        for item in items
        if not any(item.get_closest_marker(name) for name in CAPABILITIES)
    ]
    if unmarked:
        raise pytest.UsageError(
            "every acceptance test needs a capability marker "
            f"({', '.join(CAPABILITIES)}): {unmarked}"
        )
    keep: list[pytest.Item] = []
    dropped: dict[str, list[pytest.Item]] = {}
    for item in items:
        needs = {name for name in CAPABILITIES if item.get_closest_marker(name)}
        lacking = needs - offered
        if lacking:
            key = ", ".join(sorted(lacking))
            dropped.setdefault(key, []).append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=[i for group in dropped.values() for i in group])
    config.stash[DESELECTED] = {key: len(group) for key, group in dropped.items()}

    def order(item: pytest.Item) -> tuple[int, int]:
        # user stories first (module order), day-2 operations (test_ops_*) next, then NFR/edge
        # cases, session-end checks last
        module = item.nodeid.split("::")[0].rsplit("/", 1)[-1]
        group = 1 if module.startswith("test_ops_") else 2 if "nfr" in module else 0
        return (3 if item.get_closest_marker("session_end") else group, keep.index(item))

    items[:] = sorted(keep, key=order)


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    offered: set[str] = config.stash[OFFERED]
    lines = [f"cluster capabilities offered: {', '.join(sorted(offered))}"]
    for lacking, count in config.stash.get(DESELECTED, {}).items():
        lines.append(
            f"deselected {count} test(s): the cluster does not offer {lacking} "
            f"({CAPABILITIES[lacking.split(', ')[0]]})"
        )
    return lines


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    figures = config.stash.get(FIGURES, {})
    for lacking, count in config.stash.get(DESELECTED, {}).items():
        terminalreporter.write_line(f"deselected {count} test(s) needing {lacking}")
    if figures:
        terminalreporter.section("acceptance figures")
        for name, value in figures.items():
            if isinstance(value, list):  # a table: one line per row
                terminalreporter.write_line(f"{name}:")
                for line in value:
                    terminalreporter.write_line(f"  {line}")
            else:
                terminalreporter.write_line(f"{name}: {value}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "figures.json").write_text(json.dumps(figures, indent=2, default=str))


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def figures(pytestconfig: pytest.Config) -> dict[str, Any]:
    """Measured figures (seconds etc.), printed in the summary and saved to artifacts/."""
    return pytestconfig.stash[FIGURES]


def _kind_cluster(
    config: pytest.Config, namespace: str, figures: dict[str, Any]
) -> Iterator[Cluster]:
    """A throwaway kind cluster, brought up by the project's own one command (`invoke setup`)."""
    from pytest_kind import KindCluster

    name = config.getoption("cluster_name")
    kubeconfig = config.getoption("kubeconfig")
    kind_bin = shutil.which("kind")  # the same kind `invoke setup` uses
    kind = KindCluster(
        name,
        Path(kubeconfig) if kubeconfig else None,
        kind_path=Path(kind_bin) if kind_bin else None,
    )
    kind.create(config_file=ROOT / "automation" / "kind-config.yaml")
    cluster = Cluster(str(kind.kubeconfig_path.resolve()), f"kind-{name}", namespace, name=name)
    os.environ["KIND_CLUSTER_NAME"] = name  # setup's `kind load` targets this cluster
    try:
        start = time.monotonic()
        # ingress-nginx (kind manifest) + waits, images built and loaded, release deployed
        setup = cluster.invoke("setup", "--cluster", "kind", "--namespace", namespace)
        assert setup.returncode == 0, setup.stdout + setup.stderr
        figures["invoke setup --cluster kind on a fresh kind cluster (s)"] = round(
            time.monotonic() - start, 1
        )
        yield cluster
    finally:
        if not config.getoption("keep_cluster"):
            kind.delete()


@pytest.fixture(scope="session")
def cluster(pytestconfig: pytest.Config, figures: dict[str, Any]) -> Iterator[Cluster]:
    namespace = pytestconfig.getoption("namespace")
    if pytestconfig.getoption("cluster") == "kind":
        for made in _kind_cluster(pytestconfig, namespace, figures):
            pytestconfig.stash[CLUSTER] = made
            yield made
        return
    current = Cluster(
        pytestconfig.getoption("kubeconfig"), pytestconfig.getoption("kube_context"), namespace
    )
    pytestconfig.stash[CLUSTER] = current
    yield current


@pytest.fixture(scope="session")
def release(cluster: Cluster, figures: dict[str, Any]) -> Cluster:
    """The release under test, installed with `invoke deploy` if it is not there yet."""
    if cluster.release_status() is None:
        start = time.monotonic()
        result = cluster.invoke("deploy", "--namespace", cluster.namespace)
        assert result.returncode == 0, result.stdout + result.stderr
        figures["install_seconds (invoke deploy, helm --wait)"] = round(time.monotonic() - start, 1)
    cluster.wait_release_ready()
    return cluster


@pytest.fixture(scope="session")
def baseline_restarts(release: Cluster) -> dict[str, int]:
    """Restart counts of the serving pods when the suite first touched the release."""
    return {p.metadata.name: restarts(p) for p in release.serving_pods()}


@pytest.fixture(scope="session")
def memory_peaks(release: Cluster, figures: dict[str, Any]) -> Iterator[MemorySampler]:
    """Peak memory of every container of the release, sampled from the node all run long."""
    sampler = MemorySampler(release).start()
    try:
        yield sampler
    finally:
        sampler.stop()
        if sampler.table():
            figures["peak memory per container (whole run)"] = render(sampler.table())


@pytest.fixture(autouse=True)
def _record_baseline(request: pytest.FixtureRequest) -> None:
    # the session-end restart check needs the counts from before the first test ran, and the
    # memory sampler runs from the first test on (real containers only)
    if "release" in request.fixturenames:
        request.getfixturevalue("baseline_restarts")
        if "runtime" in request.config.stash[OFFERED]:
            request.getfixturevalue("memory_peaks")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure, the cluster's state for that test under artifacts/acceptance/<test>/."""
    report = yield
    exported = item.config.stash.setdefault(EXPORTED, set())
    if (
        report.failed
        and item.config.stash.get(CLUSTER, None) is not None
        and item.nodeid not in exported  # once per test (setup, call and teardown may all fail)
    ):
        exported.add(item.nodeid)
        directory = ARTIFACTS / evidence.directory_name(item.name)
        shutil.rmtree(directory, ignore_errors=True)  # nothing left from an earlier run
        written = evidence.export(item.config.stash[CLUSTER], directory)
        for other, selector in item.stash.get(MORE_EVIDENCE, []):
            written += evidence.export(other, directory / other.namespace, selector)
        if written:
            report.sections.append(
                (
                    "failure evidence",
                    f"{len(written)} files in {directory} (events, describe, "
                    "current and previous logs, helm history)",
                )
            )
    return report


@pytest.fixture
def evidence_from(request: pytest.FixtureRequest) -> Callable[[Cluster, str], None]:
    """`evidence_from(cluster, selector)`: when this test fails, the state of that Cluster's
    namespace (its pods: the label selector) is written too, under <test>/<namespace>/. Delete
    such a namespace in a fixture's teardown, which runs after the evidence is written."""
    registered = request.node.stash.setdefault(MORE_EVIDENCE, [])

    def register(cluster: Cluster, selector: str) -> None:
        registered.append((cluster, selector))

    return register


def _app_through(release: Cluster, service: str, port: int) -> Iterator[Any]:
    """The app through a port-forward to `service`, once it answers healthy."""
    from support import App

    with release.port_forward(service, port) as url:
        app = App(url)
        app.wait_healthy()
        yield app


@pytest.fixture
def app_via_frontend(release: Cluster) -> Iterator[Any]:
    """The app as the browser sees it: the frontend Service, which proxies /api to the API."""
    yield from _app_through(release, "svc/frontend", 3000)


@pytest.fixture
def app_via_api(release: Cluster) -> Iterator[Any]:
    yield from _app_through(release, "svc/api", 8000)
