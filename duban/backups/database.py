"""The database half of a backup: a consistent copy of the live database taken while
the application runs, and putting such a copy back.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the live file in
one step inside a read transaction, so the copy is one consistent state even while
other processes write (WAL lets them go on). The copy is switched out of WAL mode (one
self-contained file) and must pass ``PRAGMA integrity_check``. Restoring runs the same
API the other way, from the verified copy into the live database: one write
transaction, so every other connection (the running app's too) sees either the old or
the restored data, never a mix, and nobody holds a stale file handle as they would
after a file rename.

PostgreSQL: ``pg_dump -Fc`` run on a snapshot exported from a REPEATABLE READ
transaction (``pg_export_snapshot``); the row counts and the migration state written
to the manifest are read in that same transaction, so they describe exactly what was
dumped. Restoring turns the dump into SQL with ``pg_restore`` and runs it with ``psql
--single-transaction`` after statements that drop every object of the schema and
before checks that every table holds the manifest's row count: the database holds the
old data or the restored data, never a half-restored mix, and tables of a newer
schema cannot linger beside the restored ones.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import connection, models

from .errors import BackupError

# Keys of a PostgreSQL OPTIONS block that are Django's, not libpq's.
_DJANGO_PG_OPTIONS = {"isolation_level", "pool", "server_side_binding", "assume_role", "prepare_threshold",
                      "cursor_factory", "context"}


@dataclass
class Snapshot:
    """What the manifest says about the database copy."""

    vendor: str
    server_version: str
    tool: str
    tables: dict[str, int]
    migrations: dict[str, list[str]]
    audit_max_id: int
    referenced_files: list[str] = field(default_factory=list)
    audit_head: tuple[int, str] = (0, "")  # the audit chain's newest link (seq, hash)


def vendor() -> str:
    return connection.vendor


def _check_vendor() -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持备份 {connection.vendor} 数据库：仅支持 SQLite 和 PostgreSQL")
    return connection.vendor


# --- what is read from a snapshot (the same SQL on both databases) ---------------------

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _file_columns() -> list[tuple[str, str]]:
    """(table, column) of every FileField: the private files the database refers to."""
    out = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                out.append((model._meta.db_table, f.column))
    return out


def _read_state(cur, tables: list[str]) -> tuple[dict[str, int], dict[str, list[str]], int, list[str]]:
    counts = {}
    for t in sorted(tables):
        cur.execute(f"SELECT COUNT(*) FROM {_q(t)}")
        counts[t] = int(cur.fetchone()[0])
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cur.fetchall():
            migrations.setdefault(app, []).append(name)
    audit_max = 0
    if "audit_event" in tables:
        cur.execute("SELECT MAX(id) FROM audit_event")
        audit_max = int(cur.fetchone()[0] or 0)
    referenced: set[str] = set()
    for table, column in _file_columns():
        if table in tables:
            cur.execute(f"SELECT {_q(column)} FROM {_q(table)} WHERE {_q(column)} IS NOT NULL AND {_q(column)} <> ''")
            referenced.update(r[0] for r in cur.fetchall())
    return counts, migrations, audit_max, sorted(referenced)


def _audit_head(cur, tables: list[str]) -> tuple[int, str]:
    """The audit chain's newest link in the copy: what tells later whether a live
    database carries on from this backup (duban.backups.credentials)."""
    if "audit_chainhead" not in tables:
        return 0, ""
    cur.execute("SELECT seq, last_hash FROM audit_chainhead WHERE id = 1")
    row = cur.fetchone()
    return (int(row[0]), row[1] or "") if row else (0, "")


# --- SQLite -----------------------------------------------------------------------------

def sqlite_path() -> Path:
    return Path(connection.settings_dict["NAME"])


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [r[0] for r in rows]


def sqlite_check(path: Path) -> None:
    """Refuses a file that is not an intact SQLite database."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"数据库副本无法打开：{exc}") from exc
    if result != ["ok"]:
        raise BackupError("数据库副本完整性检查未通过：" + "；".join(result[:5]))


