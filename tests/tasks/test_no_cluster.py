"""`invoke status` and `invoke doctor` with no cluster: one verdict line per item (tools, cluster,
release, hosts entry), then the way on: `invoke setup` for a cluster, or `invoke dev` without."""

from __future__ import annotations

import pytest
from invoke.exceptions import Exit

from .conftest import exit_output, mock, ran, res, tasks

NO_CONTEXT = {
    r"kubectl .*get --raw /readyz": res("", exited=1, stderr="error: no configuration"),
    r"kubectl config current-context": res(
        "", exited=1, stderr="error: current-context is not set"
    ),
}


@pytest.fixture
def no_hosts_entry(hosts_file):
    return hosts_file("127.0.0.1 localhost\n")


def verdicts(out: str) -> dict[str, str]:
    lines = [line.split(None, 1) for line in out.splitlines() if line.startswith("  ")]
    return {item: rest for item, rest in lines if item in ("tools", "cluster", "release", "hosts")}


@pytest.mark.usefixtures("all_tools")
@pytest.mark.parametrize("task", ["status", "doctor"])
def test_without_a_cluster_each_item_gets_one_verdict_then_invoke_dev_is_suggested(
    task, no_hosts_entry, capsys
):
    c = mock(NO_CONTEXT)
    out = exit_output(capsys, 2, getattr(tasks, task), c)
    lines = verdicts(out)
    assert list(lines) == ["tools", "cluster", "release", "hosts"]
    assert lines["tools"] == "✓ kubectl, helm found"
    assert lines["cluster"] == "✗ no Kubernetes cluster answers (kubectl has no current context)"
    assert lines["release"] == "· not checked: no cluster"
    assert lines["hosts"].startswith(f"! pakaura.local is not in {no_hosts_entry}")
    assert out.count("error:") == 1
    assert "error: no Kubernetes cluster answers" in out
    fix = next(line for line in out.splitlines() if line.startswith("fix:"))
    assert "invoke setup" in fix
    assert fix.endswith("or run Pakaura on this machine without a cluster: `invoke dev`")
    assert not ran(c, r"helm")


@pytest.mark.parametrize("task", ["status", "doctor"])
def test_without_kubectl_and_helm_nothing_is_run_and_each_item_says_why(
    task, no_hosts_entry, monkeypatch, capsys
):
    monkeypatch.setattr("shutil.which", lambda _name: None)
    no_hosts_entry.write_text("192.168.49.2 pakaura.local\n")
    c = mock({})
    out = exit_output(capsys, 2, getattr(tasks, task), c)
    assert verdicts(out) == {
        "tools": "✗ missing kubectl, helm",
        "cluster": "· not checked: kubectl is missing",
        "release": "· not checked: no cluster",
        "hosts": f"✓ pakaura.local is in {no_hosts_entry}",
    }
    assert "error: missing required tools: kubectl, helm" in out
    assert "https://kubernetes.io/docs/tasks/tools/" in out
    assert "`invoke dev`" in out
    assert c.run.call_args_list == []


@pytest.mark.usefixtures("no_hosts_entry")
def test_with_helm_missing_but_a_cluster_the_release_is_not_checked(monkeypatch, capsys):
    monkeypatch.setattr("shutil.which", lambda n: None if n == "helm" else f"/usr/bin/{n}")
    c = mock({r"kubectl .*get --raw /readyz": res("ok")})
    with pytest.raises(Exit):
        tasks.status(c)
    lines = verdicts(capsys.readouterr().out)
    assert lines["cluster"] == "✓ the API server answers"
    assert lines["release"] == "· not checked: helm is missing"
