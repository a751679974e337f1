"""A bounded, steady client loop INSIDE the cluster: a pod (the API image's Python, stdlib only)
sends GETs at a fixed total rate from a few threads to the release's Services, counts every
answer, keeps the first failures with their wall-clock time, and prints a JSON summary when told
to stop (used by the zero-downtime tests).

Why in the cluster and through the Services: that path exists the same way on kind, Minikube and
the real node, and it is the one every other client builds on (the Ingress controller and the
frontend reach the API through it). A `kubectl port-forward` to a Service is pinned to one pod
and breaks when that pod is replaced, whatever the chart does; and Traefik v3.6.9's
ingress-nginx provider (the real node's ingress controller) reloads its backends only when an
EndpointSlice's addresses change, not its ready/terminating conditions, so it keeps sending
requests to a pod that is draining until the pod is gone.

Each request opens its own connection (`Connection: close`): a client keeping one connection
alive would measure its own reconnection race when a pod closes idle connections on shutdown,
not whether the Service still answered.
"""

from __future__ import annotations

import collections
import json
import time
import uuid
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from kubernetes import client
from support import RELEASE, Cluster, poll

STOP_FILE = "/tmp/stop"  # noqa: S108 (inside the load pod's own emptyDir)
# Runs in the pod: env TARGETS (JSON [[url, headers], ...]), RATE, WORKERS, TIMEOUT, MAX_SECONDS.
SCRIPT = r"""
import datetime, json, os, threading, time, urllib.error, urllib.parse, urllib.request
targets = json.loads(os.environ["TARGETS"])
rate, workers = float(os.environ["RATE"]), int(os.environ["WORKERS"])
timeout, limit = float(os.environ["TIMEOUT"]), float(os.environ["MAX_SECONDS"])
stats = {"requests": 0, "failed": 0, "server_errors": 0, "statuses": {}, "by_path": {},
         "examples": []}
lock, stop, started = threading.Lock(), threading.Event(), time.monotonic()

def record(path, status, failure, server_error):
    with lock:
        stats["requests"] += 1
        stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
        stats["by_path"][path] = stats["by_path"].get(path, 0) + 1
        if failure:
            stats["failed"] += 1
            stats["server_errors"] += int(server_error)
            if len(stats["examples"]) < 20:
                wall = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-4]
                moment = time.monotonic() - started
                stats["examples"].append(f"t+{moment:.1f}s ({wall} UTC) GET {path}: {failure}")

def work(offset):
    interval = workers / rate
    due, turn = time.monotonic() + offset * interval / workers, offset
    while not stop.is_set():
        stop.wait(max(0.0, due - time.monotonic()))
        if stop.is_set():
            break
        due += interval
        url, headers = targets[turn % len(targets)]
        turn += 1
        path = urllib.parse.urlsplit(url).path
        request = urllib.request.Request(url, headers={**headers, "Connection": "close"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
                code = response.status
        except urllib.error.HTTPError as error:
            code = error.code
        except Exception as error:
            record(path, type(error).__name__, f"{type(error).__name__}: {error}", False)
            continue
        record(path, str(code), None if code == 200 else f"HTTP {code}", code >= 500)

threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(workers)]
for thread in threads:
    thread.start()
print("load running", flush=True)
while not os.path.exists("/tmp/stop") and time.monotonic() - started < limit:
    time.sleep(0.2)
stop.set()
for thread in threads:
    thread.join(timeout + 5)
stats["seconds"] = time.monotonic() - started
print(json.dumps(stats), flush=True)
"""

Target = tuple[str, dict[str, str]]  # URL, extra headers


@dataclass
class LoadReport:
    seconds: float = 0.0
    requests: int = 0
    failed: int = 0
    server_errors: int = 0  # 5xx answers (also counted in failed)
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    by_path: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)  # the first failures, with their reason

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        paths = ", ".join(f"{path} {count}" for path, count in self.by_path.items())
        return (
            f"{self.requests} requests in {self.seconds:.1f} s ({self.rate:.1f}/s; {paths}), "
            f"{self.failed} failed, {self.server_errors} 5xx"
        )

    @classmethod
    def parse(cls, line: str) -> LoadReport:
        data: dict[str, Any] = json.loads(line)
        return cls(
            seconds=float(data["seconds"]),
            requests=int(data["requests"]),
            failed=int(data["failed"]),
            server_errors=int(data["server_errors"]),
            statuses=collections.Counter({str(k): int(v) for k, v in data["statuses"].items()}),
            by_path={str(k): int(v) for k, v in data["by_path"].items()},
            examples=[str(e) for e in data["examples"]],
        )


