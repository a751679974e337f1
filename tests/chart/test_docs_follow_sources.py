"""Docs and versions that are derived from one source must not drift from it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_schema_and_values_table_are_generated_from_values_yaml() -> None:
    """values.schema.json and the chart README's table come from the generators, unedited."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "chart_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_types_numbers_as_numbers() -> None:
    schema = json.loads((ROOT / "helm" / "pakaura" / "values.schema.json").read_text())
    (generated,) = [part for part in schema["allOf"] if "properties" in part]
    env = generated["properties"]["api"]["properties"]["env"]["properties"]
    assert env["aiTemperature"] == {"type": "number", "minimum": 0, "maximum": 1}
    assert env["aiMaxTokens"]["type"] == "integer"
    assert "pattern" not in env["aiTemperature"]


def test_every_package_follows_the_version_file() -> None:
    version = (ROOT / "VERSION").read_text().strip()
    api = tomllib.loads((ROOT / "api" / "pyproject.toml").read_text())
    frontend = json.loads((ROOT / "frontend" / "package.json").read_text())
    assert api["project"]["version"] == version
    assert frontend["version"] == version
