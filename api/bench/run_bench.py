"""Benchmark one `pakaura-api serve` process on a fresh PostgreSQL database with wrk.

Prints requests/s and p50/p99 latency for the health check, the task list (50 tasks) and a demo
chat turn; the task/health throughput ratio; the process RSS after the load; and the time from
starting `serve` to the first 200 from /health/ready. Figures are printed, not asserted.

Needs `wrk` (apt) and a PostgreSQL admin URL in TEST_DATABASE_URL (default: the local server).
Each endpoint first gets an unmeasured warm-up (`--warmup` seconds, default 2, at the same
concurrency): the first requests on a cold process open the pool's connections and let psycopg
prepare its statements, which is start-up cost, not steady-state latency (`--warmup 0` keeps it).
Usage: python api/bench/run_bench.py [--duration 10] [--connections 32] [--warmup 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://pakaura:pakaura@localhost:5432/pakaura"
)
TARGETS = {"tasks_vs_health_ratio": 0.5, "p99_ms": 50.0, "rss_mib": 150.0, "start_to_ready_s": 3.0}
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# Each request continues one of the prepared conversations, round robin (history is loaded).
CHAT_LUA = """
local ids = {IDS}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer TOKEN"
request = function()
  n = n + 1
  local body = '{"message": "show my tasks", "conversation_id": ' .. ids[(n % #ids) + 1] .. '}'
  return wrk.format(nil, nil, nil, body)
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def admin_dsn(database: str | None = None) -> str:
    url = make_url(ADMIN_URL).set(drivername="postgresql")
    if database:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def parse_wrk(output: str) -> dict[str, float]:
    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            raise RuntimeError(f"no {label}% latency in wrk output:\n{output}")
        return float(match.group(1)) * UNITS[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:(.*)", output)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
        "socket_errors": 1.0 if socket_errors else 0.0,
    }


def run_wrk(url: str, args: argparse.Namespace, extra: list[str]) -> dict[str, float]:
    def wrk(seconds: int) -> str:
        command = [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{seconds}s",
            "--latency",
            *extra,
            url,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
        return result.stdout

    if args.warmup > 0:
        wrk(args.warmup)  # not measured: see the module docstring
    return parse_wrk(wrk(args.duration))


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured seconds per endpoint")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "artifacts" / "bench" / "results.json"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    database = f"pakaura_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    workdir = Path(tempfile.mkdtemp(prefix="pakaura-bench-"))
    env = {
        # Only what the run needs, plus any DB_POOL_* / LOG_LEVEL override to compare settings.
        **{
            k: v
            for k, v in os.environ.items()
            if k in ("PATH", "HOME", "LANG", "LOG_LEVEL") or k.startswith("DB_POOL_")
        },
        "DATABASE_URL": admin_dsn(database),
        "JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
        "PAKAURA_DATA_DIR": str(workdir),
        "COHERE_API_KEY": "",
    }
    # Sized for wrk's concurrency (unless the caller sets it): with the production default (10,
    # +10 overflow) every request beyond 20 at once waits, and overflow connections are opened
    # and closed (a SCRAM handshake each) ~30 times a second at -c32, costing ~15% throughput.
    env.setdefault("DB_POOL_SIZE", str(args.connections))
    pool = {k: v for k, v in env.items() if k.startswith("DB_POOL_")}
    print(f"DB_POOL_* set for this run: {pool} (production default: 10 + 10 overflow, pre-ping)")
    cli = [sys.executable, "-m", "pakaura_api"]
    server: subprocess.Popen[bytes] | None = None
    results: dict[str, object] = {}
    try:
        subprocess.run([*cli, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        started = time.perf_counter()
        server = subprocess.Popen(  # noqa: S603
            [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,  # JSON access logs: written as in production, not kept
        )
        while True:
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.perf_counter() - started > 30:
                raise RuntimeError("server did not become ready")
            time.sleep(0.01)
        results["start_to_ready_s"] = round(time.perf_counter() - started, 2)

        signup = httpx.post(
            f"{base}/auth/signup", json={"email": "bench@example.com", "password": "benchmark-1"}
        )
        signup.raise_for_status()
        token = signup.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(headers=auth) as http:
            for n in range(50):
                http.post(f"{base}/tasks", json={"title": f"task {n}"}).raise_for_status()
            # One conversation per connection's worth of users: turns of one conversation
            # serialise on its row, which is not what many users chatting at once look like.
            conversations = []
            for _ in range(args.connections):
                chat = http.post(f"{base}/chat", json={"message": "show my tasks"})
                chat.raise_for_status()
                assert chat.json()["mode"] == "demo"
                conversations.append(chat.json()["conversation_id"])
            assert len(http.get(f"{base}/tasks").json()) == 50

        script = workdir / "chat.lua"
        script.write_text(CHAT_LUA.replace("TOKEN", token).replace("IDS", str(conversations)[1:-1]))
        header = ["-H", f"Authorization: Bearer {token}"]
        results["health"] = run_wrk(f"{base}/health", args, [])
        results["tasks"] = run_wrk(f"{base}/tasks", args, header)
        results["chat_demo"] = run_wrk(f"{base}/chat", args, ["-s", str(script)])
        results["rss_mib"] = round(rss_mib(server.pid), 1)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        with psycopg.connect(admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)

    health, tasks = results["health"], results["tasks"]
    assert isinstance(health, dict)
    assert isinstance(tasks, dict)
    results["tasks_vs_health_ratio"] = round(tasks["rps"] / health["rps"], 3)
    results["config"] = {
        "duration_s": args.duration,
        "connections": args.connections,
        "threads": args.threads,
        "warmup_s": args.warmup,
        "cpus": os.cpu_count(),
        "pool": pool,
    }
    print_report(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults written to {args.output}")
    return 0


def print_report(results: dict[str, object]) -> None:
    config = results["config"]
    assert isinstance(config, dict)
    print(
        f"\nwrk -c{config['connections']} for {config['duration_s']} s per endpoint, after "
        f"{config['warmup_s']} s of unmeasured warm-up; pool {config['pool']}"
    )
    print(f"\n{'endpoint':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, label in (
        ("health", "GET /health"),
        ("tasks", "GET /tasks (50)"),
        ("chat_demo", "POST /chat (demo)"),
    ):
        row = results[name]
        assert isinstance(row, dict)
        print(
            f"{label:<22}{row['rps']:>10.0f}{row['p50_ms']:>10.2f}"
            f"{row['p99_ms']:>10.2f}{row['non_2xx']:>10.0f}"
        )
    ratio = results["tasks_vs_health_ratio"]
    tasks, chat = results["tasks"], results["chat_demo"]
    assert isinstance(tasks, dict)
    assert isinstance(chat, dict)
    checks = [
        (
            "tasks/health throughput",
            f"{ratio:.0%}",
            f">= {TARGETS['tasks_vs_health_ratio']:.0%}",
            float(str(ratio)) >= TARGETS["tasks_vs_health_ratio"],
        ),
        ("tasks p99", f"{tasks['p99_ms']:.1f} ms", "< 50 ms", tasks["p99_ms"] < TARGETS["p99_ms"]),
        (
            "chat demo p99",
            f"{chat['p99_ms']:.1f} ms",
            "< 50 ms",
            chat["p99_ms"] < TARGETS["p99_ms"],
        ),
        (
            "RSS after load",
            f"{results['rss_mib']} MiB",
            "< 150 MiB",
            float(str(results["rss_mib"])) < TARGETS["rss_mib"],
        ),
        (
            "serve start -> ready",
            f"{results['start_to_ready_s']} s",
            "< 3 s",
            float(str(results["start_to_ready_s"])) < TARGETS["start_to_ready_s"],
        ),
    ]
    print(f"\n{'figure':<24}{'measured':>12}  {'target':<10} met")
    for name, measured, target, met in checks:
        print(f"{name:<24}{measured:>12}  {target:<10} {'yes' if met else 'NO'}")


if __name__ == "__main__":
    raise SystemExit(main())
