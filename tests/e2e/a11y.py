"""axe-core (npm `axe-core`, from frontend/node_modules) injected into the page under test."""

from __future__ import annotations

from functools import cache
from typing import Any

from e2e_servers import FRONTEND
from playwright.sync_api import Page

AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = {"serious", "critical"}


@cache
def axe_source() -> str:
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `npm ci` in frontend/")
    return AXE.read_text()


def axe_run(page: Page) -> list[dict[str, Any]]:
    """All violations axe finds on the page as it is now (WCAG 2.x A/AA and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result: dict[str, Any] = page.evaluate(
        """async () => await window.axe.run(document, {
            resultTypes: ["violations"],
            runOnly: {
              type: "tag",
              values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            },
        })"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [node["target"] for node in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def severe(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in SEVERE]
