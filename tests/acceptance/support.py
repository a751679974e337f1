"""What the acceptance tests share: the cluster handle, CLI helpers, port-forwards, the app client.

Waits use tenacity (never bare sleeps); every wait has a deadline and says what it waited for.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from kubernetes import client
from kubernetes import config as kube_config
from tenacity import (
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_delay,
    wait_fixed,
)

ROOT = Path(__file__).resolve().parents[2]
RELEASE = "pakaura"
SECRET = f"{RELEASE}-secrets"
CONFIGMAP = f"{RELEASE}-config"
SENSITIVE_KEYS = ("DB_PASSWORD", "JWT_SECRET", "COHERE_API_KEY")
SENSITIVE_ENV = (*SENSITIVE_KEYS, "POSTGRES_PASSWORD", "DATABASE_URL")
INSTANCE = f"app.kubernetes.io/instance={RELEASE}"
# where figures and failure evidence go (the failure-evidence self-check points it elsewhere)
ARTIFACTS = Path(
    os.environ.get("PAKAURA_ACCEPTANCE_ARTIFACTS") or ROOT / "artifacts" / "acceptance"
)
_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}


def wait_until(timeout: float, interval: float = 2.0) -> Retrying:
    """`for attempt in wait_until(60): with attempt: <assertions>` retries until they pass."""
    return Retrying(
        stop=stop_after_delay(timeout),
        wait=wait_fixed(interval),
        retry=retry_if_exception_type(
            (AssertionError, requests.RequestException, OSError, client.ApiException)
        ),
        reraise=True,
    )


def poll(predicate: Any, what: str, timeout: float, interval: float = 1.0) -> Any:
    """Call predicate() until it returns something truthy; AssertionError naming `what` if not."""
    retrying = Retrying(
        stop=stop_after_delay(timeout),
        wait=wait_fixed(interval),
        retry=retry_if_result(lambda value: not value),
    )
    try:
        return retrying(predicate)
    except Exception as error:  # tenacity.RetryError
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}") from error


def tool(name: str) -> str | None:
    """A CLI from PATH, or the project's pinned copy (scripts/install_tools.py cache)."""
    override = os.environ.get(f"PAKAURA_{name.upper()}")
    if override:
        return override
    found = shutil.which(name)
    if found:
        return found
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pakaura" / "tools"
    candidates = sorted(cache.glob(f"{name}-*/{name}")) if cache.exists() else []
    return str(candidates[-1]) if candidates else None


