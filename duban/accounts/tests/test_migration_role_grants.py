"""The identity app's stand-in approval of role grants moved into the one approval flow
(accounts.AccountChange): the migration copies every grant, nothing of it lost."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from duban.accounts.models import AccountChange

BEFORE = [("accounts", "0002_signinfailure_user_password_changed_at_lockout_and_more"), ("identity", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_role_grant_becomes_an_account_change(units, liaison_a, secadmin):
    graph = MigrationExecutor(connection).loader.graph
    latest = [(app, graph.leaf_nodes(app)[0][1]) for app in ("accounts", "identity")]
    old = _migrate(BEFORE)
    try:
        RoleGrant = old.get_model("identity", "RoleGrant")
        waiting = RoleGrant.objects.create(user_id=liaison_a.pk, role="unit_head", unit_id=units["甲局"].pk,
                                           activate=True, source="ldap", reason="目录位置变化：ou=甲局")
        decided = RoleGrant.objects.create(user_id=liaison_a.pk, role="liaison", source="oidc", status="rejected",
                                           decided_by_id=secadmin.pk)
    finally:
        _migrate(latest)
    changes = {c.reason or c.source: c for c in AccountChange.objects.all()}
    assert len(changes) == 2
    moved = changes["目录位置变化：ou=甲局"]
    assert (moved.user_id, moved.role, moved.unit_id, moved.activate, moved.source, moved.status, moved.kind) == (
        liaison_a.pk, "unit_head", units["甲局"].pk, True, "ldap", "pending", "access")
    assert moved.requested_at == waiting.requested_at
    rejected = changes["oidc"]
    assert (rejected.status, rejected.decided_by_id) == ("rejected", decided.decided_by_id)
