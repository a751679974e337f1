"""Print the frontend's figures (informational, never a gate):

- first-load JS of the main page `/`, gzipped: every script the prerendered HTML loads;
- `node server.js` spawn -> first 200 on `/` (median of 5 cold starts);
- RSS of the frontend server after the e2e run (recorded by the e2e fixture at teardown);
- its peak RSS while 256 MiB bodies are sent to every body-reading route (recorded by
  tests/resilience/test_webapp_limits.py);
- the first streamed chat text after sending, in demo mode (recorded by tests/e2e/test_chat.py).

Run after `npm run build` (and after the browser and attack tests for the recorded figures):
`python tests/e2e/figures.py`.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import time
from typing import Any

from e2e_servers import (
    ARTIFACTS,
    FRONTEND,
    STANDALONE,
    free_port,
    prepare_standalone,
    wait_until_serving,
)

TARGETS = {
    "first_load_js_gz_kb": 150.0,
    "start_to_first_200_s": 1.5,
    "rss_mib": 150.0,
    "attack_rss_mib": 200.0,
    "first_text_ms": 1000.0,
}
SCRIPT_TAG = re.compile(r"<script\b[^>]*>")
SRC = re.compile(r'\bsrc="(/_next/static/[^"]+\.js)"')


def first_load_js() -> tuple[float, float, int]:
    """(gzipped kB, raw kB, number of scripts) for the scripts `/` loads on first visit.
    `noModule` polyfills are left out: browsers that run modules (all current ones) skip them."""
    html = (FRONTEND / ".next" / "server" / "app" / "index.html").read_text()
    sources = sorted(
        {
            match.group(1)
            for tag in SCRIPT_TAG.findall(html)
            if "nomodule" not in tag.lower() and (match := SRC.search(tag))
        }
    )
    raw = gz = 0
    for src in sources:
        data = (FRONTEND / ".next" / src.removeprefix("/_next/")).read_bytes()
        raw += len(data)
        gz += len(gzip.compress(data, compresslevel=6))
    return gz / 1000, raw / 1000, len(sources)


def start_to_first_200(runs: int = 5) -> list[float]:
    server = prepare_standalone()
    node = shutil.which("node") or "node"
    timings = []
    for _ in range(runs):
        port = free_port()
        env = {
            **os.environ,
            "PORT": str(port),
            "HOSTNAME": "127.0.0.1",
            "NODE_ENV": "production",
            "NEXT_TELEMETRY_DISABLED": "1",
            "API_INTERNAL_URL": "http://127.0.0.1:9",  # `/` must not need the API
        }
        started = time.perf_counter()
        process = subprocess.Popen(
            [node, str(server)],
            cwd=STANDALONE,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_serving(f"http://127.0.0.1:{port}/", process, timeout=30, interval=0.01)
            timings.append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(timeout=10)
    return timings


def _read_json(name: str) -> dict[str, Any]:
    path = ARTIFACTS / name
    return json.loads(path.read_text()) if path.exists() else {}


def verdict(value: float | None, target: float) -> str:
    if value is None:
        return "n/a"
    return "within target" if value <= target else "OVER target"


def main() -> None:
    gz_kb, raw_kb, count = first_load_js()
    timings = start_to_first_200()
    start_s = statistics.median(timings)
    recorded_path = ARTIFACTS / "figures.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.exists() else {}
    rss = recorded.get("frontend_rss_after_e2e_mib")
    attack = _read_json("webapp-limits.json").get("rss_peak_during_attack_mib")
    stream = _read_json("stream-timing.json")
    first_text = stream.get("first_text_ms")

    rows = [
        (
            "first-load JS of / (gzip)",
            f"{gz_kb:.1f} kB ({count} scripts, {raw_kb:.1f} kB raw)",
            verdict(gz_kb, TARGETS["first_load_js_gz_kb"]),
            "<= 150 kB",
        ),
        (
            "node server.js -> first 200 on /",
            f"{start_s:.2f} s (median of {len(timings)}: "
            + ", ".join(f"{t:.2f}" for t in timings)
            + ")",
            verdict(start_s, TARGETS["start_to_first_200_s"]),
            "< 1.5 s",
        ),
        (
            "server RSS after the e2e run",
            f"{rss:.0f} MiB" if rss is not None else "not recorded (run pytest tests/e2e first)",
            verdict(rss, TARGETS["rss_mib"]),
            "< 150 MiB",
        ),
        (
            "RSS peak, 256 MiB bodies to every route",
            f"{attack:.0f} MiB (all answered 413)" if attack is not None else "not recorded",
            verdict(attack, TARGETS["attack_rss_mib"]),
            "< 200 MiB",
        ),
        (
            "first streamed chat text (demo mode)",
            f"{first_text} ms (complete after {stream.get('complete_ms')} ms)"
            if first_text is not None
            else "not recorded (needs the API's /chat/stream)",
            verdict(first_text, TARGETS["first_text_ms"]),
            "< 1 s",
        ),
    ]
    print("Pakaura frontend figures")
    for name, value, status, target in rows:
        print(f"  {name:<40} {value:<52} target {target:<10} {status}")
    summary = {
        "first_load_js_gz_kb": round(gz_kb, 1),
        "first_load_js_raw_kb": round(raw_kb, 1),
        "first_load_js_scripts": count,
        "start_to_first_200_s": round(start_s, 3),
        "start_to_first_200_runs_s": [round(t, 3) for t in timings],
        **recorded,
        "rss_peak_during_attack_mib": attack,
        "first_streamed_text_ms": first_text,
    }
    (ARTIFACTS / "figures-summary.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
