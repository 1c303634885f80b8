"""The audit log's hash chain (duban/audit/chain.py): three columns on every event, the
chain head, and every existing event sealed in id order. The guard's triggers are off
while the rows are sealed and come back in 0004 with the new columns."""
import django.utils.timezone
from django.db import migrations, models


def guard_off(apps, schema_editor):
    from duban.audit.guard import remove

    remove(schema_editor)


def guard_on_v1(apps, schema_editor):
    from duban.audit.guard import FIXED_V1, install

    install(schema_editor, FIXED_V1)


def seal_existing(apps, schema_editor):
    """Links every event there is, oldest id first, with the key outside the database."""
    from duban.audit.chain import link_hash

    Event = apps.get_model("audit", "Event")
    ChainHead = apps.get_model("audit", "ChainHead")
    fields = ["id", "at", "actor_name", "address", "action", "object_type", "object_id", "summary",
              "before", "after", "result"]
    prev, seq, batch = "", 0, []
    with schema_editor.connection.cursor() as cur:
        for row in Event.objects.order_by("id").values(*fields).iterator(chunk_size=2000):
            seq += 1
            row.update(seq=seq, prev_hash=prev)
            prev = link_hash(row)
            batch.append([seq, row["prev_hash"], prev, row["id"]])
            if len(batch) >= 1000:
                cur.executemany("UPDATE audit_event SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", batch)
                batch = []
        if batch:
            cur.executemany("UPDATE audit_event SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", batch)
    ChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "last_hash": prev})


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_append_only_guard"),
    ]

    operations = [
        migrations.RunPython(guard_off, guard_on_v1),
        migrations.AlterField(
            model_name="event",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间"),
        ),
        migrations.AddField(
            model_name="event",
            name="seq",
            field=models.BigIntegerField(null=True, verbose_name="链序号"),
        ),
        migrations.AddField(
            model_name="event",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=80, verbose_name="前一条的校验值"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="hash",
            field=models.CharField(default="", max_length=80, verbose_name="校验值"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0, verbose_name="最新链序号")),
                ("last_hash", models.CharField(blank=True, max_length=80, verbose_name="最新校验值")),
            ],
            options={"verbose_name": "审计链头", "verbose_name_plural": "审计链头"},
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
