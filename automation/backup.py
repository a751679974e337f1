"""Backups of the release's database: `pg_dump` through the PostgreSQL pod into a local file with a
sha256 file beside it, and restores that check the file completely before changing anything.

Format: pg_dump's plain SQL (`--clean --if-exists --no-owner --no-privileges`), gzip-compressed
by pg_dump itself. Plain SQL restores with the `psql` every PostgreSQL image has, through a pipe,
so nothing is written inside the pod (its /tmp is a small emptyDir). pg_dump reads one snapshot
(a repeatable-read transaction), so the file is consistent while the API keeps writing.

A restore replaces the tables of the backup inside ONE transaction on the live database: API pods
keep their connections, wait on the table locks for the moment of the swap, then see the restored
rows (no restart). Only a stream that reached its end commits: the COMMIT is sent after the
decompressor succeeded, and psql prints a marker after it, so a cut transfer rolls back.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shlex
import sys
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from invoke.context import Context
from invoke.runners import Result

from . import config, kube
from .cluster import Cluster
from .console import console, done, step, warn
from .errors import TaskError, last_line
from .release import Release, current

SUFFIX = ".sql.gz"
CHECKSUM_SUFFIX = ".sha256"
HEADER = b"-- PostgreSQL database dump"
TRAILER = b"-- PostgreSQL database dump complete"
COMMITTED = "pakaura-restore-committed"
CONTAINER = "postgresql"
PROGRESS_SECONDS = 2.0
_CHUNK = 1 << 20

# Inside the PostgreSQL container (official image: the server trusts its local socket).
DUMP = (
    'exec pg_dump --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" '
    "--clean --if-exists --no-owner --no-privileges --compress=6"
)
PSQL = 'psql -X -v ON_ERROR_STOP=1 --username="$POSTGRES_USER" --dbname="$POSTGRES_DB"'
RESTORE = (
    f"{{ echo 'BEGIN;'; gunzip -c && printf 'COMMIT;\\n\\\\echo {COMMITTED}\\n'; }} | {PSQL} -q"
)
# Exact row counts of every table (query_to_xml runs a count per table in one statement).
COUNTS = (
    "SELECT table_name || '=' || (xpath('/row/c/text()', query_to_xml(format("
    "'SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text "
    "FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
    "ORDER BY table_name"
)
SCHEMA_REVISION = "SELECT version_num FROM alembic_version"


@dataclass(frozen=True)
class Checked:
    """A backup file that passed every check, with what its contents say."""

    path: Path
    size: int
    sha256: str
    schema_revision: str | None


def database_pod(c: Context, target: Cluster, namespace: str) -> str:
    """The ready PostgreSQL pod of the release."""
    pods = kube.get(c, target, "pods", namespace)
    candidates = [
        p
        for p in pods
        if kube.component(p) == "postgresql"
        and (p.get("metadata", {}).get("labels") or {}).get("app.kubernetes.io/instance")
        == config.RELEASE
    ]
    ready = [p for p in candidates if kube.pod_ready(p)]
    if not ready:
        state = ", ".join(f"{kube.name(p)} {kube.waiting_reason(p) or 'not ready'}" for p in pods)
        raise TaskError(
            f"no ready PostgreSQL pod of release {config.RELEASE} in namespace {namespace}"
            + (f" ({state})" if candidates else ""),
            "`invoke status` shows the release; `invoke setup` or `invoke deploy` brings it up",
        )
    return kube.name(sorted(ready, key=kube.name)[0])


def _exec(target: Cluster, pod: str, namespace: str, script: str, stdin: bool = False) -> list[str]:
    flags = ["-i"] if stdin else []
    return target.kubectl(
        "exec", *flags, pod, "-c", CONTAINER, "--", "sh", "-c", script, namespace=namespace
    )


def _shell(
    c: Context, argv: Sequence[str], *, stdin: Path | None = None, stdout: Path | None = None
) -> Result:
    """argv with stdin/stdout redirected to files (binary-safe: invoke never decodes them)."""
    command = shlex.join(argv)
    if stdin is not None:
        command += f" < {shlex.quote(str(stdin))}"
    if stdout is not None:
        command += f" > {shlex.quote(str(stdout))}"
    return c.run(command, hide=True, warn=True, in_stream=False)


def _psql(c: Context, target: Cluster, pod: str, namespace: str, sql: str) -> list[str]:
    """Rows of one query, as text; [] when it cannot run (e.g. the table does not exist yet)."""
    script = f"{PSQL} -tA -c {shlex.quote(sql)}"
    result = c.run(shlex.join(_exec(target, pod, namespace, script)), hide=True, warn=True)
    if result.failed:
        return []
    return [line for line in (result.stdout or "").splitlines() if line.strip()]


def human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def file_name(release: Release, now: datetime | None = None) -> str:
    """`pakaura-<namespace>-r<revision>-v<chart version>-<UTC time>.sql.gz`."""
    found = re.search(r"-(\d+\.\d+\.\d+[^\s/]*)$", release.chart)  # pakaura-4.0.0[-rc.1]
    version = found.group(1) if found else config.VERSION
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{config.RELEASE}-{release.namespace}-r{release.revision}-v{version}-{stamp}{SUFFIX}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def _refuse(path: Path, reason: str) -> TaskError:
    # One line, exit 1: the file is wrong, and nothing was touched.
    return TaskError(f"refusing {path}: {reason}; nothing was changed")


def check(path: Path) -> Checked:
    """The file exists, matches its .sha256 and is a complete gzip'd pg_dump SQL script."""
    if not path.is_file():
        raise _refuse(path, "no such file")
    sidecar = checksum_path(path)
    if not sidecar.is_file():
        raise _refuse(path, f"its checksum file {sidecar.name} is missing")
    expected = (sidecar.read_text().split() or [""])[0].lower()
    if not re.fullmatch(r"[0-9a-f]{64}", expected):
        raise _refuse(path, f"{sidecar.name} holds no sha256 checksum")
    actual = sha256_of(path)
    if actual != expected:
        raise _refuse(
            path,
            f"checksum mismatch (sha256 {actual[:12]}…, {sidecar.name} says {expected[:12]}…): "
            "the file is truncated or was modified",
        )
    head, tail, revision = b"", b"", None
    try:
        with gzip.open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                window = tail + chunk
                if revision is None:
                    found = re.search(
                        rb"COPY public\.alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)\n",
                        window,
                    )
                    revision = found.group(1).decode(errors="replace") if found else None
                tail = window[-4096:]
    except (OSError, EOFError, zlib.error) as error:
        raise _refuse(path, f"not a complete gzip file ({error})") from None
    if HEADER not in head:
        raise _refuse(path, "not a pg_dump SQL script (no dump header)")
    if TRAILER not in tail:
        raise _refuse(path, "the dump is incomplete (no 'dump complete' line at its end)")
    return Checked(path, path.stat().st_size, actual, revision)


