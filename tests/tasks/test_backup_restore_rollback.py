"""`invoke backup`, `restore`, `rollback`: what runs, what is refused, what is left behind."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from invoke import MockContext
from invoke.exceptions import Exit

from .conftest import commands, index_of, mock, ran, res, tasks
from .k8s import as_list, history, job, pod
from .scenarios import NOT_FOUND

READY = {r"kubectl .*get --raw /readyz": res("ok")}
PODS = r"kubectl -n pakaura get pods -o json"
DUMP = r"kubectl -n pakaura exec postgresql-0 -c postgresql -- sh -c '.*pg_dump"
RESTORE = r"kubectl -n pakaura exec -i postgresql-0 -c postgresql -- sh -c '.*gunzip -c"
COUNTS = r"kubectl -n pakaura exec postgresql-0 .*SELECT table_name"
SCHEMA = r"kubectl -n pakaura exec postgresql-0 .*FROM alembic_version"


def dump_text(revision: str = "0007_conversations", complete: bool = True) -> bytes:
    text = (
        "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\n\nSET lock_timeout = 0;\n"
        "DROP TABLE IF EXISTS public.tasks;\nCREATE TABLE public.tasks (id integer, title text);\n"
        "COPY public.alembic_version (version_num) FROM stdin;\n"
        f"{revision}\n\\.\n\n"
        "COPY public.tasks (id, title) FROM stdin;\n1\tbuy milk\n2\tship it\n\\.\n\n"
    )
    if complete:
        text += "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abc\n\n"
    return text.encode()


def write_backup(path: Path, content: bytes | None = None) -> Path:
    data = gzip.compress(dump_text() if content is None else content)
    path.write_bytes(data)
    sidecar = path.with_name(path.name + ".sha256")
    sidecar.write_text(f"{hashlib.sha256(data).hexdigest()}  {path.name}\n")
    return path


def writes_dump(c: MockContext, content: bytes) -> None:
    """Make the mocked `kubectl exec … pg_dump > FILE` actually write FILE."""
    original = c.run._mock_wraps

    def run(command: str, **kwargs: Any) -> Any:
        target = re.search(r" > (\S+)$", command)
        if "pg_dump" in command and target:
            Path(target.group(1)).write_bytes(content)
        return original(command, **kwargs)

    c.run.side_effect = run


def postgres(ready: bool = True) -> dict[str, Any]:
    return as_list([pod("postgresql-0", "postgresql", ready=ready, image="postgres:16-alpine")])


def backup_ctx(**extra: Any) -> MockContext:
    return mock(
        {
            **READY,
            r"helm history pakaura --max 1": res(history(3)),
            PODS: res(postgres()),
            **extra,
        }
    )


# --- backup ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("all_tools")
def test_backup_writes_a_checksummed_dump_named_with_revision_and_version(tmp_path, capsys):
    c = backup_ctx(**{DUMP: res("")})
    writes_dump(c, gzip.compress(dump_text()))
    tasks.backup(c, directory=str(tmp_path / "backups"))
    [written] = sorted((tmp_path / "backups").glob("*.sql.gz"))
    assert re.fullmatch(r"pakaura-pakaura-r3-v4\.0\.0-\d{8}T\d{6}Z\.sql\.gz", written.name)
    sidecar = written.with_name(written.name + ".sha256")
    digest = hashlib.sha256(written.read_bytes()).hexdigest()
    assert sidecar.read_text() == f"{digest}  {written.name}\n"  # `sha256sum -c` reads it
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [
        written.name,
        sidecar.name,
    ]
    [dump] = ran(c, "pg_dump")
    # one consistent snapshot, plain SQL that drops and recreates, compressed by pg_dump
    assert "--clean --if-exists --no-owner --no-privileges --compress=6" in dump
    assert dump.endswith(f" > {written}.partial")
    out = capsys.readouterr().out
    assert "dumping database of release pakaura (revision 3, pakaura-4.0.0) from pod " in out
    assert f"backup written: {written}" in out
    assert "schema revision 0007_conversations" in out


@pytest.mark.usefixtures("all_tools")
def test_backup_of_a_release_that_is_not_installed_says_so(tmp_path, capsys):
    c = mock({**READY, r"helm history": NOT_FOUND})
    with pytest.raises(Exit) as exit_info:
        tasks.backup(c, directory=str(tmp_path))
    assert exit_info.value.code == 1
    assert "release pakaura is not installed in namespace pakaura" in capsys.readouterr().out
    assert ran(c, "pg_dump") == []


@pytest.mark.usefixtures("all_tools")
def test_backup_without_a_ready_database_pod_names_its_state(tmp_path, capsys):
    c = backup_ctx(**{PODS: res(postgres(ready=False))})
    with pytest.raises(Exit):
        tasks.backup(c, directory=str(tmp_path))
    out = capsys.readouterr().out
    assert "no ready PostgreSQL pod of release pakaura in namespace pakaura" in out
    assert ran(c, "pg_dump") == []


@pytest.mark.usefixtures("all_tools")
def test_a_failed_dump_leaves_no_file_behind(tmp_path, capsys):
    failed = res("", exited=1, stderr="pg_dump: error: connection to server failed")
    c = backup_ctx(**{DUMP: failed})
    writes_dump(c, b"\x1f\x8b half")
    with pytest.raises(Exit) as exit_info:
        tasks.backup(c, directory=str(tmp_path))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "pg_dump in pod postgresql-0 failed: pg_dump: error: connection to server failed" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("all_tools")
def test_an_incomplete_dump_is_not_kept(tmp_path, capsys):
    c = backup_ctx(**{DUMP: res("")})
    writes_dump(c, gzip.compress(dump_text(complete=False)))
    with pytest.raises(Exit):
        tasks.backup(c, directory=str(tmp_path))
    assert "the dump is not usable" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


# --- restore: the file is checked before anything runs ----------------------------------------


def refused(file: Path, capsys: pytest.CaptureFixture[str]) -> str:
    c = mock({})  # any command at all would raise NotImplementedError
    with pytest.raises(Exit) as exit_info:
        tasks.restore(c, str(file), yes=True)
    assert exit_info.value.code == 1
    assert commands(c) == []
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out  # one line, no fix line
    assert lines[0].startswith(f"error: refusing {file}: ")
    assert lines[0].endswith("; nothing was changed")
    return lines[0]


@pytest.mark.usefixtures("all_tools")
def test_restore_refuses_a_truncated_backup_with_one_line_and_runs_nothing(tmp_path, capsys):
    file = write_backup(tmp_path / "b.sql.gz")
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])
    assert "checksum mismatch" in refused(file, capsys)
    # even when the checksum was recomputed for the cut file, its format gives it away
    file.with_name(file.name + ".sha256").write_text(
        hashlib.sha256(file.read_bytes()).hexdigest() + "  b.sql.gz\n"
    )
    assert "not a complete gzip file" in refused(file, capsys)


@pytest.mark.usefixtures("all_tools")
def test_restore_refuses_files_that_are_not_complete_pg_dumps(tmp_path, capsys):
    assert "not a pg_dump SQL script" in refused(
        write_backup(tmp_path / "notes.sql.gz", b"hello\n"), capsys
    )
    assert "the dump is incomplete" in refused(
        write_backup(tmp_path / "cut.sql.gz", dump_text(complete=False)), capsys
    )
    plain = tmp_path / "plain.sql.gz"
    plain.write_bytes(dump_text())
    plain.with_name("plain.sql.gz.sha256").write_text(
        hashlib.sha256(plain.read_bytes()).hexdigest() + "  plain.sql.gz\n"
    )
    assert "not a complete gzip file" in refused(plain, capsys)
    lonely = tmp_path / "lonely.sql.gz"
    lonely.write_bytes(gzip.compress(dump_text()))
    assert "its checksum file lonely.sql.gz.sha256 is missing" in refused(lonely, capsys)
    assert "no such file" in refused(tmp_path / "nope.sql.gz", capsys)


def restore_ctx(**extra: Any) -> MockContext:
    return mock(
        {
            **READY,
            PODS: res(postgres()),
            SCHEMA: res("0007_conversations\n"),
            RESTORE: res("set_config\n\npakaura-restore-committed\n"),
            COUNTS: res("conversations=1\nmessages=4\ntasks=2\nusers=1\n"),
            **extra,
        }
    )


@pytest.mark.usefixtures("all_tools")
def test_restore_with_yes_replaces_the_data_in_one_transaction_and_reports_rows(tmp_path, capsys):
    file = write_backup(tmp_path / "b.sql.gz")
    c = restore_ctx()
    tasks.restore(c, str(file), yes=True)
    [restore] = ran(c, "gunzip")
    # the COMMIT is sent only after the whole stream decompressed; psql confirms after it
    assert "gunzip -c && printf " in restore
    assert "COMMIT;" in restore
    assert "ON_ERROR_STOP=1" in restore
    assert restore.endswith(f" < {file}")
    assert index_of(c, "alembic_version") < index_of(c, "gunzip") < index_of(c, "SELECT table_name")
    out = capsys.readouterr().out
    assert "checksum ok, complete pg_dump, schema revision 0007_conversations" in out
    assert "rows: conversations 1, messages 4, tasks 2, users 1" in out
    assert "no restart needed" in out
    assert ran(c, "rollout restart|delete pod") == []


@pytest.mark.usefixtures("all_tools")
def test_restore_asks_first_and_a_no_changes_nothing(tmp_path, capsys, monkeypatch):
    file = write_backup(tmp_path / "b.sql.gz")
    monkeypatch.setattr("automation.backup.sys.stdin.isatty", lambda: True)
    questions = []

    def answer(text):
        questions.append(text)
        return "no"

    monkeypatch.setattr("builtins.input", answer)
    c = restore_ctx()
    with pytest.raises(Exit) as exit_info:
        tasks.restore(c, str(file))
    assert exit_info.value.code == 1
    assert "Replace every table of the database in pod postgresql-0" in questions[0]
    assert "restore cancelled; nothing was changed" in capsys.readouterr().out
    assert ran(c, "gunzip") == []

    monkeypatch.setattr("builtins.input", lambda _text: "yes")
    tasks.restore(c, str(file))
    assert len(ran(c, "gunzip")) == 1


@pytest.mark.usefixtures("all_tools")
def test_restore_without_a_terminal_needs_yes(tmp_path, capsys, monkeypatch):
    file = write_backup(tmp_path / "b.sql.gz")
    monkeypatch.setattr("automation.backup.sys.stdin.isatty", lambda: False)
    c = restore_ctx()
    with pytest.raises(Exit):
        tasks.restore(c, str(file))
    out = capsys.readouterr().out
    assert "no terminal to ask" in out
    assert "pass --yes" in out
    assert ran(c, "gunzip") == []


@pytest.mark.usefixtures("all_tools")
def test_restore_that_psql_rejects_is_rolled_back(tmp_path, capsys):
    file = write_backup(tmp_path / "b.sql.gz")
    rejected = res("", exited=3, stderr='ERROR:  relation "public.users" does not exist')
    with pytest.raises(Exit) as exit_info:
        tasks.restore(restore_ctx(**{RESTORE: rejected}), str(file), yes=True)
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert 'restore failed and was rolled back: ERROR:  relation "public.users"' in out
    assert "the database is as it was before" in out


@pytest.mark.usefixtures("all_tools")
def test_a_stream_cut_before_commit_is_a_failure_even_with_exit_0(tmp_path, capsys):
    file = write_backup(tmp_path / "b.sql.gz")
    with pytest.raises(Exit):  # psql saw EOF without COMMIT: rolled back, but exits 0
        tasks.restore(restore_ctx(**{RESTORE: res("set_config\n")}), str(file), yes=True)
    assert "restore failed and was rolled back" in capsys.readouterr().out


@pytest.mark.usefixtures("all_tools")
def test_restore_warns_when_the_backup_has_another_schema_revision(tmp_path, capsys):
    file = write_backup(tmp_path / "b.sql.gz")
    tasks.restore(restore_ctx(**{SCHEMA: res("0009_soft_delete\n")}), str(file), yes=True)
    out = capsys.readouterr().out
    assert "the backup's schema revision is 0007_conversations" in out
    assert "the live database's is 0009_soft_delete" in out
    assert "invoke deploy --force" in out


# --- rollback ---------------------------------------------------------------------------------


def entries(*statuses: str) -> list[dict[str, Any]]:
    return [
        {**history(number, status)[0], "description": "Upgrade complete"}
        for number, status in enumerate(statuses, start=1)
    ]


def rollback_ctx(statuses: tuple[str, ...], after: int | None = None, **extra: Any) -> MockContext:
    now = len(statuses)
    latest = [res(entries(*statuses)[-1:])]
    if after:
        latest.append(res(history(after, "deployed", f"Rollback to {after - 1}")))
    return mock(
        {
            **READY,
            r"helm history pakaura --max 1": latest,
            r"helm history pakaura -o json": res(entries(*statuses)),
            r"helm rollback pakaura": res(f"Rollback was a success! (from {now})"),
            **extra,
        }
    )


@pytest.mark.usefixtures("all_tools")
def test_rollback_returns_to_the_last_good_revision_and_waits_for_its_migration(capsys):
    c = rollback_ctx(
        ("superseded", "superseded", "superseded", "failed", "deployed"),
        after=6,
        **{
            r"kubectl -n pakaura get job/pakaura-migrate-6 -o json": [
                res(job("pakaura-migrate-6", "running")),
                res(job("pakaura-migrate-6", "complete")),
            ]
        },
    )
    tasks.rollback(c)
    [rollback] = ran(c, "helm rollback")
    assert rollback.startswith("helm rollback pakaura 3 --wait --timeout 5m -n pakaura")
    assert index_of(c, "helm rollback") < index_of(c, "get job/pakaura-migrate-6")
    assert len(ran(c, "get job/pakaura-migrate-6")) == 2  # waited until it completed
    out = capsys.readouterr().out
    assert "rolling back release pakaura from revision 5 to 3" in out
    assert "is back on revision 3's chart and values (revision 6)" in out
    assert "migration pakaura-migrate-6 completed" in out


@pytest.mark.usefixtures("all_tools")
def test_rollback_to_a_chosen_revision(capsys):
    migrated = {r"kubectl -n pakaura get job/pakaura-migrate-4": res(job("pakaura-migrate-4"))}
    c = rollback_ctx(("superseded", "superseded", "deployed"), after=4, **migrated)
    tasks.rollback(c, revision="1")
    assert ran(c, "helm rollback")[0].startswith("helm rollback pakaura 1 --wait")


@pytest.mark.usefixtures("all_tools")
@pytest.mark.parametrize(
    ("statuses", "revision", "message"),
    [
        (("deployed",), None, "has no earlier revision that deployed successfully"),
        (("failed", "deployed"), None, "has no earlier revision that deployed successfully"),
        (("superseded", "deployed"), "2", "revision 2 is the current revision"),
        (("superseded", "deployed"), "7", "has no revision 7 (kept revisions: 1, 2)"),
        (("superseded", "deployed"), "two", "--revision must be a revision number, not 'two'"),
        (("superseded", "pending-upgrade"), None, "is pending-upgrade"),
    ],
)
def test_rollback_refuses_what_it_cannot_do_and_changes_nothing(
    statuses, revision, message, capsys
):
    c = rollback_ctx(statuses)
    with pytest.raises(Exit) as exit_info:
        tasks.rollback(c, revision=revision)
    assert exit_info.value.code == 1
    assert message in capsys.readouterr().out
    assert ran(c, "helm rollback") == []


@pytest.mark.usefixtures("all_tools")
def test_rollback_of_a_release_that_is_not_installed(capsys):
    c = mock({**READY, r"helm history": NOT_FOUND})
    with pytest.raises(Exit):
        tasks.rollback(c)
    assert "release pakaura is not installed in namespace pakaura" in capsys.readouterr().out


@pytest.mark.usefixtures("all_tools")
def test_rollback_whose_migration_fails_shows_its_last_lines(capsys):
    c = rollback_ctx(
        ("superseded", "deployed"),
        after=3,
        **{
            r"kubectl .*get job/pakaura-migrate-3": res(job("pakaura-migrate-3", "failed")),
            r"kubectl -n pakaura logs job/pakaura-migrate-3": res("alembic: Can't locate revision"),
        },
    )
    with pytest.raises(Exit) as exit_info:
        tasks.rollback(c)
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "alembic: Can't locate revision" in out
    assert "migration pakaura-migrate-3 failed" in out
