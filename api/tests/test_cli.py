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
