"""`invoke dev`: what the user sees, with real processes standing in for the two servers.

The API and the web app are played by `python -m http.server` on free ports, serving the paths
`invoke dev` waits for (so readiness, the banner, Ctrl-C and process-group cleanup run for real);
installs and the migration go through MockContext.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from invoke.exceptions import Exit

from automation import dev

from .conftest import commands, exit_output, mock, res, tasks

SETTINGS_LINE = json.dumps(
    {
        "event": "settings",
        "database_url": "sqlite+aiosqlite:////home/u/pakaura/.pakaura/pakaura.sqlite3",
        "cohere_api_key": None,
        "ai_model": "command-a-03-2025",
    }
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def group_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def dev_repo(fake_repo, monkeypatch):
    """A checkout whose .venv-api and node_modules are current (nothing to install)."""
    (fake_repo / "api" / "requirements.lock").write_text("fastapi==0.1 --hash=sha256:00\n")
    (fake_repo / "frontend" / "package-lock.json").write_text("{}")
    monkeypatch.setattr(dev, "VENV", fake_repo / ".venv-api")
    monkeypatch.setattr(dev, "LOCK", fake_repo / "api" / "requirements.lock")
    monkeypatch.setattr(dev, "STAMP", fake_repo / ".venv-api" / ".lock-sha256")
    (fake_repo / ".venv-api" / "bin").mkdir(parents=True)
    (fake_repo / ".venv-api" / "bin" / "pakaura-api").write_text("")
    dev.STAMP.write_text(dev.lock_digest())
    (fake_repo / "frontend" / "node_modules").mkdir()
    (fake_repo / "frontend" / "node_modules" / ".package-lock.json").write_text("{}")
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    return fake_repo


@pytest.fixture
def docroot(tmp_path: Path) -> Path:
    """Every path the readiness checks ask for, answered 200 by http.server."""
    root = tmp_path / "docroot"
    for path in ("api/v1/health", "healthz", "signin", "signup", "index.html"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("ok")
    return root


def http_server(port: int, docroot: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "http.server",
        str(port),
        "--bind",
        "127.0.0.1",
        "-d",
        str(docroot),
    ]


@pytest.fixture
def stand_ins(monkeypatch, docroot):
    """Replace the servers' commands (everything else about them stays real); returns the list
    of servers each run started, and lets a test give either one another command."""
    started: list[dev.Server] = []
    commands_for: dict[str, list[str]] = {}

    def build(options, api_env, logs):
        api, web = real_servers(options, api_env, logs)
        api.argv = commands_for.get("api") or http_server(options.api_port, docroot)
        web.argv = commands_for.get("web") or http_server(options.web_port, docroot)
        api.cwd = web.cwd = docroot
        started.extend([api, web])
        return [api, web]

    real_servers = dev.servers
    monkeypatch.setattr(dev, "servers", build)
    monkeypatch.setattr(dev, "STOP_SECONDS", 5.0)
    return started, commands_for


def ctrl_c_after_banner(monkeypatch) -> None:
    """The user presses Ctrl-C once the banner is shown."""
    real_banner = dev.banner

    def banner_then_ctrl_c(*args, **kwargs):
        real_banner(*args, **kwargs)
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()

    monkeypatch.setattr(dev, "banner", banner_then_ctrl_c)


def migrate_ctx():
    return mock({r".*pakaura-api migrate": res(SETTINGS_LINE + "\n")})


def ports() -> dict[str, int]:
    return {"api_port": free_port(), "web_port": free_port()}


@pytest.mark.usefixtures("dev_repo")
def test_dev_waits_for_both_servers_then_prints_the_banner_last_and_ctrl_c_stops_both(
    stand_ins, monkeypatch, capsys
):
    started, _ = stand_ins
    ctrl_c_after_banner(monkeypatch)
    chosen = ports()
    tasks.dev(migrate_ctx(), **chosen)  # returns normally: exit 0
    out = capsys.readouterr().out
    before_stop = out.split("stopping the API and the web app")[0].rstrip().splitlines()
    banner_at = next(i for i, line in enumerate(before_stop) if "Pakaura is ready" in line)
    banner = before_stop[banner_at:]
    assert "demo mode" in banner[0]
    assert banner[1].split() == ["app", f"http://localhost:{chosen['web_port']}"]
    assert banner[2].split() == ["API", f"http://localhost:{chosen['api_port']}/api/docs"]
    assert banner[3].split()[:3] == [
        "database",
        "SQLite",
        "/home/u/pakaura/.pakaura/pakaura.sqlite3",
    ]
    assert banner[4].startswith("  logs")
    assert "Ctrl-C" in banner[5]
    assert len(banner) == 6  # the banner is the last thing printed before the user acts
    assert "API ready" in out
    assert "web app compiled" in out
    assert out.rstrip().endswith("✓ stopped")
    assert all(group_gone(server.process.pid) for server in started)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.usefixtures("dev_repo", "stand_ins")
def test_a_taken_port_is_named_with_the_option_that_avoids_it_before_anything_runs(capsys):
    chosen = ports()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", chosen["api_port"]))
        squatter.listen()
        c = migrate_ctx()
        with pytest.raises(Exit) as exit_info:
            tasks.dev(c, **chosen)
    assert exit_info.value.code == 2
    out = capsys.readouterr().out
    assert f"error: port {chosen['api_port']} (the API) is already in use on 127.0.0.1" in out
    fix = next(line for line in out.splitlines() if line.startswith("fix:"))
    assert f"lsof -i :{chosen['api_port']}" in fix
    assert "invoke dev --api-port " in fix
    assert "--web-port" not in fix
    assert commands(c) == []  # nothing installed, migrated or started


@pytest.mark.usefixtures("dev_repo", "stand_ins")
def test_both_taken_ports_are_named_at_once(capsys):
    chosen = ports()
    squatters = []
    for port in chosen.values():
        sock = socket.socket()
        sock.bind(("127.0.0.1", port))
        sock.listen()
        squatters.append(sock)
    try:
        with pytest.raises(Exit) as exit_info:
            tasks.dev(migrate_ctx(), **chosen)
    finally:
        for sock in squatters:
            sock.close()
    assert exit_info.value.code == 2
    out = capsys.readouterr().out
    assert (
        f"error: ports {chosen['api_port']} (the API) and {chosen['web_port']} (the web app) "
        "are already in use"
    ) in out
    assert "invoke dev --api-port " in out
    assert " --web-port " in out


@pytest.mark.usefixtures("dev_repo")
def test_a_server_that_dies_while_starting_is_named_with_its_last_lines_and_the_other_stops(
    stand_ins, capsys
):
    started, commands_for = stand_ins
    commands_for["api"] = [
        sys.executable,
        "-c",
        "print('Started server process'); print('ERROR: database is locked'); raise SystemExit(3)",
    ]
    out = exit_output(capsys, 1, tasks.dev, migrate_ctx(), **ports())
    assert "last lines of the API (.pakaura/logs/api.log):" in out
    assert "  ERROR: database is locked" in out
    assert "error: the API stopped with exit code 3; stopping the web app too" in out
    assert "fix:" in out
    assert "Pakaura is ready" not in out
    assert all(group_gone(server.process.pid) for server in started)


@pytest.mark.usefixtures("dev_repo")
def test_a_server_that_finds_its_port_taken_late_gets_the_port_fix(stand_ins, capsys):
    _, commands_for = stand_ins
    commands_for["web"] = [
        sys.executable,
        "-c",
        "print('Error: listen EADDRINUSE: address already in use 127.0.0.1:3000'); exit(1)",
    ]
    chosen = ports()
    out = exit_output(capsys, 2, tasks.dev, migrate_ctx(), **chosen)
    assert (
        f"error: the web app could not listen on port {chosen['web_port']}: it is already in use"
    ) in out
    assert "invoke dev --web-port " in out


@pytest.mark.usefixtures("dev_repo")
def test_when_one_server_dies_after_the_banner_the_other_is_stopped_and_named(
    stand_ins, monkeypatch, capsys
):
    started, _ = stand_ins
    real_banner = dev.banner

    def banner_then_web_crashes(*args, **kwargs):
        real_banner(*args, **kwargs)
        web = started[1]
        threading.Timer(0.3, web.signal, (signal.SIGKILL,)).start()

    monkeypatch.setattr(dev, "banner", banner_then_web_crashes)
    out = exit_output(capsys, 1, tasks.dev, migrate_ctx(), **ports())
    assert "error: the web app stopped with exit code -9; stopping the API too" in out
    assert "last lines of the web app (.pakaura/logs/web.log):" in out
    assert all(group_gone(server.process.pid) for server in started)


@pytest.mark.usefixtures("dev_repo")
def test_a_server_that_never_answers_fails_after_the_timeout_with_how_to_allow_more(
    stand_ins, monkeypatch, capsys
):
    _, commands_for = stand_ins
    commands_for["web"] = [sys.executable, "-c", "import time; print('compiling'); time.sleep(60)"]
    monkeypatch.setenv("PAKAURA_DEV_TIMEOUT", "2")
    out = exit_output(capsys, 1, tasks.dev, migrate_ctx(), **ports())
    assert "error: the web app did not answer http://127.0.0.1:" in out
    assert "within 2 s" in out
    assert "PAKAURA_DEV_TIMEOUT=4 invoke dev" in out


def test_the_servers_listen_on_loopback_with_human_readable_logs_by_default(fake_repo):
    options = dev.DevOptions.from_env()
    api, web = dev.servers(options, {"LOG_FORMAT": "console"}, fake_repo / "logs")
    assert api.argv[1:] == ["serve", "--host", "127.0.0.1", "--port", "8000"]
    assert web.argv == ["npm", "run", "dev", "--", "--hostname", "127.0.0.1", "--port", "3000"]
    assert web.env["API_INTERNAL_URL"] == "http://127.0.0.1:8000"
    assert web.cwd == fake_repo / "frontend"


def test_every_interface_on_request_with_the_browser_urls_on_localhost(fake_repo, monkeypatch):
    monkeypatch.setenv("PAKAURA_API_PORT", "9000")
    options = dev.DevOptions.from_env(host="0.0.0.0")  # noqa: S104
    api, web = dev.servers(options, {}, fake_repo / "logs")
    assert api.argv[-4:] == ["--host", "0.0.0.0", "--port", "9000"]  # noqa: S104
    assert web.env["API_INTERNAL_URL"] == "http://127.0.0.1:9000"
    assert options.url(options.web_port) == "http://localhost:3000"


@pytest.mark.usefixtures("dev_repo")
def test_dev_installs_the_api_venv_and_web_dependencies_only_when_their_locks_change(
    dev_repo, stand_ins, monkeypatch, capsys
):
    dev.STAMP.unlink()
    (dev_repo / "frontend" / "node_modules" / ".package-lock.json").unlink()
    ctrl_c_after_banner(monkeypatch)
    c = mock(
        {
            r"/usr/bin/uv venv": res(""),
            r"/usr/bin/uv pip install": res(""),
            r"/usr/bin/npm ci": res(""),
            r".*pakaura-api migrate": res(SETTINGS_LINE),
        }
    )
    tasks.dev(c, **ports())
    issued = commands(c)
    assert issued[0].startswith("/usr/bin/uv venv --allow-existing -p 3.11")
    assert "--require-hashes -r" in issued[1]
    assert issued[2].endswith(f"--no-deps -e {dev_repo}/api")
    assert issued[3] == f"/usr/bin/npm ci --prefix {dev_repo}/frontend --no-audit --no-fund"
    assert issued[4].endswith(".venv-api/bin/pakaura-api migrate")
    migrate_env = c.run.call_args_list[4].kwargs["env"]
    assert migrate_env["PAKAURA_DATA_DIR"] == f"{dev_repo}/.pakaura"
    assert migrate_env["PAKAURA_ENV"] == "local"
    assert "DATABASE_URL" not in migrate_env  # SQLite
    out = capsys.readouterr().out
    assert "installing the web app's dependencies (npm ci" in out
    assert "web app dependencies installed (" in out

    # second run: the stamp matches the lock and node_modules is current -> nothing reinstalled
    (dev_repo / "frontend" / "node_modules" / ".package-lock.json").write_text("{}")
    again = migrate_ctx()
    tasks.dev(again, **ports())
    assert [command for command in commands(again) if "migrate" not in command] == []
    assert ".venv-api matches api/requirements.lock" in capsys.readouterr().out


def test_dev_finds_uv_in_the_tooling_venv_without_it_on_path(dev_repo, stand_ins, monkeypatch):
    # `./scripts/bootstrap.sh && .venv/bin/invoke dev`: uv is in .venv/bin, which is not on PATH
    uv = dev_repo / ".venv" / "bin" / "uv"
    uv.parent.mkdir(parents=True)
    uv.write_text("#!/bin/sh\n")
    uv.chmod(0o755)
    dev.STAMP.unlink()
    monkeypatch.setattr("shutil.which", lambda n: None if n == "uv" else f"/usr/bin/{n}")
    ctrl_c_after_banner(monkeypatch)
    c = mock({rf"{uv} ": res(""), r".*pakaura-api migrate": res(SETTINGS_LINE)})
    tasks.dev(c, **ports())
    assert commands(c)[0].startswith(f"{uv} venv ")


def test_dev_without_npm_is_a_missing_prerequisite(monkeypatch, capsys):
    monkeypatch.setattr("shutil.which", lambda n: None if n == "npm" else f"/usr/bin/{n}")
    with pytest.raises(Exit) as exit_info:
        tasks.dev(mock({}))
    assert exit_info.value.code == 2
    assert "missing required tools: npm" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("record", "database", "mode"),
    [
        ({}, "SQLite in .pakaura/", "demo mode"),
        (
            {"database_url": "sqlite+aiosqlite:////srv/p.sqlite3", "cohere_api_key": None},
            "SQLite /srv/p.sqlite3",
            "demo mode",
        ),
        (
            {
                "database_url": "postgresql+psycopg://u:***@db:5432/p",
                "cohere_api_key": "**********",
                "ai_model": "command-a-03-2025",
            },
            "postgresql+psycopg://u:***@db:5432/p",
            "AI mode (Cohere command-a-03-2025)",
        ),
    ],
)
def test_the_banner_takes_database_and_mode_from_the_apis_settings_line(record, database, mode):
    facts = dev.ApiFacts.from_log("not json\n" + json.dumps({"event": "settings", **record}))
    assert facts.database == database
    assert facts.mode.startswith(mode)


def test_log_lines_of_our_own_readiness_requests_never_follow_the_banner(tmp_path, capsys):
    web = dev.servers(dev.DevOptions(), {}, tmp_path)[1]
    web.shown_from = time.monotonic()
    web.live.set()
    lines = " GET /signup 200 in 127ms\n GET /tasks 200 in 3ms\n"
    web._pump(io.StringIO(lines))
    out = capsys.readouterr().out
    assert "GET /signup" not in out  # Next printed our warm-up request late: hidden
    assert "web │  GET /tasks 200" in out  # the user's requests are shown
    assert (tmp_path / "web.log").read_text() == lines  # and the log file keeps everything
