"""Policy: checkov's Kubernetes checks on every render of the value matrix and on the raw
manifests. Zero failed checks; every skip is an annotation next to the resource, with its reason
(checkov.io/skipN).

One checkov run covers all trees (its start-up costs ~8 s); results are split by folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .rendering import MATRIX, ROOT, count, render_text

CHECKOV = Path(sys.executable).with_name("checkov")
TREES = (*sorted(MATRIX), "infra-kubernetes")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"checkov not installed next to {sys.executable} (nox -s chart installs it)")
    root = tmp_path_factory.mktemp("policy")
    for name in TREES[:-1]:
        namespace, args = MATRIX[name]
        (root / name).mkdir()
        (root / name / "chart.yaml").write_text(render_text(namespace, args))
    shutil.copytree(ROOT / "infra" / "kubernetes", root / "infra-kubernetes")
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(root),
            "--framework",
            "kubernetes",
            "--skip-download",
            "--output",
            "json",
            "--compact",
        ],
        capture_output=True,
        text=True,
    )
    # 0: no failures, 1: failures; anything else (or a traceback) means checkov itself broke.
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    parsed = json.loads(result.stdout)
    return parsed if isinstance(parsed, dict) else parsed[0]


def tree(check: dict[str, Any]) -> str:
    return check["file_path"].strip("/").split("/", 1)[0]


def test_checkov_finds_no_failures(report: dict[str, Any]) -> None:
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert report["summary"]["failed"] == 0, failed
    assert report["summary"]["parsing_errors"] == 0


def test_checkov_ran_on_every_tree(report: dict[str, Any]) -> None:
    passed = Counter(tree(c) for c in report["results"]["passed_checks"])
    skipped = Counter(tree(c) for c in report["results"]["skipped_checks"])
    for name in TREES:
        assert passed[name] > 100, f"suspiciously few checks ran on {name}"
        count(f"checkov passed ({name})", passed[name])
        count(f"checkov skipped with reason ({name})", skipped[name])


def test_every_skip_has_a_reason(report: dict[str, Any]) -> None:
    for skipped in report["results"]["skipped_checks"]:
        reason = skipped["check_result"].get("suppress_comment") or ""
        assert len(reason) > 20, f"{skipped['check_id']} skipped without a real reason"
