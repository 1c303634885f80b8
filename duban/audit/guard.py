"""The database's own refusal to change or remove audit events (GB/T 22239 §8.1.4.3 c:
审计记录应进行保护，避免受到未预期的删除、修改或覆盖).

Triggers on audit_event refuse every UPDATE, except setting actor_id or task_id to NULL
(what the database does when a person or task the event names is deleted: the event
keeps actor_name and summary), and every DELETE of a row not covered by a row of
audit_delete_permit (rows with `at` before the permit's cutoff). The one sanctioned
deleter is the archive command: inside one transaction it writes a permit for its
cutoff, deletes the rows it has already archived and verified, and removes the permit.
On PostgreSQL TRUNCATE is refused too unless an unbounded permit exists.

The triggers stop mistakes and the application's own code; they cannot stop someone
with the database's password, who can drop them, write a permit or INSERT a row. What
makes that visible is the hash chain (duban/audit/chain.py): a row changed, inserted or
deleted under a hand-written permit breaks the chain at that row, and `duban
verify_audit` names it; the archive's sanctioned deletions are covered by its archive
files, which are part of the chain.

audit_delete_permit is a plain table with no Django model, so Django's test flush
(DELETE/TRUNCATE of every model table) leaves it alone; the test suite holds an
unbounded permit (open_for_tests) so the flush between transactional tests can empty
audit_event, and the guard's own tests take it away inside their transaction.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone as dt_timezone

from django.db import connection, transaction

PERMIT_TABLE = "audit_delete_permit"
UNBOUNDED = datetime(9999, 12, 31, tzinfo=dt_timezone.utc)

# Every column of audit_event but actor_id and task_id (SQLite has no row-to-JSON to
# compare whole rows; a column added to Event later must be added here too, in a
# migration that installs the guard again). FIXED_V1: before the hash chain (0002).
FIXED_V1 = ["id", "at", "actor_name", "address", "action", "object_type", "object_id", "summary",
            "before", "after", "result"]
FIXED = [*FIXED_V1, "seq", "prev_hash", "hash"]


def _sqlite_install(fixed: list[str]) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {PERMIT_TABLE} (cutoff datetime NOT NULL)",
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN NOT ("
        + " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in fixed)
        + " AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)"
        " AND (NEW.task_id IS OLD.task_id OR NEW.task_id IS NULL))"
        " BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be changed'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event"
        f" WHEN NOT EXISTS (SELECT 1 FROM {PERMIT_TABLE} p WHERE OLD.at < p.cutoff)"
        " BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be deleted'); END",
    ]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    f"DROP TABLE IF EXISTS {PERMIT_TABLE}",
]

POSTGRES_INSTALL = [
    f"CREATE TABLE IF NOT EXISTS {PERMIT_TABLE} (cutoff timestamptz NOT NULL)",
    f"""CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF EXISTS (SELECT 1 FROM {PERMIT_TABLE} WHERE cutoff >= '9999-01-01') THEN RETURN NULL; END IF;
    RAISE EXCEPTION 'audit_event is append-only: it cannot be truncated';
  ELSIF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT 1 FROM {PERMIT_TABLE} p WHERE OLD.at < p.cutoff) THEN RETURN OLD; END IF;
    RAISE EXCEPTION 'audit_event is append-only: rows cannot be deleted';
  END IF;
  IF (to_jsonb(NEW) - 'actor_id' - 'task_id') = (to_jsonb(OLD) - 'actor_id' - 'task_id')
     AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
     AND (NEW.task_id IS NULL OR NEW.task_id = OLD.task_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_event is append-only: rows cannot be changed';
END $$""",
    "CREATE TRIGGER audit_event_guard BEFORE UPDATE OR DELETE ON audit_event"
    " FOR EACH ROW EXECUTE FUNCTION audit_event_guard()",
    "CREATE TRIGGER audit_event_guard_truncate BEFORE TRUNCATE ON audit_event"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_event_guard()",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_guard ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_guard_truncate ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_guard()",
    f"DROP TABLE IF EXISTS {PERMIT_TABLE}",
]


def _statements(vendor: str, install: bool, fixed: list[str]) -> list[str]:
    if vendor == "sqlite":
        return _sqlite_install(fixed) if install else SQLITE_REMOVE
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_REMOVE
    return []  # other databases: the application-level guard (models.py) only


def install(schema_editor, fixed: list[str] = FIXED) -> None:
    for sql in _statements(schema_editor.connection.vendor, True, fixed):
        schema_editor.execute(sql, params=None)


def remove(schema_editor) -> None:
    for sql in _statements(schema_editor.connection.vendor, False, FIXED):
        schema_editor.execute(sql, params=None)


def is_installed() -> bool:
    return PERMIT_TABLE in connection.introspection.table_names()


def _adapt(cutoff: datetime):
    return connection.ops.adapt_datetimefield_value(cutoff)


@contextmanager
def deletion_permit(cutoff: datetime):
    """Inside an atomic block: rows of audit_event older than `cutoff` may be deleted."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("deletion_permit must be used inside transaction.atomic()")
    if not is_installed():
        yield
        return
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {PERMIT_TABLE} (cutoff) VALUES (%s)", [_adapt(cutoff)])
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {PERMIT_TABLE} WHERE cutoff = %s", [_adapt(cutoff)])


def open_for_tests() -> None:
    """Test databases only: an unbounded permit so the test runner's flush works."""
    if is_installed():
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {PERMIT_TABLE}")
            cur.execute(f"INSERT INTO {PERMIT_TABLE} (cutoff) VALUES (%s)", [_adapt(UNBOUNDED)])


def close_for_tests() -> None:
    if is_installed():
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {PERMIT_TABLE}")
