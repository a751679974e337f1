"""`invoke status`, `invoke logs`, `invoke destroy`: rendering, verdicts, selectors, what stays."""

from __future__ import annotations

import pytest
from invoke.exceptions import Exit

from .conftest import commands, exit_output, mock, ran, res, tasks
from .k8s import as_list, healthy_items, history, job, pod
from .scenarios import NOT_FOUND

READY = res("ok")


def status_ctx(items, helm_history=None, **extra):
    return mock(
        {
            **extra,
            r"kubectl .*get --raw /readyz": READY,
            r"kubectl config current-context": res("minikube\n"),
            r"minikube ip": res("192.168.49.2\n"),
            r"kubectl .*get pods,services,endpoints,ingresses,jobs -o json": res(as_list(items)),
            r"helm history": res(history(2)) if helm_history is None else helm_history,
        }
    )


@pytest.mark.usefixtures("all_tools")
def test_status_of_a_healthy_release_lists_everything_and_exits_0(capsys):
    items = [i for i in healthy_items() if i["kind"] != "Job"] + [job("pakaura-migrate-2")]
    next(i for i in items if i["kind"] == "Service" and i["metadata"]["name"] == "frontend")[
        "spec"
    ]["type"] = "NodePort"
    c = status_ctx(items)
    tasks.status(c)
    out = capsys.readouterr().out
    assert (
        "Release pakaura  namespace pakaura  revision 2  chart pakaura-4.0.0  status deployed"
        in out
    )
    for name in ("api-6d4f-abcde", "frontend-7c9-pqrst", "postgresql-0"):
        assert name in out
    assert "Running" in out
    assert "1/1" in out
    for service in ("api", "frontend", "postgresql", "migrate"):
        assert f"  {service:<11} ✓ healthy" in out
    assert "2/2 pods ready, 2 endpoint(s)" in out
    assert "pakaura-migrate-2 completed" in out
    assert "http://pakaura.local" in out
    assert "192.168.49.2 pakaura.local" in out
    assert "port-forward svc/frontend 3000:3000" in out
    assert "`minikube service frontend -n pakaura --url`" in out
    assert "Ingress pakaura  class nginx  host pakaura.local  /api → api, / → frontend" in out


@pytest.mark.usefixtures("all_tools")
def test_status_with_a_crashing_api_pod_names_it_and_exits_3(capsys):
    items = [i for i in healthy_items() if i["metadata"]["name"] != "api-6d4f-fghij"]
    items.append(pod("api-6d4f-fghij", "api", ready=False, waiting="CrashLoopBackOff", restarts=5))
    out = exit_output(capsys, 3, tasks.status, status_ctx(items))
    assert (
        "api         ✗ unhealthy  1/2 pods ready, 2 endpoint(s) — api-6d4f-fghij: CrashLoopBackOff"
        in out
    )
    assert "frontend    ✓ healthy" in out
    assert "invoke doctor" in out


@pytest.mark.usefixtures("all_tools")
def test_status_flags_a_failed_migration_and_a_missing_release(capsys):
    items = [i for i in healthy_items() if i["kind"] != "Job"] + [
        job("pakaura-migrate-2", "failed")
    ]
    log = res("alembic upgrade head\npsycopg.OperationalError: password authentication failed")
    with pytest.raises(Exit):
        tasks.status(status_ctx(items, **{r"kubectl -n pakaura logs job/pakaura-migrate-2": log}))
    out = capsys.readouterr().out
    assert "migrate     ✗ unhealthy  pakaura-migrate-2 failed — see `invoke logs migrate`" in out
    assert "      psycopg.OperationalError: password authentication failed" in out
    out = exit_output(capsys, 3, tasks.status, status_ctx([], NOT_FOUND))
    assert "Release pakaura is not installed in pakaura" in out
    assert "api         ✗ unhealthy  no pods" in out


@pytest.mark.usefixtures("all_tools")
def test_status_of_a_release_on_an_external_database_exits_0(capsys):
    # postgresql.enabled=false: no PostgreSQL pod and no Service; the API's readiness covers it
    items = [i for i in healthy_items() if "postgresql" not in i["metadata"]["name"]]
    tasks.status(status_ctx(items))  # no Exit
    out = capsys.readouterr().out
    assert "postgresql  ✓ healthy  external database (postgresql.enabled=false)" in out
    assert "unhealthy" not in out
    # the in-cluster one scaled to 0 (its Service stays) is still a problem
    items = [i for i in healthy_items() if i["metadata"]["name"] != "postgresql-0"]
    out = exit_output(capsys, 3, tasks.status, status_ctx(items))
    assert "postgresql  ✗ unhealthy  no pods" in out


