"""Issue 14 §5: the migrations encrypt the TOTP seeds and webhook secrets already stored
in the clear (otp_totp 0004, api 0004); nothing is lost, the values read back the same."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("otp_totp", "0003_add_timestamps"), ("api", "0003_delete_tasklight")]
SEED = "3132333435363738393031323334353637383930"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_existing_seeds_and_webhook_secrets_are_encrypted(liaison_a, office):
    graph = MigrationExecutor(connection).loader.graph
    latest = [(app, graph.leaf_nodes(app)[0][1]) for app in ("otp_totp", "api")]
    _migrate(BEFORE)
    try:
        with connection.cursor() as cur:
            cur.execute("INSERT INTO otp_totp_totpdevice (user_id, name, confirmed, key, step, t0, digits, tolerance,"
                        " drift, last_t, throttling_failure_timestamp, throttling_failure_count) VALUES"
                        " (%s, '旧手机', %s, %s, 30, 0, 6, 1, 0, -1, NULL, 0)", [liaison_a.pk, True, SEED])
            cur.execute("INSERT INTO api_webhook (name, url, secret, active, created_at, created_by_id)"
                        " VALUES ('OA', 'http://oa.example/hook', 'whsec-old-plain', %s, %s, %s)",
                        [True, "2026-11-01 08:00:00+00:00" if connection.vendor == "postgresql"
                         else "2026-11-01 08:00:00", office.pk])
    finally:
        _migrate(latest)
    with connection.cursor() as cur:
        cur.execute("SELECT key FROM otp_totp_totpdevice")
        (key,), = cur.fetchall()
        cur.execute("SELECT secret FROM api_webhook")
        (secret,), = cur.fetchall()
    assert key.startswith("enc1:") and SEED not in key
    assert secret.startswith("enc1:") and "whsec-old-plain" not in secret
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from duban.api.models import Webhook

    assert TOTPDevice.objects.get().key == SEED
    assert Webhook.objects.get().secret == "whsec-old-plain"
