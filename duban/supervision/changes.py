"""Which tasks' status facts changed, in order: a log the database writes itself.

A task's light (duban.supervision.status) is computed from its facts: the task and
its plan, its extensions, closure, milestones, targets, the rounds and its reports
and their actual figures. Computing every task's light takes seconds for 100,000
tasks, while a write (a report saved) changes the facts of one task. Database
triggers, installed after every ``migrate`` like the data version's
(duban.lib.dataversion), append to ``duban_changed_task`` the id of the task whose
facts a row belongs to on every INSERT, UPDATE and DELETE of the tables in
``fact_tables()``, or NULL for a change that may concern every task (a plan, a round,
a TRUNCATE, a row whose task cannot be found any more). ``seq`` orders the log.

A reader keeps every task's light with the ``seq`` it had read *before* reading the
facts (``newest()``); later it reads ``since(seq)`` and recomputes only the tasks
named there (duban.dashboards.metrics.lights). That is exact because ``seq`` follows
commit order: on SQLite one transaction writes at a time; on PostgreSQL the log rows
are written at commit (deferred triggers) after the transaction has locked the data
version row, which every writer locks at commit, so no transaction can write a
smaller ``seq`` that becomes visible later.

``epoch()`` is a token that a restore (duban.backups) renews: the log of a restored
database does not continue the one a reader held. ``prune()`` drops rows older than
two days (run daily by ``duban dashboard_snapshots``); readers key what they hold by
the date, so they never need rows that old.
"""
from __future__ import annotations

import secrets

from django.db import DatabaseError, connections

LOG = "duban_changed_task"
EPOCH = "duban_changed_epoch"
KEEP_DAYS = 2


def fact_tables() -> dict[str, str | None]:
    """Every table status facts are read from: {table: SQL giving the task id of a row
    ("{row}" standing for NEW or OLD), or None when a change concerns every task}.
    duban/supervision/tests/test_changes.py checks this against the queries of
    ``status.load_facts``, so a new kind of fact cannot be forgotten here."""
    from duban.plans.models import Plan, Target, Task
    from duban.rounds.models import Report, Round, TargetActual
    from duban.workplans.models import Milestone

    from .models import ExtensionRequest, TaskClosure

    def table(model) -> str:
        return model._meta.db_table

    by_task = "{row}.task_id"
    return {
        table(Task): "{row}.id",
        table(Plan): None,
        table(Target): by_task,
        table(ExtensionRequest): by_task,
        table(TaskClosure): by_task,
        table(Milestone): by_task,
        table(Round): None,
        table(Report): by_task,
        table(TargetActual): f"(SELECT task_id FROM {table(Target)} WHERE id = {{row}}.target_id)",
    }


