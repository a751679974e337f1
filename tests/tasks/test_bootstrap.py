"""scripts/bootstrap.sh builds .venv only when it is missing or requirements/tools.txt changed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _layout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "requirements").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    (tmp_path / "requirements" / "tools.txt").write_text("nox==1 --hash=sha256:00\n")
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir()
    # a fake uv: records each call, and `uv venv DIR` makes DIR/bin/python
    uv = fake_bin / "uv"
    uv.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "uv $*" >> "{tmp_path}/uv-calls"\n'
        'if [[ "$1" == venv ]]; then d="${!#}"; mkdir -p "$d/bin"; touch "$d/bin/python"; '
        'chmod +x "$d/bin/python"; fi\n'
    )
    uv.chmod(0o755)
    return tmp_path


def _bootstrap(layout: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{layout / 'fake-bin'}:/usr/bin:/bin"}
    return subprocess.run(
        ["bash", str(layout / "scripts" / "bootstrap.sh")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def _uv_calls(layout: Path) -> list[str]:
    path = layout / "uv-calls"
    return path.read_text().splitlines() if path.exists() else []


def test_bootstrap_installs_once_and_again_only_when_the_lock_changes(tmp_path):
    layout = _layout(tmp_path)
    first = _bootstrap(layout)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""  # `./scripts/bootstrap.sh && .venv/bin/invoke dev` reads cleanly
    assert "bootstrap: ready" in first.stderr
    assert len(_uv_calls(layout)) == 2  # venv + pip install --require-hashes
    assert "--require-hashes -r" in _uv_calls(layout)[1]

    second = _bootstrap(layout)
    assert (second.stdout, second.stderr) == ("", "")  # up to date: silent
    assert len(_uv_calls(layout)) == 2  # nothing reinstalled

    (layout / "requirements" / "tools.txt").write_text("nox==2 --hash=sha256:11\n")
    _bootstrap(layout)
    assert len(_uv_calls(layout)) == 4
