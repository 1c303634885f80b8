"""The audit log's hash chain: tamper evidence for every event (GB/T 22239 §8.1.4.3 c,
GB/T 39786 integrity of important data with SM3).

Every row carries ``seq`` (its place in the chain, 1, 2, 3, … without gaps),
``prev_hash`` (the previous row's ``hash``; empty for the first) and ``hash``: the
keyed hash (HMAC-SM3 under the ``gm`` suite, HMAC-SHA256 under ``intl``; see
duban.lib.crypto) of the row's content and ``prev_hash``. The key never lives in the
database, so a row INSERTed, changed or removed by anyone who can write the database
(but has not the key) breaks the chain at that row, and `verify` names it.

Writers serialise on the chain head (``audit_chainhead``, one row): `append` takes it
with a conditional UPDATE, so on PostgreSQL the row lock is held until the writer's
transaction ends and the next writer links to what it committed; SQLite's IMMEDIATE
transactions serialise writers already. A rolled-back transaction rolls back its
events and its move of the head together, so the chain has no gaps.

``actor_id`` and ``task_id`` are links the database clears when a person or task is
deleted; the sealed content names the person by ``actor_name`` and the object by
``object_type``/``object_id`` instead.

Archived rows (duban/audit/archive.py) keep their links: `verify` reads the archive
files and the live table as one chain. The daily check (duban/audit/integrity.py) also keeps an
anchor file beside the data (DATA_DIR/audit-anchor.json, itself keyed): the newest
link it found intact, so removing the newest rows and winding the head back is found
too.
"""
from __future__ import annotations

import datetime as dt
import heapq
import ipaddress
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from duban.lib import crypto

from .labels import action_label
from .models import ChainHead, Event
from .segments import archive_dir, check_sidecar, iter_archive

PURPOSE = "audit"
ANCHOR_PURPOSE = "audit-anchor"
FORMAT = 1
HEAD_TABLE = ChainHead._meta.db_table
EVENT_TABLE = Event._meta.db_table

# The sealed content of a row, in this order (then prev_hash).
SEALED = ["seq", "at", "actor_name", "address", "action", "object_type", "object_id", "summary",
          "before", "after", "result"]
# What verify reads of a row.
ROW_FIELDS = ["id", *SEALED, "prev_hash", "hash"]

class ChainError(Exception):
    pass


# --- the content that is sealed -------------------------------------------------------

