"""Resource truth: each container's peak memory as the node's kernel counts it, for the whole run.

A background thread samples every container of the release every few seconds through the
kubelet (exec): the container's own cgroup files, `memory.max_usage_in_bytes` (cgroup v1) or
`memory.peak` (cgroup v2, kernel >= 5.19) — the kernel's high-water mark since the container
started, so nothing between two samples is missed while the container lives — plus the current
working set (usage minus inactive file cache, what the kubelet and `kubectl top` report). Where
exec or those files are unavailable (an image without `sh`, cgroup v2 without a private cgroup
namespace) it falls back to the kubelet's summary API (`/stats/summary`, working set only).
The samples are kept per container instance and summarised per component/container.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from kubernetes import client
from kubernetes import config as kube_config
from kubernetes.stream import stream
from support import INSTANCE, Cluster, component_of, quantity_bytes

INTERVAL = 5.0
MIB = 2**20
# Prints "v2|v1 <peak or -> <usage> <inactive file bytes>" from inside the container.
CGROUP_SCRIPT = r"""
if [ -f /sys/fs/cgroup/memory.current ]; then
  d=/sys/fs/cgroup
  echo v2 "$(cat $d/memory.peak 2>/dev/null || echo -)" "$(cat $d/memory.current)" \
    "$(sed -n 's/^inactive_file //p' $d/memory.stat)"
else
  d=/sys/fs/cgroup/memory
  echo v1 "$(cat $d/memory.max_usage_in_bytes)" "$(cat $d/memory.usage_in_bytes)" \
    "$(sed -n 's/^total_inactive_file //p' $d/memory.stat)"
fi
"""


@dataclass
class Peak:
    """The highest figures seen for one component/container, over all its pods."""

    component: str
    container: str
    request: int
    limit: int
    kernel_peak: int = 0  # cgroup high-water mark (includes page cache)
    working_set: int = 0  # highest sampled working set
    source: str = ""  # cgroup v1 | cgroup v2 | kubelet summary
    instances: int = 0
    samples: int = 0

    @property
    def peak(self) -> int:
        """What is compared with the limit: the kernel's peak when known, else the working set."""
        return self.kernel_peak or self.working_set

    @property
    def share(self) -> float:
        return self.peak / self.limit if self.limit else 0.0


def parse_cgroup(text: str) -> tuple[str, int | None, int] | None:
    """'v1 123 100 20' -> ('cgroup v1', 123, 80): version, kernel peak, working set."""
    fields = text.split()
    if len(fields) != 4 or fields[0] not in ("v1", "v2"):
        return None
    try:
        peak = None if fields[1] == "-" else int(fields[1])
        usage, inactive = int(fields[2]), int(fields[3])
    except ValueError:
        return None
    return f"cgroup {fields[0]}", peak, max(0, usage - inactive)


