# ImportBatch now lives in the imports app (imports/0001 took over its table, rows and
# all); here it only leaves plans' state. Task.key goes: tasks of a revision are matched
# by duban.imports.matching, not by a key.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0001_initial"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportBatch")],
            database_operations=[],
        ),
        migrations.RemoveIndex(model_name="task", name="plans_task_plan_id_6b96c0_idx"),
        migrations.RemoveField(model_name="task", name="key"),
        migrations.AlterField(
            model_name="task",
            name="withdrawn",
            field=models.BooleanField(default=False, help_text="方案修订后不再包含此任务（记录全部保留，可恢复）",
                                      verbose_name="已撤销"),
        ),
    ]