class _Progress:
    """Shows how far a file has grown while a command writes it (spinner on a terminal, a line
    every few seconds in a log)."""

    def __init__(self, path: Path, what: str) -> None:
        self.path, self.what = path, what
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._status = console.status(f"{what} …")

    def _size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def _watch(self) -> None:
        started = time.monotonic()
        while not self._stop.wait(PROGRESS_SECONDS):
            line = f"{self.what}: {human(self._size())} after {time.monotonic() - started:.0f} s"
            if console.is_terminal:
                self._status.update(line)
            else:
                console.print(f"  {line}", highlight=False)

    def __enter__(self) -> _Progress:
        self._status.__enter__()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._status.__exit__(None, None, None)


def backup(c: Context, target: Cluster, namespace: str, directory: Path) -> Checked:
    """pg_dump the release's database into directory; returns the checked file."""
    release = current(c, target, namespace)
    if release is None:
        raise TaskError(
            f"release {config.RELEASE} is not installed in namespace {namespace}",
            "`invoke deploy` installs it; `--namespace` picks another",
        )
    pod = database_pod(c, target, namespace)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / file_name(release)
    partial = final.with_name(final.name + ".partial")
    step(
        f"dumping database of release {config.RELEASE} (revision {release.revision}, "
        f"{release.chart}) from pod {pod} to {final}"
    )
    started = time.monotonic()
    try:
        with _Progress(partial, "pg_dump"):
            result = _shell(c, _exec(target, pod, namespace, DUMP), stdout=partial)
        if result.failed:
            detail = last_line(result.stderr) or f"exit code {result.exited}"
            raise TaskError(
                f"pg_dump in pod {pod} failed: {detail}",
                f"`invoke logs postgresql -n {namespace}` shows the server's side",
            )
        checked = check_written(partial)
        partial.rename(final)
    finally:
        partial.unlink(missing_ok=True)
    checksum_path(final).write_text(f"{checked.sha256}  {final.name}\n")
    seconds = time.monotonic() - started
    done(
        f"backup written: {final} ({human(checked.size)}, {seconds:.1f} s, sha256 "
        f"{checked.sha256[:12]}…; checksum in {checksum_path(final).name})"
    )
    if checked.schema_revision:
        console.print(f"  schema revision {checked.schema_revision}", highlight=False)
    return Checked(final, checked.size, checked.sha256, checked.schema_revision)


