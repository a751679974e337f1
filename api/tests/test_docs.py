"""The docs: `/api/docs` works offline, `docs/api.md` matches the OpenAPI document, and the
committed `docs/openapi.json` is what the app generates (regenerate:
`python -m pakaura_api.openapi > docs/openapi.json`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from pakaura_api.openapi import render

ROOT = Path(__file__).resolve().parents[2]
API_MD = ROOT / "docs" / "api.md"
OPENAPI_JSON = ROOT / "docs" / "openapi.json"
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def _documented() -> dict[tuple[str, str], tuple[set[str], set[str]]]:
    rows = {}
    for line in API_MD.read_text().splitlines():
        cells = [cell.strip() for cell in line.split("|")[1:5]]
        if len(cells) == 4 and cells[0] in METHODS:
            method, path, codes, headers = cells
            path = path.strip("`")
            statuses = {code.strip() for code in codes.split(",") if code.strip()}
            names = set(re.findall(r"`([A-Za-z-]+)`", headers))
            rows[method, "/api/v1" + path] = (statuses, names)
    return rows


def test_the_committed_openapi_document_is_current() -> None:
    assert OPENAPI_JSON.read_text() == render(), (
        "docs/openapi.json is stale: run `python -m pakaura_api.openapi > docs/openapi.json`"
    )


def test_api_md_lists_every_operation_with_its_status_codes_and_headers() -> None:
    document = json.loads(render())
    declared = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            headers = {
                name for response in responses.values() for name in response.get("headers", {})
            }
            declared[method.upper(), path] = (set(responses), headers)
    documented = _documented()
    assert sorted(documented) == sorted(declared), "operations differ between api.md and OpenAPI"
    for operation, (statuses, headers) in declared.items():
        assert documented[operation][0] == statuses, (operation, documented[operation], statuses)
        assert documented[operation][1] == headers, (operation, documented[operation], headers)


def test_docs_never_point_outside_the_repository() -> None:
    for path in (API_MD, ROOT / "api" / "README.md"):
        text = path.read_text()
        assert "shared/reference" not in text
        assert "../shared" not in text


async def test_swagger_ui_and_redoc_work_offline(client: httpx.AsyncClient) -> None:
    for page in ("/api/docs", "/api/redoc"):
        html = (await client.get(page)).text
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        assert assets, page
        for url in assets:
            assert url.startswith("/api/docs/assets/"), (page, url)  # no CDN, no Google Fonts
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 1000, url
        assert "cdn." not in html
        assert "fonts.googleapis" not in html
    swagger = (await client.get("/api/docs")).text
    assert "/api/openapi.json" in swagger
    assert "/api/docs/oauth2-redirect" in swagger
    redirect = await client.get("/api/docs/oauth2-redirect")
    assert redirect.status_code == 200
    assert "oauth2" in redirect.text.lower()
    root = await client.get("/")
    assert root.status_code == 307
    assert root.headers["location"] == "/api/docs"
