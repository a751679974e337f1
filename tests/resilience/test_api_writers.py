"""64 concurrent writers for 20 s, with a client-side ledger (issue 10): 0 lost, 0 5xx.

Before, on SQLite (rollback journal, deferred transactions, 5 s busy wait), 48-64 writers got
503s. Now: WAL, busy_timeout, one statement per write. PostgreSQL runs on a private server.
"""

from __future__ import annotations

import time

from .conftest import report, run_writers, stored_titles

WRITERS, SECONDS, USERS = 64, 20, 16


def _crowd(server, name: str) -> None:
    tokens = [server.signup() for _ in range(USERS)]
    started = time.monotonic()
    ledger = run_writers(server.url, tokens, WRITERS, SECONDS)
    lost = len(ledger.acknowledged - stored_titles(server.database_url))
    report(name, ledger, time.monotonic() - started, lost)
    assert lost == 0
    assert ledger.server_errors() == 0
    assert set(ledger.statuses) == {"201"}, ledger.statuses


def test_64_writers_on_sqlite(api_server) -> None:
    _crowd(api_server(), "64 writers, SQLite, 2 workers")


def test_64_writers_on_postgresql(api_server, private_pg) -> None:
    url = private_pg.create_database("writers")
    _crowd(api_server(url), "64 writers, PostgreSQL, 2 workers")
