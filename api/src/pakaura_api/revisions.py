"""The migration head and the known revisions, read from the revision files without Alembic.

The API only needs the ids (readiness compares them with `alembic_version`); importing Alembic
for that would add ~0.3 s to every start. A test checks these agree with Alembic's own answer.

A database revision this code does not know was written by a newer version's migration: the
schema is *ahead* (after a rollback to an older image). Migrations are expand/contract (backward
compatible for one version), so the older code still works against it: `pakaura-api migrate`
leaves it alone and readiness answers ready. Behind (a known revision other than the head) still
means "run the migration first".
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
def _graph() -> tuple[frozenset[str], frozenset[str]]:
    """(every revision id, every id some revision builds on) of the shipped migrations."""
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
    return frozenset(revisions), frozenset(parents)


def known_revisions() -> frozenset[str]:
    """Every revision id this version ships."""
    return _graph()[0]


def is_ahead(revision: str) -> bool:
    """True for a revision this version does not know: a newer version migrated the database."""
    return revision not in known_revisions()


@functools.cache
def head_revision() -> str:
    """The one revision that no other revision builds on."""
    revisions, parents = _graph()
    heads = set(revisions - parents)
    if len(heads) != 1:
        raise RuntimeError(f"expected one migration head, found {sorted(heads)}")
    return heads.pop()