def check_written(path: Path) -> Checked:
    """A freshly written dump is complete: check it as a restore would (its own checksum)."""
    checksum_path(path).write_text(f"{sha256_of(path)}  {path.name}\n")
    try:
        return check(path)
    except TaskError as error:
        raise TaskError(
            f"the dump is not usable: {error.message.split(': ', 1)[-1]}",
            "retry; if it fails again, `invoke logs postgresql` shows why",
        ) from None
    finally:
        checksum_path(path).unlink(missing_ok=True)


def ask(question: str, reader: Callable[[str], str] | None = None) -> bool:
    """Yes only for an explicit 'yes' or 'y' typed at a terminal (reader: `input`)."""
    if not sys.stdin.isatty():
        raise TaskError(
            "restore needs a confirmation and there is no terminal to ask",
            "pass --yes to confirm that the database may be replaced",
        )
    try:
        return (reader or input)(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def restore(
    c: Context,
    target: Cluster,
    namespace: str,
    checked: Checked,
    yes: bool = False,
    reader: Callable[[str], str] | None = None,
) -> dict[str, int]:
    """Replace the release's data with a checked backup's (see `check`, which runs first so a
    bad file changes nothing); returns the restored row count per table."""
    path = checked.path
    step(
        f"{path.name}: {human(checked.size)}, checksum ok, complete pg_dump"
        + (f", schema revision {checked.schema_revision}" if checked.schema_revision else "")
    )
    pod = database_pod(c, target, namespace)
    live = _psql(c, target, pod, namespace, SCHEMA_REVISION)
    if checked.schema_revision and live and live[0] != checked.schema_revision:
        warn(
            f"the backup's schema revision is {checked.schema_revision}, the live database's is "
            f"{live[0]}: after restoring, `invoke deploy --force` runs the migration Job"
        )
    if not yes and not ask(
        f"Replace every table of the database in pod {pod} (namespace {namespace}) with "
        f"{path.name}? Type 'yes' to continue: ",
        reader,
    ):
        raise TaskError("restore cancelled; nothing was changed")
    step(f"restoring {path.name} into pod {pod} in one transaction")
    started = time.monotonic()
    with console.status(f"restoring {human(checked.size)} …"):
        result = _shell(c, _exec(target, pod, namespace, RESTORE, stdin=True), stdin=path)
    if result.failed or COMMITTED not in (result.stdout or ""):
        detail = last_line(result.stderr) or last_line(result.stdout) or f"exit {result.exited}"
        raise TaskError(
            f"restore failed and was rolled back: {detail}",
            "the database is as it was before; `invoke logs postgresql` shows the server's side",
        )
    counts = {}
    for row in _psql(c, target, pod, namespace, COUNTS):
        table, _, count = row.partition("=")
        if count.isdigit():
            counts[table] = int(count)
    seconds = time.monotonic() - started
    summary = ", ".join(f"{table} {count}" for table, count in counts.items())
    done(
        f"restored {path.name} in {seconds:.1f} s"
        + (f" — rows: {summary}" if summary else "")
        + "; the API pods read the restored data now (no restart needed)"
    )
    return counts
