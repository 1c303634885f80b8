"""Backup archives: one file holding a consistent copy of the database and the private
files, and putting one back.

An archive (``duban-backup-YYYYmmdd-HHMMSS.dbk``, mode 0600) is a gzip-compressed tar
file, encrypted and signed as it is written (duban.lib.crypto's sealed stream: SM4-GCM
in 1 MiB chunks and an HMAC-SM3 signature over the whole file, or AES-256-GCM and
HMAC-SHA256 under the ``intl`` suite). The keys are derived from the master key
(DUBAN_MASTER_KEY or its file), which is never in the archive: whoever holds the file
without the key can neither read it (password hashes, second-factor seeds, webhook
secrets included) nor change it unseen. The tar file has these members:

- ``database/duban.sqlite3`` (SQLite, online backup API) or ``database/duban.pgdump``
  (PostgreSQL, ``pg_dump -Fc``): see duban/backups/database.py;
- ``files/…``: every file under the private storage root (report attachments, plan
  sources, uploaded import batches);
- ``audit-archive/…``: the compressed audit archives of ``duban archive_audit``;
- ``manifest.json``, last: format and version, Duban's version, the database vendor
  and server version, the migrations applied per app, the time made, the row count of
  every table, the highest audit event id, and the SHA-256 and size of every member.

The database is copied first and the files after: files are only ever added (a
removed attachment keeps its file), so every file the copied database refers to is in
the archive; any that is not is listed in the manifest as ``missing_files``.

Restoring first checks the signature over every byte and refuses an unsigned (older
format), foreign or wrongly signed file with nothing read out of it; then extracts the
whole archive into a staging folder beside the private storage root, checking every
member against the manifest (a damaged, truncated,
tampered or foreign file is refused there, before anything live is touched), then
refuses another database vendor or a migration this program does not know (a backup
of a newer Duban). Then the private files are swapped in (two renames: the old folder
is kept until the end), the database is replaced in one transaction, and if that
fails the old files are swapped back. Audit events recorded after the backup was made
are written back after the restore (a restore must not erase the trail of what
happened since, nor its own record), and the restore itself is audited. Credentials
revoked or changed since the backup stay revoked (duban/backups/credentials.py): the
restore lists them.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import secrets
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from duban.accounts.models import User
from duban.audit import chain
from duban.audit.archive import archive_dir
from duban.audit.log import record
from duban.audit.models import Event
from duban.lib import crypto, filemodes
from duban.plans.models import Task
from duban.status.models import StatusDay

from . import credentials, database
from .errors import BackupError

log = logging.getLogger(__name__)

FORMAT = "duban-backup"
FORMAT_VERSION = 1
SUFFIX = ".dbk"
PURPOSE = "backup"
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database/duban.sqlite3", "postgresql": "database/duban.pgdump"}
TREES = ("files", "audit-archive")
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024


def duban_version() -> str:
    try:
        return metadata.version("duban")
    except metadata.PackageNotFoundError:
        return "unknown"


def backups_dir() -> Path:
    return Path(settings.DATA_DIR) / "backups"


def private_root() -> Path:
    """The private storage root (uploaded and imported files)."""
    location = getattr(storages["default"], "location", None)
    if not location:
        raise BackupError("私有文件存储不是本地目录，无法备份：请检查 STORAGES 设置")
    return Path(location).resolve()


def _tree_roots() -> dict[str, Path]:
    return {"files": private_root(), "audit-archive": archive_dir().resolve()}


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M%S")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


class _Hashing:
    """A read-only file wrapper that hashes and counts what is read through it."""

    def __init__(self, fh):
        self.fh, self.hash, self.size = fh, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.fh.read(size)
        self.hash.update(data)
        self.size += len(data)
        return data


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- backup -----------------------------------------------------------------------------

@dataclass
class BackupResult:
    path: Path
    sha256: str
    size: int
    manifest: dict
    removed: list[str] = field(default_factory=list)


def _target(output: str | os.PathLike | None) -> Path:
    name = f"duban-backup-{_stamp()}{SUFFIX}"
    if output is None:
        folder = backups_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = folder / name
    else:
        p = Path(output).expanduser()
        if p.is_dir() or str(output).endswith(("/", os.sep)):
            p.mkdir(parents=True, exist_ok=True, mode=0o700)
            target = p / name
        else:
            target = p
    target = target.resolve()
    if not target.parent.is_dir():
        raise BackupError(f"输出目录不存在：{target.parent}")
    n = 2
    base = target
    while target.exists():
        if output is not None and not Path(output).is_dir() and not str(output).endswith(("/", os.sep)):
            raise BackupError(f"文件已存在，不会覆盖：{target}")
        target = base.with_name(base.name.replace(SUFFIX, f"-{n}{SUFFIX}"))
        n += 1
    return target


def _walk(root: Path):
    """Regular files under root (symbolic links are not followed), in a stable order."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path, path.relative_to(root).as_posix()


