"""Database triggers that refuse UPDATE/DELETE of audit events (see duban/audit/guard.py)."""
from django.db import migrations


def install(apps, schema_editor):
    from duban.audit.guard import FIXED_V1, install as do_install

    do_install(schema_editor, FIXED_V1)  # the columns audit_event had then


def remove(apps, schema_editor):
    from duban.audit.guard import remove as do_remove

    do_remove(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
