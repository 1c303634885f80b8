"""`duban archive_audit`: events older than the retention (180 days) move to a
verified, compressed archive file; newer events never do."""
import gzip
import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from duban.audit import guard
from duban.audit.archive import archive_events, read_archive
from duban.audit.log import record
from duban.audit.models import Event
from duban.security.models import SecurityPolicy

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    guard.close_for_tests()  # the archive must work with the guard fully closed


def _event_at(when, summary):
    with time_machine.travel(when, tick=False):
        return record("test.event", summary=summary, after={"n": summary})


def test_it_archives_events_older_than_180_days_and_keeps_newer_ones(tmp_path):
    old = [_event_at(NOW - timedelta(days=d), f"old{d}") for d in (400, 250, 181)]
    keep = [_event_at(NOW - timedelta(days=d), f"keep{d}") for d in (179, 30, 0)]
    call_command("archive_audit", "--older-than-days", "180")
    assert set(Event.objects.filter(action="test.event").values_list("pk", flat=True)) == {e.pk for e in keep}
    files = list((tmp_path / "audit-archive").glob("*.jsonl.gz"))
    assert len(files) == 1
    rows = read_archive(files[0])
    assert [r["id"] for r in rows] == [e.pk for e in old]
    assert rows[0]["summary"] == "old400" and rows[0]["after"] == {"n": "old400"}
    sha = (files[0].parent / (files[0].name + ".sha256")).read_text().split()[0]
    assert hashlib.sha256(gzip.open(files[0]).read()).hexdigest() == sha
    archived = Event.objects.get(action="audit.archive")
    assert archived.after["count"] == 3 and archived.after["sha256"] == sha


def test_it_never_archives_an_event_within_180_days(tmp_path):
    _event_at(NOW - timedelta(days=179, hours=23), "recent")
    result = archive_events(180)
    assert result.count == 0
    assert Event.objects.filter(summary="recent").exists()
    with pytest.raises(CommandError, match="不能少于180天"):
        call_command("archive_audit", "--older-than-days", "90")
    assert Event.objects.filter(summary="recent").exists()


def test_it_takes_the_retention_from_the_policy(tmp_path):
    SecurityPolicy(audit_retention_days=365).save()
    _event_at(NOW - timedelta(days=300), "300")
    _event_at(NOW - timedelta(days=400), "400")
    call_command("archive_audit")
    assert list(Event.objects.filter(action="test.event").values_list("summary", flat=True)) == ["300"]


def test_it_deletes_nothing_when_the_archive_cannot_be_written(tmp_path, monkeypatch):
    _event_at(NOW - timedelta(days=200), "old")
    from duban.audit import archive

    def broken(path, rows, sha):
        raise archive.ArchiveError("归档文件校验失败：测试")

    monkeypatch.setattr(archive, "verify_archive", broken)
    with pytest.raises(archive.ArchiveError):
        archive_events(180)
    assert Event.objects.filter(summary="old").exists()


def test_the_guard_is_closed_again_after_archiving(tmp_path):
    _event_at(NOW - timedelta(days=200), "old")
    newer = _event_at(NOW - timedelta(days=10), "new")
    archive_events(180)
    from django.db import DatabaseError, connection, transaction

    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM audit_event WHERE id = %s", [newer.pk])
