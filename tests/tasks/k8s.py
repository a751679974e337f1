"""Builders for the JSON `kubectl get -o json` prints, shaped like a real cluster's output."""

from __future__ import annotations

from typing import Any

CREATED = "2026-11-27T10:00:00Z"


def labels(component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "pakaura",
        "app.kubernetes.io/instance": "pakaura",
        "app.kubernetes.io/component": component,
        "app": component,
    }


def pod(
    name: str,
    component: str,
    *,
    ready: bool = True,
    phase: str = "Running",
    waiting: str | None = None,
    restarts: int = 0,
    image: str = "pakaura-api:4.0.0",
    requests: dict[str, str] | None = None,
    scheduled_message: str | None = None,
    last_terminated: str | None = None,
) -> dict[str, Any]:
    state: dict[str, Any] = {"running": {"startedAt": CREATED}}
    if waiting:
        state = {"waiting": {"reason": waiting, "message": f"{waiting} happened"}}
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        "containerStatuses": [
            {
                "name": component,
                "image": image,
                "ready": ready,
                "restartCount": restarts,
                "state": state,
                "lastState": {"terminated": {"reason": last_terminated}} if last_terminated else {},
            }
        ],
    }
    if scheduled_message:
        status["containerStatuses"] = []
        status["conditions"].append(
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": scheduled_message,
            }
        )
    return {
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels(component), "creationTimestamp": CREATED},
        "spec": {
            "containers": [
                {"name": component, "image": image, "resources": {"requests": requests or {}}}
            ]
        },
        "status": status,
    }


def service(name: str, port: int) -> dict[str, Any]:
    return {
        "kind": "Service",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.96.0.10",
            "ports": [{"port": port, "protocol": "TCP"}],
        },
    }


def endpoints(name: str, ready: int) -> dict[str, Any]:
    addresses = [{"ip": f"10.244.0.{i + 10}"} for i in range(ready)]
    return {
        "kind": "Endpoints",
        "metadata": {"name": name},
        "subsets": [{"addresses": addresses}] if addresses else [],
    }


def ingress(host: str = "pakaura.local") -> dict[str, Any]:
    return {
        "kind": "Ingress",
        "metadata": {"name": "pakaura"},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {"path": "/api", "backend": {"service": {"name": "api"}}},
                            {"path": "/", "backend": {"service": {"name": "frontend"}}},
                        ]
                    },
                }
            ],
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "192.168.49.2"}]}},
    }


JOB_STATUS = {
    "complete": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]},
    "failed": {
        "failed": 3,
        "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}],
    },
    "running": {"active": 1},
    # a pod failed and the Job waits to retry it: active 0, no Failed condition yet
    "retrying": {"failed": 1},
}


def job(name: str = "pakaura-migrate-1", state: str = "complete") -> dict[str, Any]:
    return {
        "kind": "Job",
        "metadata": {"name": name, "labels": labels("migrate"), "creationTimestamp": CREATED},
        "status": JOB_STATUS[state],
    }


def healthy_items() -> list[dict[str, Any]]:
    return [
        pod("api-6d4f-abcde", "api"),
        pod("api-6d4f-fghij", "api"),
        pod("frontend-7c9-klmno", "frontend", image="pakaura-frontend:4.0.0"),
        pod("frontend-7c9-pqrst", "frontend", image="pakaura-frontend:4.0.0"),
        pod("postgresql-0", "postgresql", image="postgres:16-alpine"),
        service("api", 8000),
        service("frontend", 3000),
        service("postgresql", 5432),
        endpoints("api", 2),
        endpoints("frontend", 2),
        endpoints("postgresql", 1),
        ingress(),
        job(),
    ]


def as_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": items}


def history(revision: int = 1, status: str = "deployed", description: str = "Install complete"):
    return [
        {
            "revision": revision,
            "status": status,
            "chart": "pakaura-4.0.0",
            "app_version": "4.0.0",
            "description": description,
        }
    ]
