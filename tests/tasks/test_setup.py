"""`invoke setup`: command sequence from scratch, idempotency, sizing, prerequisites, failures."""

from __future__ import annotations

import pytest
from invoke.exceptions import Exit

from automation import cluster

from .conftest import commands, exit_output, index_of, mock, ran, res, tasks
from .scenarios import NOT_FOUND, deployed_minikube, fresh_minikube, on_kind


@pytest.fixture(autouse=True)
def big_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "host_cpus", lambda: 16)
    monkeypatch.setattr(cluster, "host_memory_mb", lambda: 32768)


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_fresh_setup_starts_enables_waits_builds_then_deploys_in_that_order(capsys):
    c = mock(fresh_minikube())
    tasks.setup(c)
    order = [
        r"^minikube start -p minikube --cpus=4 --memory=8192$",
        r"^minikube addons enable ingress",
        r"^minikube addons enable metrics-server",
        r"rollout status deployment/ingress-nginx-controller",
        r"wait --for=condition=complete .*job/ingress-nginx-admission-create",
        r"get endpoints ingress-nginx-controller-admission",
        r"^docker build -t pakaura-api:4\.0\.0 ",
        r"^docker build -t pakaura-frontend:4\.0\.0 ",
        r"^helm upgrade --install pakaura .*/helm/pakaura",
        r"get pods,services,endpoints,ingresses,jobs",
    ]
    positions = [index_of(c, pattern) for pattern in order]
    assert positions == sorted(positions), "\n".join(commands(c))
    # images go into minikube's engine, not the host's (pitfall 19)
    build_call = next(call for call in c.run.call_args_list if "docker build" in call.args[0])
    assert build_call.kwargs["env"]["DOCKER_HOST"] == "tcp://192.168.49.2:2376"
    upgrade = ran(c, r"^helm upgrade")[0]
    for part in (
        "-n pakaura",
        "--create-namespace",
        "--wait",
        "--timeout 5m",
        "--kube-context minikube",
        "--description pakaura-inputs=",
    ):
        assert part in upgrade
    out = capsys.readouterr().out
    assert "setup changed: started minikube; enabled addon ingress" in out
    assert "http://pakaura.local" in out


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_second_setup_changes_nothing_and_says_so(capsys):
    c = mock(deployed_minikube())  # no answers for start/enable/build/upgrade: calling one fails
    tasks.setup(c)
    issued = "\n".join(commands(c))
    for mutating in (
        "minikube start",
        "addons enable",
        "docker build",
        "helm upgrade",
        "rollout restart",
    ):
        assert mutating not in issued
    out = capsys.readouterr().out
    assert "no changes" in out
    assert "minikube profile 'minikube' is running" in out
    assert "pakaura-api:4.0.0 is up to date" in out
    assert "revision 3 matches chart, values and images" in out


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_setup_with_changed_values_upgrades_but_does_not_restart_the_cluster():
    responses = deployed_minikube()
    responses[r"helm upgrade --install"] = res("upgraded")
    tasks.setup(c := mock(responses), set_=["api.replicaCount=3"])
    assert ran(c, r"^helm upgrade --install .*--set api\.replicaCount=3")
    assert not ran(c, r"minikube start")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_rebuilt_images_on_an_existing_release_roll_the_deployments(monkeypatch):
    responses = deployed_minikube()
    responses[r"docker image inspect pakaura-api"] = res("stale-digest\n")
    responses[r"docker build"] = res("built")
    responses[r"kubectl .*rollout restart deployment/api"] = res("restarted")
    responses[r"kubectl .*rollout status deployment/api"] = res("rolled out")
    tasks.setup(c := mock(responses))
    assert ran(c, r"docker build -t pakaura-api")
    assert not ran(c, r"docker build -t pakaura-frontend")
    # same tag, new content: the release is unchanged, so the Deployment must roll explicitly
    assert not ran(c, r"helm upgrade")
    assert index_of(c, r"docker build") < index_of(c, r"rollout restart deployment/api")
    assert not ran(c, r"rollout restart deployment/frontend")


@pytest.mark.parametrize(
    ("cpus", "memory", "expected", "warned"),
    [
        (16, 32768, "--cpus=4 --memory=8192", False),
        (4, 8192, "--cpus=4 --memory=6144", False),
        (2, 24576, "--cpus=2 --memory=8192", True),
        (2, 4096, "--cpus=2 --memory=2200", True),
    ],
)
@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_minikube_is_sized_to_the_machine_never_beyond_it(
    monkeypatch, capsys, cpus, memory, expected, warned
):
    monkeypatch.setattr(cluster, "host_cpus", lambda: cpus)
    monkeypatch.setattr(cluster, "host_memory_mb", lambda: memory)
    c = mock(fresh_minikube())
    tasks.setup(c)
    assert ran(c, r"^minikube start")[0].endswith(expected)
    assert ("the stack is sized for" in capsys.readouterr().out) is warned