def _json_value(value: Any) -> Any:
    """A JSON value as both databases give it back: integral floats as integers (a
    PostgreSQL jsonb number 1e20 reads back as an int), tuples as lists."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _instant(value: Any) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _address(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        return str(value)


def canonical(row: dict) -> bytes:
    """The bytes the keyed hash covers: the sealed fields and prev_hash, as JSON with
    one spelling for every value (the same from a new row, the database or an archive)."""
    values = [
        FORMAT,
        int(row["seq"]),
        _instant(row["at"]),
        row["actor_name"] or "",
        _address(row["address"]),
        row["action"],
        row["object_type"] or "",
        row["object_id"] or "",
        row["summary"] or "",
        _json_value(row["before"]),
        _json_value(row["after"]),
        row["result"],
        row["prev_hash"] or "",
    ]
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def link_hash(row: dict) -> str:
    return crypto.mac(canonical(row), PURPOSE)


def row_of(event: Event) -> dict:
    return {name: getattr(event, name) for name in ROW_FIELDS}


# --- appending ------------------------------------------------------------------------

def _create_head(cur) -> None:
    """The head row, if missing (a new database, or a test runner's flush): it points at
    the newest row there is."""
    cur.execute(f"SELECT seq, hash FROM {EVENT_TABLE} ORDER BY seq DESC LIMIT 1")
    last = cur.fetchone()
    seq, last_hash = (int(last[0]), last[1]) if last else (0, "")
    cur.execute(f"INSERT INTO {HEAD_TABLE} (id, seq, last_hash) VALUES (1, %s, %s) ON CONFLICT (id) DO NOTHING",
                [seq, last_hash])


def _claim(cur) -> tuple[int, str]:
    """Moves the head one place on (the conditional UPDATE that serialises writers) and
    returns the new seq and the previous link's hash."""
    cur.execute(f"UPDATE {HEAD_TABLE} SET seq = seq + 1 WHERE id = 1")
    if cur.rowcount != 1:
        _create_head(cur)
        cur.execute(f"UPDATE {HEAD_TABLE} SET seq = seq + 1 WHERE id = 1")
        if cur.rowcount != 1:
            raise ChainError("无法取得审计链头")
    cur.execute(f"SELECT seq, last_hash FROM {HEAD_TABLE} WHERE id = 1")
    seq, last_hash = cur.fetchone()
    return int(seq), last_hash or ""


def _settle(cur, seq: int, new_hash: str) -> None:
    cur.execute(f"UPDATE {HEAD_TABLE} SET last_hash = %s WHERE id = 1 AND seq = %s", [new_hash, seq])
    if cur.rowcount != 1:
        raise ChainError("审计链头被并发修改")


def append(event: Event) -> Event:
    """Links `event` (not yet saved) to the chain and saves it, in the caller's
    transaction (or one of its own)."""
    if event.at is None:
        event.at = timezone.now()
    with transaction.atomic(savepoint=False), connection.cursor() as cur:
        seq, prev = _claim(cur)
        event.seq, event.prev_hash = seq, prev
        event.hash = link_hash(row_of(event))
        event.save(force_insert=True)
        _settle(cur, seq, event.hash)
    return event


def append_rows(rows: Iterable[dict]) -> int:
    """Writes rows that already have an id (events carried over a restore) as new links,
    in their order, keeping their ids and content."""
    n = 0
    for row in rows:
        values = {f.attname: row[f.attname] for f in Event._meta.concrete_fields
                  if f.attname in row and f.attname not in ("seq", "prev_hash", "hash")}
        append(Event(**values))
        n += 1
    return n


# --- verifying ------------------------------------------------------------------------

@dataclass
class Problem:
    """One break in the chain, in Chinese: where and what."""

    seq: int | None
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}：{self.text}"


@dataclass
class ChainReport:
    checked: int = 0
    live: int = 0
    archived: int = 0
    archive_files: list[str] = field(default_factory=list)
    unchained_archives: list[str] = field(default_factory=list)
    last_seq: int = 0
    last_hash: str = ""
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: Problem) -> None:
        if len(self.problems) < 100:
            self.problems.append(problem)
        else:
            self.more_problems += 1


def _describe(row: dict, source: str) -> str:
    at = timezone.localtime(dt.datetime.fromisoformat(_instant(row["at"]).replace("Z", "+00:00")))
    where = "" if source == "live" else f"，归档文件 {source}"
    return (f"第{row['seq']}条审计记录（编号{row.get('id')}，{at:%Y-%m-%d %H:%M:%S}，{row['actor_name'] or '系统'}，"
            f"{action_label(row['action'])}{where}）")


def _live_rows() -> Iterator[tuple[int, str, dict]]:
    for row in Event.objects.order_by("seq").values(*ROW_FIELDS).iterator(chunk_size=2000):
        yield int(row["seq"]), "live", row


def archive_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("audit-*.jsonl.gz")) if folder.is_dir() else []


def _archive_rows(path: Path) -> Iterator[tuple[int, str, dict]]:
    for row in iter_archive(path):
        yield int(row["seq"]), path.name, row


def _chained(path: Path) -> bool:
    for row in iter_archive(path):
        return "seq" in row and "hash" in row
    return False


