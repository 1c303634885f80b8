"""Backups are encrypted (SM4-GCM, AES-256-GCM under the intl suite) and signed
(HMAC-SM3) with keys derived from the master key, which is never in the archive; a
restore refuses an unsigned or wrongly signed archive with a Chinese message and
changes nothing; credentials revoked or changed after the backup stay revoked."""
from __future__ import annotations

import gzip
import io
import json
import sqlite3
import tarfile
import zlib
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.accounts import actions as accounts
from duban.accounts import approvals
from duban.accounts.models import User
from duban.api.models import ApiToken, Webhook
from duban.api.tokens import create_token, revoke_token
from duban.audit.log import record
from duban.audit.models import ChainHead, Event
from duban.conftest import PASSWORD
from duban.lib import crypto

from .test_backup_restore import _refused, backup, data_dir, files_root, members, sealed, tar_gz  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

TOTP_KEY = "3132333435363738393031323334353637383930"
WEBHOOK_SECRET = "whsec-9f8e7d6c5b4a39281706"


@pytest.fixture
def secrets_made(plan, office, liaison_a):
    TOTPDevice.objects.create(user=office, name="手机", key=TOTP_KEY, confirmed=True)
    Webhook.objects.create(name="大数据平台", url="http://10.0.0.9/hook", secret=WEBHOOK_SECRET)
    return User.objects.get(pk=office.pk).password


@pytest.mark.parametrize("suite, algorithm", [("gm", 1), ("intl", 2)])
def test_the_archive_is_encrypted_and_holds_no_secret_in_the_clear(data_dir, tmp_path, secrets_made, settings,
                                                                   suite, algorithm):
    settings.DUBAN_CRYPTO_SUITE = suite
    path = backup(tmp_path / "out")
    raw = path.read_bytes()
    assert raw[:4] == b"DBS1" and raw[4] == algorithm and raw.endswith(b"DSG1")
    with pytest.raises((OSError, zlib.error, EOFError)):
        gzip.decompress(raw)
    with pytest.raises(tarfile.TarError):
        tarfile.open(fileobj=io.BytesIO(raw))
    for secret in (TOTP_KEY, WEBHOOK_SECRET, secrets_made, "office"):
        assert secret.encode() not in raw
    # The key holder reads it all back; the master key itself is not inside.
    inside = members(path)
    whole = b"".join(inside.values())
    assert secrets_made.encode() in whole or connection.vendor == "postgresql"  # a pg_dump is compressed
    key = bytes.fromhex(crypto._master_key().hex())
    assert key.hex().encode() not in whole and key not in whole
    manifest = json.loads(inside["manifest.json"])
    assert manifest["sealed_with"]["encryption"] == ("SM4-GCM" if suite == "gm" else "AES-256-GCM")


@pytest.fixture
def archive(data_dir, tmp_path, plan):
    return backup(tmp_path / "out")


def _tampered_database(path: Path, tmp_path: Path) -> dict[str, bytes]:
    """The issue's attack: the database inside edited, the manifest's digest recomputed."""
    import hashlib

    got = members(path)
    name = next(n for n in got if n.startswith("database/"))
    if name.endswith(".sqlite3"):
        copy = tmp_path / "edit.sqlite3"
        copy.write_bytes(got[name])
        db = sqlite3.connect(copy)
        db.execute("UPDATE plans_task SET title = '被篡改的任务'")
        db.commit()
        db.close()
        got[name] = copy.read_bytes()
    else:
        got[name] = got[name] + b"\0"
    manifest = json.loads(got["manifest.json"])
    manifest["members"][name] = {"sha256": hashlib.sha256(got[name]).hexdigest(), "size": len(got[name])}
    got["manifest.json"] = json.dumps(manifest).encode()
    return got


def test_it_refuses_an_edited_archive_rehashed_but_not_signed(archive, files_root, tmp_path):
    unsigned = tmp_path / "unsigned.tar.gz"
    unsigned.write_bytes(tar_gz(_tampered_database(archive, tmp_path)))
    _refused(unsigned, "未加密、未签名", files_root)


def test_it_refuses_an_archive_signed_with_another_key(archive, files_root, tmp_path, monkeypatch):
    forged = _tampered_database(archive, tmp_path)
    monkeypatch.setenv("DUBAN_MASTER_KEY", "77" * 32)
    crypto.reset_key_cache()
    other = sealed(tar_gz(forged), tmp_path / "other-key.dbk")
    monkeypatch.undo()
    crypto.reset_key_cache()
    _refused(other, "签名校验未通过：文件被改动，或由另一把主密钥生成", files_root)


