# ImportBatch moves from plans to imports without losing a row: the model is created
# here in Django's state only, on the table plans already has, then that table is
# renamed (plans/0002 removes it from plans' state only).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("plans", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportBatch",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("file", models.FileField(upload_to="imports/%Y/", verbose_name="文件")),
                        ("original_name", models.CharField(max_length=255, verbose_name="文件名")),
                        ("sha256", models.CharField(max_length=64, verbose_name="文件摘要")),
                        ("status", models.CharField(choices=[("pending", "待确认"), ("applied", "已导入"), ("unchanged", "无变化"), ("cancelled", "已取消")], default="pending", max_length=10, verbose_name="状态")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ("plan", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="import_batches", to="plans.plan")),
                    ],
                    options={
                        "verbose_name": "导入批次",
                        "verbose_name_plural": "导入批次",
                        "db_table": "plans_importbatch",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="importbatch", table=None),
    ]
