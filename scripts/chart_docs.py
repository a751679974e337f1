#!/usr/bin/env python3
"""Generate the chart's values.schema.json and README values table from annotated values.yaml.

    python scripts/chart_docs.py            # rewrite helm/pakaura/values.schema.json and README.md
    python scripts/chart_docs.py --check    # exit 1 when either is stale (a chart test runs this)
    python scripts/chart_docs.py --tools    # only install the generators; print their paths

Both outputs come from `helm/pakaura/values.yaml`, written and reviewed by people, through two
well-kept generators (no code of ours interprets the annotations):
- `# @schema ...` comments → values.schema.json: helm-values-schema-json, pinned in
  helm/tools/go.mod + go.sum and built from the Go module proxy; its settings are
  helm/tools/schema.yaml, and helm/tools/rules.schema.json holds the few rules that span values.
- `## @param ...` comments → the "Parameters" section of helm/pakaura/README.md:
  @bitnami/readme-generator-for-helm, pinned in helm/tools/package-lock.json, from npm.

The tools go to `${PAKAURA_TOOL_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pakaura-tools}`, outside the
repository, in folders keyed by the hash of their lock files (a version bump never mixes; a
second run costs nothing). Needs `go` (>= 1.24) and `npm` on PATH the first time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "helm" / "tools"
CHART = ROOT / "helm" / "pakaura"
SCHEMA = CHART / "values.schema.json"
README = CHART / "README.md"
SCHEMA_MODULE = "github.com/losisin/helm-values-schema-json/v2"


def cache_root() -> Path:
    explicit = os.environ.get("PAKAURA_TOOL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pakaura-tools"


def _digest(*files: Path) -> str:
    sha = hashlib.sha256()
    for path in files:
        sha.update(path.read_bytes())
    return sha.hexdigest()[:12]


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(  # noqa: S603 - fixed argument lists, no shell
        cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")


def schema_tool() -> Path:
    """helm-values-schema-json at the version go.mod pins, built once into the cache."""
    gomod = (TOOLS / "go.mod").read_text()
    match = re.search(rf"^\s*{re.escape(SCHEMA_MODULE)} (v\S+)", gomod, re.MULTILINE)
    if not match:
        raise SystemExit(f"helm/tools/go.mod does not pin {SCHEMA_MODULE}")
    folder = cache_root() / (
        f"helm-values-schema-json-{match[1]}-{_digest(TOOLS / 'go.mod', TOOLS / 'go.sum')}"
    )
    binary = folder / "helm-schema"
    if binary.is_file():
        return binary
    if not shutil.which("go"):
        raise SystemExit("`go` is not on PATH: it builds helm-values-schema-json (Go >= 1.24)")
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "helm-schema.partial"
    print(f"building helm-values-schema-json {match[1]} into {folder} (once)", file=sys.stderr)
    _run(
        ["go", "build", "-mod=readonly", "-trimpath", "-o", str(partial), SCHEMA_MODULE],
        TOOLS,
        {"CGO_ENABLED": "0", "GOFLAGS": ""},
    )
    partial.replace(binary)
    return binary


def readme_tool() -> Path:
    """@bitnami/readme-generator-for-helm from package-lock.json, installed once into the cache."""
    lock = TOOLS / "package-lock.json"
    folder = cache_root() / f"readme-generator-for-helm-{_digest(TOOLS / 'package.json', lock)}"
    binary = folder / "node_modules" / ".bin" / "readme-generator"
    if binary.is_file():
        return binary
    if not shutil.which("npm"):
        raise SystemExit("`npm` is not on PATH: it installs @bitnami/readme-generator-for-helm")
    cache_root().mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=folder.name + ".partial.", dir=cache_root()))
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(TOOLS / name, scratch / name)
    print(f"installing readme-generator-for-helm into {folder} (once)", file=sys.stderr)
    _run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], scratch)
    try:
        scratch.rename(folder)
    except OSError:  # another run finished first; use its copy
        shutil.rmtree(scratch, ignore_errors=True)
    return binary


def generate(schema_out: Path, readme_out: Path) -> None:
    """Write the schema to schema_out and the README (with a fresh table) to readme_out."""
    _run(
        [str(schema_tool()), "--config", "helm/tools/schema.yaml", "--output", str(schema_out)],
        ROOT,
    )
    if readme_out != README:
        shutil.copyfile(README, readme_out)
    _run(
        [str(readme_tool()), "--values", "helm/pakaura/values.yaml", "--readme", str(readme_out)],
        ROOT,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="fail when an output is stale")
    group.add_argument("--tools", action="store_true", help="install the generators only")
    args = parser.parse_args()
    if args.tools:
        print(f"helm-values-schema-json={schema_tool()}")
        print(f"readme-generator-for-helm={readme_tool()}")
        return 0
    if not args.check:
        generate(SCHEMA, README)
        print(f"generated {SCHEMA.relative_to(ROOT)} and the values table in README.md")
        return 0
    with tempfile.TemporaryDirectory(prefix="pakaura-chart-docs-") as scratch:
        fresh = {SCHEMA: Path(scratch) / "values.schema.json", README: Path(scratch) / "README.md"}
        generate(fresh[SCHEMA], fresh[README])
        stale = [path for path, new in fresh.items() if path.read_bytes() != new.read_bytes()]
    if stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(f"stale: {names} (run `python scripts/chart_docs.py`)")
        return 1
    print("values.schema.json and the README values table match helm/pakaura/values.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
