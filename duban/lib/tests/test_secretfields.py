"""EncryptedTextField: secrets stored as SM4-GCM text, read back as plain text; values
written before are read as they are and encrypted by encrypt_existing."""
from __future__ import annotations

import pytest
from django.apps.registry import Apps
from django.db import connection, models

from duban.lib import crypto
from duban.lib.secretfields import EncryptedTextField, encrypt_existing

pytestmark = pytest.mark.django_db


# A registry of its own: the project's registry (walked by the isolation and id-guessing
# tests) never sees this table, which exists only inside these tests.
TEST_APPS = Apps(installed_apps=[])


class Vault(models.Model):
    secret = EncryptedTextField("密钥", purpose="test-secret", blank=True)

    class Meta:
        apps = TEST_APPS
        app_label = "secretfields_test"
        managed = False
        db_table = "test_vault"


@pytest.fixture
def vault_table():
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE test_vault (id integer PRIMARY KEY, secret text NOT NULL)")
    yield


def _stored(pk: int) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM test_vault WHERE id = %s", [pk])
        return cur.fetchone()[0]


def test_it_stores_ciphertext_and_reads_plain_text(vault_table, settings):
    Vault.objects.create(id=1, secret="JBSWY3DPEHPK3PXP")
    assert _stored(1).startswith("enc1:") and "JBSW" not in _stored(1)
    assert crypto.decrypt_text(_stored(1), "test-secret") == "JBSWY3DPEHPK3PXP"
    assert Vault.objects.get(pk=1).secret == "JBSWY3DPEHPK3PXP"
    settings.DUBAN_CRYPTO_SUITE = "intl"
    Vault.objects.create(id=2, secret="whsec-abc")
    assert Vault.objects.get(pk=2).secret == "whsec-abc" and Vault.objects.get(pk=1).secret == "JBSWY3DPEHPK3PXP"


def test_it_encrypts_what_was_stored_in_the_clear(vault_table):
    with connection.cursor() as cur:
        cur.execute("INSERT INTO test_vault (id, secret) VALUES (1, 'old-plain'), (2, '')")
    assert Vault.objects.get(pk=1).secret == "old-plain"
    Vault.objects.create(id=3, secret="new")
    assert encrypt_existing(Vault, "secret") == 1
    assert _stored(1).startswith("enc1:") and _stored(2) == ""
    assert Vault.objects.get(pk=1).secret == "old-plain"
    assert encrypt_existing(Vault, "secret") == 0


def test_a_changed_ciphertext_is_refused(vault_table):
    Vault.objects.create(id=1, secret="seed")
    stored = _stored(1)
    tampered = stored[:-4] + ("AAAA" if stored[-4:] != "AAAA" else "BBBB")
    with connection.cursor() as cur:
        cur.execute("UPDATE test_vault SET secret = %s WHERE id = 1", [tampered])
    with pytest.raises(crypto.CryptoError):
        Vault.objects.get(pk=1)


def test_the_purpose_survives_migrations():
    name, path, args, kwargs = Vault._meta.get_field("secret").deconstruct()
    assert path == "duban.lib.secretfields.EncryptedTextField" and kwargs["purpose"] == "test-secret"