def _add(tar: tarfile.TarFile, name: str, path: Path, members: dict) -> None:
    st = path.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), 0o600
    with open(path, "rb") as fh:
        reader = _Hashing(fh)
        tar.addfile(info, reader)
    members[name] = {"sha256": reader.hash.hexdigest(), "size": reader.size}


def prune(folder: Path, keep: int) -> list[str]:
    """Removes all but the newest `keep` archives made by `duban backup` in `folder`
    (and their .sha256 files); returns the names removed."""
    archives = sorted(folder.glob(f"duban-backup-*{SUFFIX}"), key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    removed = []
    for path in archives[max(keep, 1):]:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".sha256").unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def create_backup(output: str | os.PathLike | None = None, *, actor=None, keep: int | None = None) -> BackupResult:
    """Writes one archive (see the module docstring); returns its path and digest.
    The live database and files are only read. With `keep`, older archives in the same
    folder beyond the newest `keep` are removed afterwards."""
    target = _target(output)
    # The plain copy of the database stays on this machine (never in an output folder
    # that may be a share), and only until it is encrypted into the archive.
    work = Path(_mkdtemp(Path(settings.DATA_DIR) / "tmp", ".duban-backup-"))
    part = target.with_name(f".{target.name}.part")
    try:
        vendor = connection.vendor
        if vendor not in DB_MEMBER:
            raise BackupError(f"不支持备份 {vendor} 数据库：仅支持 SQLite 和 PostgreSQL")
        db_copy = work / PurePosixPath(DB_MEMBER[vendor]).name
        snap = database.snapshot(db_copy)
        members: dict[str, dict] = {}
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            sealed = crypto.StreamWriter(raw, PURPOSE)
            with tarfile.open(fileobj=sealed, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                _add(tar, DB_MEMBER[vendor], db_copy, members)
                for tree, root in _tree_roots().items():
                    for path, rel in _walk(root):
                        _add(tar, f"{tree}/{rel}", path, members)
                present = {name[len("files/"):] for name in members if name.startswith("files/")}
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "duban_version": duban_version(),
                    "created_at": timezone.now().isoformat(),
                    "created_by": _os_user(),
                    "host": os.uname().nodename,
                    "database": {"vendor": snap.vendor, "server_version": snap.server_version, "tool": snap.tool,
                                 "member": DB_MEMBER[vendor]},
                    "migrations": snap.migrations,
                    "tables": snap.tables,
                    "audit_max_id": snap.audit_max_id,
                    "audit_head": list(snap.audit_head),
                    "missing_files": [f for f in snap.referenced_files if f not in present],
                    "members": members,
                    "sealed_with": crypto.describe_suite(),
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
                tar.addfile(info, _BytesReader(data))
            sealed.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(part, target)
        os.chmod(target, 0o600)
        _fsync_dir(target.parent)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    digest = sha256_file(target)
    size = target.stat().st_size
    sidecar = target.with_name(target.name + ".sha256")
    fd = os.open(sidecar, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{digest}  {target.name}\n")
    files = sum(1 for m in members if m.startswith("files/"))
    removed = prune(target.parent, keep) if keep else []
    record("backup.create", actor=actor,
           summary=f"备份数据库（{VENDOR_NAMES[vendor]}）和{files}个文件到 {target.name}（{_os_user()}）",
           after={"file": str(target), "sha256": digest, "size": size, "files": files,
                  "tables": len(manifest["tables"]), "audit_max_id": manifest["audit_max_id"],
                  "missing_files": len(manifest["missing_files"]), "removed_old": removed})
    return BackupResult(target, digest, size, manifest, removed)


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.pos + size
        chunk = self.data[self.pos:end]
        self.pos += len(chunk)
        return chunk


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is not an error
        return "unknown"


def _mkdtemp(parent: Path, prefix: str) -> str:
    parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=parent)


# --- restore ----------------------------------------------------------------------------

@dataclass
class PreparedRestore:
    """A verified archive extracted into `work`, not yet applied."""

    archive: Path
    sha256: str
    manifest: dict
    work: Path
    pending_migrations: list[str] = field(default_factory=list)

    @property
    def db_file(self) -> Path:
        return self.work / self.manifest["database"]["member"]

    def cleanup(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def describe(self) -> list[str]:
        """Lines for the confirmation question."""
        m = self.manifest
        t = m["tables"]
        created = timezone.localtime(datetime.fromisoformat(m["created_at"]))
        files = sum(1 for name in m["members"] if name.startswith("files/"))
        return [
            f"备份文件：{self.archive}",
            f"备份时间：{created:%Y-%m-%d %H:%M:%S}（Duban {m['duban_version']}，{VENDOR_NAMES[m['database']['vendor']]}，"
            f"由 {m.get('created_by', '')}@{m.get('host', '')} 生成）",
            f"内容：方案 {t.get('plans_plan', 0)} 个，任务 {t.get('plans_task', 0)} 项，调度 {t.get('rounds_round', 0)} 次，"
            f"报告 {t.get('rounds_report', 0)} 份，账号 {t.get('accounts_user', 0)} 个，审计记录 {t.get('audit_event', 0)} 条，"
            f"私有文件 {files} 个",
        ]


def _safe_member(name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or any(part in ("", ".", "..") for part in p.parts) or "\\" in name:
        raise BackupError(f"备份文件含有不安全的路径“{name}”，已拒绝")
    if name != MANIFEST and p.parts[0] not in ("database", *TREES):
        raise BackupError(f"备份文件含有未知内容“{name}”，不是 Duban 备份文件")
    return p


def _opened(path: Path):
    """The archive's plaintext, once its signature has been checked over every byte."""
    raw = open(path, "rb")
    try:
        return raw, crypto.StreamReader(raw, PURPOSE)
    except crypto.CryptoError as exc:
        raw.close()
        raise BackupError(_refusal(str(exc))) from exc
    except BaseException:
        raw.close()
        raise


def _refusal(reason: str) -> str:
    if "旧格式" in reason:
        return ("该文件未加密、未签名（旧格式的备份，或不是 Duban 备份文件），无法确认它未被改动，已拒绝恢复；"
                "请使用本版本 duban backup 生成的 .dbk 备份文件")
    if "不是本系统" in reason:
        return "不是 Duban 备份文件（不是本系统加密签名的备份格式）"
    if "签名不符" in reason:
        return ("备份文件签名校验未通过：文件被改动，或由另一把主密钥生成（请确认 DUBAN_MASTER_KEY 与生成备份时相同），"
                "已拒绝恢复")
    return f"备份文件签名校验未通过（{reason}），已拒绝恢复"


def _extract(path: Path, work: Path) -> tuple[dict, dict, str]:
    """Every member into `work`, hashed on the way; the manifest; the archive's digest."""
    digest = sha256_file(path)
    raw, plain = _opened(path)
    seen: dict[str, dict] = {}
    manifest_bytes = None
    try:
        with tarfile.open(fileobj=plain, mode="r|gz") as tar:
            for info in tar:
                rel = _safe_member(info.name)
                if info.name in seen or (info.name == MANIFEST and manifest_bytes is not None):
                    raise BackupError(f"备份文件中“{info.name}”出现了两次，已拒绝")
                if not info.isfile():
                    raise BackupError(f"备份文件含有非普通文件“{info.name}”，已拒绝")
                src = tar.extractfile(info)
                if info.name == MANIFEST:
                    manifest_bytes = src.read(50 * 1024 * 1024)
                    continue
                dest = work.joinpath(*rel.parts)
                filemodes.private_dirs(dest.parent, below=work)
                h, size = hashlib.sha256(), 0
                # 0600 from the first byte: restored files are as private as the live ones.
                with os.fdopen(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, filemodes.PRIVATE_FILE),
                               "wb") as out:
                    while chunk := src.read(CHUNK):
                        h.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                seen[info.name] = {"sha256": h.hexdigest(), "size": size}
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"备份文件已损坏或不完整，无法读取（{type(exc).__name__}: {exc}）") from exc
    except crypto.CryptoError as exc:
        raise BackupError(_refusal(str(exc))) from exc
    finally:
        raw.close()
    if manifest_bytes is None:
        raise BackupError("备份文件中没有 manifest.json：不是 Duban 备份文件，或文件不完整")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"备份清单 manifest.json 无法解析：{exc}") from exc
    return manifest, seen, digest


