"""Issue 14 §7: the data, backups, attachments and archives are the duban account's
alone — 0600 files, 0700 folders — whatever the umask of whoever started Duban, and
the systemd units set UMask=0077."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


def test_every_systemd_unit_sets_umask_0077():
    units = sorted((ROOT / "deploy").glob("*.service"))
    assert len(units) >= 4
    for unit in units:
        lines = [line.strip() for line in unit.read_text().splitlines()]
        assert "UMask=0077" in lines, f"{unit.name} 没有设置 UMask=0077"


def test_the_data_folder_is_made_0700_at_start_up_whatever_the_umask(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUBAN_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_DATA_DIR": str(data)})
    code = ("import os; os.umask(0o022); import django; django.setup(); "
            "from django.db import connection; connection.ensure_connection()")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700
    assert mode(data / "secret_key") == 0o600
    database = data / "duban.sqlite3"
    assert database.exists() and mode(database) == 0o600  # SQLite made it 0644 under umask 022
    for extra in (data / "duban.sqlite3-wal", data / "duban.sqlite3-shm"):
        if extra.exists():
            assert mode(extra) == 0o600


@pytest.mark.django_db
def test_a_sqlite_database_and_its_wal_are_0600_on_every_connection(tmp_path):
    from django.db.utils import ConnectionHandler

    name = tmp_path / "other.sqlite3"
    with umask(0o022):
        handler = ConnectionHandler({"default": {
            "ENGINE": "django.db.backends.sqlite3", "NAME": str(name),
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;"}}})
        conn = handler["default"]
        conn.ensure_connection()
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE t (x INTEGER)")
            cur.execute("INSERT INTO t VALUES (1)")
        conn.close()
        # A file made loose by hand is made private again by the next connection.
        os.chmod(name, 0o644)
        conn = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name),
                                              "OPTIONS": {"init_command": "PRAGMA busy_timeout=5000;"}}})["default"]
        conn.ensure_connection()
        conn.close()
    assert mode(name) == 0o600


def test_uploaded_files_are_0600_in_0700_folders_but_static_files_stay_public(settings, tmp_path):
    storage = storages.create_storage({**settings.STORAGES["default"],
                                       "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"],
                                                   "location": str(tmp_path / "files")}})
    with umask(0o022):
        name = storage.save("attachments/2026/11/说明.txt", ContentFile("佐证说明".encode()))
    path = Path(storage.path(name))
    assert mode(path) == 0o600
    for folder in (path.parent, path.parent.parent, path.parent.parent.parent, tmp_path / "files"):
        assert mode(folder) == 0o700, folder
    static = settings.STORAGES["staticfiles"]["OPTIONS"]
    assert (static["file_permissions_mode"], static["directory_permissions_mode"]) == (0o644, 0o755)


@pytest.mark.django_db(transaction=True)
def test_backups_and_restored_files_are_0600_in_0700_folders(data_dir, settings):
    from django.core.files.storage import default_storage

    with umask(0o022):
        name = default_storage.save("attachments/modes/佐证.txt", ContentFile("证明材料".encode()))
        call_command("backup")  # into DATA_DIR/backups
        (archive,) = sorted((data_dir / "backups").glob("duban-backup-*.dbk"))
        assert mode(data_dir / "backups") == 0o700 and mode(archive) == 0o600
        live = Path(default_storage.path(name))
        os.chmod(live.parent, 0o755)
        live.unlink()
        call_command("restore", str(archive), "--yes")
    restored = Path(default_storage.path(name))
    assert restored.read_text(encoding="utf-8") == "证明材料"
    assert mode(restored) == 0o600
    assert mode(restored.parent) == 0o700 and mode(restored.parent.parent) == 0o700


@pytest.mark.django_db(transaction=True)
def test_audit_archives_are_0600_in_a_0700_folder(data_dir):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from duban.audit.archive import archive_events
    from duban.audit.log import record

    with time_machine.travel(timezone.now() - dt.timedelta(days=400), tick=False):
        record("test.old", summary="一年多以前的记录")
    with umask(0o022):
        result = archive_events(180)
    assert result.count >= 1
    folder = data_dir / "audit-archive"
    assert mode(folder) == 0o700
    files = list(folder.iterdir())
    assert len(files) == 2  # the archive and its checksum
    assert all(mode(f) == 0o600 for f in files), [(f.name, oct(mode(f))) for f in files]


def test_the_deploy_check_names_files_others_can_read(settings, tmp_path):
    from duban.web.checks import check_file_modes

    settings.DATA_DIR = tmp_path / "data"
    (settings.DATA_DIR / "backups").mkdir(parents=True, mode=0o700)
    os.chmod(settings.DATA_DIR, 0o700)
    settings.STATIC_ROOT = settings.DATA_DIR / "static"
    (settings.DATA_DIR / "static").mkdir(mode=0o755)
    (settings.DATA_DIR / "static" / "duban.css").write_text("body{}")
    os.chmod(settings.DATA_DIR / "static", 0o755)
    os.chmod(settings.DATA_DIR / "static" / "duban.css", 0o644)  # public: not reported
    backup = settings.DATA_DIR / "backups" / "duban-backup-1.dbk"
    backup.write_bytes(b"x")
    os.chmod(backup, 0o600)
    assert [w.id for w in check_file_modes() if w.id == "duban.W003"] == []
    os.chmod(backup, 0o644)
    (warning,) = [w for w in check_file_modes() if w.id == "duban.W003"]
    assert str(backup) in warning.msg and "duban.css" not in warning.msg
