"""Every event is sealed now (0003): seq becomes required and unique, and the guard's
triggers come back covering the chain's columns too."""
from django.db import migrations, models


def guard_on(apps, schema_editor):
    from duban.audit.guard import install

    install(schema_editor)


def guard_off(apps, schema_editor):
    from duban.audit.guard import remove

    remove(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_hash_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="seq",
            field=models.BigIntegerField(unique=True, verbose_name="链序号"),
        ),
        migrations.RunPython(guard_on, guard_off),
    ]