def sqlite_snapshot(dest: Path) -> Snapshot:
    live = sqlite_path()
    if not live.exists():
        raise BackupError(f"找不到数据库文件：{live}")
    src = sqlite3.connect(str(live), timeout=60)
    dst = sqlite3.connect(str(dest))
    try:
        src.execute("PRAGMA busy_timeout = 60000")
        src.backup(dst)  # all pages in one step: one consistent state
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        version = sqlite3.sqlite_version
    finally:
        src.close()
        dst.close()
    sqlite_check(dest)
    conn = sqlite3.connect(f"file:{dest}?mode=ro", uri=True)
    try:
        cur = conn.cursor()
        tables = _sqlite_tables(conn)
        counts, migrations, audit_max, referenced = _read_state(cur, tables)
        head = _audit_head(cur, tables)
    finally:
        conn.close()
    return Snapshot("sqlite", version, f"sqlite3 {version} online backup", counts, migrations, audit_max, referenced,
                    head)


def sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _read_state(conn.cursor(), _sqlite_tables(conn))[0]
    finally:
        conn.close()


def sqlite_restore(copy: Path) -> None:
    """Copies the verified file into the live database in one write transaction."""
    live = sqlite_path()
    connection.close()
    src = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    dst = sqlite3.connect(str(live), timeout=60)
    try:
        dst.execute("PRAGMA busy_timeout = 60000")
        src.backup(dst)
        # The copy was switched out of WAL mode; the live database stays in it.
        dst.execute("PRAGMA journal_mode = WAL")
        result = [r[0] for r in dst.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"写入数据库失败，数据库未改变：{exc}") from exc
    finally:
        src.close()
        dst.close()
    if result != ["ok"]:
        raise BackupError("恢复后数据库完整性检查未通过：" + "；".join(result[:5]))


# --- PostgreSQL -------------------------------------------------------------------------

def libpq_params() -> dict[str, str]:
    """The connection settings of DATABASES["default"] as libpq keywords."""
    s = connection.settings_dict
    params = {k: str(v) for k, v in (s.get("OPTIONS") or {}).items() if k not in _DJANGO_PG_OPTIONS}
    for key, libpq in (("NAME", "dbname"), ("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"),
                       ("PORT", "port")):
        if s.get(key):
            params[libpq] = str(s[key])
    return params


def _pg_env_and_conninfo() -> tuple[dict[str, str], str]:
    """The environment (password) and the connection string (everything else) for
    the client programs: the password never appears on a command line."""
    from psycopg.conninfo import make_conninfo

    params = libpq_params()
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = password
    return env, make_conninfo(**params)


def pg_tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        raise BackupError(f"找不到 PostgreSQL 客户端程序 {name}：请安装 postgresql-client（版本不低于数据库服务器）")
    return path


def tool_major(path: str) -> tuple[int, str]:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    if not match:
        raise BackupError(f"无法识别 {path} 的版本：{out or '无输出'}")
    return int(match.group(1)), out


def _server_major(cur) -> tuple[int, str]:
    cur.execute("SHOW server_version_num")
    num = int(cur.fetchone()[0])
    cur.execute("SHOW server_version")
    return num // 10000, cur.fetchone()[0]


def _check_tool(name: str, server_major: int) -> tuple[str, str]:
    path = pg_tool(name)
    major, text = tool_major(path)
    if major < server_major:
        raise BackupError(f"{name} 版本（{major}）低于数据库服务器版本（{server_major}），"
                          f"无法处理该服务器的数据：请安装 {server_major} 或更高版本的 postgresql-client")
    return path, text


def _run(cmd: list[str], env: dict, what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise BackupError(f"{what}失败：" + ("；".join(detail[-5:]) if detail else f"退出码 {proc.returncode}"))


def _pg_tables(cur) -> list[str]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [r[0] for r in cur.fetchall()]


def pg_snapshot(dest: Path) -> Snapshot:
    import psycopg

    env, conninfo = _pg_env_and_conninfo()
    try:
        conn = psycopg.connect(conninfo, password=env.get("PGPASSWORD"))
    except psycopg.Error as exc:
        raise BackupError(f"无法连接数据库：{exc}") from exc
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cur:
            server_major, server_version = _server_major(cur)
            pg_dump, tool = _check_tool("pg_dump", server_major)
            cur.execute("SELECT pg_export_snapshot()")
            snapshot_id = cur.fetchone()[0]
            # The dump and everything the manifest says are read from one snapshot.
            _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot_id}",
                  f"--file={dest}", f"--dbname={conninfo}"], env, "pg_dump 导出数据库")
            tables = _pg_tables(cur)
            counts, migrations, audit_max, referenced = _read_state(cur, tables)
            head = _audit_head(cur, tables)
        conn.rollback()
    finally:
        conn.close()
    return Snapshot("postgresql", server_version, tool, counts, migrations, audit_max, referenced, head)


