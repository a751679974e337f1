"""Instructions per request, per endpoint: a deterministic CPU figure (valgrind's callgrind).

Wall-clock and CPU-time figures swing widely on a shared machine; the number of instructions the
server process executes for a request does not (run to run within ~1 %). One `pakaura-api serve
--workers 1` runs under `valgrind --tool=callgrind` with instrumentation off (nearly native
start-up); for each endpoint one client, on one keep-alive connection, sends `--warmup`
unmeasured requests (statements prepared, caches warm), then callgrind counts the instructions
of `--requests` more, one at a time. PostgreSQL and the client run outside valgrind: the figure is
the API process's own work (user space; the kernel's share of a syscall is not counted).

Usage: python api/bench/instructions.py [--requests 40] [--warmup 15] [--annotate DIR]
(`--annotate DIR` keeps each endpoint's callgrind file for `callgrind_annotate`.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_bench  # (the benchmark's server, users and PostgreSQL helpers)

_TOTALS = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def available() -> bool:
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def _control(pid: int, *args: str) -> None:
    subprocess.run(  # noqa: S603
        ["callgrind_control", *args, str(pid)],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=120,
    )


def _requests(base: str, data: dict[str, Any]) -> dict[str, Any]:
    """name → a function sending request number n of that kind (as the wrk scripts do)."""
    list_auth = {"Authorization": f"Bearer {data['list']['token']}"}
    update_auth = {"Authorization": f"Bearer {data['update']['token']}"}
    update_ids = data["update"]["ids"]
    create_tokens = data["create"]["tokens"]
    chat_tokens, chat_ids = data["chat_demo"]["tokens"], data["chat_demo"]["ids"]

    def health(http: httpx.Client, _n: int) -> httpx.Response:
        return http.get(f"{base}/health")

    def task_list(http: httpx.Client, _n: int) -> httpx.Response:
        return http.get(f"{base}/tasks", headers=list_auth)

    def create(http: httpx.Client, n: int) -> httpx.Response:
        auth = {"Authorization": f"Bearer {create_tokens[n % len(create_tokens)]}"}
        return http.post(f"{base}/tasks", json={"title": "bench task"}, headers=auth)

    def update(http: httpx.Client, n: int) -> httpx.Response:
        path = f"{base}/tasks/{update_ids[n % len(update_ids)]}"
        return http.patch(path, json={"completed": n % 2 == 0}, headers=update_auth)

    def chat_demo(http: httpx.Client, n: int) -> httpx.Response:
        i = n % len(chat_ids)
        body = {"message": "show my tasks", "conversation_id": chat_ids[i]}
        auth = {"Authorization": f"Bearer {chat_tokens[i]}"}
        return http.post(f"{base}/chat", json=body, headers=auth)

    return {
        "health": health,
        "list": task_list,
        "create": create,
        "update": update,
        "chat_demo": chat_demo,
    }


def count(
    pg: Any, requests: int, warmup: int, annotate: Path | None = None
) -> dict[str, dict[str, float]]:
    """Instructions per request for each endpoint (see the module docstring)."""
    workdir = Path(tempfile.mkdtemp(prefix="pakaura-instructions-"))
    os.environ["PYTHONHASHSEED"] = "0"  # the same dict/set layouts every run
    out = workdir / "callgrind.out"
    wrapper = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
    ]
    server = run_bench.Server(pg, 1, workdir, wrapper=wrapper, ready_timeout=300)
    results: dict[str, dict[str, float]] = {}
    try:
        data = run_bench.prepare(server.base, 4)
        pid = server.process.pid
        with httpx.Client(timeout=120) as http:
            for name, send in _requests(server.base, data).items():
                for n in range(warmup):
                    send(http, n).raise_for_status()
                _control(pid, "--instr=on")
                _control(pid, "--zero")
                for n in range(warmup, warmup + requests):
                    send(http, n).raise_for_status()
                _control(pid, f"--dump={name}")
                _control(pid, "--instr=off")
                dumps = sorted(workdir.glob("callgrind.out.*"), key=lambda p: p.stat().st_mtime)
                text = dumps[-1].read_text(errors="replace")
                match = _TOTALS.search(text)
                if match is None:
                    raise RuntimeError(f"no totals in {dumps[-1]}")
                results[name] = {"instructions_per_request": round(int(match.group(1)) / requests)}
                if annotate is not None:
                    annotate.mkdir(parents=True, exist_ok=True)
                    shutil.copy(dumps[-1], annotate / f"callgrind.{name}")
                dumps[-1].unlink()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--annotate", type=Path, default=None, help="keep callgrind files here")
    args = parser.parse_args()
    if not available():
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with run_bench.pgserver.PrivatePostgres() as pg:
        results = count(pg, args.requests, args.warmup, args.annotate)
    for name, row in results.items():
        print(f"{name:<12}{row['instructions_per_request'] / 1e6:>10.2f} M instructions/request")
    print(json.dumps(results))
    print(f"({time.perf_counter() - started:.0f} s; pid {os.getpid()})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