def test_it_refuses_a_signature_swapped_from_another_archive(archive, files_root, tmp_path):
    edited = sealed(tar_gz(_tampered_database(archive, tmp_path)), tmp_path / "edited.dbk").read_bytes()
    genuine = archive.read_bytes()
    n = genuine[-5]
    swapped = tmp_path / "swapped.dbk"
    swapped.write_bytes(edited[:-(n + 5)] + genuine[-(n + 5):])
    _refused(swapped, "签名校验未通过", files_root)


def test_the_check_refuses_an_unsigned_archive_too(archive, tmp_path):
    from django.core.management import CommandError

    unsigned = tmp_path / "unsigned.tar.gz"
    unsigned.write_bytes(tar_gz(members(archive)))
    with pytest.raises(CommandError, match="校验未通过.*未加密、未签名"):
        call_command("restore", str(unsigned), "--check")


def test_revoked_and_changed_credentials_stay_revoked_after_a_restore(data_dir, tmp_path, plan, office, liaison_a,
                                                                      liaison_b, sysadmin, secadmin, capsys):
    token_a, raw_a = create_token(liaison_a, name="报表系统", expires_at=None)
    token_b, raw_b = create_token(liaison_b, name="统计", expires_at=None)
    old_device = TOTPDevice.objects.create(user=office, name="旧手机", key=TOTP_KEY, confirmed=True)
    hook = Webhook.objects.create(name="大数据平台", url="http://10.0.0.9/hook", secret=WEBHOOK_SECRET)
    signed_in = Client()
    assert signed_in.post("/accounts/login/", {"username": "liaison_b", "password": PASSWORD}).status_code == 302
    path = backup(tmp_path / "out")

    # After the backup: a token revoked, another deleted, a password reset, an account
    # deactivated, the office's lost phone reset and a new one enrolled, the webhook's
    # secret changed.
    revoke_token(token_a, actor=liaison_a)
    ApiToken.objects.filter(pk=token_b.pk).delete()
    # The reset as 三员分立 has it: asked, approved, the new password set by the person.
    reset, first = approvals.request_password_reset(User.objects.get(pk=office.pk), actor=sysadmin)
    new_password = "Reset-by-me-2026"
    approvals.complete_setup("office", first, approvals.approve(reset, actor=secadmin), new_password)
    accounts.set_active(User.objects.get(pk=liaison_b.pk), False, actor=sysadmin)
    old_device.delete()
    new_device = TOTPDevice.objects.create(user=office, name="新手机", key="ab" * 20, confirmed=True)
    Webhook.objects.filter(pk=hook.pk).update(secret="whsec-new-0000000000")

    call_command("restore", str(path), "--yes")
    out = capsys.readouterr().out

    assert ApiToken.objects.get(pk=token_a.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=token_b.pk).revoked_at is not None
    api = Client()
    for raw in (raw_a, raw_b):
        assert api.get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert authenticate(username="office", password=PASSWORD) is None
    assert User.objects.get(pk=office.pk).check_password(new_password)
    assert not User.objects.get(pk=liaison_b.pk).is_active
    assert list(TOTPDevice.objects.values_list("pk", "name")) == [(new_device.pk, "新手机")]
    assert Webhook.objects.get(pk=hook.pk).secret == "whsec-new-0000000000"
    assert signed_in.get("/").status_code == 302  # the session of the backup ended
    for line in ("接口令牌 报表系统", "备份之后已撤销", "备份之后已删除", "修改或重置过密码", "liaison_b", "备份之后已停用",
                 "双因素认证设备 1 个", "更换过签名密钥", "登录会话"):
        assert line in out, line
    restore = Event.objects.get(action="backup.restore")
    assert len(restore.after["credentials_kept"]) == 7


def test_a_new_installation_gets_the_backups_credentials(data_dir, tmp_path, plan, office, liaison_a, capsys):
    """Restoring onto a database that does not carry on from the backup (a new machine
    after a disaster): nothing to compare with, so the accounts are the backup's."""
    token, raw = create_token(liaison_a, name="报表系统", expires_at=None)
    path = backup(tmp_path / "out")
    # The new machine: migrated, one account of its own, an audit log of its own.
    ApiToken.objects.all().delete()
    User.objects.exclude(pk=office.pk).delete()
    with connection.cursor() as cur:  # the test database's flush permit lets rows go
        cur.execute("DELETE FROM audit_event")
    ChainHead.objects.all().delete()
    record("test.elsewhere", summary="另一套系统的记录")
    call_command("restore", str(path), "--yes")
    out = capsys.readouterr().out
    assert "当前数据库不是该备份之后的数据" in out
    assert User.objects.get(pk=liaison_a.pk).is_active
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert Client().get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