def install(using: str = "default") -> None:
    """Creates the log and (re)creates its triggers. Idempotent."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    tables = {t: expr for t, expr in fact_tables().items() if t in existing}
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {LOG} (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                           "task_id INTEGER NULL, created TEXT NOT NULL DEFAULT (datetime('now')))")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {EPOCH} (id INTEGER PRIMARY KEY, epoch TEXT NOT NULL)")
            cursor.execute(f"INSERT OR IGNORE INTO {EPOCH} (id, epoch) VALUES (1, lower(hex(randomblob(8))))")
            for table, expr in tables.items():
                for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["NEW", "OLD"]), ("DELETE", ["OLD"])):
                    ids = " UNION ".join(f"SELECT {expr.format(row=r) if expr else 'NULL'}" for r in rows)
                    name = q(f"duban_ct_{table}_{event.lower()}")
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                    cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {q(table)} "
                                   f"BEGIN INSERT INTO {LOG} (task_id) {ids}; END")
        elif connection.vendor == "postgresql":
            from duban.lib.dataversion import TABLE as VERSION

            cursor.execute(f"CREATE TABLE IF NOT EXISTS {LOG} (seq bigserial PRIMARY KEY, task_id bigint NULL, "
                           "created timestamptz NOT NULL DEFAULT now())")
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {LOG}_created ON {LOG} (created)")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {EPOCH} (id integer PRIMARY KEY, epoch text NOT NULL)")
            cursor.execute(f"INSERT INTO {EPOCH} (id, epoch) VALUES (1, md5(random()::text)) ON CONFLICT (id) DO NOTHING")
            for table, expr in tables.items():
                function = f"duban_ct_{table}"[:63]
                new = expr.format(row="NEW") if expr else "NULL"
                old = expr.format(row="OLD") if expr else "NULL"
                # The version row first: the lock every writer takes at commit, so the
                # log is written in commit order (see the module docstring).
                cursor.execute(
                    f"CREATE OR REPLACE FUNCTION {q(function)}() RETURNS trigger AS $$ BEGIN "
                    f"PERFORM 1 FROM {VERSION} WHERE id = 1 FOR UPDATE; "
                    "IF TG_OP = 'TRUNCATE' THEN "
                    f"INSERT INTO {LOG} (task_id) VALUES (NULL); RETURN NULL; END IF; "
                    f"IF TG_OP <> 'INSERT' THEN INSERT INTO {LOG} (task_id) VALUES ({old}); END IF; "
                    f"IF TG_OP <> 'DELETE' THEN INSERT INTO {LOG} (task_id) VALUES ({new}); END IF; "
                    "RETURN NULL; END $$ LANGUAGE plpgsql"
                )
                row_trigger, truncate_trigger = q(f"duban_ct_{table}"[:63]), q(f"duban_ctt_{table}"[:63])
                cursor.execute(f"DROP TRIGGER IF EXISTS {row_trigger} ON {q(table)}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {truncate_trigger} ON {q(table)}")
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {row_trigger} AFTER INSERT OR UPDATE OR DELETE ON {q(table)} "
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {q(function)}()"
                )
                cursor.execute(f"CREATE TRIGGER {truncate_trigger} AFTER TRUNCATE ON {q(table)} "
                               f"FOR EACH STATEMENT EXECUTE FUNCTION {q(function)}()")


def install_after_migrate(sender, using="default", **kwargs) -> None:
    install(using)


def _one(sql: str, params=(), using: str = "default"):
    try:
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    except DatabaseError:
        return None


def epoch(using: str = "default") -> str | None:
    """The log's token, renewed by a restore; None when there is no log (nothing may
    then be kept between requests)."""
    row = _one(f"SELECT epoch FROM {EPOCH} WHERE id = 1", using=using)
    return row[0] if row else None


def renew_epoch(using: str = "default") -> None:
    """After a restore: whatever a reader held belongs to another history."""
    with connections[using].cursor() as cursor:
        if EPOCH in connections[using].introspection.table_names(cursor):
            cursor.execute(f"UPDATE {EPOCH} SET epoch = %s WHERE id = 1", [secrets.token_hex(8)])


def newest(using: str = "default") -> int:
    """The last ``seq`` written (0 for an empty log); read it before the facts."""
    row = _one(f"SELECT COALESCE(MAX(seq), 0) FROM {LOG}", using=using)
    return int(row[0]) if row else 0


def since(seq: int, limit: int, using: str = "default") -> tuple[int, set[int] | None]:
    """(the last ``seq`` read, the ids of the tasks whose facts changed after `seq`), or
    (…, None) when every task may have changed: a change concerning all, or more than
    `limit` log rows (recomputing everything is then as quick)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT seq, task_id FROM {LOG} WHERE seq > %s ORDER BY seq LIMIT %s", [seq, limit + 1])
        rows = cursor.fetchall()
    if len(rows) > limit:
        return rows[-1][0], None
    changed: set[int] = set()
    for _, task_id in rows:
        if task_id is None:
            return rows[-1][0], None
        changed.add(int(task_id))
    return (rows[-1][0] if rows else seq), changed


def prune(days: int = KEEP_DAYS, using: str = "default") -> int:
    """Drops log rows older than `days` days; the number dropped."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {LOG} WHERE created < datetime('now', %s)", [f"-{int(days)} days"])
        else:
            cursor.execute(f"DELETE FROM {LOG} WHERE created < now() - make_interval(days => %s)", [int(days)])
        return cursor.rowcount
