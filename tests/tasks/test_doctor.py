"""`invoke doctor`: each diagnosis from canned `kubectl get -o json` output, with its fix."""

from __future__ import annotations

import pytest
from invoke.exceptions import Exit

from automation import doctor, kube

from .conftest import exit_output, mock, ran, res, tasks
from .k8s import as_list, history, pod
from .scenarios import MINIKUBE_RUNNING, MINIKUBE_STOPPED

DEFAULT_SC = {
    "kind": "StorageClass",
    "metadata": {
        "name": "standard",
        "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
    },
}
NGINX = {"kind": "IngressClass", "metadata": {"name": "nginx"}}
NODE = {
    "kind": "Node",
    "metadata": {"name": "minikube"},
    "status": {"allocatable": {"cpu": "4", "memory": "8029084Ki"}},
}
PVC_BOUND = {
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "data-postgresql-0"},
    "spec": {"storageClassName": "standard"},
    "status": {"phase": "Bound"},
}


def cluster(
    pods=(),
    pvcs=(PVC_BOUND,),
    classes=(DEFAULT_SC,),
    ingress=(NGINX,),
    nodes=(NODE,),
    logs="",
    context="minikube",
):
    return mock(
        {
            r"kubectl config current-context": res(context + "\n"),
            r"minikube status": res(MINIKUBE_RUNNING),
            r"minikube ip": res("192.168.49.2"),
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm history": res(history(1)),
            r"kubectl -n pakaura get pods -o json": res(as_list(list(pods))),
            r"kubectl -n pakaura get pvc -o json": res(as_list(list(pvcs))),
            r"kubectl get storageclasses -o json": res(as_list(list(classes))),
            r"kubectl get ingressclasses -o json": res(as_list(list(ingress))),
            r"kubectl get nodes -o json": res(as_list(list(nodes))),
            r"kubectl -n pakaura logs": res(logs),
        }
    )


@pytest.fixture
def hosts(hosts_file):
    return hosts_file("127.0.0.1 localhost\n192.168.49.2 pakaura.local\n")


@pytest.mark.usefixtures("all_tools", "hosts")
def test_healthy_deployment_has_no_findings_and_exits_0(capsys):
    tasks.doctor(cluster(pods=[pod("api-1", "api", requests={"cpu": "250m", "memory": "256Mi"})]))
    assert "no problems found in namespace pakaura (minikube cluster)" in capsys.readouterr().out


@pytest.mark.parametrize("reason", ["ErrImageNeverPull", "ImagePullBackOff", "ErrImagePull"])
@pytest.mark.usefixtures("all_tools", "hosts")
def test_image_not_in_cluster_runtime_says_to_build_into_that_cluster(capsys, reason):
    out = exit_output(
        capsys, 3, tasks.doctor, cluster(pods=[pod("api-1", "api", ready=False, waiting=reason)])
    )
    assert f"api-1: {reason} for image pakaura-api:4.0.0" in out
    assert "invoke build --cluster minikube" in out


@pytest.mark.usefixtures("all_tools", "hosts")
def test_crashloop_shows_the_last_log_lines_of_the_previous_container(capsys):
    logs = 'starting\n{"event": "refusing to start: JWT_SECRET is a placeholder"}\n'
    c = cluster(
        pods=[pod("api-1", "api", ready=False, waiting="CrashLoopBackOff", restarts=4)], logs=logs
    )
    with pytest.raises(Exit):
        tasks.doctor(c)
    assert ran(c, r"kubectl -n pakaura logs api-1 -c api --previous --tail=5")
    out = capsys.readouterr().out
    assert "api-1/api: CrashLoopBackOff after 4 restarts" in out
    assert "refusing to start: JWT_SECRET is a placeholder" in out


@pytest.mark.usefixtures("all_tools", "hosts")
def test_pending_pvc_without_default_storage_class(capsys):
    pending_pvc = {**PVC_BOUND, "spec": {}, "status": {"phase": "Pending"}}
    pending_pod = pod(
        "postgresql-0",
        "postgresql",
        ready=False,
        phase="Pending",
        scheduled_message="0/1 nodes are available: pod has unbound immediate "
        "PersistentVolumeClaims.",
    )
    with pytest.raises(Exit):
        tasks.doctor(cluster(pods=[pending_pod], pvcs=[pending_pvc], classes=[]))
    out = capsys.readouterr().out
    assert "no default StorageClass" in out
    assert "PersistentVolumeClaim data-postgresql-0 is Pending" in out
    assert "minikube addons enable default-storageclass" in out
    assert "postgresql-0: waiting for its PersistentVolumeClaim" in out


