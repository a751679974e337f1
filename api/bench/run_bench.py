"""Benchmark `pakaura-api serve` on a private PostgreSQL server with wrk; figures, never asserts.

For each worker count of the sweep (`--workers 1,2`) and each concurrency (`--connections 1,32`):
`GET /health` (the baseline of the same run), `GET /tasks` (50 tasks), `POST /tasks`,
`PATCH /tasks/{id}` and a demo `POST /chat` turn. Per endpoint: requests/s, p50/p99 latency,
non-2xx answers, and CPU ms per request (the server processes' CPU time during the run divided
by the requests wrk completed). Per worker count: start -> ready, RSS per worker after the
load, and the database statements ONE request of each kind costs, counted in PostgreSQL's own
statement log (`log_statement=all` switched on only while counting). With `--profile`, py-spy
samples the busiest worker during the list at the highest concurrency and prints the top frames.
Then, with valgrind installed, the instructions ONE request of each kind costs (instructions.py:
callgrind, one worker, one connection; deterministic within ~1 %, unlike the timings on a
shared machine). Last, each of issue 11's targets is printed as met or MISSED with the figure it
was judged on (also next to the row it comes from), and stored under "targets" in the JSON.

Everything runs on loopback: a private PostgreSQL (initdb in a temporary directory, free port;
see api/tests/pgserver.py), the API on a free port, wrk. Each endpoint first gets `--warmup`
seconds of unmeasured load (connections opened, statements prepared). The endpoints are measured
in `--rounds` interleaved rounds (health, list, ..., then again), each ratio against the health
baseline of its own round, and every figure reported is the median over the rounds: on a shared
2-core machine one 5 s run of an endpoint swings by 10-15 %. Results are printed and written to
artifacts/bench.json (each round's own figures under "rounds").

Usage: python api/bench/run_bench.py [--duration 5] [--warmup 1] [--rounds 3] [--workers 1,2]
       [--connections 1,32] [--profile] [--instructions 40 (0: skip)]
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
PASSWORD = "bench-kestrel-lantern-42"  # noqa: S105 (throw-away benchmark users)
TICKS = os.sysconf("SC_CLK_TCK")


def _load_pgserver() -> Any:
    spec = importlib.util.spec_from_file_location("pgserver", ROOT / "api/tests/pgserver.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pgserver"] = module
    spec.loader.exec_module(module)
    return module


pgserver = _load_pgserver()

# wrk scripts: each request uses the next token / id / conversation, round robin.
LUA = {
    "create": """
local tokens = {TOKENS}
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]}, '{"title": "bench task"}')
end
""",
    "update": """
