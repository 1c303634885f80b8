"""Document numbers stored as issued (the 文号 pattern is now the office's setting):
notices keep the number they were issued with; decided extension requests and
closures get their own numbered documents (延期批复, 办结销号通知), numbered here in
order for the ones decided before. The notice counter moves to
duban.documents.DocumentCounter (kind "notice")."""
from django.db import migrations, models


def forwards(apps, schema_editor):
    Notice = apps.get_model("supervision", "Notice")
    NoticeCounter = apps.get_model("supervision", "NoticeCounter")
    ExtensionRequest = apps.get_model("supervision", "ExtensionRequest")
    TaskClosure = apps.get_model("supervision", "TaskClosure")
    DocumentCounter = apps.get_model("documents", "DocumentCounter")

    for notice in Notice.objects.all().only("pk", "year", "seq"):
        Notice.objects.filter(pk=notice.pk).update(number=f"督办〔{notice.year}〕{notice.seq}号")
    for counter in NoticeCounter.objects.all():
        DocumentCounter.objects.update_or_create(kind="notice", year=counter.year, defaults={"last": counter.last})

    def number(kind, rows, day_of, field, pattern):
        last: dict[int, int] = {}
        for row in rows:
            year = day_of(row).year
            last[year] = last.get(year, 0) + 1
            type(row).objects.filter(pk=row.pk).update(**{field: pattern.format(year=year, seq=last[year])})
        for year, n in last.items():
            DocumentCounter.objects.update_or_create(kind=kind, year=year, defaults={"last": n})

    number("extension", ExtensionRequest.objects.filter(status__in=["approved", "refused"], decided_on__isnull=False)
           .order_by("decided_on", "pk"), lambda r: r.decided_on, "reply_number", "延期批复〔{year}〕{seq}号")
    number("closure", TaskClosure.objects.order_by("closed_on", "pk"), lambda r: r.closed_on, "number",
           "销号〔{year}〕{seq}号")


def backwards(apps, schema_editor):
    NoticeCounter = apps.get_model("supervision", "NoticeCounter")
    DocumentCounter = apps.get_model("documents", "DocumentCounter")
    for counter in DocumentCounter.objects.filter(kind="notice"):
        NoticeCounter.objects.update_or_create(year=counter.year, defaults={"last": counter.last})


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0002_status_rules_forecast_miss"),
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="notice", name="number",
                            field=models.CharField(default="", max_length=100, verbose_name="文号"), preserve_default=False),
        migrations.AddField(model_name="extensionrequest", name="reply_number",
                            field=models.CharField(blank=True, help_text="同意或不同意时编号（延期批复）", max_length=100,
                                                   verbose_name="批复文号")),
        migrations.AddField(model_name="taskclosure", name="number",
                            field=models.CharField(blank=True, help_text="办结销号通知的文号", max_length=100,
                                                   verbose_name="通知文号")),
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="NoticeCounter"),
    ]