@pytest.mark.usefixtures("all_tools", "hosts")
def test_missing_ingress_addon(capsys):
    with pytest.raises(Exit):
        tasks.doctor(cluster(ingress=[]))
    out = capsys.readouterr().out
    assert "no IngressClass 'nginx'" in out
    assert "minikube addons enable ingress" in out


@pytest.mark.usefixtures("all_tools")
def test_hosts_file_without_pakaura_local_is_a_warning_with_the_exact_line(
    capsys, tmp_path, monkeypatch
):
    path = tmp_path / "hosts"
    path.write_text("127.0.0.1 localhost\n# 192.168.49.2 pakaura.local\n")
    monkeypatch.setattr(doctor, "hosts_file", lambda: path)
    monkeypatch.setattr(doctor.platform, "system", lambda: "Linux")
    tasks.doctor(cluster())  # a warning alone does not fail
    out = capsys.readouterr().out
    assert "warning: pakaura.local is not in the hosts file" in out
    assert "add the line `192.168.49.2 pakaura.local`" in out
    mac = doctor.diagnose_hosts("", "pakaura.local", "192.168.49.2", "Darwin")
    assert "`127.0.0.1 pakaura.local`" in mac[0].fix
    assert "minikube tunnel" in mac[0].fix


@pytest.mark.usefixtures("all_tools", "hosts")
def test_minikube_stopped_is_the_only_finding(capsys):
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("", exited=1),
            r"kubectl config current-context": res("minikube\n"),
            r"minikube status": res(MINIKUBE_STOPPED, exited=7),
        }
    )
    with pytest.raises(Exit) as exit_info:
        tasks.doctor(c)
    assert exit_info.value.code == 2  # a missing prerequisite: the cluster
    out = capsys.readouterr().out
    assert "✗ minikube is not running" in out
    assert "error: minikube is not running" in out
    assert "invoke setup" in out
    assert "`invoke dev`" in out
    assert not ran(c, r"kubectl .*get pods")


@pytest.mark.usefixtures("all_tools", "hosts")
def test_insufficient_resources_from_requests_and_from_the_scheduler(capsys):
    hungry = [pod(f"api-{i}", "api", requests={"cpu": "2", "memory": "4Gi"}) for i in range(3)]
    unschedulable = pod(
        "frontend-1",
        "frontend",
        ready=False,
        phase="Pending",
        scheduled_message="0/1 nodes are available: 1 Insufficient cpu.",
    )
    with pytest.raises(Exit):
        tasks.doctor(cluster(pods=[*hungry, unschedulable]))
    out = capsys.readouterr().out
    assert (
        "the release requests 6000m CPU / 12288 MiB but the nodes can allocate 4000m / 7840 MiB"
        in out
    )
    assert "frontend-1: cannot be scheduled — 0/1 nodes are available: 1 Insufficient cpu." in out


def test_small_nodes_are_a_warning_and_oomkilled_is_diagnosed():
    small = {**NODE, "status": {"allocatable": {"cpu": "2", "memory": "3Gi"}}}
    findings = doctor.diagnose_resources([small], [])
    assert [f.severity for f in findings] == ["warning"]
    oom = doctor.diagnose_pods(
        [pod("api-1", "api", last_terminated="OOMKilled")], "kind", lambda *_: ""
    )
    assert "OOMKilled" in oom[0].problem
    assert "resources.limits.memory" in oom[0].fix


@pytest.mark.usefixtures("all_tools", "hosts")
def test_kind_cluster_findings_point_at_kind_fixes(capsys):
    with pytest.raises(Exit):
        tasks.doctor(
            cluster(
                context="kind-ci",
                ingress=[],
                pods=[pod("api-1", "api", ready=False, waiting="ErrImageNeverPull")],
            )
        )
    out = capsys.readouterr().out
    assert "invoke build --cluster kind" in out
    assert "`invoke setup --cluster kind` installs ingress-nginx" in out


def test_quantities():
    assert kube.cpu_millis("250m") == 250
    assert kube.cpu_millis("1.5") == 1500
    assert kube.memory_bytes("512Mi") == 512 * 2**20
    assert kube.memory_bytes("1G") == 10**9
    assert kube.memory_bytes("8029084Ki") == 8029084 * 1024
    assert kube.memory_bytes(None) == 0
