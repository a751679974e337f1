"""Canned command results for whole-task scenarios (a fresh machine, an already deployed one)."""

from __future__ import annotations

from typing import Any

from automation import config, images, release

from .conftest import res
from .k8s import as_list, healthy_items, history, job

NOT_FOUND = res("", exited=1, stderr="Error: release: not found")
MINIKUBE_RUNNING = {
    "Name": "minikube",
    "Host": "Running",
    "Kubelet": "Running",
    "APIServer": "Running",
    "Kubeconfig": "Configured",
}
MINIKUBE_STOPPED = {
    "Name": "minikube",
    "Host": "Stopped",
    "Kubelet": "Stopped",
    "APIServer": "Stopped",
    "Kubeconfig": "Stopped",
}
DOCKER_ENV = (
    "DOCKER_TLS_VERIFY=1\nDOCKER_HOST=tcp://192.168.49.2:2376\n"
    "DOCKER_CERT_PATH=/home/u/.minikube/certs\nMINIKUBE_ACTIVE_DOCKERD=minikube\n"
)
WEBHOOK_READY = {"subsets": [{"addresses": [{"ip": "10.244.0.5"}]}]}
ADMISSION_JOBS = {
    "items": [
        {"metadata": {"name": "ingress-nginx-admission-create"}},
        {"metadata": {"name": "ingress-nginx-admission-patch"}},
    ]
}


def deployed_history(values: list[str] | None = None, sets: list[str] | None = None) -> Any:
    digest = release.inputs_digest(values or [], sets or [])
    return res(history(3, description=config.DEPLOY_DIGEST_PREFIX + digest))


def cluster_reads() -> dict[str, Any]:
    """Read-only commands every cluster scenario answers the same way."""
    return {
        r"kubectl .*get --raw /readyz": res("ok"),
        r"kubectl .*rollout status deployment/ingress-nginx-controller": res("rolled out"),
        r"kubectl .*-n ingress-nginx get jobs -o json": res(ADMISSION_JOBS),
        r"kubectl .*-n ingress-nginx wait --for=condition=complete": res("condition met"),
        r"kubectl .*get endpoints ingress-nginx-controller-admission": res(WEBHOOK_READY),
        r"kubectl .*get pods,services,endpoints,ingresses,jobs -o json": res(
            as_list(healthy_items())
        ),
        r"minikube ip": res("192.168.49.2\n"),
        r"minikube docker-env": res(DOCKER_ENV),
        r"kubectl .*get job/pakaura-migrate-\d+ -o json": res(job()),
    }


def fresh_minikube() -> dict[str, Any]:
    """Nothing running, addons off, no images, no release."""
    return {
        r"minikube status": res(MINIKUBE_STOPPED, exited=7),
        r"minikube start": res("Done! kubectl is now configured"),
        r"minikube addons list": res(
            {
                "ingress": {"Status": "disabled"},
                "metrics-server": {"Status": "disabled"},
                "storage-provisioner": {"Status": "enabled"},
            }
        ),
        r"minikube addons enable": res("enabled"),
        **cluster_reads(),
        r"docker image inspect": res("", exited=1, stderr="Error: No such image"),
        r"docker build": res("Successfully built"),
        # existed?, deploy's check, after install, status
        r"helm history": [NOT_FOUND, NOT_FOUND, res(history(1)), res(history(1))],
        r"helm upgrade --install": res('Release "pakaura" has been upgraded. Happy Helming!'),
    }


def deployed_minikube() -> dict[str, Any]:
    """Everything already in place: running, addons on, images current, release up to date."""
    return {
        r"minikube status": res(MINIKUBE_RUNNING),
        r"minikube addons list": res(
            {"ingress": {"Status": "enabled"}, "metrics-server": {"Status": "enabled"}}
        ),
        **cluster_reads(),
        r"docker image inspect pakaura-api": res(images.source_digest("api") + "\n"),
        r"docker image inspect pakaura-frontend": res(images.source_digest("frontend") + "\n"),
        r"helm history": deployed_history(),
    }


def on_kind(scenario: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """A minikube scenario's answers minus minikube's own commands, plus kind's `answers`."""
    return {k: v for k, v in scenario.items() if not k.startswith("minikube")} | answers
