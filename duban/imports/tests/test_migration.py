"""ImportBatch moved from plans to imports: every row of an existing database survives."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from duban.imports.models import ImportBatch


@pytest.mark.django_db(transaction=True)
def test_it_keeps_every_import_batch_when_the_model_moves_to_imports():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("imports", None)])  # back to before the move (plans 0002 goes too)
    executor.loader.build_graph()
    old_apps = executor.loader.project_state([("plans", "0001_initial")]).apps
    OldBatch = old_apps.get_model("plans", "ImportBatch")
    OldPlan = old_apps.get_model("plans", "Plan")
    plan = OldPlan.objects.create(title="2026年测试方案", issuer="测试区", year=2026)
    OldBatch.objects.create(file="imports/2026/a.txt", original_name="旧批次.txt", sha256="a" * 64,
                            status="applied", plan=plan)
    OldBatch.objects.create(file="imports/2026/b.txt", original_name="待确认.txt", sha256="b" * 64)

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    rows = list(ImportBatch.objects.order_by("pk").values_list("original_name", "status", "plan__title", "role_map"))
    assert rows == [("旧批次.txt", "applied", "2026年测试方案", {}), ("待确认.txt", "pending", None, {})]
    assert "imports_importbatch" in connection.introspection.table_names()
    assert "plans_importbatch" not in connection.introspection.table_names()
