"""Archive files of the audit log (written by duban/audit/archive.py): where they live,
their line format, reading them back.

Each file is ``DATA_DIR/audit-archive/audit-<first id>-<last id>-<stamp>.jsonl.gz``: one
JSON object per event (every column, the chain's ``seq``, ``prev_hash`` and ``hash``
included; files written before the chain existed lack those three), with
``<file>.sha256`` beside it.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Iterator

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

FIELDS = ["id", "at", "actor_id", "actor_name", "address", "action", "object_type", "object_id",
          "task_id", "summary", "before", "after", "result", "seq", "prev_hash", "hash"]


def archive_dir() -> Path:
    return Path(settings.DATA_DIR) / "audit-archive"


def _row(e: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()}


def line(row: dict) -> bytes:
    return (json.dumps(_row(row), ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder) + "\n").encode()


def iter_archive(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for text in fh:
            yield json.loads(text)


def read_archive(path: Path) -> list[dict]:
    return list(iter_archive(path))


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def check_sidecar(path: Path) -> str | None:
    """None when the file's SHA-256 matches its .sha256 file; otherwise what is wrong."""
    side = sidecar(path)
    if not side.exists():
        return "缺少 .sha256 摘要文件"
    want = side.read_text(encoding="utf-8").split()[0] if side.read_text(encoding="utf-8").strip() else ""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as gz:
            while chunk := gz.read(1024 * 1024):
                digest.update(chunk)
    except (OSError, EOFError) as exc:
        return f"无法读取（{exc}）"
    if digest.hexdigest() != want:
        return "内容与 .sha256 摘要不符（文件被改动或损坏）"
    return None
