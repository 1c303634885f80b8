"""A token that changes whenever the task data changes, for caches of rendered pages.

Database triggers (installed after every `migrate`, see install()) give the one row of
``duban_data_version`` a new random token on every INSERT, UPDATE or DELETE of any
table of the apps in DATA_APPS (plans, org, work plans, supervision, rounds). Being in
the database, the token is exact for every writer and every process: ORM saves,
``QuerySet.update()``, ``bulk_create()``, raw SQL, the command line. Being random, it
never repeats an earlier value, even after a rolled-back transaction. A page cached
under (who may see what, the request, the date, the token) is therefore never served
after a change of anything it shows.

current() costs one single-row SELECT; it answers None (cache nothing) when the table
is missing, e.g. before the first migrate.
"""
from __future__ import annotations

from django.db import DatabaseError, connections

TABLE = "duban_data_version"
# Tables whose rows pages such as the ledger show (tasks, units, leaders, milestones,
# extensions, closures, status rules, reports). Not the audit log, notifications,
# sessions or accounts: the viewer's own identity is part of every cache key.
DATA_APPS = ("plans", "org", "workplans", "supervision", "rounds")


def _data_tables(connection) -> list[str]:
    prefixes = tuple(f"{app}_" for app in DATA_APPS)
    return sorted(t for t in connection.introspection.table_names() if t.startswith(prefixes))


def install(using: str = "default") -> None:
    """Creates the version row and (re)creates the triggers on every data table.
    Idempotent; run after every migrate so tables added later get their triggers."""
    connection = connections[using]
    tables = _data_tables(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, token TEXT NOT NULL)")
            cursor.execute(f"INSERT OR IGNORE INTO {TABLE} (id, token) VALUES (1, lower(hex(randomblob(8))))")
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    name = connection.ops.quote_name(f"duban_dv_{table}_{event.lower()}")
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {connection.ops.quote_name(table)} "
                        f"BEGIN UPDATE {TABLE} SET token = lower(hex(randomblob(8))) WHERE id = 1; END"
                    )
        elif connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, token text NOT NULL)")
            cursor.execute(f"INSERT INTO {TABLE} (id, token) VALUES (1, md5(random()::text)) ON CONFLICT (id) DO NOTHING")
            # The bump runs at commit (deferred constraint trigger), once per
            # transaction and client statement (at commit: once): the version row is then always the last lock a writer
            # takes, so concurrent writers queue on it briefly but never deadlock
            # (a bump in the middle of a transaction locked it before the rows the
            # transaction went on to lock). It becomes visible with the data.
            cursor.execute(
                "CREATE OR REPLACE FUNCTION duban_bump_data_version() RETURNS trigger AS $$ "
                "BEGIN "
                "IF current_setting('duban.dv_bumped', true) IS DISTINCT FROM "
                "txid_current()::text || statement_timestamp()::text THEN "
                "PERFORM set_config('duban.dv_bumped', txid_current()::text || statement_timestamp()::text, true); "
                f"UPDATE {TABLE} SET token = md5(random()::text || clock_timestamp()::text) WHERE id = 1; "
                "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
            )
            for table in tables:
                name = connection.ops.quote_name(f"duban_dv_{table}"[:63])
                truncate_name = connection.ops.quote_name(f"duban_dvt_{table}"[:63])
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {quoted}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {truncate_name} ON {quoted}")
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {quoted} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION duban_bump_data_version()"
                )
                cursor.execute(
                    f"CREATE TRIGGER {truncate_name} AFTER TRUNCATE ON {quoted} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION duban_bump_data_version()"
                )


def install_after_migrate(sender, using="default", **kwargs) -> None:
    install(using)


def current(using: str = "default") -> str | None:
    """The current token, or None when there is none (nothing may be cached then)."""
    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return row[0] if row else None