def _check_manifest(manifest: dict, seen: dict) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("不是 Duban 备份文件（manifest.json 的 format 不是 duban-backup）")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {version} 高于本程序支持的版本 {FORMAT_VERSION}：请先升级 Duban")
    for key in ("database", "migrations", "tables", "members", "created_at", "audit_max_id"):
        if key not in manifest:
            raise BackupError(f"备份清单缺少“{key}”项，文件不完整或不是 Duban 备份文件")
    listed = manifest["members"]
    for name in sorted(set(listed) - set(seen)):
        raise BackupError(f"备份文件不完整：清单中的“{name}”不在文件中")
    for name in sorted(set(seen) - set(listed)):
        raise BackupError(f"备份文件校验失败：“{name}”不在清单中（文件可能被改动）")
    for name, got in sorted(seen.items()):
        want = listed[name]
        if got["sha256"] != want.get("sha256") or got["size"] != want.get("size"):
            raise BackupError(f"备份文件校验失败：“{name}”的 SHA-256 摘要与清单不符（文件已损坏或被改动）")
    member = manifest["database"].get("member")
    if member not in seen:
        raise BackupError("备份文件中没有数据库副本")


def _check_compatible(manifest: dict) -> list[str]:
    """Refuses another vendor or a newer schema; returns this program's migrations the
    backup does not have yet (applied after the restore)."""
    theirs = manifest["database"].get("vendor")
    if theirs != connection.vendor:
        raise BackupError(
            f"备份的数据库类型为 {VENDOR_NAMES.get(theirs, theirs)}，当前配置的数据库为 "
            f"{VENDOR_NAMES.get(connection.vendor, connection.vendor)}：不能恢复到不同类型的数据库")
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(applied - known - _replaced(loader))
    if unknown:
        listed = "、".join(f"{a}.{n}" for a, n in unknown[:5]) + ("等" if len(unknown) > 5 else "")
        raise BackupError(f"备份来自更新版本的 Duban（{manifest.get('duban_version')}），含本程序没有的数据库迁移 "
                          f"{listed}：请先将 Duban 升级到不低于该版本，再恢复")
    return sorted(f"{a}.{n}" for a, n in known - applied)


