"""The web app's own attack helpers: raw HTTP over a socket (so a 256 MiB body really is sent,
from a chosen loopback source address) and a sampler of the Node server's resident memory.

The servers themselves are the browser suite's (`tests/e2e/e2e_servers.py`): the API
(`pakaura-api`) and the frontend's production build, started the same way.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from e2e_servers import (
    ARTIFACTS,
    STANDALONE,
    Service,
    api_service,
    free_port,
    frontend_service,
    memory_mib,
    rss_mib,
)

__all__ = [
    "ARTIFACTS",
    "STANDALONE",
    "MiB",
    "RssSampler",
    "Service",
    "api_service",
    "free_port",
    "frontend_service",
    "hwm_mib",
    "raw_request",
    "send_huge_body",
]

MiB = 1024 * 1024


def hwm_mib(pid: int) -> float | None:
    """Peak resident memory of a live process so far (VmHWM)."""
    return memory_mib(pid, "VmHWM")


@dataclass
class RssSampler:
    """Samples VmRSS of `pid` every 20 ms in a thread; `peak` is the highest seen."""

    pid: int
    peak: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        def run() -> None:
            while not self._stop.is_set():
                value = rss_mib(self.pid)
                if value is not None:
                    self.peak = max(self.peak, value)
                time.sleep(0.02)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)


def _read_status(sock: socket.socket, out: dict[str, object]) -> None:
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError as error:
        out["read_error"] = repr(error)
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    out["status"] = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    out["answered_at"] = time.perf_counter()


def send_huge_body(
    port: int,
    method: str,
    path: str,
    size: int,
    *,
    chunked: bool,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    timeout: float = 60.0,
) -> dict[str, object]:
    """Send `size` bytes of body (declared by Content-Length, or chunked) while reading the
    answer in parallel, as an attacker would: never waiting for the server before sending on.
    Returns the status, how much was sent before the server stopped reading, and timings."""
    sock = socket.create_connection(
        ("127.0.0.1", port), timeout=timeout, source_address=(source, 0)
    )
    result: dict[str, object] = {}
    reader = threading.Thread(target=_read_status, args=(sock, result), daemon=True)
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
    ]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    started = time.perf_counter()
    sent = 0
    block = b"0" * MiB
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        reader.start()
        while sent < size and reader.is_alive() and time.perf_counter() - started < timeout:
            piece = block[: min(MiB, size - sent)]
            if chunked:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            else:
                sock.sendall(piece)
            sent += len(piece)
        if chunked and sent >= size and reader.is_alive():
            sock.sendall(b"0\r\n\r\n")
    except OSError as error:  # the server closed the connection: expected once it said 413
        result["send_error"] = type(error).__name__
    reader.join(timeout=timeout)
    sock.close()
    result["sent_mib"] = round(sent / MiB, 1)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def raw_request(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
) -> tuple[int, dict[str, str], bytes]:
    """A plain HTTP/1.1 request from a chosen loopback source address (127.0.0.0/8 all routes
    to this machine): a client the web app does not know as a proxy."""
    import http.client

    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0)
    )
    try:
        connection.request(
            method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()
