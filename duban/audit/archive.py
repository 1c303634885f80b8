"""Moving old audit events out of the live table into compressed archive files.

Events older than the retention (the security policy's, never under the legal 180
days) are written as JSON lines, in chain order, to
DATA_DIR/audit-archive/audit-<first seq>-<last seq>-<stamp>.jsonl.gz (see segments.py),
with a .sha256 file beside it. The rows keep their chain links, so `duban verify_audit`
checks the archived rows and the live ones as one chain. The file is read back and compared row by row with the
database; only then, in one transaction under a deletion permit for exactly that
cutoff, are the same rows deleted, and the deleted count must equal the archived count
or nothing is deleted. The archive itself is recorded as an event.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from duban.lib.filemodes import PRIVATE_FILE, private_dir, private_file
from duban.security.models import LEGAL_MIN_RETENTION_DAYS, SecurityPolicy

from .guard import deletion_permit
from .log import record
from .models import Event
from . import segments
from .segments import FIELDS, archive_dir, read_archive, sidecar

__all__ = ["ArchiveError", "ArchiveResult", "archive_events", "archive_dir", "read_archive", "verify_archive"]


class ArchiveError(Exception):
    pass


@dataclass
class ArchiveResult:
    count: int
    path: Path | None
    sha256: str
    cutoff: object


def archive_events(older_than_days: int, *, now=None, actor=None) -> ArchiveResult:
    if older_than_days < LEGAL_MIN_RETENTION_DAYS:
        raise ArchiveError(f"保存期不能少于{LEGAL_MIN_RETENTION_DAYS}天（网络安全法：网络日志留存不少于六个月）")
    now = now or timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    rows = list(Event.objects.filter(at__lt=cutoff).order_by("seq").values(*FIELDS))
    if not rows:
        return ArchiveResult(0, None, "", cutoff)

    folder = private_dir(archive_dir())
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    path = folder / f"audit-{rows[0]['seq']}-{rows[-1]['seq']}-{stamp}.jsonl.gz"
    if path.exists():
        raise ArchiveError(f"归档文件已存在：{path}")
    digest = hashlib.sha256()
    tmp = path.with_suffix(".tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE), "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for row in rows:
            data = segments.line(row)
            digest.update(data)
            gz.write(data)
        gz.close()
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, path)
    sha = digest.hexdigest()
    sidecar(path).write_text(f"{sha}  {path.name}\n", encoding="utf-8")
    private_file(sidecar(path))

    verify_archive(path, rows, sha)
    ids = [r["id"] for r in rows]
    with transaction.atomic():
        with deletion_permit(cutoff):
            deleted = 0
            for start in range(0, len(ids), 500):
                deleted += Event.objects.filter(id__in=ids[start:start + 500], at__lt=cutoff)._raw_delete(
                    Event.objects.db)
            if deleted != len(ids):
                raise ArchiveError(f"删除条数（{deleted}）与归档条数（{len(ids)}）不一致，已回滚")
        record("audit.archive", actor=actor,
               summary=f"归档{len(ids)}条{older_than_days}天前的审计记录到 {path.name}",
               after={"file": path.name, "sha256": sha, "count": len(ids), "first_id": ids[0], "last_id": ids[-1],
                      "first_seq": rows[0]["seq"], "last_seq": rows[-1]["seq"], "last_hash": rows[-1]["hash"],
                      "cutoff": cutoff.isoformat()})
    return ArchiveResult(len(ids), path, sha, cutoff)


def verify_archive(path: Path, rows: list[dict], sha: str) -> None:
    """Read the file back: same lines, same order, same digest as the rows in hand."""
    digest = hashlib.sha256()
    with gzip.open(path, "rb") as gz:
        lines = gz.read().splitlines(keepends=True)
    if len(lines) != len(rows):
        raise ArchiveError(f"归档文件校验失败：文件{len(lines)}行，数据库{len(rows)}条")
    for data, row in zip(lines, rows):
        if data != segments.line(row):
            raise ArchiveError(f"归档文件校验失败：编号 {row['id']} 的记录不一致")
        digest.update(data)
    if digest.hexdigest() != sha:
        raise ArchiveError("归档文件校验失败：摘要不一致")


def archive_due() -> str:
    """The daily job (duban.jobs.runner): archives what the security policy's retention
    leaves behind; returns what it did, in Chinese."""
    days = SecurityPolicy.current().audit_retention_days
    result = archive_events(days)
    if result.count == 0:
        return f"没有早于{days}天的审计记录"
    return f"归档 {result.count} 条审计记录：{result.path.name}"