def _replaced(loader: MigrationLoader) -> set:
    out = set()
    for migration in loader.disk_migrations.values():
        out.update(getattr(migration, "replaces", []) or [])
    return out


def prepare_restore(path: str | os.PathLike) -> PreparedRestore:
    """Extracts and verifies the archive; changes nothing live."""
    archive = Path(path).expanduser().resolve()
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    root = private_root()
    work = Path(_mkdtemp(root.parent, f".duban-restore-{_stamp()}-"))
    try:
        manifest, seen, digest = _extract(archive, work)
        _check_manifest(manifest, seen)
        pending = _check_compatible(manifest)
        prepared = PreparedRestore(archive, digest, manifest, work, pending)
        if manifest["database"]["vendor"] == "sqlite":
            database.sqlite_check(prepared.db_file)
            counts = database.sqlite_counts(prepared.db_file)
            if counts != manifest["tables"]:
                raise BackupError("备份中的数据库与清单记录的行数不一致（文件可能被改动）")
        else:
            database.pg_check_dump(prepared.db_file, manifest["database"].get("tool", ""))
        return prepared
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


@dataclass
class RestoreResult:
    manifest: dict
    carried_events: int
    migrated: list[str]
    files: int
    credentials_kept: list[str] = field(default_factory=list)


_EVENT_FIELDS = [f for f in Event._meta.concrete_fields]