@pytest.mark.usefixtures("all_tools")
def test_status_calls_the_current_revisions_running_migration_progressing_and_exits_0(capsys):
    # Right after `helm upgrade --wait` (which does not wait for Jobs) revision 2's migration
    # still runs; revision 1's old Job failed long ago and no longer matters.
    items = [i for i in healthy_items() if i["kind"] != "Job"]
    items += [job("pakaura-migrate-1", "failed"), job("pakaura-migrate-2", "running")]
    tasks.status(status_ctx(items))  # no Exit: progress is not a failure
    out = capsys.readouterr().out
    assert "migrate     ◐ progressing  pakaura-migrate-2 running" in out
    assert "unhealthy" not in out


@pytest.mark.usefixtures("all_tools")
def test_status_calls_a_migration_waiting_to_retry_progressing(capsys):
    items = [i for i in healthy_items() if i["kind"] != "Job"] + [
        job("pakaura-migrate-2", "retrying")
    ]
    tasks.status(status_ctx(items))
    assert "migrate     ◐ progressing" in capsys.readouterr().out


@pytest.mark.usefixtures("all_tools")
def test_status_against_an_unreachable_cluster_is_one_error_line(capsys):
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("", exited=1),
            r"kubectl config current-context": res("minikube\n"),
            r"minikube status": res(
                {"Host": "Running", "Kubelet": "Running", "APIServer": "Running"}
            ),
        }
    )
    out = exit_output(capsys, 2, tasks.status, c, cluster="minikube")
    assert out.count("error:") == 1
    assert "error: no Kubernetes cluster answers (context minikube)" in out
    assert "invoke setup" in out


@pytest.mark.usefixtures("all_tools")
def test_logs_selects_the_component_of_the_release_and_follows_on_request():
    c = mock({r"kubectl": res('{"level": "info"}')})
    tasks.logs(c, "api")
    tasks.logs(c, "postgresql", follow=True, namespace="demo", cluster="minikube")
    first, second = commands(c)
    assert first == (
        "kubectl -n pakaura logs -l app.kubernetes.io/instance=pakaura,"
        "app.kubernetes.io/component=api --all-containers --prefix --tail=100 "
        "--max-log-requests=10"
    )
    assert second.startswith("kubectl --context minikube -n demo logs -l ")
    assert "component=postgresql" in second
    assert second.endswith(" -f")
    assert c.run.call_args_list[0].kwargs["hide"] is False  # the user sees the lines


@pytest.mark.usefixtures("all_tools")
def test_logs_of_an_unknown_service_fails_before_running_anything(capsys):
    c = mock({})
    with pytest.raises(Exit) as exit_info:
        tasks.logs(c, "redis")
    assert exit_info.value.code == 1
    assert "use one of api, frontend, postgresql, migrate" in capsys.readouterr().out
    assert commands(c) == []


@pytest.mark.usefixtures("all_tools")
def test_destroy_uninstalls_but_keeps_volume_secret_and_namespace(capsys):
    c = mock(
        {
            r"kubectl .*get --raw /readyz": READY,
            r"helm history": res(history(3)),
            r"helm uninstall pakaura --wait -n pakaura": res('release "pakaura" uninstalled'),
            r"kubectl -n pakaura get pvc,secret": res(
                "persistentvolumeclaim/data-postgresql-0\nsecret/pakaura-secrets\n"
            ),
        }
    )
    tasks.destroy(c)
    assert not ran(c, r"delete")
    out = capsys.readouterr().out
    assert (
        "kept in namespace pakaura: persistentvolumeclaim/data-postgresql-0, "
        "secret/pakaura-secrets" in out
    )
    assert "helm.sh/resource-policy: keep" in out
    assert "invoke destroy --purge-data" in out


@pytest.mark.usefixtures("all_tools")
def test_destroy_purge_data_deletes_volumes_secret_then_namespace():
    c = mock(
        {
            r"kubectl .*get --raw /readyz": READY,
            r"helm history": res(history(3)),
            r"helm uninstall": res("uninstalled"),
            r"kubectl .*delete": res("deleted"),
        }
    )
    tasks.destroy(c, purge_data=True, namespace="demo")
    deletes = ran(c, r"delete")
    assert deletes == [
        "kubectl -n demo delete pvc,secret -l app.kubernetes.io/instance=pakaura "
        "--ignore-not-found --wait=true",
        "kubectl delete namespace demo --ignore-not-found --wait=true",
    ]


@pytest.mark.usefixtures("all_tools")
def test_destroy_when_nothing_is_installed_skips_uninstall(capsys):
    c = mock(
        {
            r"kubectl .*get --raw /readyz": READY,
            r"helm history": NOT_FOUND,
            r"kubectl -n pakaura get pvc,secret": res(""),
        }
    )
    tasks.destroy(c)
    assert not ran(c, r"helm uninstall")
    assert "release pakaura is not installed" in capsys.readouterr().out
