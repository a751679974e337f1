"""The migration head, read from the revision files without importing Alembic.

The API only needs the head id (readiness compares it with `alembic_version`); importing Alembic
for that would add ~0.3 s to every start. A test checks this agrees with Alembic's own answer.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

VERSIONS = Path(__file__).parent / "migrations" / "versions"


def _assignments(path: Path) -> dict[str, object]:
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(node.value)
    return values


@functools.cache
def head_revision() -> str:
    """The one revision that no other revision builds on."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        values = _assignments(path)
        if "revision" not in values:
            continue
        revisions.add(str(values["revision"]))
        down = values.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(item) for item in down)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"expected one migration head, found {sorted(heads)}")
    return heads.pop()