class MemorySampler:
    def __init__(self, cluster: Cluster, interval: float = INTERVAL) -> None:
        # exec through the client patches its ApiClient while it runs: this thread gets its own
        own = kube_config.new_client_from_config(
            config_file=cluster.kubeconfig, context=cluster.context
        )
        self.api = client.CoreV1Api(own)
        self.namespace = cluster.namespace
        self.interval = interval
        self.peaks: dict[tuple[str, str], Peak] = {}
        self._seen: set[tuple[str, str, int]] = set()
        self._lock = threading.Lock()
        self._sampling = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self.errors = 0

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # a namespace being deleted, an API blip
                self.sample()
            self._stop.wait(self.interval)

    def _exec(self, pod: str, container: str) -> str:
        return str(
            stream(
                self.api.connect_get_namespaced_pod_exec,
                pod,
                self.namespace,
                container=container,
                command=["sh", "-c", CGROUP_SCRIPT],
                stderr=False,
                stdin=False,
                stdout=True,
                tty=False,
                _request_timeout=15,
            )
        )

    def _summary(self, node: str) -> dict[tuple[str, str], int]:
        """Working set per (pod, container) from the kubelet's summary API."""
        # raw bytes: the client would turn a `str` answer into a Python repr of the parsed JSON
        raw = self.api.connect_get_node_proxy_with_path(
            node, "stats/summary", _preload_content=False
        )
        data: dict[str, Any] = json.loads(raw.data)
        figures = {}
        for pod in data.get("pods", []):
            for container in pod.get("containers") or []:
                memory = container.get("memory") or {}
                figures[(pod["podRef"]["name"], container["name"])] = int(
                    memory.get("workingSetBytes") or 0
                )
        return figures

    def sample(self) -> None:
        """One round over every running container. One round at a time: `stream()` swaps the
        ApiClient's transport for a websocket while an exec runs, so calls must not overlap."""
        with self._sampling:
            self._sample()

    def _sample(self) -> None:
        pods = self.api.list_namespaced_pod(self.namespace, label_selector=INSTANCE).items
        summaries: dict[str, dict[tuple[str, str], int]] = {}
        for pod in pods:
            if pod.status.phase != "Running" or pod.metadata.deletion_timestamp is not None:
                continue
            running = {
                s.name: s.restart_count
                for s in pod.status.container_statuses or []
                if s.state and s.state.running
            }
            for spec in pod.spec.containers:
                if spec.name in running:
                    figures = self._figures(pod, spec.name, summaries)
                    if figures is not None:
                        self._record(pod, spec, running[spec.name], figures)

    def _figures(
        self, pod: Any, container: str, summaries: dict[str, dict[tuple[str, str], int]]
    ) -> tuple[str, int | None, int] | None:
        """From the container's cgroup files, else the kubelet's summary; None when neither."""
        with contextlib.suppress(Exception):
            figures = parse_cgroup(self._exec(pod.metadata.name, container))
            if figures is not None:
                return figures
        self.errors += 1
        node = str(pod.spec.node_name)
        if node not in summaries:
            summaries[node] = {}
            with contextlib.suppress(Exception):
                summaries[node] = self._summary(node)
        working = summaries[node].get((pod.metadata.name, container))
        return None if working is None else ("kubelet summary", None, working)

    def _record(
        self, pod: Any, spec: Any, restarts: int, figures: tuple[str, int | None, int]
    ) -> None:
        source, kernel, working_set = figures
        key = (component_of(pod), str(spec.name))
        instance = (str(pod.metadata.uid), str(spec.name), restarts)
        resources = spec.resources
        with self._lock:
            peak = self.peaks.setdefault(
                key,
                Peak(
                    key[0],
                    key[1],
                    quantity_bytes((resources.requests or {}).get("memory")),
                    quantity_bytes((resources.limits or {}).get("memory")),
                ),
            )
            if instance not in self._seen:
                self._seen.add(instance)
                peak.instances += 1
            peak.samples += 1
            if kernel or not peak.source:
                peak.source = source
            peak.kernel_peak = max(peak.kernel_peak, kernel or 0)
            peak.working_set = max(peak.working_set, working_set)

    def table(self) -> list[Peak]:
        with self._lock:
            return [self.peaks[key] for key in sorted(self.peaks)]


def mib(value: int) -> str:
    return f"{value / MIB:.0f} MiB" if value else "-"


def render(peaks: list[Peak]) -> list[str]:
    header = (
        f"{'component/container':<24} {'peak (kernel)':>13} {'working set':>11} "
        f"{'request':>8} {'limit':>8} {'of limit':>8}  pods samples source"
    )
    lines = [header]
    for p in peaks:
        lines.append(
            f"{p.component + '/' + p.container:<24} {mib(p.kernel_peak):>13} "
            f"{mib(p.working_set):>11} {mib(p.request):>8} {mib(p.limit):>8} "
            f"{p.share:>8.0%}  {p.instances:>4} {p.samples:>7} {p.source}"
        )
    return lines