@dataclass
class Cluster:
    """How to reach the cluster under test, for the Python client and for the CLIs."""

    kubeconfig: str | None
    context: str | None
    namespace: str
    name: str = "current"
    api: client.ApiClient = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.api = kube_config.new_client_from_config(
            config_file=self.kubeconfig, context=self.context
        )
        self.core = client.CoreV1Api(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.batch = client.BatchV1Api(self.api)

    # --- CLIs -------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """Environment for CLIs and tasks: this cluster's kubeconfig, helm/kubectl on PATH."""
        env = dict(os.environ)
        dirs = [str(Path(found).parent) for found in (tool("helm"), tool("kubectl")) if found]
        env["PATH"] = os.pathsep.join([*dict.fromkeys(dirs), env.get("PATH", "")])
        if self.kubeconfig:
            env["KUBECONFIG"] = self.kubeconfig
        if self.context:  # tasks.py's `--cluster current` honours it
            env["PAKAURA_KUBE_CONTEXT"] = self.context
        return env

    def kubectl_argv(self, *args: str) -> list[str]:
        argv = [tool("kubectl") or "kubectl"]
        if self.context:
            argv += ["--context", self.context]
        return [*argv, *args]

    def kubectl(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        result = subprocess.run(
            self.kubectl_argv(*args),
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=timeout,
            check=False,
        )
        if check and result.returncode:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def helm(
        self, *args: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        argv = [tool("helm") or "helm", *args]
        if self.context:
            argv += ["--kube-context", self.context]
        result = subprocess.run(
            argv, capture_output=True, text=True, env=self.env(), timeout=timeout, check=False
        )
        if check and result.returncode:
            raise AssertionError(f"helm {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def invoke(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """Run a project task (tasks.py) against this cluster, as a user would."""
        invoke = ROOT / ".venv" / "bin" / "invoke"
        argv = [str(invoke) if invoke.exists() else "invoke", "--search-root", str(ROOT), *args]
        env = {**self.env(), "PAKAURA_CONSOLE_WIDTH": "200"}
        return subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )

    # --- release state ----------------------------------------------------------------------
    def release_status(self) -> dict[str, Any] | None:
        result = self.helm("status", RELEASE, "-n", self.namespace, "-o", "json", check=False)
        return json.loads(result.stdout) if result.returncode == 0 else None

    def revision(self) -> int:
        status = self.release_status()
        assert status, f"release {RELEASE} is not installed in {self.namespace}"
        return int(status["version"])

    def pods(self, component: str | None = None) -> list[client.V1Pod]:
        selector = INSTANCE + (f",app.kubernetes.io/component={component}" if component else "")
        return list(self.core.list_namespaced_pod(self.namespace, label_selector=selector).items)

    def serving_pods(self) -> list[client.V1Pod]:
        """Pods of the long-running components (the migration Job's pods come and go)."""
        return [
            p
            for p in self.pods()
            if component_of(p) in ("api", "frontend", "postgresql")
            and p.metadata.deletion_timestamp is None
        ]

    def secret_values(self) -> dict[str, str]:
        secret = self.core.read_namespaced_secret(SECRET, self.namespace)
        return {k: base64.b64decode(v).decode() for k, v in (secret.data or {}).items()}

    def ready_endpoints(self, service: str) -> int:
        endpoints = self.core.read_namespaced_endpoints(service, self.namespace)
        return sum(len(s.addresses or []) for s in endpoints.subsets or [])

    def wait_release_ready(self, timeout: float = 300) -> None:
        """Every Deployment/StatefulSet of the release has all replicas ready."""

        def ready() -> bool:
            workloads = [
                *self.apps.list_namespaced_deployment(
                    self.namespace, label_selector=INSTANCE
                ).items,
                *self.apps.list_namespaced_stateful_set(
                    self.namespace, label_selector=INSTANCE
                ).items,
            ]
            return (
                bool(workloads)
                and all(
                    (w.status.ready_replicas or 0) == (w.spec.replicas or 0)
                    and (w.status.updated_replicas or 0) == (w.spec.replicas or 0)
                    for w in workloads
                )
                and all(
                    pod_ready(p)
                    for p in self.serving_pods()
                    if p.metadata.deletion_timestamp is None
                )
            )

        poll(ready, "every workload of the release to be ready", timeout, 2)

    def rollout_restart(self, deployment: str, timeout: float = 300) -> None:
        self.kubectl("-n", self.namespace, "rollout", "restart", f"deployment/{deployment}")
        self.kubectl(
            "-n",
            self.namespace,
            "rollout",
            "status",
            f"deployment/{deployment}",
            f"--timeout={int(timeout)}s",
            timeout=timeout + 10,
        )

    # --- reaching services ------------------------------------------------------------------
    @contextlib.contextmanager
    def port_forward(self, target: str, port: int, namespace: str | None = None) -> Iterator[str]:
        """kubectl port-forward <target> :port; yields http://127.0.0.1:<local port>."""
        process = subprocess.Popen(
            self.kubectl_argv(
                "-n",
                namespace or self.namespace,
                "port-forward",
                target,
                f":{port}",
                "--address",
                "127.0.0.1",
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(),
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()  # "Forwarding from 127.0.0.1:40123 -> 3000"
            match = re.search(r"127\.0\.0\.1:(\d+)", line)
            if not match:
                process.kill()
                raise AssertionError(
                    f"port-forward {target} failed: {line}"
                    f"{process.stderr.read() if process.stderr else ''}"
                )
            yield f"http://127.0.0.1:{match.group(1)}"
        finally:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def component_of(pod: client.V1Pod) -> str:
    return str((pod.metadata.labels or {}).get("app.kubernetes.io/component", ""))


def pod_ready(pod: client.V1Pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def ready_since(pod: client.V1Pod) -> float | None:
    """Seconds from the pod's creation to its Ready condition (None when not ready)."""
    for condition in pod.status.conditions or []:
        if condition.type == "Ready" and condition.status == "True":
            if condition.last_transition_time is None:
                return None
            return float(
                (condition.last_transition_time - pod.metadata.creation_timestamp).total_seconds()
            )
    return None


def restarts(pod: client.V1Pod) -> int:
    return sum(s.restart_count for s in pod.status.container_statuses or [])


class App:
    """The Pakaura HTTP API as a user's browser reaches it (base URL of frontend or API)."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, f"{self.base_url}{path}", **kwargs)

    def wait_healthy(self, timeout: float = 60) -> None:
        for attempt in wait_until(timeout, 1):
            with attempt:
                response = self.request("GET", "/api/v1/health/ready", timeout=5)
                assert response.status_code == 200, response.text

    def signup(
        self,
        email: str | None = None,
        password: str = "Acceptance-Pass-2026!",  # noqa: S107 (a throwaway test user)
    ) -> dict[str, Any]:
        email = email or f"acceptance-{uuid.uuid4().hex[:10]}@example.com"
        response = self.request(
            "POST",
            "/api/v1/auth/signup",
            json={"email": email, "password": password, "name": "Acceptance"},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        self.session.headers["Authorization"] = f"Bearer {body['access_token']}"
        return {"email": email, "password": password, **body}

    def login(self, email: str, password: str) -> None:
        response = self.request(
            "POST", "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def tasks(self, status: str = "all") -> list[dict[str, Any]]:
        response = self.request("GET", f"/api/v1/tasks?status={status}")
        assert response.status_code == 200, response.text
        return list(response.json())

    def create_task(self, title: str) -> dict[str, Any]:
        response = self.request("POST", "/api/v1/tasks", json={"title": title})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def chat(self, message: str, conversation_id: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message}
        if conversation_id:
            body["conversation_id"] = conversation_id
        response = self.request("POST", "/api/v1/chat", json=body, timeout=60)
        assert response.status_code == 200, response.text
        return dict(response.json())


def cpu_millis(quantity: str | None) -> int:
    """'500m' -> 500, '2' -> 2000 (Kubernetes CPU quantities)."""
    if not quantity:
        return 0
    return int(float(quantity[:-1])) if quantity.endswith("m") else int(float(quantity) * 1000)


def quantity_bytes(quantity: str | None) -> int:
    """'512Mi' -> 536870912, '1G' -> 10**9 (Kubernetes memory quantities)."""
    if not quantity:
        return 0
    for suffix, factor in _UNITS.items():
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * factor)
    return int(quantity)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def elapsed(start: float) -> float:
    return round(time.monotonic() - start, 1)
