"""Habits the repository keeps: actions pinned by commit SHA (tag in a comment), a Renovate rule
for every lock file, pre-commit hooks that download nothing, and no hand-kept default session list.
"""

from __future__ import annotations

import json
import re
import subprocess

import yaml

from .conftest import ROOT

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$")
# Renovate's own default file patterns for the managers whose defaults we rely on
DEFAULTS = {
    "npm": r"(^|/)package\.json$",
    "gomod": r"(^|/)go\.mod$",
    "github-actions": r"^\.github/workflows/[^/]+\.ya?ml$",
    "dockerfile": r"(^|/|\.)([Dd]ocker|[Cc]ontainer)file$",
    "docker-compose": r"(^|/)(?:docker-)?compose[^/]*\.ya?ml$",
    "helm-values": r"(^|/)values\.ya?ml$",
}


def tracked() -> list[str]:
    return subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()


def test_every_action_is_pinned_by_commit_sha_with_its_tag_in_a_comment():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    assert workflows
    uses = [
        line.split("uses:", 1)[1].strip()
        for path in workflows
        for line in path.read_text().splitlines()
        if "uses:" in line and not line.strip().startswith("#")
    ]
    assert uses
    assert [use for use in uses if not (use.startswith("./") or PINNED.match(use))] == []


def test_renovate_covers_every_lock_file():
    config = json.loads((ROOT / "renovate.json").read_text())
    enabled = set(config["enabledManagers"])

    def covered(path: str) -> bool:
        if path.endswith("package-lock.json"):
            return "npm" in enabled and (ROOT / path).with_name("package.json").exists()
        for manager, pattern in DEFAULTS.items():
            if manager in enabled and re.search(pattern, path):
                return True
        patterns = config.get("pip-compile", {}).get("managerFilePatterns", [])
        return "pip-compile" in enabled and any(re.search(p.strip("/"), path) for p in patterns)

    lock_files = [
        path
        for path in tracked()
        if re.search(
            r"(^requirements/.*\.txt|requirements\.lock|package-lock\.json|(^|/)go\.mod"
            r"|Dockerfile|^\.github/workflows/.*\.ya?ml|compose\.ya?ml|(^|/)values\.yaml)$",
            path,
        )
    ]
    assert "api/requirements.lock" in lock_files
    assert "frontend/package-lock.json" in lock_files
    assert [path for path in lock_files if not covered(path)] == []


def test_pre_commit_hooks_are_local_commands_so_nothing_is_downloaded():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert {repo["repo"] for repo in config["repos"]} == {"local"}
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {hook["language"] for hook in hooks} == {"system"}
    assert {"ruff", "mypy", "eslint", "shellcheck", "manifests"} <= {hook["id"] for hook in hooks}
    for hook in hooks:
        program = hook["entry"].split()[0]
        assert (
            program in ("shellcheck", "npm")
            or (ROOT / program).exists()
            or program.startswith(".venv/")
        ), hook


def test_nox_has_no_hand_kept_list_of_default_sessions():
    noxfile = (ROOT / "noxfile.py").read_text()
    assert "nox.options.sessions" not in noxfile
    assert "default=False" in noxfile
