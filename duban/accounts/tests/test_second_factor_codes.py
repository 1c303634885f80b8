"""Issue 14 §5: the second factor is on by default for the office and the three
administrators in production; available to leaders and units and required when the
security administrator says so; enrolment needs a one-time code from the security
administrator (or the server), never the password alone; recovery codes; seeds and
webhook secrets encrypted at rest."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.accounts import otp
from duban.accounts.models import RecoveryCode
from duban.security.models import SecurityPolicy

from .util import events, sign_in

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def _code(device) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def _enrol(client, user, code) -> list[str]:
    """Enrolment code, then the QR step, then a code from the app; the recovery codes shown."""
    assert client.post("/accounts/two-factor/enrol/", {"code": code}).status_code == 302
    assert 'class="qr"' in client.get("/accounts/two-factor/enrol/").content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/two-factor/enrol/", {"token": _code(device)})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    return re.findall(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4})</code>", response.content.decode())


def test_production_settings_require_it_for_the_office_and_the_administrators(tmp_path):
    env_file = (ROOT / "deploy" / "duban.env").read_text()
    assert re.search(r"^DUBAN_REQUIRE_2FA_FOR_STAFF=true$", env_file, re.M)
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUBAN_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_DATA_DIR": str(tmp_path),
                "DUBAN_REQUIRE_2FA_FOR_STAFF": "true"})
    code = ("import django; django.setup(); from duban.security.models import SecurityPolicy as P; p = P(); "
            "print(p.require_2fa_for_staff, p.require_2fa_for_leaders, p.require_2fa_for_units)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "False", "False"], out.stderr


def test_the_password_alone_never_shows_the_seed(client, office):
    SecurityPolicy(require_2fa_for_staff=True).save()
    assert sign_in(client, "office").url == "/accounts/two-factor/enrol/"
    body = client.get("/accounts/two-factor/enrol/").content.decode()
    assert "绑定码" in body and 'class="qr"' not in body and "otpauth" not in body
    assert not TOTPDevice.objects.filter(user=office).exists()
    response = client.post("/accounts/two-factor/enrol/", {"code": "ABCD-EFGH"})
    assert "绑定码不正确" in response.content.decode() and 'class="qr"' not in response.content.decode()
    assert events("auth.otp_code_failed")[0].result == "failed"
    assert "_auth_user_id" not in client.session


def test_the_security_administrator_issues_a_one_time_enrolment_code(client, office, secadmin):
    admin = Client()
    sign_in(admin, "secadmin")
    response = admin.post(f"/accounts/security/two-factor/{office.pk}/code/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    (code,) = re.findall(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4})</code>", response.content.decode())
    assert events("auth.otp_code_issued")[0].actor == secadmin and code not in events("auth.otp_code_issued")[0].summary
    SecurityPolicy(require_2fa_for_staff=True).save()
    sign_in(client, "office")
    recovery = _enrol(client, office, code)
    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert client.session["_auth_user_id"] == str(office.pk)
    # used once: a second enrolment with the same code is refused
    other = Client()
    sign_in(other, "office")  # now asks for the TOTP code
    assert otp.use_enrolment_code(office, code) is False


def test_the_server_command_issues_a_code_too(office, capsys):
    call_command("enrolment_code", "office")
    (code,) = re.findall(r"[A-Z0-9]{4}-[A-Z0-9]{4}", capsys.readouterr().out)
    assert otp.use_enrolment_code(office, code)


def test_a_recovery_code_signs_in_once_in_place_of_the_app(client, liaison_a):
    sign_in(client, "liaison_a")
    recovery = _enrol(client, liaison_a, otp.issue_enrolment_code(liaison_a, actor=None, channel="测试"))
    client.post("/accounts/logout/")
    sign_in(client, "liaison_a")
    response = client.post("/accounts/login/code/", {"token": recovery[0].lower()})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(liaison_a.pk)
    assert events("auth.recovery_used")[0].summary == "使用恢复码登录（剩余9个）"
    again = Client()
    sign_in(again, "liaison_a")
    assert again.post("/accounts/login/code/", {"token": recovery[0]}).status_code == 200  # used
    assert "_auth_user_id" not in again.session
    assert RecoveryCode.objects.filter(user=liaison_a, used_at__isnull=True).count() == 9
    # stored as keyed digests, never the codes
    stored = " ".join(RecoveryCode.objects.values_list("digest", flat=True))
    assert not any(c in stored or c.replace("-", "") in stored for c in recovery)


def test_recovery_codes_can_be_renewed(client, liaison_a):
    sign_in(client, "liaison_a")
    old = _enrol(client, liaison_a, otp.issue_enrolment_code(liaison_a, actor=None, channel="测试"))
    response = client.post("/accounts/two-factor/", {"action": "recovery"})
    new = re.findall(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert not otp.use_recovery_code(liaison_a, old[0]) and otp.use_recovery_code(liaison_a, new[0])


@pytest.mark.parametrize("field, person, other", [("require_2fa_for_leaders", "leader", "liaison_a"),
                                                 ("require_2fa_for_units", "liaison_a", "leader")])
def test_the_security_administrator_can_require_it_for_leaders_or_units(client, request, field, person, other):
    request.getfixturevalue(person)
    request.getfixturevalue(other)
    assert sign_in(client, person).url != "/accounts/two-factor/enrol/"  # available, not required
    client.post("/accounts/logout/")
    SecurityPolicy(**{field: True}).save()
    assert sign_in(client, person).url == "/accounts/two-factor/enrol/"
    client.post("/accounts/logout/")
    assert sign_in(client, other).url != "/accounts/two-factor/enrol/"


def test_totp_seeds_are_encrypted_in_the_database_and_work(liaison_a):
    device = TOTPDevice.objects.create(user=liaison_a, name="手机", confirmed=True)
    seed = device.key
    assert re.fullmatch(r"[0-9a-f]{40}", seed)
    with connection.cursor() as cur:
        cur.execute("SELECT key FROM otp_totp_totpdevice WHERE id = %s", [device.pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("enc1:") and seed not in stored
    assert TOTPDevice.objects.get(pk=device.pk).key == seed
    assert otp.verify(TOTPDevice.objects.get(pk=device.pk), _code(device))


def test_webhook_secrets_are_encrypted_in_the_database(office):
    from duban.api.models import Webhook

    hook = Webhook.objects.create(name="OA", url="http://oa.example/hook", secret="whsec-" + "k" * 30, created_by=office)
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM api_webhook WHERE id = %s", [hook.pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("enc1:") and "kkkk" not in stored
    assert Webhook.objects.get(pk=hook.pk).secret == "whsec-" + "k" * 30


def test_django_otp_ships_no_migration_of_its_own_beside_ours():
    """The TOTP app's migrations are kept in duban/accounts/otp_totp_migrations (to encrypt
    the seed column): an upgrade of django-otp that adds one must be copied there."""
    import django_otp.plugins.otp_totp as package

    theirs = {p.name for p in (Path(package.__file__).parent / "migrations").glob("0*.py")}
    ours = {p.name for p in (ROOT / "duban" / "accounts" / "otp_totp_migrations").glob("0*.py")}
    assert theirs <= ours and ours - theirs == {"0004_encrypt_key.py"}
