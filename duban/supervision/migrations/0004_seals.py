"""Seals (duban/audit/seals.py): the column, and the existing rows sealed."""
from django.db import migrations, models


def seal_existing(apps, schema_editor):
    """Seals every notice there is."""
    from duban.audit.seals import seal_historical
    from duban.supervision.models import notice_seal_content

    Notice = apps.get_model("supervision", "Notice")
    seal_historical(Notice, Notice.objects.order_by("pk").iterator(chunk_size=500), notice_seal_content)


class Migration(migrations.Migration):

    dependencies = [
        ('supervision', '0003_document_numbers'),
    ]

    operations = [
        migrations.AddField(
            model_name='notice',
            name='seal',
            field=models.CharField(blank=True, editable=False, max_length=80, verbose_name='防篡改校验值'),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