local ids = {IDS}
local n = 0
request = function()
  n = n + 1
  local body = '{"completed": ' .. ((n % 2 == 0) and "true" or "false") .. '}'
  return wrk.format("PATCH", "/api/v1/tasks/" .. ids[(n % #ids) + 1], {["Content-Type"] =
    "application/json", ["Authorization"] = "Bearer TOKEN"}, body)
end
""",
    # One user per conversation (as real traffic): a user may run only
    # CHAT_MAX_CONCURRENT_PER_USER turns at once.
    "chat_demo": """
local tokens = {TOKENS}
local ids = {IDS}
local n = 0
request = function()
  n = n + 1
  local i = (n % #ids) + 1
  local body = '{"message": "show my tasks", "conversation_id": ' .. ids[i] .. '}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[i]}, body)
end
""",
}


_PLACEHOLDER = re.compile(r"\b(TOKENS|TOKEN|IDS)\b")


def wrk_script(template: str, fill: dict[str, Any]) -> str:
    """A `LUA` template with this run's tokens and ids, in one pass: a value is never scanned
    again (replacing one placeholder after another broke the ~1 % of tokens that contain "IDS",
    and all of that user's requests were 401s)."""
    values = {
        "TOKENS": ", ".join(f'"{t}"' for t in fill.get("tokens", [])),
        "TOKEN": fill.get("token", ""),
        "IDS": ", ".join(str(i) for i in fill.get("ids", [])),
    }
    return _PLACEHOLDER.sub(lambda found: values[found.group(1)], template)


def parse_wrk(output: str) -> dict[str, float]:
    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            raise RuntimeError(f"no {label}% latency in wrk output:\n{output}")
        return float(match.group(1)) * UNITS[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": float(total.group(1)) if total else 0.0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def process_tree(pid: int) -> list[int]:
    """The server process and its worker processes."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if children.exists():
        for child in children.read_text().split():
            found += process_tree(int(child))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """One `pakaura-api serve --workers N` on its own database of the private server."""

    def __init__(
        self,
        pg: Any,
        workers: int,
        workdir: Path,
        wrapper: list[str] | None = None,
        ready_timeout: float = 60,
    ) -> None:
        self.port = pgserver.free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.env = {
            # PYTHONPATH: to run this benchmark against another checkout (a before/after table).
            **{
                k: v
                for k, v in os.environ.items()
                if k in ("PATH", "HOME", "LANG", "LOG_LEVEL", "PYTHONPATH", "PYTHONHASHSEED")
            },
            **{k: v for k, v in os.environ.items() if k.startswith("DB_POOL_")},
            "DATABASE_URL": pg.create_database(f"bench_{uuid.uuid4().hex[:8]}"),
            "JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
            "PAKAURA_DATA_DIR": str(workdir),
            "COHERE_API_KEY": "",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "API_WORKERS": str(workers),
            # The bench measures throughput, not the turn limiters (429 beyond them): wrk's threads
            # each walk the same users from the first, so two may send one user's turns at once.
            "CHAT_MAX_CONCURRENT": "256",
            "CHAT_MAX_CONCURRENT_PER_USER": "256",
        }
        cli = [sys.executable, "-m", "pakaura_api"]
        subprocess.run([*cli, "migrate"], env=self.env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        started = time.perf_counter()
        self.process = subprocess.Popen(  # noqa: S603
            [*(wrapper or []), *cli, "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if wrapper else None,
        )
        while True:
            try:
                probe = httpx.get(f"{self.base}/health/ready", timeout=ready_timeout / 60)
                if probe.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.perf_counter() - started > ready_timeout:
                raise RuntimeError("server did not become ready")
            time.sleep(0.01)
        self.start_to_ready = time.perf_counter() - started
        # Every worker must be up before measuring (the first may answer before the second).
        deadline = time.monotonic() + 30
        while len(self.pids()) < workers + (1 if workers > 1 else 0):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)

    def pids(self) -> list[int]:
        return process_tree(self.process.pid)

    def workers(self) -> list[int]:
        """The processes serving requests (not the supervisor, not multiprocessing's helper)."""
        pids = self.pids()
        if len(pids) == 1:
            return pids
        return [
            pid
            for pid in pids[1:]
            if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def signup(http: httpx.Client, base: str) -> str:
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    response = http.post(f"{base}/auth/signup", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    return str(response.json()["access_token"])


def prepare(base: str, connections: int) -> dict[str, Any]:
    """Users and rows: a list user (50 tasks), an update user (50 tasks), create users (one per
    connection: each real user has few tasks), chat conversations (one per connection)."""
    data: dict[str, Any] = {}
    with httpx.Client(timeout=30) as http:
        for name in ("list", "update"):
            token = signup(http, base)
            headers = {"Authorization": f"Bearer {token}"}
            ids = [
                http.post(f"{base}/tasks", json={"title": f"task {n}"}, headers=headers).json()[
                    "id"
                ]
                for n in range(50)
            ]
            data[name] = {"token": token, "ids": ids}
        data["create"] = {"tokens": [signup(http, base) for _ in range(max(connections, 1))]}
        tokens, conversations = [], []
        for _ in range(max(connections, 1)):
            token = signup(http, base)
            headers = {"Authorization": f"Bearer {token}"}
            chat = http.post(f"{base}/chat", json={"message": "show my tasks"}, headers=headers)
            chat.raise_for_status()
            tokens.append(token)
            conversations.append(chat.json()["conversation_id"])
        data["chat_demo"] = {"tokens": tokens, "ids": conversations}
    return data


def count_statements(pg: Any, base: str, data: dict[str, Any]) -> dict[str, int]:
    """Statements ONE request of each kind costs, from the server's statement log: the fewest of
    three tries, so that a worker's first use of a new connection (SQLAlchemy's one-time
    dialect queries) is not counted as the request's own cost."""
    pg.sql("ALTER SYSTEM SET log_statement = 'all'")
    pg.sql("SELECT pg_reload_conf()")
    time.sleep(0.3)
    counts: dict[str, int] = {}
    auth = {"Authorization": f"Bearer {data['update']['token']}"}
    chat_auth = {"Authorization": f"Bearer {data['chat_demo']['tokens'][0]}"}
    conversation = data["chat_demo"]["ids"][0]
    try:
        with httpx.Client(timeout=30) as http:
            for attempt in range(3):
                task_id = data["update"]["ids"][attempt]
                requests = {
                    "health": ("GET", "/health", None, {}),
                    "list": ("GET", "/tasks", None, auth),
                    "create": ("POST", "/tasks", {"title": "counted"}, auth),
                    "update": ("PATCH", f"/tasks/{task_id}", {"completed": True}, auth),
                    "delete": ("DELETE", f"/tasks/{task_id}", None, auth),
                    "chat_demo": (
                        "POST",
                        "/chat",
                        {"message": "show my tasks", "conversation_id": conversation},
                        chat_auth,
                    ),
                }
                for name, (method, path, body, headers) in requests.items():
                    start = pg.log_position()
                    response = http.request(method, base + path, json=body, headers=headers)
                    response.raise_for_status()
                    time.sleep(0.1)
                    found = len(pg.statements(start))
                    counts[name] = min(counts.get(name, found), found)
                http.post(f"{base}/tasks/{task_id}/restore", headers=auth)  # (older APIs: 404)
    finally:
        pg.sql("ALTER SYSTEM RESET log_statement")
        pg.sql("SELECT pg_reload_conf()")
    return counts


def run_wrk(url: str, connections: int, seconds: int, extra: list[str]) -> str:
    threads = min(connections, 2)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *extra, url]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def measure(
    server: Server,
    name: str,
    url: str,
    extra: list[str],
    connections: int,
    args: argparse.Namespace,
) -> dict[str, float]:
    if args.warmup > 0:
        run_wrk(url, connections, args.warmup, extra)  # not measured: see the module docstring
    pids = server.pids()
    before = cpu_seconds(pids)
    result = parse_wrk(run_wrk(url, connections, args.duration, extra))
    spent = cpu_seconds(pids) - before
    result["cpu_ms_per_request"] = (
        round(spent * 1000 / result["requests"], 3) if result["requests"] else 0
    )
    return result


def median_of(rounds: list[dict[str, float]]) -> dict[str, Any]:
    """Each figure's median over the rounds; the rounds' own figures kept under "rounds"."""
    row: dict[str, Any] = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    row["rounds"] = rounds
    return row


def profile(
    server: Server, url: str, extra: list[str], connections: int, seconds: int, out: Path
) -> list[tuple[str, float]]:
    """py-spy samples one worker under load: the functions with the most own time (%)."""
    spy = shutil.which("py-spy")
    if spy is None:
        return []
    target = server.workers()[0]
    raw = out / "profile.txt"
    load = subprocess.Popen(  # noqa: S603
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds + 2}s", *extra, url],  # noqa: S607
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(  # noqa: S603
        [
            spy,
            "record",
            "-p",
            str(target),
            "-d",
            str(seconds),
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            str(raw),
            "--nonblocking",
        ],
        capture_output=True,
        check=False,
    )
    load.wait()
    leaves: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines() if raw.exists() else []:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # a truncated last line
            continue
        frames = stack.split(";")
        leaves[frames[-1] or "(native code)"] += int(count)
        total += int(count)
    return (
        [(frame, round(100 * n / total, 1)) for frame, n in leaves.most_common(5)] if total else []
    )


# --- issue 11's targets: which figure each one is judged on -----------------------------------

MAX_CONNECTIONS_KEY = "c32"  # the targets are stated for 32 connections
TARGETS: tuple[tuple[str, str, str, str, float], ...] = (
    # (name, endpoint, figure, comparison, bound)
    ("list >= 40 % of /health req/s", "list", "vs_health", ">=", 0.40),
    ("create >= 25 % of /health req/s", "create", "vs_health", ">=", 0.25),
    ("CPU per list request <= 1.0 ms", "list", "cpu_ms_per_request", "<=", 1.0),
    ("CPU per create request <= 1.2 ms", "create", "cpu_ms_per_request", "<=", 1.2),
    ("chat demo p99 < 50 ms (2 workers)", "chat_demo", "p99_ms", "<", 50.0),
)
STATEMENT_TARGETS = {"list": 1, "create": 1, "update": 1, "delete": 1, "chat_demo": 3}


def _meets(value: float, comparison: str, bound: float) -> bool:
    return {">=": value >= bound, "<=": value <= bound, "<": value < bound}[comparison]


def judge(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each issue-11 target, per worker count, with the figure it was judged on: met/missed."""
    verdicts: list[dict[str, Any]] = []

    def add(target: str, run_name: str, value: float, met: bool) -> None:
        verdicts.append({"target": target, "run": run_name, "value": value, "met": met})

    for run_name, run in results["runs"].items():
        figures = run.get(MAX_CONNECTIONS_KEY, {})
        for target, endpoint, figure, comparison, bound in TARGETS:
            if endpoint == "chat_demo" and run_name != "workers_2":
                continue  # stated for 2 workers
            if endpoint in figures:
                value = figures[endpoint][figure]
                add(target, run_name, value, _meets(value, comparison, bound))
        rss = max(run["rss_mib_per_worker"], default=0.0)
        add("RSS per worker < 120 MiB", run_name, rss, rss < 120)
        ready = run["start_to_ready_s"]
        add("serve start -> ready < 2 s", run_name, ready, ready < 2)
        counts = run["statements_per_request"]
        worst = all(counts.get(name, 99) <= most for name, most in STATEMENT_TARGETS.items())
        add("statements: list/create/update/delete 1, chat <= 3", run_name, 0, worst)
    return verdicts


def mark(met: bool) -> str:
    return "met" if met else "MISSED"


def count_instructions(pg: Any, requests: int) -> dict[str, Any]:
    """Instructions per request under callgrind (instructions.py), or why not."""
    import instructions  # the same folder; imports this module

    if not instructions.available():
        return {"skipped": "valgrind is not installed (apt-get install valgrind)"}
    return instructions.count(pg, requests, warmup=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured seconds per endpoint")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds per endpoint (median reported)"
    )
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--connections", default="1,32", help="comma-separated concurrencies")
    parser.add_argument("--profile", action="store_true", help="py-spy the list (top frames)")
    parser.add_argument(
        "--instructions",
        type=int,
        default=40,
        help="requests per endpoint counted under callgrind (0: skip; needs valgrind)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "artifacts" / "bench.json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    workers_sweep = [int(w) for w in args.workers.split(",")]
    concurrencies = [int(c) for c in args.connections.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="pakaura-bench-"))
    results: dict[str, Any] = {
        "config": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "pool": {k: v for k, v in os.environ.items() if k.startswith("DB_POOL_")}
            or "defaults (15 per worker, no overflow)",
        },
        "runs": {},
    }
    with pgserver.PrivatePostgres() as pg:
        for workers in workers_sweep:
            server = Server(pg, workers, workdir)
            try:
                run: dict[str, Any] = {"start_to_ready_s": round(server.start_to_ready, 2)}
                data = prepare(server.base, max(concurrencies))
                run["statements_per_request"] = count_statements(pg, server.base, data)
                for connections in concurrencies:
                    lua = {}
                    for name, template in LUA.items():
                        path = workdir / f"{name}.lua"
                        path.write_text(wrk_script(template, data[name]))
                        lua[name] = ["-s", str(path)]
                    list_auth = ["-H", f"Authorization: Bearer {data['list']['token']}"]
                    endpoints = {
                        "health": (f"{server.base}/health", []),
                        "list": (f"{server.base}/tasks", list_auth),
                        "create": (f"{server.base}/tasks", lua["create"]),
                        "update": (server.base.removesuffix("/api/v1"), lua["update"]),
                        "chat_demo": (f"{server.base}/chat", lua["chat_demo"]),
                    }
                    rounds = []
                    for _ in range(args.rounds):  # interleaved: each ratio has its own baseline
                        figures = {
                            name: measure(server, name, url, extra, connections, args)
                            for name, (url, extra) in endpoints.items()
                        }
                        health = figures["health"]["rps"] or 1
                        for name in ("list", "create", "update", "chat_demo"):
                            figures[name]["vs_health"] = round(figures[name]["rps"] / health, 3)
                        rounds.append(figures)
                    run[f"c{connections}"] = {
                        name: median_of([figures[name] for figures in rounds]) for name in endpoints
                    }
                run["rss_mib_per_worker"] = [round(rss_mib(pid), 1) for pid in server.workers()]
                if args.profile and workers == workers_sweep[0]:
                    url, extra = (
                        f"{server.base}/tasks",
                        ["-H", f"Authorization: Bearer {data['list']['token']}"],
                    )
                    run["profile_list_top_frames"] = profile(
                        server, url, extra, max(concurrencies), args.duration, workdir
                    )
            finally:
                server.stop()
            results["runs"][f"workers_{workers}"] = run
        if args.instructions > 0:
            results["instructions_per_request"] = count_instructions(pg, args.instructions)
    shutil.rmtree(workdir, ignore_errors=True)
    results["targets"] = judge(results)
    print_report(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults written to {args.output}")
    return 0


def print_report(results: dict[str, Any]) -> None:
    config = results["config"]
    print(
        f"\nwrk for {config['duration_s']} s per endpoint after {config['warmup_s']} s warm-up, "
        f"{config['rounds']} interleaved rounds (medians; the ratio's range over the rounds); "
        f"{config['cpus']} CPUs, load average at start {config['load_average_at_start'][0]:.1f}; "
        f"pool {config['pool']}"
    )
    for run_name, run in results["runs"].items():
        print(
            f"\n== {run_name}: start -> ready {run['start_to_ready_s']} s, "
            f"RSS per worker {run['rss_mib_per_worker']} MiB"
        )
        print(f"statements per request: {run['statements_per_request']}")
        print(
            f"{'conns':<6}{'endpoint':<12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
            f"{'CPU ms/req':>12}{'non-2xx':>9}{'vs health':>11}{'range':>11}"
        )
        for key, figures in run.items():
            if not key.startswith("c") or not isinstance(figures, dict):
                continue
            for name, row in figures.items():
                ratio = f"{row['vs_health']:.0%}" if "vs_health" in row else ""
                spread = ""
                if "vs_health" in row and len(row.get("rounds", [])) > 1:
                    ratios = [r["vs_health"] for r in row["rounds"]]
                    spread = f"{min(ratios):.0%}-{max(ratios):.0%}"
                print(
                    f"{key[1:]:<6}{name:<12}{row['rps']:>9.0f}{row['p50_ms']:>9.2f}"
                    f"{row['p99_ms']:>9.2f}{row['cpu_ms_per_request']:>12.3f}"
                    f"{row['non_2xx']:>9.0f}{ratio:>11}{spread:>11}"
                    f"{_row_marks(key, run_name, name, row)}"
                )
        if run.get("profile_list_top_frames"):
            print("profile of GET /tasks (own time, one worker):")
            for frame, share in run["profile_list_top_frames"]:
                print(f"  {share:5.1f} %  {frame}")
    counted = results.get("instructions_per_request")
    if counted:
        print("\ninstructions per request (callgrind, one worker, one connection; deterministic):")
        if "skipped" in counted:
            print(f"  skipped: {counted['skipped']}")
        for name, row in counted.items():
            if isinstance(row, dict):
                print(f"  {name:<12}{row['instructions_per_request'] / 1e6:>8.2f} M")
    print("\nissue-11 targets (32 connections unless stated):")
    for verdict in results.get("targets", []):
        shown = _shown(verdict["target"], verdict["value"])
        print(f"  {mark(verdict['met']):<7}{verdict['run']:<11}{verdict['target']:<52}{shown}")


def _shown(target: str, value: float) -> str:
    if target.startswith("statements"):
        return ""
    return f"{value:.0%}" if "% of" in target else f"{value:.3g}"


def _row_marks(key: str, run_name: str, name: str, row: dict[str, float]) -> str:
    """The targets this figure is judged on, met or missed (next to the row)."""
    if key != MAX_CONNECTIONS_KEY:
        return ""
    marks = []
    for _target, endpoint, figure, comparison, bound in TARGETS:
        if endpoint != name or (endpoint == "chat_demo" and run_name != "workers_2"):
            continue
        short = {"vs_health": "vs health", "cpu_ms_per_request": "CPU", "p99_ms": "p99"}[figure]
        marks.append(
            f"{short} {comparison} {bound:g}: {mark(_meets(row[figure], comparison, bound))}"
        )
    return ("  " + "; ".join(marks)) if marks else ""


if __name__ == "__main__":
    raise SystemExit(main())
