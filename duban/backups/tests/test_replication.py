"""Off-site and real-time copies for PostgreSQL (issue 14, docs/DEPLOY.md section 12),
as drills on throw-away clusters the test makes itself (pgcluster.py; never the
machine's own cluster):

- streaming replication to a synchronous standby: Duban writes audit events on the
  primary, the primary is killed mid-write, the standby is promoted, and every write
  Duban saw committed is there, with the audit chain intact (`duban verify_audit`
  against the promoted standby);
- WAL archiving and point-in-time recovery: a base backup and the archived WAL bring a
  new cluster back to a named restore point, before a mistake made after it.

Runs in the PostgreSQL pass of the suite (DATABASE_URL), once.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection  # noqa: F401 - read by the skipif condition

from .pgcluster import Cluster, Drill

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                reason="PostgreSQL only: runs in the suite's PostgreSQL pass")

ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
WRITER = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "duban.settings"
django.setup()
from duban.audit.log import record
i = 0
while True:
    event = record("drill.write", summary=f"演练写入{i}", after={"i": i})
    print(event.pk, event.seq, flush=True)  # printed once the commit is acknowledged
    i += 1
"""


@pytest.fixture
def drill():
    d = Drill()
    try:
        yield d
    finally:
        d.cleanup()


def _duban_env(url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=url, DUBAN_DATA_DIR=str(data_dir), DUBAN_FILES_DIR=str(data_dir / "files"))
    return env


def _duban(args: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_a_promoted_synchronous_standby_has_every_acknowledged_write(drill, tmp_path):
    primary = Cluster(drill, "primary").init(wal_level="replica", max_wal_senders="5", wal_keep_size="'64MB'")
    primary.start()
    with primary.connect() as conn:
        conn.execute("CREATE DATABASE duban_drill")
    standby = Cluster(drill, "standby")
    drill.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(standby.data),
              "-X", "stream", "--no-sync")
    standby.configure(primary_conninfo=f"'host=127.0.0.1 port={primary.port} user=postgres application_name=standby1'",
                      hot_standby="on")
    standby.touch("standby.signal")
    standby.start()
    env = _duban_env(f"{primary.url}/duban_drill", tmp_path / "data")
    migrated = _duban(["migrate", "--noinput", "-v", "0"], env)
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    # Synchronous from now on (set once the standby is there, or every commit would
    # wait for it): a commit returns only once the standby has its WAL on disk.
    with primary.connect() as conn:
        conn.execute("ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (standby1)'")
        conn.execute("ALTER SYSTEM SET synchronous_commit = 'on'")
        conn.execute("SELECT pg_reload_conf()")
    primary.wait_for("SELECT application_name, state, sync_state FROM pg_stat_replication",
                     [("standby1", "streaming", "sync")])

    writer = subprocess.Popen([PYTHON, "-c", WRITER], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    acknowledged = []
    try:
        while len(acknowledged) < 150:
            line = writer.stdout.readline()
            assert line, f"the writer stopped: {writer.stderr.read()[-2000:]}"
            acknowledged.append(tuple(int(x) for x in line.split()))
        primary.stop(mode="immediate")  # the primary is lost mid-write
        rest, _ = writer.communicate(timeout=120)
    finally:
        if writer.poll() is None:
            writer.kill()
    acknowledged += [tuple(int(x) for x in line.split()) for line in rest.splitlines() if line.strip()]
    assert writer.returncode != 0  # it died with the primary

    standby.promote()
    standby.wait_for("SELECT pg_is_in_recovery()", [(False,)])
    rows = set(standby.query("SELECT id, seq FROM audit_event WHERE action = 'drill.write'", dbname="duban_drill"))
    lost = [w for w in acknowledged if w not in rows]
    assert not lost, f"{len(lost)} acknowledged writes missing on the promoted standby: {lost[:5]}"

    # The promoted standby takes writes and its audit chain verifies with the key.
    env_standby = _duban_env(f"{standby.url}/duban_drill", tmp_path / "data")
    checked = _duban(["verify_audit"], env_standby)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "全部完好" in checked.stdout


def test_wal_archive_recovers_to_a_point_before_a_mistake(drill):
    archive = drill.mkdir("wal-archive")
    primary = Cluster(drill, "primary").init(
        wal_level="replica", archive_mode="on",
        archive_command=f"'test ! -f {archive}/%f && cp %p {archive}/%f'")
    primary.start()
    base = drill.path("base")
    drill.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(base),
              "-X", "fetch", "--no-sync")
    with primary.connect() as conn:
        conn.execute("CREATE TABLE ledger (id int PRIMARY KEY, title text)")
        conn.execute("INSERT INTO ledger SELECT n, '任务' || n FROM generate_series(1, 100) n")
        conn.execute("SELECT pg_create_restore_point('before_mistake')")
        conn.execute("DELETE FROM ledger WHERE id > 10")  # the mistake
        conn.execute("INSERT INTO ledger VALUES (1000, '事后的记录')")
        last = conn.execute("SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()[0]
        conn.execute("SELECT pg_switch_wal()")
    primary.wait_for(f"SELECT last_archived_wal >= '{last}' FROM pg_stat_archiver", [(True,)])
    primary.stop(mode="immediate")

    restored = Cluster(drill, "restored")
    drill.sh("cp", "-a", str(base), str(restored.data))
    restored.configure(restore_command=f"'cp {archive}/%f %p'", recovery_target_name="'before_mistake'",
                       recovery_target_action="'promote'")
    restored.touch("recovery.signal")
    restored.start()
    restored.wait_for("SELECT pg_is_in_recovery()", [(False,)])
    assert restored.query("SELECT count(*), max(id) FROM ledger") == [(100, 100)]