@pytest.mark.usefixtures("fake_repo")
def test_missing_tools_are_each_named_with_how_to_install_and_exit_2(monkeypatch, capsys):
    monkeypatch.setattr("shutil.which", lambda n: None if n in ("helm", "minikube") else f"/b/{n}")
    c = mock({})
    out = exit_output(capsys, 2, tasks.setup, c)
    assert "missing required tools: helm, minikube" in out
    assert "https://helm.sh/docs/intro/install/" in out
    assert "https://minikube.sigs.k8s.io/docs/start/" in out
    assert commands(c) == []  # nothing was attempted


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_failed_minikube_start_is_one_line_and_the_fix_with_exit_1(capsys):
    responses = fresh_minikube()
    responses[r"minikube start"] = res(
        "", exited=80, stderr="X Exiting due to PROVIDER_DOCKER_NOT_RUNNING: docker is not running"
    )
    c = mock(responses)
    out = exit_output(capsys, 1, tasks.setup, c)
    assert (
        "error: `minikube start -p minikube --cpus=4 --memory=8192` failed: X Exiting due to "
        "PROVIDER_DOCKER_NOT_RUNNING" in out
    )
    assert "fix:" in out
    assert "minikube logs" in out
    assert "Traceback" not in out
    assert not ran(c, r"addons enable|docker build|helm upgrade")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_setup_waits_until_the_admission_webhook_has_an_endpoint():
    responses = fresh_minikube()
    not_ready = res({"subsets": []})
    ready = res({"subsets": [{"addresses": [{"ip": "10.0.0.9"}]}]})
    responses[r"kubectl .*get endpoints ingress-nginx-controller-admission"] = [
        not_ready,
        not_ready,
        ready,
    ]
    c = mock(responses)
    tasks.setup(c)
    assert len(ran(c, r"get endpoints ingress-nginx-controller-admission")) == 3
    assert index_of(c, r"ingress-nginx-controller-admission") < index_of(c, r"helm upgrade")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_setup_on_kind_creates_the_cluster_and_loads_images(monkeypatch):
    monkeypatch.setenv("KIND_CLUSTER_NAME", "pakaura")
    responses = on_kind(
        fresh_minikube(),
        {
            r"kind get clusters": res("other\n"),
            r"kind create cluster --name pakaura": res("created"),
            # absent before setup installs it, present afterwards
            r"kubectl --context kind-pakaura -n ingress-nginx get deployment/ingress-nginx-": [
                res("", exited=1, stderr="NotFound"),
                res("deployment.apps/ingress-nginx-controller"),
            ],
            r"kubectl --context kind-pakaura apply -f https://.*/provider/kind/deploy\.yaml": res(
                "created"
            ),
            r"kind load docker-image": res("loaded"),
            r"helm history": [
                NOT_FOUND,
                NOT_FOUND,
                *[res([{"revision": 1, "status": "deployed"}])] * 2,
            ],
        },
    )
    c = mock(responses)
    tasks.setup(c, cluster="kind")
    assert ran(c, r"^kind create cluster --name pakaura --config .*automation/kind-config\.yaml")
    assert ran(c, r"^kind load docker-image pakaura-api:4\.0\.0 --name pakaura")
    # ingress-nginx is installed, then waited for (controller, admission jobs, webhook) first
    assert index_of(c, r"apply -f https://") < index_of(c, r"rollout status deployment/ingress")
    assert index_of(c, r"admission -o json") < index_of(c, r"^helm upgrade")
    build_call = next(call for call in c.run.call_args_list if "docker build" in call.args[0])
    assert "DOCKER_HOST" not in build_call.kwargs["env"]
    assert "--kube-context kind-pakaura" in ran(c, r"^helm upgrade")[0]


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_setup_that_ends_unhealthy_exits_3():
    from .k8s import as_list, healthy_items, pod

    responses = fresh_minikube()
    items = [i for i in healthy_items() if i.get("metadata", {}).get("name") != "api-6d4f-abcde"]
    items.append(pod("api-6d4f-abcde", "api", ready=False, waiting="CrashLoopBackOff"))
    responses[r"kubectl .*get pods,services,endpoints,ingresses,jobs -o json"] = res(as_list(items))
    with pytest.raises(Exit) as exit_info:
        tasks.setup(mock(responses))
    assert exit_info.value.code == 3


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_setup_on_an_existing_kind_cluster_with_ingress_installs_nothing(monkeypatch):
    monkeypatch.setenv("KIND_CLUSTER_NAME", "ci")
    responses = on_kind(
        deployed_minikube(),
        {
            r"kind get clusters": res("ci\n"),
            r"kubectl --context kind-ci -n ingress-nginx get deployment/ingress-nginx-c": res(
                "deployment.apps/ingress-nginx-controller"
            ),
            r"kind load docker-image": res("loaded"),
        },
    )
    c = mock(responses)
    tasks.setup(c, cluster="kind")
    assert not ran(c, r"kind create|apply -f|docker build|helm upgrade")
    assert ran(c, r"rollout status deployment/ingress-nginx-controller")  # a read-only wait
