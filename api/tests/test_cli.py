"""The command line in-process (the subprocess tests cover the same paths end to end)."""

from __future__ import annotations

import pytest
from pakaura_api import cli


def test_migrate_command_on_sqlite(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "DB_HOST", "JWT_SECRET", "PAKAURA_ENV", "PAKAURA_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    cli.main(["migrate"])
    assert (tmp_path / ".pakaura" / "pakaura.sqlite3").exists()
    cli.main(["migrate"])  # idempotent


def test_bad_configuration_exits_2_with_one_line(monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/d")
    monkeypatch.setenv("JWT_SECRET", "changeme")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "JWT_SECRET" in err


def test_failed_migration_exits_1(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1:1/d")
    monkeypatch.setenv("JWT_SECRET", "y" * 40)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["migrate", "--wait-seconds", "0.5"])
    assert exit_info.value.code == 1


def test_the_cgroup_cpu_limit_sets_the_default_worker_count(tmp_path) -> None:
    from pakaura_api.config import load_settings

    settings = load_settings(pakaura_data_dir=tmp_path)
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cpu.max").write_text("150000 100000\n")  # 1.5 CPUs -> 2 workers
    assert cli.cpu_limit(v2) == 2
    (v2 / "cpu.max").write_text("max 100000\n")
    assert cli.cpu_limit(v2) is None
    v1 = tmp_path / "v1"
    (v1 / "cpu").mkdir(parents=True)
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("50000")
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000")
    assert cli.cpu_limit(v1) == 1
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("-1")
    assert cli.cpu_limit(v1) is None
    assert cli.cpu_limit(tmp_path / "missing") is None
    assert cli.default_workers(settings, v1) >= 1  # unlimited: the usable CPUs
    (v2 / "cpu.max").write_text("100000 100000\n")
    assert cli.default_workers(settings, v2) == 1
    explicit = load_settings(pakaura_data_dir=tmp_path, api_workers=3)
    assert cli.default_workers(explicit, v2) == 3


def test_zero_workers_is_refused(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "DB_HOST", "JWT_SECRET", "PAKAURA_ENV"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--workers", "0"])
    assert exit_info.value.code == 2
    assert "--workers" in capsys.readouterr().err
