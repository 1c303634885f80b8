"""Existing data is sealed by the migrations: audit events written before the chain
existed become its first links (oldest id first); accepted reports, report versions
and notices get their seals."""
from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from duban.audit import chain, guard
from duban.audit.models import ChainHead, Event
from duban.rounds.models import Report, ReportVersion
from duban.supervision import actions as sup
from duban.supervision.models import Notice
from duban.web.demo import load_demo_round

BEFORE_CHAIN = [("audit", "0002_append_only_guard")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migration_links_every_existing_event(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    latest = [("audit", MigrationExecutor(connection).loader.graph.leaf_nodes("audit")[0][1])]
    _migrate(BEFORE_CHAIN)
    try:
        with connection.cursor() as cur:
            for i, at in enumerate(["2026-03-01 08:00:00.123456", "2026-03-02 09:30:00", "2026-03-02 09:30:00"]):
                cur.execute("INSERT INTO audit_event (at, actor_name, address, action, object_type, object_id, summary,"
                            " before, after, result) VALUES (%s, %s, %s, 'plan.import', '', '', %s, NULL, %s, 'ok')",
                            [at + ("+00:00" if connection.vendor == "postgresql" else ""), "office", "10.0.0.1",
                             f"旧记录{i}", '{"n": %d, "x": [1, 2.5]}' % i])
    finally:
        _migrate(latest)
        guard.open_for_tests()
    rows = list(Event.objects.order_by("seq"))
    assert [(e.seq, e.summary) for e in rows] == [(1, "旧记录0"), (2, "旧记录1"), (3, "旧记录2")]
    assert rows[0].prev_hash == "" and rows[1].prev_hash == rows[0].hash
    assert ChainHead.objects.get(pk=1).seq == 3
    assert chain.verify().ok
    # The guard is back, covering the new columns too.
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE audit_event SET hash = 'x' WHERE seq = 1")


@pytest.mark.django_db
def test_the_migrations_seal_existing_reports_versions_and_notices(plan, office, liaison_a, units):
    load_demo_round()
    sup.issue_notice(plan.tasks.get(number="1"), actor=office, level="notice", units=[units["甲局"]], facts="事项",
                     requirement="要求", reply_by=dt.date.today() + dt.timedelta(days=3))
    for model in (Report, ReportVersion, Notice):
        model.objects.update(seal="")
    assert Report.objects.get(pk=Report.objects.filter(status="accepted").first().pk).seal_state == "missing"
    importlib.import_module("duban.rounds.migrations.0002_seals").seal_existing(django_apps, None)
    importlib.import_module("duban.supervision.migrations.0004_seals").seal_existing(django_apps, None)
    accepted = Report.objects.filter(status="accepted")
    assert accepted.exists() and all(r.seal_state == "ok" for r in accepted)
    assert all(v.seal_state == "ok" for v in ReportVersion.objects.all())
    assert Notice.objects.get().seal_state == "ok"
    assert not Report.objects.exclude(status="accepted").exclude(seal="").exists()
