"""The audit hash chain: every event linked to the one before by a keyed hash (HMAC-SM3,
key outside the database). A row changed, inserted or removed in the database — even
by someone who drops the guard's triggers or writes a deletion permit — is named by
`duban verify_audit`, which exits 1; archived rows are checked as part of the chain;
the daily check alerts the security administrator and the auditor."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import threading
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from duban.audit import chain, guard, integrity
from duban.audit.archive import archive_events
from duban.audit.log import record
from duban.audit.models import ChainHead, Event
from duban.lib import crypto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _sql(statement: str, params=()) -> None:
    """What someone with the database's password can do: drop the guard's triggers and
    run any statement (inside the test's transaction, which is rolled back)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            cur.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        else:
            cur.execute("DROP TRIGGER IF EXISTS audit_event_guard ON audit_event")
        cur.execute(statement, params)


def _three():
    return [record("test.event", summary=f"第{i}件事", after={"n": i, "ratio": 1.5, "big": 1e20}) for i in range(3)]


def run_verify(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            call_command("verify_audit", *args, stdout=out, stderr=err)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_it_links_every_event_to_the_previous_one_with_a_keyed_sm3_hash():
    first = Event.objects.order_by("seq").last()
    events = _three()
    start = (first.seq if first else 0) + 1
    assert [e.seq for e in events] == [start, start + 1, start + 2]
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert all(e.hash.startswith("sm3:") and len(e.hash) == 68 for e in events)
    stored = Event.objects.get(pk=events[2].pk)
    assert crypto.verify_mac(chain.canonical(chain.row_of(stored)), stored.hash, "audit")
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (events[2].seq, events[2].hash)
    assert chain.verify().ok
    code, out, _ = run_verify()
    assert code == 0 and "全部完好" in out


def test_it_reads_links_made_under_the_other_suite(settings):
    settings.DUBAN_CRYPTO_SUITE = "intl"
    record("test.event", summary="国际算法")
    settings.DUBAN_CRYPTO_SUITE = "gm"
    record("test.event", summary="国密算法")
    hashes = list(Event.objects.order_by("seq").values_list("hash", flat=True))[-2:]
    assert hashes[0].startswith("sha256:") and hashes[1].startswith("sm3:")
    assert chain.verify().ok


def test_a_rolled_back_event_leaves_no_gap():
    record("test.event", summary="前")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            record("test.event", summary="回滚")
            raise RuntimeError
    last = record("test.event", summary="后")
    assert not Event.objects.filter(summary="回滚").exists()
    assert Event.objects.get(summary="前").seq == last.seq - 1
    assert chain.verify().ok


def test_it_names_a_row_changed_in_the_database():
    events = _three()
    _sql("UPDATE audit_event SET summary = %s WHERE id = %s", ["篡改后的摘要", events[1].pk])
    report = chain.verify()
    assert not report.ok
    assert report.problems[0].seq == events[1].seq
    assert f"第{events[1].seq}条" in str(report.problems[0]) and "内容与校验值不符" in str(report.problems[0])
    code, _, err = run_verify()
    assert code == 1 and f"第一处：第{events[1].seq}条审计记录（编号{events[1].pk}" in err


def test_it_names_a_back_dated_row_inserted_directly():
    events = _three()
    fake_at = timezone.now() - timedelta(days=30)
    head = ChainHead.objects.get(pk=1)
    # A forger who copies a real hash and links it correctly still has no key.
    _sql("INSERT INTO audit_event (at, actor_name, action, object_type, object_id, summary, result, seq, prev_hash, hash)"
         " VALUES (%s, %s, %s, '', '', %s, 'ok', %s, %s, %s)",
         [fake_at, "周冲", "auth.login", "伪造的登录记录", head.seq + 1, head.last_hash, events[0].hash])
    _sql("UPDATE audit_chainhead SET seq = seq + 1, last_hash = %s WHERE id = 1", [events[0].hash])
    report = chain.verify()
    assert [p.seq for p in report.problems] == [head.seq + 1]
    assert "内容与校验值不符" in report.problems[0].text and "周冲" in report.problems[0].where


def test_it_names_rows_deleted_under_a_forged_deletion_permit():
    """The permit table lets the archive delete; anyone can write a permit. The chain
    shows what went."""
    events = _three()
    guard.close_for_tests()
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {guard.PERMIT_TABLE} (cutoff) VALUES (%s)",
                    [connection.ops.adapt_datetimefield_value(guard.UNBOUNDED)])
        cur.execute("DELETE FROM audit_event WHERE id = %s", [events[1].pk])
    report = chain.verify()
    assert not report.ok
    first = report.problems[0]
    assert first.seq == events[1].seq and "缺失" in first.text
    assert str(events[1].seq) in first.where


def test_it_finds_the_newest_rows_removed_and_the_head_wound_back(data_dir):
    events = _three()
    assert integrity.daily_check().ok  # writes the anchor: the newest link it found intact
    anchored = chain.read_anchor()
    assert anchored["seq"] == events[2].seq
    _sql("DELETE FROM audit_event WHERE seq >= %s", [events[2].seq])
    _sql("UPDATE audit_chainhead SET seq = %s, last_hash = %s WHERE id = 1", [events[1].seq, events[1].hash])
    report = chain.verify()
    assert [p.where for p in report.problems] == ["审计锚点"]
    assert f"现在只到第{events[1].seq}条" in report.problems[0].text


def test_it_refuses_a_forged_anchor(data_dir):
    _three()
    assert integrity.daily_check().ok
    path = chain.anchor_path()
    assert path.stat().st_mode & 0o777 == 0o600
    data = json.loads(path.read_text())
    data["seq"] = 1
    path.write_text(json.dumps(data))
    assert "锚点文件" in str(chain.verify().problems[0])


def test_it_names_a_head_that_does_not_match_the_last_row():
    events = _three()
    _sql("DELETE FROM audit_event WHERE id = %s", [events[2].pk])
    report = chain.verify()
    assert [p.where for p in report.problems] == ["审计链头"]


def _old_events(days_ago: list[int]):
    now = timezone.now()
    out = []
    for d in days_ago:
        with time_machine.travel(now - timedelta(days=d), tick=False):
            out.append(record("test.old", summary=f"{d}天前", after={"d": d}))
    return out


def test_it_checks_archived_rows_as_part_of_the_chain(data_dir):
    guard.close_for_tests()
    old = _old_events([400, 300, 200])
    record("test.event", summary="新")
    result = archive_events(180)
    assert result.count >= 3 and not Event.objects.filter(action="test.old").exists()
    report = chain.verify()
    assert report.ok, report.problems
    assert report.archived == result.count and report.archive_files == [result.path.name]

    # An archived row rewritten, the file's .sha256 recomputed to match: the key finds it.
    lines = gzip.decompress(result.path.read_bytes()).decode().splitlines()
    rows = [json.loads(x) for x in lines]
    target = next(i for i, r in enumerate(rows) if r["id"] == old[1].pk)
    rows[target]["summary"] = "改过的归档记录"
    data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode()
    result.path.write_bytes(gzip.compress(data))
    result.path.with_name(result.path.name + ".sha256").write_text(
        f"{hashlib.sha256(data).hexdigest()}  {result.path.name}\n")
    report = chain.verify()
    assert report.problems[0].seq == old[1].seq and result.path.name in report.problems[0].where

    # The archive file removed: its rows are missing from the chain.
    result.path.unlink()
    report = chain.verify()
    assert report.problems[0].seq == 1 and "缺失" in report.problems[0].text


def test_it_checks_an_archive_kept_elsewhere(data_dir, tmp_path_factory):
    guard.close_for_tests()
    _old_events([300, 200])
    result = archive_events(180)
    elsewhere = tmp_path_factory.mktemp("offline")
    for path in (result.path, result.path.with_name(result.path.name + ".sha256")):
        path.rename(elsewhere / path.name)
    assert not chain.verify().ok
    assert chain.verify(archive_folder=elsewhere).ok
    assert run_verify("--archive-dir", str(elsewhere))[0] == 0


def test_the_daily_check_alerts_the_security_admin_and_the_auditor(secadmin, auditor, office):
    from duban.notifications.models import Notification

    events = _three()
    assert integrity.daily_check().ok
    assert not Notification.objects.exists()
    ok_event = Event.objects.filter(action="audit.verify").get()
    assert ok_event.result == "ok"

    _sql("UPDATE audit_event SET actor_name = %s WHERE id = %s", ["别人", events[0].pk])
    code, _, err = run_verify("--daily")
    assert code == 1 and f"第{events[0].seq}条" in err
    told = Notification.objects.order_by("recipient__username")
    assert [n.recipient.username for n in told] == ["auditor", "secadmin"]
    assert "完整性校验发现" in told[0].title and f"第{events[0].seq}条" in told[0].body
    failed = Event.objects.filter(action="audit.verify").order_by("seq").last()
    assert failed.result == "failed" and f"第{events[0].seq}条" in failed.summary


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_chain_one_after_the_other(data_dir):
    """Eight threads, each with its own connection, write events at once: some alone,
    some several in one transaction, some rolled back. The chain has no fork, no gap."""
    threads, per_thread = 8, 6
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                if i % 3 == 0:
                    record("test.race", summary=f"{n}-{i}")
                elif i % 3 == 1:
                    with transaction.atomic():
                        record("test.race", summary=f"{n}-{i}a")
                        record("test.race", summary=f"{n}-{i}b")
                else:
                    try:
                        with transaction.atomic():
                            record("test.race", summary=f"{n}-{i}x")
                            raise LookupError
                    except LookupError:
                        pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors
    written = Event.objects.filter(action="test.race")
    assert written.count() == threads * per_thread // 3 * 3  # 1 + 2 per three steps, none rolled back
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert chain.verify().ok


def test_the_scheduled_job_fails_when_something_is_broken(office):
    events = _three()
    assert "全部完好" in integrity.daily_job()
    _sql("UPDATE audit_event SET summary = %s WHERE id = %s", ["改", events[0].pk])
    with pytest.raises(integrity.IntegrityBroken, match=f"第一处：第{events[0].seq}条"):
        integrity.daily_job()


def test_it_finds_a_link_in_the_table_or_an_archive(data_dir):
    guard.close_for_tests()
    old = _old_events([300, 200])
    new = record("test.event", summary="新")
    archive_events(180)
    assert chain.contains(new.seq, new.hash)
    assert chain.contains(old[0].seq, old[0].hash)  # archived since
    assert not chain.contains(old[0].seq, new.hash)
    assert not chain.contains(0, "")
