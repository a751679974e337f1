"""Docs and versions that are derived from one source must not drift from it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_values_table_matches_values_yaml() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "values_table.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_package_follows_the_version_file() -> None:
    version = (ROOT / "VERSION").read_text().strip()
    api = tomllib.loads((ROOT / "api" / "pyproject.toml").read_text())
    frontend = json.loads((ROOT / "frontend" / "package.json").read_text())
    assert api["project"]["version"] == version
    assert frontend["version"] == version
