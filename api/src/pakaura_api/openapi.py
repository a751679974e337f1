"""`python -m pakaura_api.openapi > docs/openapi.json`: the OpenAPI document, from the app.

The committed copy is what the web app's types are generated from; a test fails when it is
stale. Built without touching a database (engines connect lazily).
"""

from __future__ import annotations

import json
import sys
import tempfile
from typing import Any

from pakaura_api.config import load_settings


def document() -> dict[str, Any]:
    from pakaura_api.main import create_app

    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(
            database_url="postgresql://openapi@127.0.0.1:9/openapi",
            jwt_secret="openapi-document-" + "x" * 32,
            pakaura_data_dir=data_dir,
            cohere_api_key="",
        )
        return create_app(settings).openapi()


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
