# Per-import records for undo, leader roles mapped to people, the batch's role choices.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0001_initial'),
        ('org', '0001_initial'),
        ('plans', '0002_importbatch_to_imports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='importbatch',
            name='role_map',
            field=models.JSONField(blank=True, default=dict, verbose_name='领导职务对应'),
        ),
        migrations.CreateModel(
            name='PlanImport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source_name', models.CharField(max_length=255, verbose_name='文件名')),
                ('sha256', models.CharField(max_length=64, verbose_name='文件摘要')),
                ('revision', models.PositiveIntegerField(verbose_name='导入后版本')),
                ('plan_before', models.JSONField(blank=True, null=True, verbose_name='导入前方案信息')),
                ('sections_before', models.JSONField(blank=True, default=list, verbose_name='导入前各部分')),
                ('roles_before', models.JSONField(blank=True, default=dict, verbose_name='导入前领导职务对应')),
                ('counts', models.JSONField(blank=True, default=dict, verbose_name='变化数量')),
                ('imported_at', models.DateTimeField(auto_now_add=True, verbose_name='导入时间')),
                ('undone_at', models.DateTimeField(blank=True, null=True, verbose_name='撤销时间')),
                ('batch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='imports.importbatch', verbose_name='导入批次')),
                ('imported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='导入人')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='imports', to='plans.plan', verbose_name='方案')),
                ('undone_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='撤销人')),
            ],
            options={
                'verbose_name': '导入记录',
                'verbose_name_plural': '导入记录',
                'ordering': ['-id'],
            },
        ),
        migrations.CreateModel(
            name='TaskBefore',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('added', models.BooleanField(default=False, verbose_name='导入新增')),
                ('state', models.JSONField(blank=True, null=True, verbose_name='导入前状态')),
                ('plan_import', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tasks_before', to='imports.planimport')),
                ('task', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='plans.task')),
            ],
            options={
                'verbose_name': '导入前任务状态',
                'verbose_name_plural': '导入前任务状态',
            },
        ),
        migrations.CreateModel(
            name='RoleHolder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(max_length=50, verbose_name='领导职务')),
                ('leader', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.leader', verbose_name='领导')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='role_holders', to='plans.plan', verbose_name='方案')),
            ],
            options={
                'verbose_name': '领导职务对应',
                'verbose_name_plural': '领导职务对应',
                'constraints': [models.UniqueConstraint(fields=('plan', 'role'), name='role_holder_once')],
            },
        ),
    ]
