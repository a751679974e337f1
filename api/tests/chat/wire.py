"""Count the statements a client sends PostgreSQL, on the wire.

A TCP forwarder between the app and PostgreSQL that reads the frontend side of the protocol: every
simple `Query` and every `Execute` of an extended-protocol statement is one statement the server
runs (what `log_statement=all` would log, BEGIN/COMMIT/ROLLBACK included). Deterministic: counts
are asserted, timings never. The connection must not use TLS (`sslmode=disable`).
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class StatementCounter:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.statements: list[str] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            with suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)

    @contextmanager
    def count(self) -> Iterator[list[str]]:
        """The statements sent while the block runs (in order)."""
        start = len(self.statements)
        found: list[str] = []
        yield found
        found.extend(self.statements[start:])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._frontend(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )
        self._writers -= {writer, up_writer}

    async def _frontend(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward the client's bytes, reading its messages on the way."""
        prepared: dict[bytes, str] = {}
        bound = ""
        try:
            (length,) = struct.unpack("!I", await reader.readexactly(4))
            startup = await reader.readexactly(length - 4)  # no type byte
            writer.write(struct.pack("!I", length) + startup)
            while True:
                head = await reader.readexactly(5)
                kind, length = head[:1], struct.unpack("!I", head[1:])[0]
                body = await reader.readexactly(length - 4)
                writer.write(head + body)
                await writer.drain()
                if kind == b"Q":
                    self.statements.append(body.rstrip(b"\0").decode(errors="replace"))
                elif kind == b"P":
                    name, rest = body.split(b"\0", 1)
                    prepared[name] = rest.split(b"\0", 1)[0].decode(errors="replace")
                elif kind == b"B":
                    statement = body.split(b"\0", 2)[1]
                    bound = prepared.get(statement, "")
                elif kind == b"E":
                    self.statements.append(bound)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
