"""Someone who skipped the bootstrap: a plain venv with `pip install invoke nox`, then the design's
own command `invoke --list`. One line says what to run, exit code 2, no traceback."""

from __future__ import annotations

import os
from pathlib import Path

from newcomer_support import newcomer_env, run


def test_a_plain_pip_install_of_invoke_and_nox_gets_one_line_and_exit_2(
    clone: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "plain"
    env = newcomer_env(clone)
    made = run(["python3", "-m", "venv", str(venv)], tmp_path, env, 120, "python3 -m venv")
    assert made.returncode == 0, made.stderr
    pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    installed = run([*pip, "invoke", "nox"], tmp_path, env, 300, "pip install invoke nox")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # as in an activated venv: its bin first on PATH, then the user's own
    active = {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}", "VIRTUAL_ENV": str(venv)}
    for args in (["--list"], ["dev"], ["status"]):
        result = run(["invoke", *args], clone, active, 60, f"invoke {' '.join(args)}")
        output = (result.stdout + result.stderr).strip()
        assert result.returncode == 2, output
        assert "Traceback" not in output
        assert len(output.splitlines()) == 1, output
        assert output.startswith("error: ")
        assert "./scripts/bootstrap.sh" in output