def verify(*, archive_folder: Path | None = None) -> ChainReport:
    """Checks every link: the archive files' and the live table's rows read as one
    chain in seq order, every hash recomputed with the key, the head and the anchor
    compared. Names every break (the first one first)."""
    report = ChainReport()
    folder = archive_folder or archive_dir()
    sources = [_live_rows()]
    for path in archive_files(folder):
        problem = check_sidecar(path)
        if problem:
            report.add(Problem(None, f"归档文件 {path.name}", problem))
            continue
        if _chained(path):
            report.archive_files.append(path.name)
            sources.append(_archive_rows(path))
        else:
            report.unchained_archives.append(path.name)
    anchor = read_anchor(report)
    expected, prev_hash = 1, ""
    for seq, source, row in heapq.merge(*sources, key=lambda item: item[0]):
        if seq < expected:
            if row["hash"] == prev_hash and seq == expected - 1:
                continue  # the same row archived and still in the table (an archive cut short)
            report.add(Problem(seq, _describe(row, source), "链序号重复：多出一条记录（被插入或复制）"))
            continue
        report.checked += 1
        if source == "live":
            report.live += 1
        else:
            report.archived += 1
        if seq > expected:
            span = f"第{expected}条" if seq == expected + 1 else f"第{expected}至第{seq - 1}条"
            report.add(Problem(expected, span + "审计记录",
                               f"缺失（已被删除，数据库和归档文件中都没有）；其后的{_describe(row, source)}"))
        elif (row["prev_hash"] or "") != prev_hash:
            report.add(Problem(seq, _describe(row, source), "与前一条记录的校验值不衔接（其前的记录被改动、删除或插入）"))
        if not crypto.verify_mac(canonical(row), row["hash"] or "", PURPOSE):
            report.add(Problem(seq, _describe(row, source), "内容与校验值不符（记录被改动，或并非由本系统写入）"))
        if anchor and seq == anchor["seq"] and row["hash"] != anchor["hash"]:
            report.add(Problem(seq, _describe(row, source),
                               f"与{anchor['at']}校验时留存的锚点不符（该条及之前的记录被改写）"))
        expected, prev_hash = seq + 1, row["hash"]
    report.last_seq, report.last_hash = expected - 1, prev_hash
    head = ChainHead.objects.filter(pk=1).values("seq", "last_hash").first()
    if head is not None and (head["seq"] != report.last_seq or (head["last_hash"] or "") != prev_hash):
        report.add(Problem(head["seq"], "审计链头",
                           f"链头记到第{head['seq']}条，记录只到第{report.last_seq}条：最新的记录被删除，或链头被改动"))
    if anchor and anchor["seq"] > report.last_seq:
        report.add(Problem(anchor["seq"], "审计锚点",
                           f"{anchor['at']}校验时已有{anchor['seq']}条记录，现在只到第{report.last_seq}条：最新的记录被删除"))
    return report


def contains(seq: int, hash_: str, *, archive_folder: Path | None = None) -> bool:
    """Whether the chain here has the link (seq, hash): in the table or an archive file."""
    if seq <= 0 or not hash_:
        return False
    if Event.objects.filter(seq=seq, hash=hash_).exists():
        return True
    for path in archive_files(archive_folder or archive_dir()):
        first, last = (path.name.split("-") + ["", ""])[1:3]
        if first.isdigit() and last.isdigit() and int(first) <= seq <= int(last):
            if any(int(row.get("seq") or 0) == seq and row.get("hash") == hash_ for row in iter_archive(path)):
                return True
    return False


# --- the anchor beside the data --------------------------------------------------------

def anchor_path() -> Path:
    return Path(settings.DATA_DIR) / "audit-anchor.json"


def _anchor_body(seq: int, hash_: str, at: str) -> bytes:
    return json.dumps([seq, hash_, at], ensure_ascii=False).encode()


def read_anchor(report: ChainReport | None = None) -> dict | None:
    path = anchor_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        ok = crypto.verify_mac(_anchor_body(int(data["seq"]), data["hash"], data["at"]), data["mac"], ANCHOR_PURPOSE)
    except (OSError, ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        if report is not None:
            report.add(Problem(None, f"审计锚点文件 {path}", "校验值不符（文件被改动或损坏）"))
        return None
    data["seq"] = int(data["seq"])
    return data


def write_anchor(report: ChainReport) -> None:
    """Remembers the newest intact link (never moves back)."""
    if not report.ok or report.last_seq == 0:
        return
    old = read_anchor()
    if old and old["seq"] >= report.last_seq:
        return
    at = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    data = {"seq": report.last_seq, "hash": report.last_hash, "at": at,
            "mac": crypto.mac(_anchor_body(report.last_seq, report.last_hash, at), ANCHOR_PURPOSE)}
    path = anchor_path()
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.replace(tmp, path)
