"""`invoke dev` (local API + frontend, no cluster) and `invoke manifests`."""

from __future__ import annotations

import sys

import pytest
from invoke.exceptions import Exit

from automation import config, dev

from .conftest import commands, mock, ran, res, tasks


class FakeProcess:
    def __init__(self, argv, exit_after=None):
        self.args, self.pid, self.returncode = argv, 4242, None
        self._polls, self._exit_after = 0, exit_after

    def poll(self):
        self._polls += 1
        if self._exit_after is not None and self._polls > self._exit_after:
            self.returncode = 1
        return self.returncode


@pytest.fixture
def dev_repo(fake_repo, monkeypatch):
    (fake_repo / "api" / "requirements.lock").write_text("fastapi==0.1 --hash=sha256:00\n")
    (fake_repo / "frontend" / "package-lock.json").write_text("{}")
    monkeypatch.setattr(dev, "VENV", fake_repo / ".venv-api")
    monkeypatch.setattr(dev, "LOCK", fake_repo / "api" / "requirements.lock")
    monkeypatch.setattr(dev, "STAMP", fake_repo / ".venv-api" / ".lock-sha256")
    monkeypatch.setattr(dev.time, "sleep", lambda _s: None)
    return fake_repo


@pytest.mark.usefixtures("all_tools")
def test_dev_builds_the_venv_migrates_then_serves_both_until_ctrl_c(dev_repo, monkeypatch, capsys):
    spawned, stopped = [], []

    def fake_spawn(argv, cwd, env):
        spawned.append((argv, cwd, env))
        if len(spawned) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the servers run
        return FakeProcess(argv)

    def fake_uv_venv(*_a, **_k):
        (dev_repo / ".venv-api" / "bin").mkdir(parents=True, exist_ok=True)
        (dev_repo / ".venv-api" / "bin" / "pakaura-api").write_text("")
        return res("")

    monkeypatch.setattr(dev, "spawn", fake_spawn)
    monkeypatch.setattr(dev, "stop", lambda processes: stopped.extend(processes))
    c = mock(
        {
            r"/usr/bin/uv venv": res(""),
            r"/usr/bin/uv pip install": res(""),
            r"npm ci": res(""),
            r".*pakaura-api migrate": res(""),
        }
    )
    c.run.side_effect = lambda command, **kw: (
        fake_uv_venv()
        if command.startswith("/usr/bin/uv pip install --python") and "-e" in command
        else c._yield_result("__run", command)
    )
    tasks.dev(c)
    assert len(stopped) == 1  # Ctrl-C came while starting the frontend: the API is stopped
    issued = commands(c)
    assert issued[0].startswith("/usr/bin/uv venv --allow-existing -p 3.11")
    assert "--require-hashes -r" in issued[1]
    assert "requirements.lock" in issued[1]
    assert issued[2].endswith(f"--no-deps -e {dev_repo}/api")
    assert issued[3] == f"npm ci --prefix {dev_repo}/frontend --no-audit --no-fund"
    assert issued[4].endswith(".venv-api/bin/pakaura-api migrate")
    migrate_env = c.run.call_args_list[4].kwargs["env"]
    assert migrate_env["PAKAURA_DATA_DIR"] == f"{dev_repo}/.pakaura"
    api_argv, _, api_env = spawned[0]
    assert api_argv[1:] == ["serve", "--host", "127.0.0.1", "--port", "8000"]
    assert api_env["PAKAURA_ENV"] == "local"
    assert "DATABASE_URL" not in api_env  # SQLite
    front_argv, front_cwd, front_env = spawned[1]
    assert front_argv == ["npm", "run", "dev", "--", "--port", "3000"]
    assert front_cwd == config.ROOT / "frontend"
    assert front_env["API_INTERNAL_URL"] == "http://localhost:8000"
    assert front_env["PORT"] == "3000"
    # second run: venv stamp matches the lock and node_modules is current -> nothing reinstalled
    (dev_repo / "frontend" / "node_modules").mkdir()
    (dev_repo / "frontend" / "node_modules" / ".package-lock.json").write_text("{}")
    again = mock({r".*pakaura-api migrate": res("")})
    spawned.clear()
    tasks.dev(again)
    assert [cmd for cmd in commands(again) if "migrate" not in cmd] == []
    assert "matches api/requirements.lock" in capsys.readouterr().out