def pg_check_dump(path: Path, made_by: str) -> None:
    """Refuses a dump that pg_restore cannot read (or is too old to read)."""
    pg_restore = pg_tool("pg_restore")
    major, _ = tool_major(pg_restore)
    match = re.search(r"(\d+)", made_by or "")
    if match and int(match.group(1)) > major:
        raise BackupError(f"备份由 {made_by} 生成，本机 pg_restore 版本为 {major}，无法读取：请安装更高版本的 postgresql-client")
    _run([pg_restore, "--list", str(path)], dict(os.environ), "读取数据库备份")


_DROP_ALL = """
SET lock_timeout = '60s';
DO $duban$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.relname);
  END LOOP;
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm', 'S')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
    EXECUTE format(CASE r.relkind WHEN 'v' THEN 'DROP VIEW IF EXISTS %I CASCADE'
                                  WHEN 'm' THEN 'DROP MATERIALIZED VIEW IF EXISTS %I CASCADE'
                                  ELSE 'DROP SEQUENCE IF EXISTS %I CASCADE' END, r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.prokind = 'f'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
  END LOOP;
END $duban$;
"""


def _count_checks(schema: str, tables: dict[str, int]) -> str:
    """A DO block that aborts the restore unless every table holds the manifest's count."""
    lines = ["DO $duban$ BEGIN"]
    for table, n in sorted(tables.items()):
        lit = table.replace("'", "''")
        lines.append(f"  IF (SELECT count(*) FROM {_q(schema)}.{_q(table)}) <> {int(n)} THEN "
                     f"RAISE EXCEPTION 'row count of % differs from the backup manifest', '{lit}'; END IF;")
    lines.append("END $duban$;")
    return "\n".join(lines) + "\n"


def pg_restore(dump: Path, tables: dict[str, int], work: Path) -> None:
    """Replaces the configured database's schema contents with the dump, in one
    transaction that commits only if every table then holds the manifest's row count."""
    import psycopg

    env, conninfo = _pg_env_and_conninfo()
    try:
        with psycopg.connect(conninfo, password=env.get("PGPASSWORD"), autocommit=True) as conn:
            with conn.cursor() as cur:
                server_major, _ = _server_major(cur)
                cur.execute("SELECT current_schema()")
                schema = cur.fetchone()[0]
    except psycopg.Error as exc:
        raise BackupError(f"无法连接数据库：{exc}") from exc
    pg_restore_bin = pg_tool("pg_restore")
    psql, _ = _check_tool("psql", server_major)
    body = work / "restore.sql"
    _run([pg_restore_bin, "--no-owner", "--no-privileges", f"--file={body}", str(dump)], env, "pg_restore 读取备份")
    pre, post = work / "restore-pre.sql", work / "restore-post.sql"
    pre.write_text(_DROP_ALL, encoding="utf-8")
    post.write_text(f"SET search_path = {_q(schema)};\n" + _count_checks(schema, tables), encoding="utf-8")
    connection.close()
    _run([psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
          f"--dbname={conninfo}", f"--file={pre}", f"--file={body}", f"--file={post}"], env,
         "psql 写入数据库（已整体回滚，数据库未改变）")


# --- either -------------------------------------------------------------------------------

def snapshot(dest: Path) -> Snapshot:
    return sqlite_snapshot(dest) if _check_vendor() == "sqlite" else pg_snapshot(dest)


def live_counts() -> dict[str, int]:
    with connection.cursor() as cur:
        tables = connection.introspection.table_names(cur)
        return _read_state(cur, tables)[0]
