"""`invoke build` and `invoke deploy`: where images go, helm arguments, dry runs, no-op upgrades."""

from __future__ import annotations

import pytest
from invoke.exceptions import Exit

from automation import images, release

from .conftest import commands, exit_output, mock, ran, res, tasks
from .k8s import history, job
from .scenarios import DOCKER_ENV, NOT_FOUND, deployed_history

MISSING_IMAGE = res("", exited=1, stderr="Error: No such image")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_build_for_minikube_uses_minikubes_docker_engine():
    c = mock(
        {
            r"minikube docker-env": res(DOCKER_ENV),
            r"docker image inspect": MISSING_IMAGE,
            r"docker build": res("ok"),
        }
    )
    tasks.build(c, cluster="minikube")
    builds = [call for call in c.run.call_args_list if call.args[0].startswith("docker build")]
    assert len(builds) == 2
    assert all(call.kwargs["env"]["DOCKER_HOST"] == "tcp://192.168.49.2:2376" for call in builds)
    assert f"--label org.pakaura.source-digest={images.source_digest('api')}" in builds[0].args[0]
    assert not ran(c, r"minikube image load|kind load")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_build_for_a_minikube_without_docker_engine_builds_locally_then_loads():
    c = mock(
        {
            r"minikube docker-env": res("", exited=14, stderr="docker-env only supports docker"),
            r"docker image inspect": MISSING_IMAGE,
            r"docker build": res("ok"),
            r"minikube image load": res("ok"),
        }
    )
    tasks.build(c, cluster="minikube", component="api")
    assert ran(c, r"^minikube image load pakaura-api:4\.0\.0 -p minikube$")
    build_call = next(call for call in c.run.call_args_list if "docker build" in call.args[0])
    assert build_call.kwargs["env"] == {}


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_build_for_kind_loads_every_image_even_when_the_build_is_skipped(monkeypatch):
    monkeypatch.delenv("KIND_CLUSTER_NAME", raising=False)
    c = mock(
        {
            r"docker image inspect pakaura-api": res(images.source_digest("api")),
            r"docker image inspect pakaura-frontend": MISSING_IMAGE,
            r"docker build": res("ok"),
            r"kind load docker-image": res("ok"),
        }
    )
    tasks.build(c, cluster="kind")
    assert ran(c, r"docker build -t pakaura-frontend")
    assert not ran(c, r"docker build -t pakaura-api")
    assert ran(c, r"^kind load docker-image pakaura-api:4\.0\.0 --name kind$")
    assert ran(c, r"^kind load docker-image pakaura-frontend:4\.0\.0 --name kind$")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_build_current_context_detects_minikube_and_none_uses_the_local_engine():
    c = mock(
        {
            r"kubectl config current-context": res("minikube\n"),
            r"minikube docker-env": res(DOCKER_ENV),
            r"docker image inspect": MISSING_IMAGE,
            r"docker build": res("ok"),
        }
    )
    tasks.build(c, cluster="current", component="frontend")
    assert ran(c, r"minikube docker-env")
    local = mock({r"docker image inspect": MISSING_IMAGE, r"docker build": res("ok")})
    tasks.build(local, cluster="none")
    assert len(ran(local, r"^docker build")) == 2
    assert not ran(local, r"minikube|kind|kubectl")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_build_force_rebuilds_unchanged_sources_and_unknown_component_fails(capsys):
    c = mock({r"docker image inspect": res(images.source_digest("api")), r"docker build": res("")})
    tasks.build(c, cluster="none", component="api", force=True)
    assert ran(c, r"docker build -t pakaura-api")
    with pytest.raises(Exit) as exit_info:
        tasks.build(mock({}), cluster="none", component="database")
    assert exit_info.value.code == 1
    assert "unknown component 'database'" in capsys.readouterr().out


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_source_digest_ignores_dependencies_and_follows_content(fake_repo):
    before = images.source_digest("frontend")
    (fake_repo / "frontend" / "node_modules" / "x").mkdir(parents=True)
    (fake_repo / "frontend" / "node_modules" / "x" / "index.js").write_text("noise")
    assert images.source_digest("frontend") == before
    (fake_repo / "frontend" / "package.json").write_text('{"name": "changed"}')
    assert images.source_digest("frontend") != before


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_deploy_passes_values_and_repeated_sets_to_helm_upgrade_install(tmp_path):
    values = tmp_path / "prod.yaml"
    values.write_text("api:\n  replicaCount: 3\n")
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm history": [NOT_FOUND, NOT_FOUND, res(history(1))],
            r"helm upgrade --install": res("deployed"),
            r"kubectl -n demo get job/pakaura-migrate-1 -o json": res(job()),
        }
    )
    tasks.deploy(c, namespace="demo", values=[str(values)], set_=["a=1", "b.c=two"])
    upgrade = ran(c, r"^helm upgrade --install pakaura ")[0]
    assert upgrade.startswith(f"helm upgrade --install pakaura {tmp_path}/helm/pakaura")
    assert f"--values {values} --set a=1 --set b.c=two --wait --timeout 5m" in upgrade
    digest = images.source_digest("api")
    assert f"--set-string api.podAnnotations.pakaura/source-digest={digest}" in upgrade
    assert "--set-string frontend.podAnnotations.pakaura/source-digest=" in upgrade
    assert " -n demo " in upgrade
    assert "--create-namespace" in upgrade
    assert "--kube-context" not in upgrade  # current context


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_deploy_with_unchanged_inputs_makes_no_new_revision(capsys):
    c = mock({r"kubectl .*get --raw /readyz": res("ok"), r"helm history": deployed_history()})
    tasks.deploy(c)
    assert not ran(c, r"helm upgrade")
    assert "no changes" in capsys.readouterr().out
    forced = mock(
        {
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm history": deployed_history(),
            r"helm upgrade": res("ok"),
            r"kubectl .*get job/pakaura-migrate-3 -o json": res(job("pakaura-migrate-3")),
        }
    )
    tasks.deploy(forced, force=True)
    assert ran(forced, r"helm upgrade --install")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_deploy_returns_only_once_the_new_revisions_migration_has_finished(monkeypatch, capsys):
    # `helm upgrade --wait` does not wait for Jobs; on a real node the migration runs ~11 s more.
    naps: list[float] = []
    monkeypatch.setattr("time.sleep", naps.append)
    running, done = res(job("pakaura-migrate-2", "running")), res(job("pakaura-migrate-2"))
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm history": [res(history(1)), res(history(2))],
            r"helm upgrade --install": res("upgraded"),
            r"kubectl .*get job/pakaura-migrate-2 -o json": [running, running, done],
        }
    )
    tasks.deploy(c)
    assert len(ran(c, r"get job/pakaura-migrate-2")) == 3
    assert len(naps) == 2
    out = capsys.readouterr().out
    assert "waiting for migration pakaura-migrate-2 to finish" in out
    assert "migration pakaura-migrate-2 completed" in out


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_deploy_with_a_failed_migration_fails_with_its_last_log_lines(monkeypatch, capsys):
    monkeypatch.setattr("time.sleep", lambda _seconds: None)
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm history": [res(history(1)), res(history(2))],
            r"helm upgrade --install": res("upgraded"),
            r"kubectl .*get job/pakaura-migrate-2 -o json": res(job("pakaura-migrate-2", "failed")),
            r"kubectl .*logs job/pakaura-migrate-2 --tail=10": res("boom: relation exists"),
        }
    )
    out = exit_output(capsys, 1, tasks.deploy, c)
    assert "boom: relation exists" in out
    assert "error: migration pakaura-migrate-2 failed" in out
    assert "invoke logs migrate" in out


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_deploy_accepts_a_migration_job_already_removed_or_disabled():
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm history": [NOT_FOUND, NOT_FOUND, res(history(1))],
            r"helm upgrade --install": res("deployed"),
            r"kubectl .*get job/pakaura-migrate-1 -o json": res(
                "", exited=1, stderr='Error from server (NotFound): jobs.batch "x" not found'
            ),
        }
    )
    tasks.deploy(c)


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_inputs_digest_changes_with_chart_values_and_sets(fake_repo, tmp_path):
    base = release.inputs_digest([], [])
    assert release.inputs_digest([], ["a=1"]) != base
    (fake_repo / "helm/pakaura/values.yaml").write_text("ingress:\n  className: traefik\n")
    assert release.inputs_digest([], []) != base


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_dry_run_is_server_side_when_a_cluster_answers(capsys):
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm upgrade --install": res("MANIFEST:\nkind: Deployment\n"),
        }
    )
    tasks.deploy(c, dry_run=True)
    upgrade = ran(c, r"^helm upgrade")[0]
    assert "--dry-run=server" in upgrade
    assert "--wait" not in upgrade
    assert "kind: Deployment" in capsys.readouterr().out
    assert not ran(c, r"helm history")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_dry_run_without_a_cluster_is_client_side_and_warns_about_lookup(capsys):
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("", exited=1, stderr="connection refused"),
            r"helm install pakaura": res("MANIFEST:"),
        }
    )
    tasks.deploy(c, dry_run=True)
    install = ran(c, r"^helm install pakaura ")[0]
    assert "--dry-run=client" in install
    assert "--install" not in install
    assert "--create-namespace" in install
    assert not ran(c, r"helm upgrade")
    assert "client-side dry run" in capsys.readouterr().out


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_deploy_refuses_a_release_stuck_in_pending(capsys):
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm history": res(history(4, status="pending-upgrade")),
        }
    )
    out = exit_output(capsys, 1, tasks.deploy, c)
    assert "is pending-upgrade" in out
    assert "helm rollback pakaura -n pakaura" in out
    assert not ran(c, r"helm upgrade")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_deploy_failures_missing_values_file_unreachable_cluster_helm_error(capsys):
    with pytest.raises(Exit):
        tasks.deploy(mock({r"kubectl .*get --raw /readyz": res("ok")}), values=["nope.yaml"])
    assert "values file nope.yaml not found" in capsys.readouterr().out

    down = mock(
        {
            r"kubectl .*get --raw /readyz": res("", exited=1),
            r"kubectl config current-context": res("kind-ci\n"),
        }
    )
    with pytest.raises(Exit) as exit_info:
        tasks.deploy(down)
    assert exit_info.value.code == 1
    assert "cannot reach the Kubernetes API server of kind-ci" in capsys.readouterr().out
    assert not ran(down, r"helm")

    broken = mock(
        {
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm history": NOT_FOUND,
            r"helm upgrade": res(
                "", exited=1, stderr="Error: INSTALLATION FAILED: context deadline exceeded"
            ),
        }
    )
    with pytest.raises(Exit):
        tasks.deploy(broken)
    out = capsys.readouterr().out
    assert "INSTALLATION FAILED: context deadline exceeded" in out
    assert "invoke doctor" in out
    assert len(commands(broken)) == 3  # readyz, history, upgrade: no retries, no status


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_build_current_kind_context_loads_into_that_kind_cluster(monkeypatch):
    monkeypatch.delenv("KIND_CLUSTER_NAME", raising=False)
    c = mock(
        {
            r"kubectl config current-context": res("kind-ci-cluster\n"),
            r"docker image inspect": MISSING_IMAGE,
            r"docker build": res("ok"),
            r"kind load docker-image": res("ok"),
        }
    )
    tasks.build(c, cluster="current", component="api")
    assert ran(c, r"^kind load docker-image pakaura-api:4\.0\.0 --name ci-cluster$")


