"""Seals (duban/audit/seals.py): the column, and the existing rows sealed."""
from django.db import migrations, models


def seal_existing(apps, schema_editor):
    """Seals every accepted report and every report version there is."""
    from duban.audit.seals import seal_historical
    from duban.rounds.models import report_seal_content, version_seal_content

    Report = apps.get_model("rounds", "Report")
    ReportVersion = apps.get_model("rounds", "ReportVersion")
    seal_historical(Report, Report.objects.filter(status="accepted").order_by("pk").iterator(chunk_size=500),
                    report_seal_content)
    seal_historical(ReportVersion, ReportVersion.objects.order_by("pk").iterator(chunk_size=500),
                    version_seal_content)


class Migration(migrations.Migration):

    dependencies = [
        ('rounds', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='seal',
            field=models.CharField(blank=True, editable=False, max_length=80, verbose_name='防篡改校验值'),
        ),
        migrations.AddField(
            model_name='reportversion',
            name='seal',
            field=models.CharField(blank=True, editable=False, max_length=80, verbose_name='防篡改校验值'),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