class InClusterLoad:
    """`with InClusterLoad(release, targets) as load: ...` — the load pod runs from the start of
    the block until its end (at least `minimum` seconds); `load.report` has the counts."""

    def __init__(
        self,
        cluster: Cluster,
        targets: list[Target],
        *,
        rate: float = 25.0,
        workers: int = 6,
        minimum: float = 20.0,
        timeout: float = 10.0,
        max_seconds: float = 900.0,
    ) -> None:
        self.cluster = cluster
        self.targets = targets
        self.rate, self.workers, self.minimum = rate, workers, minimum
        self.timeout, self.max_seconds = timeout, max_seconds
        self.name = f"load-check-{uuid.uuid4().hex[:6]}"
        self.report = LoadReport()
        self._started = 0.0

    def _pod(self) -> Any:
        api = self.cluster.apps.read_namespaced_deployment("api", self.cluster.namespace)
        template = api.spec.template.spec
        image = template.containers[0].image
        # the chart's `helm test` pod labels: the NetworkPolicies let that pod reach the Services
        labels = {
            "app.kubernetes.io/name": RELEASE,
            "app.kubernetes.io/instance": RELEASE,
            "app.kubernetes.io/component": "test",
            "app": "test",
            "pakaura/acceptance": self.name,
        }
        env = {
            "TARGETS": json.dumps(self.targets),
            "RATE": str(self.rate),
            "WORKERS": str(self.workers),
            "TIMEOUT": str(self.timeout),
            "MAX_SECONDS": str(self.max_seconds),
        }
        container = client.V1Container(
            name="load",
            image=image,
            image_pull_policy="IfNotPresent",
            command=["python", "-c", SCRIPT],
            env=[client.V1EnvVar(name=k, value=v) for k, v in env.items()],
            resources=client.V1ResourceRequirements(
                requests={"cpu": "100m", "memory": "64Mi"},
                limits={"cpu": "500m", "memory": "128Mi"},
            ),
            security_context=client.V1SecurityContext(
                run_as_non_root=True,
                allow_privilege_escalation=False,
                read_only_root_filesystem=True,
                capabilities=client.V1Capabilities(drop=["ALL"]),
                seccomp_profile=client.V1SeccompProfile(type="RuntimeDefault"),
            ),
            volume_mounts=[client.V1VolumeMount(name="tmp", mount_path="/tmp")],  # noqa: S108
        )
        return client.V1Pod(
            metadata=client.V1ObjectMeta(name=self.name, labels=labels),
            spec=client.V1PodSpec(
                containers=[container],
                restart_policy="Never",
                image_pull_secrets=template.image_pull_secrets,
                security_context=client.V1PodSecurityContext(
                    run_as_non_root=True,
                    run_as_user=10001,
                    run_as_group=10001,
                    seccomp_profile=client.V1SeccompProfile(type="RuntimeDefault"),
                ),
                volumes=[
                    client.V1Volume(
                        name="tmp", empty_dir=client.V1EmptyDirVolumeSource(size_limit="16Mi")
                    )
                ],
                termination_grace_period_seconds=5,
            ),
        )

    def _phase(self) -> str:
        pod = self.cluster.core.read_namespaced_pod(self.name, self.cluster.namespace)
        return str(pod.status.phase)

    def _log(self) -> str:
        try:
            text = self.cluster.core.read_namespaced_pod_log(self.name, self.cluster.namespace)
        except client.ApiException:  # the container has not started yet
            return ""
        return str(text or "")

    def __enter__(self) -> InClusterLoad:
        self.cluster.core.create_namespaced_pod(self.cluster.namespace, self._pod())
        try:
            poll(lambda: "load running" in self._log(), f"load pod {self.name} to run", 120)
        except Exception:
            self._delete()
            raise
        self._started = time.monotonic()
        return self

    def hold(self, seconds: float) -> None:
        """Keep the load running for `seconds` more."""
        time.sleep(max(0.0, seconds))

    def _delete(self) -> None:
        self.cluster.core.delete_namespaced_pod(
            self.name, self.cluster.namespace, grace_period_seconds=0
        )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is not None:
                return
            self.hold(self.minimum - (time.monotonic() - self._started))
            self.cluster.kubectl(
                "-n", self.cluster.namespace, "exec", self.name, "--", "touch", STOP_FILE
            )
            poll(
                lambda: self._phase() == "Succeeded",
                f"load pod {self.name} to report",
                self.timeout + 60,
            )
            self.report = LoadReport.parse(self._log().strip().splitlines()[-1])
        finally:
            self._delete()