@pytest.mark.usefixtures("all_tools")
def test_changed_image_sources_roll_the_pods_through_helm(fake_repo):
    history_before = deployed_history()
    old = images.source_digest("api")
    (fake_repo / "api" / "src" / "app.py").write_text("print('api v2')\n")
    c = mock(
        {
            r"kubectl .*get --raw /readyz": res("ok"),
            r"helm history": history_before,
            r"helm upgrade": res("ok"),
            r"kubectl .*get job/pakaura-migrate-3 -o json": res(job("pakaura-migrate-3")),
        }
    )
    tasks.deploy(c)
    upgrade = ran(c, r"^helm upgrade")[0]
    new = images.source_digest("api")
    assert new != old
    assert f"api.podAnnotations.pakaura/source-digest={new}" in upgrade


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_current_cluster_honours_a_pinned_context(monkeypatch):
    monkeypatch.setenv("PAKAURA_KUBE_CONTEXT", "kind-ci")
    c = mock(
        {
            r"kubectl --context kind-ci get --raw /readyz": res("ok"),
            r"helm history .* --kube-context kind-ci": deployed_history(),
        }
    )
    tasks.deploy(c)
    assert ran(c, r"helm history")


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_build_labels_the_version_and_passes_an_extra_ca_bundle(tmp_path, monkeypatch):
    bundle = tmp_path / "corporate-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    monkeypatch.setenv("PAKAURA_EXTRA_CA_CERTS", str(bundle))
    c = mock({r"docker image inspect": MISSING_IMAGE, r"docker build": res("ok")})
    tasks.build(c, cluster="none", component="api")
    build_call = next(call for call in c.run.call_args_list if "docker build" in call.args[0])
    assert "--build-arg VERSION=4.0.0" in build_call.args[0]
    assert "EXTRA_CA_CERTS=" in build_call.args[0]
    assert "MIIB" in build_call.args[0]


@pytest.mark.usefixtures("all_tools", "fake_repo")
def test_build_with_an_unreadable_ca_bundle_fails_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("PAKAURA_EXTRA_CA_CERTS", str(tmp_path / "missing.pem"))
    c = mock({r"docker image inspect": MISSING_IMAGE, r"docker build": res("ok")})
    with pytest.raises(Exit) as failure:
        tasks.build(c, cluster="none", component="api")
    assert failure.value.code == 1
    assert not ran(c, r"docker build")