@pytest.mark.usefixtures("all_tools")
def test_dev_stops_the_other_server_when_one_exits(dev_repo, monkeypatch):
    (dev_repo / ".venv-api" / "bin").mkdir(parents=True)
    (dev_repo / ".venv-api" / "bin" / "pakaura-api").write_text("")
    dev.STAMP.write_text(dev.lock_digest())
    (dev_repo / "frontend" / "node_modules").mkdir()
    (dev_repo / "frontend" / "node_modules" / ".package-lock.json").write_text("{}")
    processes, stopped = [], []
    monkeypatch.setattr(
        dev,
        "spawn",
        lambda argv, cwd, env: processes.append(
            FakeProcess(argv, exit_after=2 if not processes else None)
        )
        or processes[-1],
    )
    monkeypatch.setattr(dev, "stop", lambda procs: stopped.extend(procs))
    with pytest.raises(Exit) as exit_info:
        tasks.dev(mock({r".*pakaura-api migrate": res("")}))
    assert exit_info.value.code == 1
    assert stopped == processes


def test_dev_without_npm_is_a_missing_prerequisite(monkeypatch, capsys):
    monkeypatch.setattr("shutil.which", lambda n: None if n == "npm" else f"/usr/bin/{n}")
    with pytest.raises(Exit) as exit_info:
        tasks.dev(mock({}))
    assert exit_info.value.code == 2
    assert "missing required tools: npm" in capsys.readouterr().out


@pytest.mark.usefixtures("fake_repo")
def test_manifests_runs_the_charts_renderer_with_the_tooling_python(fake_repo):
    script = fake_repo / "scripts" / "render_manifests.py"
    script.parent.mkdir()
    script.write_text("print('rendered')\n")
    c = mock({r".*render_manifests\.py": res("wrote infra/kubernetes/")})
    tasks.manifests(c)
    tasks.manifests(c, check=True)
    assert commands(c) == [f"{sys.executable} {script}", f"{sys.executable} {script} --check"]


@pytest.mark.usefixtures("fake_repo")
def test_manifests_without_a_renderer_says_how_to_render_by_hand(capsys):
    with pytest.raises(Exit) as exit_info:
        tasks.manifests(mock({}))
    assert exit_info.value.code == 1
    assert "helm template pakaura helm/pakaura" in capsys.readouterr().out


def test_invoke_lists_every_task():
    assert set(tasks.__dict__) >= {
        "setup",
        "build",
        "deploy",
        "status",
        "logs",
        "destroy",
        "dev",
        "doctor",
        "manifests",
    }
    assert all(tasks.__dict__[name].__doc__ for name in ("setup", "doctor", "dev"))
    assert ran(mock({r"x": res("")}), r"x") == []


def test_spawn_and_stop_end_a_real_process_group(tmp_path):
    process = dev.spawn(["sleep", "30"], tmp_path, {})
    assert process.poll() is None
    dev.stop([process])
    assert process.poll() is not None


@pytest.mark.usefixtures("all_tools")
def test_dev_stops_both_servers_when_it_is_killed(dev_repo, monkeypatch):
    import os
    import signal

    (dev_repo / ".venv-api" / "bin").mkdir(parents=True)
    (dev_repo / ".venv-api" / "bin" / "pakaura-api").write_text("")
    dev.STAMP.write_text(dev.lock_digest())
    (dev_repo / "frontend" / "node_modules").mkdir()
    (dev_repo / "frontend" / "node_modules" / ".package-lock.json").write_text("{}")

    class KilledWhileRunning(FakeProcess):
        def poll(self):
            os.kill(os.getpid(), signal.SIGTERM)  # e.g. `kill <invoke pid>` or a closed terminal
            return None

    processes, stopped = [], []
    monkeypatch.setattr(
        dev,
        "spawn",
        lambda argv, cwd, env: processes.append(KilledWhileRunning(argv)) or processes[-1],
    )
    monkeypatch.setattr(dev, "stop", lambda procs: stopped.extend(procs))
    before = signal.getsignal(signal.SIGTERM)
    tasks.dev(mock({r".*pakaura-api migrate": res("")}))  # returns normally: exit 0
    assert stopped == processes
    assert len(processes) == 2
    assert signal.getsignal(signal.SIGTERM) is before


def test_dev_finds_uv_in_the_tooling_venv_without_it_on_path(dev_repo, monkeypatch):
    # `./scripts/bootstrap.sh && .venv/bin/invoke dev`: uv is in .venv/bin, which is not on PATH
    uv = dev_repo / ".venv" / "bin" / "uv"
    uv.parent.mkdir(parents=True)
    uv.write_text("#!/bin/sh\n")
    uv.chmod(0o755)
    (dev_repo / ".venv-api").mkdir()
    monkeypatch.setattr("shutil.which", lambda n: None if n == "uv" else f"/usr/bin/{n}")

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(dev, "spawn", interrupted)
    c = mock({rf"{uv} ": res(""), r"npm ci": res(""), r".*pakaura-api migrate": res("")})
    tasks.dev(c)
    assert commands(c)[0].startswith(f"{uv} venv ")