def _events_after(max_id: int) -> list[dict]:
    """The audit events recorded after the backup was made. A database without the
    audit table (not migrated yet) has none; any other failure stops the restore before
    anything is replaced (they would be lost)."""
    with connection.cursor() as cur:
        if Event._meta.db_table not in connection.introspection.table_names(cur):
            return []
    return list(Event.objects.filter(id__gt=max_id).order_by("seq").values(*[f.attname for f in _EVENT_FIELDS]))


def _keep_events(rows: list[dict], stamp: str) -> Path:
    """Writes the events recorded after the backup to a file of their own beside the
    backups (0600, fsynced) before anything is replaced: until they are written back
    into the restored database, that file is their only copy, and it is removed only
    after they are."""
    folder = backups_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"restore-{stamp}-events-after-backup.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(rows, fh, ensure_ascii=False, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(folder)
    return path


def _write_back_events(rows: list[dict]) -> None:
    """Events recorded after the backup was made, written back with their ids as new
    links of the restored chain (the same links again when the restored chain is the
    one they were made on); a person or task that the restored data no longer has is
    left out (the name stays)."""
    if not rows:
        return

    users = set(User.objects.filter(pk__in={r["actor_id"] for r in rows if r["actor_id"]}).values_list("pk", flat=True))
    tasks = set(Task.objects.filter(pk__in={r["task_id"] for r in rows if r["task_id"]}).values_list("pk", flat=True))
    for row in rows:
        if row["actor_id"] not in users:
            row["actor_id"] = None
        if row["task_id"] not in tasks:
            row["task_id"] = None
    chain.append_rows(rows)
    with connection.cursor() as cur:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Event]):
            cur.execute(statement)


def _statuses_recomputed_next() -> None:
    """The restored stored lights (duban.status) are as of the backup's day: the next
    reader recomputes them all for today (``ensure_current``)."""
    StatusDay.objects.all().delete()


def _swap_in(staged: Path, live: Path, stamp: str) -> Path | None:
    """Puts `staged` in place of `live` with two renames; returns where the old folder went."""
    live.parent.mkdir(parents=True, exist_ok=True)
    filemodes.private_dir(staged)
    old = None
    if live.exists():
        old = live.with_name(f".{live.name}.before-restore-{stamp}")
        os.rename(live, old)
    try:
        os.rename(staged, live)
    except BaseException:
        if old is not None:
            os.rename(old, live)
        raise
    _fsync_dir(live.parent)
    return old


def _swap_back(live: Path, old: Path | None, stamp: str) -> None:
    failed = live.with_name(f".{live.name}.failed-restore-{stamp}")
    if live.exists():
        os.rename(live, failed)
    if old is not None:
        os.rename(old, live)
    shutil.rmtree(failed, ignore_errors=True)


def _add_audit_archives(staged: Path, live: Path) -> int:
    """Audit archives are never overwritten or removed: only missing ones are added."""
    added = 0
    for path, rel in _walk(staged):
        dest = live / rel
        if not dest.exists():
            filemodes.private_dirs(dest.parent, below=live)
            shutil.copy2(path, dest)
            filemodes.private_file(dest)
            added += 1
    return added


