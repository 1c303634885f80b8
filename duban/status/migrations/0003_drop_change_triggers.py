"""The stored status replaced the page caches' data version (duban.lib.dataversion)
and the log of changed tasks (duban.supervision.changes). Their triggers were made
after every migrate, outside the migrations: this drops them, their functions and
their three tables, so no write pays for them any more. They held no one's data (a
random token, and task ids kept two days)."""
from django.db import migrations

TABLES = ("duban_data_version", "duban_changed_task", "duban_changed_epoch")
PREFIXES = ("duban_dv_", "duban_dvt_", "duban_ct_", "duban_ctt_")


def drop(apps, schema_editor):
    connection = schema_editor.connection
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            for (name,) in cursor.fetchall():
                if name.startswith(PREFIXES):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {q(name)}")
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                           "WHERE NOT t.tgisinternal")
            for name, table in cursor.fetchall():
                if name.startswith(PREFIXES):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {q(name)} ON {q(table)}")
            cursor.execute("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                           "WHERE n.nspname = current_schema() AND (p.proname = 'duban_bump_data_version' "
                           "OR p.proname LIKE 'duban\\_ct\\_%')")
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {q(name)}()")
        for table in TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {q(table)}")


class Migration(migrations.Migration):

    dependencies = [
        ("status", "0002_from_api_tasklight"),
    ]

    operations = [
        migrations.RunPython(drop, migrations.RunPython.noop),
    ]
