"""`duban backup` and `duban restore`: a restored copy holds exactly the data and files
that were backed up; a damaged, tampered or foreign archive, another database vendor
or a newer schema is refused with a Chinese message and nothing changes.

The suite runs on SQLite and on PostgreSQL (DATABASE_URL); vendor-specific tests skip
on the other. The commands commit, so every test here is transactional."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import stat
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from duban.audit import chain
from duban.audit.models import Event
from duban.backups import archive as backup_archive
from duban.backups import database
from duban.conftest import PASSWORD
from duban.lib import crypto

from .data import build, db_picture, files_picture

pytestmark = pytest.mark.django_db(transaction=True)

sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite only")
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def files_root(settings):
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])


def backup(out: Path) -> Path:
    call_command("backup", "--output", str(out) + "/")
    archives = sorted(out.glob("duban-backup-*.dbk"))
    assert len(archives) == 1
    return archives[0]


def plain(path: Path) -> bytes:
    """The archive's tar.gz, decrypted with the key (what only the key holder can do)."""
    with open(path, "rb") as raw:
        return crypto.StreamReader(raw, "backup").read()


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(plain(path)), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def tar_gz(got: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in got.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sealed(data: bytes, dest: Path) -> Path:
    """`data` encrypted and signed with the configured master key."""
    with open(dest, "wb") as raw:
        writer = crypto.StreamWriter(raw, "backup")
        writer.write(data)
        writer.close()
    return dest


def rewrite(path: Path, dest: Path, change) -> Path:
    """A copy of the archive with `change(members)` applied, the manifest re-serialised,
    encrypted and signed again with the right key: what the deeper checks must catch
    even in a correctly signed file."""
    got = members(path)
    got["manifest.json"] = json.loads(got["manifest.json"])
    change(got)
    got["manifest.json"] = json.dumps(got["manifest.json"]).encode()
    return sealed(tar_gz(got), dest)


def rehash(got: dict, name: str) -> None:
    got["manifest.json"]["members"][name] = {"sha256": hashlib.sha256(got[name]).hexdigest(), "size": len(got[name])}


AUDIT_TABLES = ("audit_event", "audit_chainhead")


def business_picture() -> dict:
    """Every table but the audit log and its chain head (a refused restore is itself audited)."""
    return {t: rows for t, rows in db_picture().items() if t not in AUDIT_TABLES}


def assert_guard_installed() -> None:
    event = Event.objects.order_by("id").first()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE audit_event SET summary = 'x' WHERE id = %s", [event.pk])


def test_it_restores_exactly_the_data_and_files_backed_up(data_dir, files_root, tmp_path):
    from duban.plans.models import Plan
    from duban.rounds.models import Attachment, Report
    from duban.workplans.models import Milestone

    made = build(PASSWORD)
    assert Attachment.objects.count() == 3 and (data_dir / "audit-archive").exists()
    before_db, before_files = db_picture(), files_picture(files_root)
    before_archives = files_picture(data_dir / "audit-archive")
    assert len(before_files) >= 5  # plan source, three attachments, the import batch
    last_event = Event.objects.order_by("-id").values_list("id", flat=True).first()

    path = backup(tmp_path / "out")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    manifest = json.loads(members(path)["manifest.json"])
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["audit_max_id"] == last_event
    assert manifest["tables"]["plans_task"] == len(before_db["plans_task"])
    assert manifest["tables"]["rounds_reportversion"] == len(before_db["rounds_reportversion"])
    assert manifest["missing_files"] == []
    assert {f"files/{name}" for name in before_files} <= set(manifest["members"])
    sidecar = path.with_name(path.name + ".sha256").read_text().split()[0]
    assert sidecar == hashlib.sha256(path.read_bytes()).hexdigest()
    assert Event.objects.filter(action="backup.create", after__sha256=sidecar).exists()

    # Everything changes after the backup: rows edited and deleted, files damaged,
    # removed and added, the whole plan (every task, round, report, version) deleted.
    report = Report.objects.get(pk=made["report"].pk)
    Report.objects.filter(pk=report.pk).update(progress="被改动的内容")
    Milestone.objects.filter(task=made["task"]).delete()
    attachment = Attachment.objects.order_by("pk").first()
    (files_root / attachment.file.name).write_bytes(b"overwritten")
    (files_root / Attachment.objects.order_by("pk").last().file.name).unlink()
    (files_root / "stray.txt").write_text("added after the backup")
    from duban.rounds.models import Round
    from duban.supervision.models import Instruction, Notice
    for model in (Round, Notice, Instruction, Plan):
        model.objects.all().delete()
    from duban.accounts.models import User
    User.objects.filter(username="office1").update(full_name="改名")
    assert db_picture() != before_db

    call_command("restore", str(path), "--yes")

    after_db = db_picture()
    assert set(after_db) == set(before_db)
    for table in before_db:
        if table in AUDIT_TABLES or table == "status_statusday":
            continue
        assert after_db[table] == before_db[table], table
    # The marker of the day the stored lights were computed for is cleared: the first
    # request after a restore recomputes them from the restored facts.
    assert after_db["status_statusday"] == []
    kept = [row for row in after_db["audit_event"] if row[0] <= last_event]
    assert kept == before_db["audit_event"]
    later = list(Event.objects.filter(id__gt=last_event).order_by("id").values_list("action", flat=True))
    assert later[0] == "backup.create" and later[-1] == "backup.restore"
    assert chain.verify().ok  # the events after the backup are links of the restored chain
    assert files_picture(files_root) == before_files
    assert files_picture(data_dir / "audit-archive") == before_archives
    assert_guard_installed()
    assert not list(files_root.parent.glob(".duban-restore-*")) and not list(files_root.parent.glob(".files.*"))
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            assert cur.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert cur.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_it_keeps_the_audit_trail_written_after_the_backup(data_dir, files_root, tmp_path, plan):
    from duban.audit.log import record

    path = backup(tmp_path / "out")
    after_backup = [record("test.after", summary=f"备份后的操作{i}", task=plan.tasks.first()) for i in range(3)]
    call_command("restore", str(path), "--yes")
    kept = list(Event.objects.filter(action="test.after").order_by("id"))
    assert [(e.pk, e.summary, e.task_id) for e in kept] == [(e.pk, e.summary, e.task_id) for e in after_backup]
    restore = Event.objects.get(action="backup.restore")
    assert restore.after["events_kept"] == 4  # backup.create and the three above
    assert restore.pk > after_backup[-1].pk
    # The id sequence goes on after the events written back.
    assert record("test.next").pk == restore.pk + 1


def _refused(path: Path, message: str, files_root: Path) -> None:
    before, before_files = business_picture(), files_picture(files_root)
    events = Event.objects.count()
    with pytest.raises(CommandError, match=message) as info:
        call_command("restore", str(path), "--yes")
    assert "当前数据没有任何改变" in str(info.value)
    assert business_picture() == before
    assert files_picture(files_root) == before_files
    failed = Event.objects.order_by("-id").first()
    assert Event.objects.count() == events + 1 and failed.action == "backup.restore" and failed.result == "failed"
    assert not list(files_root.parent.glob(".duban-restore-*"))


@pytest.fixture
def archive_and_changes(data_dir, files_root, tmp_path, plan, liaison_a):
    """An archive of the small test plan, then a change, so a wrongful restore would show."""
    from duban.plans.models import Task

    (files_root / "evidence").mkdir(parents=True, exist_ok=True)
    (files_root / "evidence" / "a.pdf").write_bytes(b"%PDF-1.4 before")
    path = backup(tmp_path / "out")
    Task.objects.filter(number="1").update(title="备份之后修改的标题")
    (files_root / "evidence" / "a.pdf").write_bytes(b"%PDF-1.4 after")
    return path


def test_it_refuses_a_damaged_archive(archive_and_changes, files_root, tmp_path):
    data = bytearray(archive_and_changes.read_bytes())
    data[len(data) // 2] ^= 0xFF
    broken = tmp_path / "broken.dbk"
    broken.write_bytes(bytes(data))
    _refused(broken, "备份文件签名校验未通过：文件被改动", files_root)


def test_it_refuses_a_truncated_archive(archive_and_changes, files_root, tmp_path):
    cut = tmp_path / "cut.dbk"
    cut.write_bytes(archive_and_changes.read_bytes()[:-300])
    _refused(cut, "签名校验未通过", files_root)


def test_it_refuses_a_file_changed_inside_the_archive(archive_and_changes, files_root, tmp_path):
    def change(got):
        got["files/evidence/a.pdf"] = b"%PDF-1.4 forged"

    _refused(rewrite(archive_and_changes, tmp_path / "forged.dbk", change), "SHA-256 摘要与清单不符", files_root)


def test_it_refuses_a_file_that_is_not_a_duban_backup(archive_and_changes, files_root, tmp_path):
    foreign = tmp_path / "foreign.tar.gz"
    foreign.write_bytes(tar_gz({"files/readme.txt": b"hello"}))
    _refused(foreign, "不是 Duban 备份文件", files_root)
    text = tmp_path / "plain.txt"
    text.write_bytes(b"not a backup at all" * 100)
    _refused(text, "不是 Duban 备份文件", files_root)
    # Signed with the right key, but not a backup inside.
    _refused(sealed(tar_gz({"files/readme.txt": b"hello"}), tmp_path / "signed.dbk"), "不是 Duban 备份文件", files_root)
    _refused(sealed(gzip.compress(b"not a tar file at all" * 100), tmp_path / "signed2.dbk"), "已损坏|不是 Duban",
             files_root)


def test_it_refuses_a_path_outside_the_staging_folder(archive_and_changes, files_root, tmp_path):
    def change(got):
        got["files/../../escape.txt"] = b"x"
        rehash(got, "files/../../escape.txt")

    _refused(rewrite(archive_and_changes, tmp_path / "evil.dbk", change), "不安全的路径", files_root)
    assert not (tmp_path / "escape.txt").exists()


def test_it_refuses_another_database_vendor(archive_and_changes, files_root, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def change(got):
        got["manifest.json"]["database"]["vendor"] = other

    _refused(rewrite(archive_and_changes, tmp_path / "other.dbk", change), "不能恢复到不同类型的数据库", files_root)


def test_it_refuses_a_backup_of_a_newer_duban(archive_and_changes, files_root, tmp_path):
    def change(got):
        got["manifest.json"]["migrations"]["plans"].append("0099_from_the_future")
        got["manifest.json"]["duban_version"] = "9.0.0"

    _refused(rewrite(archive_and_changes, tmp_path / "newer.dbk", change), "更新版本的 Duban（9.0.0）.*0099", files_root)


def test_a_check_verifies_the_archive_and_changes_nothing(archive_and_changes, files_root, tmp_path):
    before, before_files = business_picture(), files_picture(files_root)
    call_command("restore", str(archive_and_changes), "--check")
    assert business_picture() == before and files_picture(files_root) == before_files
    event = Event.objects.order_by("-id").first()
    assert event.action == "backup.verify" and event.result == "ok"
    assert event.after["sha256"] == hashlib.sha256(archive_and_changes.read_bytes()).hexdigest()
    cut = tmp_path / "cut.dbk"
    cut.write_bytes(archive_and_changes.read_bytes()[:-300])
    with pytest.raises(CommandError, match="校验未通过"):
        call_command("restore", str(cut), "--check")
    assert Event.objects.order_by("-id").first().result == "failed"


def test_it_asks_before_replacing_anything(archive_and_changes, files_root, monkeypatch):
    before, before_files = business_picture(), files_picture(files_root)
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    with pytest.raises(CommandError, match="已取消，未做任何修改"):
        call_command("restore", str(archive_and_changes))
    assert business_picture() == before and files_picture(files_root) == before_files
    monkeypatch.setattr("builtins.input", lambda prompt="": "yes")
    call_command("restore", str(archive_and_changes))
    from duban.plans.models import Task

    assert Task.objects.get(number="1").title != "备份之后修改的标题"
    assert (files_root / "evidence" / "a.pdf").read_bytes() == b"%PDF-1.4 before"


def test_it_puts_the_old_files_back_when_the_database_cannot_be_restored(archive_and_changes, files_root,
                                                                            monkeypatch):
    before, before_files = business_picture(), files_picture(files_root)

    def broken(*args, **kwargs):
        raise backup_archive.BackupError("写入数据库失败，数据库未改变：测试")

    monkeypatch.setattr(database, "sqlite_restore", broken)
    monkeypatch.setattr(database, "pg_restore", broken)
    with pytest.raises(CommandError, match="恢复失败"):
        call_command("restore", str(archive_and_changes), "--yes")
    assert business_picture() == before and files_picture(files_root) == before_files


def test_it_keeps_the_later_audit_events_in_a_file_when_writing_them_back_fails(archive_and_changes, data_dir,
                                                                              files_root, monkeypatch):
    from duban.audit.log import record

    later = [record("test.after", summary=f"备份后的操作{i}") for i in range(2)]

    def broken(rows):
        raise DatabaseError("disk full (test)")

    monkeypatch.setattr(backup_archive, "_write_back_events", broken)
    with pytest.raises(CommandError, match="未能写回") as info:
        call_command("restore", str(archive_and_changes), "--yes")
    [kept] = (data_dir / "backups").glob("restore-*-events-after-backup.json")
    assert str(kept) in str(info.value)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    rows = json.loads(kept.read_text(encoding="utf-8"))
    assert [r["summary"] for r in rows if r["action"] == "test.after"] == [e.summary for e in later]
    # the files that were live before the restore are kept too
    assert list(files_root.parent.glob(f".{files_root.name}.before-restore-*"))


def test_it_refuses_to_restore_when_the_later_audit_events_cannot_be_read(archive_and_changes, files_root,
                                                                          monkeypatch):
    before, before_files = business_picture(), files_picture(files_root)

    def unreadable(*args, **kwargs):
        raise DatabaseError("connection lost (test)")

    monkeypatch.setattr(Event.objects, "filter", unreadable)
    with pytest.raises(DatabaseError):
        call_command("restore", str(archive_and_changes), "--yes")
    monkeypatch.undo()
    assert business_picture() == before and files_picture(files_root) == before_files


def test_a_failure_that_cannot_be_audited_is_logged_with_its_traceback(monkeypatch, caplog):
    def no_database(*args, **kwargs):
        raise DatabaseError("database is locked (test)")

    monkeypatch.setattr(backup_archive, "record", no_database)
    backup_archive.record_failure("backup.create", "/tmp/x", backup_archive.BackupError("磁盘已满"))
    [entry] = [r for r in caplog.records if r.name == "duban.backups.archive"]
    assert entry.exc_info and "database is locked" in str(entry.exc_info[1]) and "磁盘已满" in entry.getMessage()


def test_it_writes_the_archive_where_asked_and_never_overwrites(data_dir, tmp_path, plan):
    call_command("backup")
    default = list((data_dir / "backups").glob("duban-backup-*.dbk"))
    assert len(default) == 1 and stat.S_IMODE(default[0].stat().st_mode) == 0o600
    target = tmp_path / "named.dbk"
    call_command("backup", "--output", str(target))
    assert target.exists()
    with pytest.raises(CommandError, match="已存在，不会覆盖"):
        call_command("backup", "--output", str(target))


def test_it_keeps_only_the_newest_archives_when_asked(data_dir, tmp_path, plan):
    import os
    import time

    out = tmp_path / "nightly"
    out.mkdir()
    for i in range(3):
        old = out / f"duban-backup-2026010{i + 1}-023000.dbk"
        old.write_bytes(b"old")
        old.with_name(old.name + ".sha256").write_text("x")
        os.utime(old, (time.time() - 86400 * (5 - i),) * 2)
    (out / "unrelated.txt").write_text("kept")
    call_command("backup", "--output", str(out) + "/", "--keep", "2")
    names = sorted(p.name for p in out.iterdir())
    newest = [n for n in names if n.startswith("duban-backup-2026") and not n.startswith("duban-backup-202601")]
    assert len(newest) == 2  # this night's archive and its .sha256
    assert "duban-backup-20260103-023000.dbk" in names and "duban-backup-20260103-023000.dbk.sha256" in names
    assert "duban-backup-20260101-023000.dbk" not in names and "duban-backup-20260102-023000.dbk" not in names
    assert "unrelated.txt" in names
    event = Event.objects.get(action="backup.create")
    assert sorted(event.after["removed_old"]) == ["duban-backup-20260101-023000.dbk",
                                                  "duban-backup-20260102-023000.dbk"]


@sqlite_only
def test_the_sqlite_copy_is_intact_and_self_contained(data_dir, tmp_path, plan):
    import sqlite3

    path = backup(tmp_path / "out")
    db = tmp_path / "copy.sqlite3"
    db.write_bytes(members(path)["database/duban.sqlite3"])
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT COUNT(*) FROM plans_task").fetchone()[0] == 3
    conn.close()


@sqlite_only
def test_it_refuses_a_sqlite_copy_whose_rows_differ_from_the_manifest(archive_and_changes, files_root, tmp_path):
    def change(got):
        got["manifest.json"]["tables"]["plans_task"] += 1

    _refused(rewrite(archive_and_changes, tmp_path / "counts.dbk", change), "行数不一致", files_root)


@postgres_only
def test_a_postgres_restore_is_one_transaction(archive_and_changes, files_root, tmp_path):
    """The manifest's row counts are checked inside the restore's transaction: a
    mismatch rolls the whole restore back, dropped tables included."""
    def change(got):
        got["manifest.json"]["tables"]["plans_task"] += 1

    before, before_files = business_picture(), files_picture(files_root)
    with pytest.raises(CommandError, match="恢复失败.*已整体回滚"):
        call_command("restore", str(rewrite(archive_and_changes, tmp_path / "counts.dbk", change)), "--yes")
    assert business_picture() == before and files_picture(files_root) == before_files
    assert_guard_installed()


@postgres_only
def test_it_refuses_a_pg_dump_older_than_the_server(data_dir, tmp_path, plan, monkeypatch):
    monkeypatch.setattr(database, "tool_major", lambda path: (14, "pg_dump (PostgreSQL) 14.0"))
    with pytest.raises(CommandError, match="pg_dump 版本（14）低于数据库服务器版本（15）"):
        call_command("backup", "--output", str(tmp_path / "x.dbk"))
    assert not (tmp_path / "x.dbk").exists() and not list(tmp_path.glob(".x.dbk*"))


@postgres_only
def test_the_postgres_dump_is_one_snapshot(data_dir, tmp_path, plan):
    """pg_dump reads the snapshot the manifest's counts were read in."""
    import subprocess

    path = backup(tmp_path / "out")
    dump = tmp_path / "copy.pgdump"
    dump.write_bytes(members(path)["database/duban.pgdump"])
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True).stdout
    assert "TABLE DATA public plans_task" in listing and "TRIGGER public audit_event audit_event_guard" in listing