def apply_restore(prepared: PreparedRestore, *, actor=None) -> RestoreResult:
    """Replaces the private files and the database with the prepared archive's."""
    m = prepared.manifest
    stamp = _stamp() + "-" + secrets.token_hex(3)
    carried = _events_after(int(m["audit_max_id"]))
    # Credentials revoked since the backup stay revoked — when this database carries on
    # from the backup (its audit chain holds the backup's newest link); a new or
    # another installation has nothing to compare with.
    head = m.get("audit_head") or [0, ""]
    live_credentials = credentials.capture() if chain.contains(int(head[0]), head[1]) else None
    kept = _keep_events(carried, stamp)
    files_root = private_root()
    old = _swap_in(prepared.work / "files", files_root, stamp)
    try:
        if m["database"]["vendor"] == "sqlite":
            database.sqlite_restore(prepared.db_file)
        else:
            database.pg_restore(prepared.db_file, m["tables"], prepared.work)
    except BaseException:
        _swap_back(files_root, old, stamp)
        # The database is replaced in one transaction: it failed, so the live database
        # is unchanged and still holds the later events the file copied.
        kept.unlink(missing_ok=True)
        raise
    connection.close()
    migrated = []
    try:
        if _unapplied():
            call_command("migrate", interactive=False, verbosity=0)
            migrated = prepared.pending_migrations
        with transaction.atomic():
            still_revoked = credentials.reapply(live_credentials)
            _write_back_events(carried)
            _statuses_recomputed_next()
    except Exception as exc:
        # The backup's database is in place but the events recorded since were not
        # written back: their copy in `kept` stays, and so does the old files folder.
        log.exception("restore of %s: the database was replaced, the later audit events were not written back "
                      "(kept in %s)", prepared.archive.name, kept)
        raise BackupError(f"数据库已恢复，但备份之后的审计记录{len(carried)}条未能写回（{type(exc).__name__}: {exc}）；"
                          f"这些记录保存在 {kept}，请勿删除，修复问题后联系技术支持写回") from exc
    kept.unlink()
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    _add_audit_archives(prepared.work / "audit-archive", archive_dir())
    files = sum(1 for name in m["members"] if name.startswith("files/"))
    created = timezone.localtime(datetime.fromisoformat(m["created_at"]))
    record("backup.restore", actor=actor,
           summary=f"从备份 {prepared.archive.name}（{created:%Y-%m-%d %H:%M:%S}）恢复数据库和{files}个文件"
                   f"（{_os_user()}）；保留备份之后的审计记录{len(carried)}条；"
                   f"凭据与会话处理{len(still_revoked)}项（备份之后撤销或更换的凭据保持撤销）",
           after={"file": str(prepared.archive), "sha256": prepared.sha256, "created_at": m["created_at"],
                  "duban_version": m["duban_version"], "audit_max_id": m["audit_max_id"],
                  "events_kept": len(carried), "migrated": migrated, "credentials_kept": still_revoked})
    return RestoreResult(m, len(carried), migrated, files, still_revoked)


def _unapplied() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def record_verified(prepared: PreparedRestore, *, actor=None) -> None:
    """A restore drill that only verifies the archive (`duban restore --check`)."""
    m = prepared.manifest
    created = timezone.localtime(datetime.fromisoformat(m["created_at"]))
    record("backup.verify", actor=actor,
           summary=f"校验备份 {prepared.archive.name}（{created:%Y-%m-%d %H:%M:%S}）：完整，{len(m['members'])}个成员摘要一致"
                   f"（{_os_user()}）",
           after={"file": str(prepared.archive), "sha256": prepared.sha256, "created_at": m["created_at"]})


_FAILED = {"backup.create": "备份", "backup.restore": "恢复", "backup.verify": "校验备份"}


def record_failure(action: str, archive: str, exc: Exception, *, actor=None) -> None:
    """A refused or failed backup, restore or check is audited too (it changes no data)."""
    try:
        record(action, actor=actor, result=Event.Result.FAILED,
               summary=f"{_FAILED[action]}失败（{_os_user()}）：{exc}"[:500],
               after={"file": str(archive)})
    except Exception:  # noqa: BLE001 - the database itself may be what failed
        # The failure is still told to the operator by the command; the log keeps both.
        log.exception("could not audit the failed %s of %s (it failed with: %s)", action, archive, exc)
