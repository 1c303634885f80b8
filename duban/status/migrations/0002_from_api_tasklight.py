"""The lights the webhooks' job recorded (api.TaskLight) become the stored statuses:
colour, reasons, version and when the colour last changed, row for row, so the
webhooks go on from the versions they had (LightChange is unique per task and
version). The deadline in force and the date are filled in by the first computation
(the first request or the daily job recomputes every row for today), which compares
with these colours: a colour that differs then is a change, sent to the webhooks as
before. Nothing is dropped: api 0003 removes TaskLight after this has run."""
from django.db import migrations


def copy_lights(apps, schema_editor):
    TaskLight = apps.get_model("api", "TaskLight")
    TaskStatus = apps.get_model("status", "TaskStatus")
    rows = [TaskStatus(task_id=tl.task_id, color=tl.color, reasons=tl.reasons, version=tl.version,
                       changed_at=tl.changed_at, computed_at=tl.changed_at,
                       as_of=tl.changed_at.date())
            for tl in TaskLight.objects.all().iterator(chunk_size=5000)]
    TaskStatus.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def copy_back(apps, schema_editor):
    TaskLight = apps.get_model("api", "TaskLight")
    TaskStatus = apps.get_model("status", "TaskStatus")
    TaskLight.objects.bulk_create(
        [TaskLight(task_id=ts.task_id, color=ts.color, reasons=ts.reasons, version=ts.version, changed_at=ts.changed_at)
         for ts in TaskStatus.objects.exclude(color="").iterator(chunk_size=5000)],
        batch_size=2000, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("status", "0001_initial"),
        ("api", "0002_outbox"),
    ]

    operations = [
        migrations.RunPython(copy_lights, copy_back),
    ]
