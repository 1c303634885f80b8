"""Second factor: TOTP for every account, required for office and administrative
roles when the policy says so; a code step after the password."""
import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.security.models import SecurityPolicy

from .util import events, sign_in

pytestmark = pytest.mark.django_db


def _code(device):
    device.refresh_from_db()
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:0{device.digits}d}"


def _device(user):
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def _enrolment_code(client, user):
    """The security administrator's one-time code, typed in first (issue 14 §5)."""
    from duban.accounts import otp

    code = otp.issue_enrolment_code(user, actor=None, channel="测试")
    assert client.post("/accounts/two-factor/enrol/", {"code": code}).status_code == 302


def test_it_enrols_with_a_locally_drawn_qr_code(client, liaison_a):
    sign_in(client, "liaison_a")
    _enrolment_code(client, liaison_a)
    response = client.get("/accounts/two-factor/enrol/")
    body = response.content.decode()
    assert re.search(r'<img class="qr" src="data:image/svg\+xml', body)
    assert "http" not in re.search(r'src="(data:[^"]+)"', body).group(1)[:30]
    device = TOTPDevice.objects.get(user=liaison_a, confirmed=False)
    response = client.post("/accounts/two-factor/enrol/", {"token": _code(device)})
    assert response.status_code == 200 and "恢复码" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert events("auth.otp_enrolled")


def test_it_asks_for_the_code_after_the_password(client, liaison_a):
    device = _device(liaison_a)
    response = sign_in(client, "liaison_a")
    assert response.status_code == 302 and response.url == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session  # not signed in on the password alone
    assert client.get("/plans/").status_code == 302
    response = client.post("/accounts/login/code/", {"token": _code(device)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(liaison_a.pk)
    assert "密码＋动态验证码" in events("auth.login")[-1].summary


def test_it_refuses_a_wrong_code_and_counts_it_as_a_failure(client, liaison_a):
    device = _device(liaison_a)
    sign_in(client, "liaison_a")
    good = _code(device)
    wrong = "000000" if good != "000000" else "111111"
    response = client.post("/accounts/login/code/", {"token": wrong})
    assert response.status_code == 200
    assert "动态验证码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert events("auth.otp_failed")[0].result == "failed"
    from duban.accounts.models import SignInFailure

    assert SignInFailure.objects.filter(username="liaison_a").count() == 1


def test_it_requires_enrolment_for_the_office_when_the_policy_is_on(client, office):
    SecurityPolicy(require_2fa_for_staff=True).save()
    response = sign_in(client, "office")
    assert response.url == "/accounts/two-factor/enrol/"
    assert "_auth_user_id" not in client.session
    body = client.get("/accounts/two-factor/enrol/").content.decode()
    assert "按安全策略" in body and "绑定码" in body
    _enrolment_code(client, office)
    client.get("/accounts/two-factor/enrol/")
    device = TOTPDevice.objects.get(user=office)
    assert client.post("/accounts/two-factor/enrol/", {"token": _code(device)}).status_code == 200
    assert client.session["_auth_user_id"] == str(office.pk)


@pytest.mark.parametrize("fixture", ["office", "sysadmin", "secadmin", "auditor"])
def test_it_requires_the_second_factor_for_office_and_admin_roles(client, request, fixture):
    SecurityPolicy(require_2fa_for_staff=True).save()
    request.getfixturevalue(fixture)
    assert sign_in(client, fixture).url == "/accounts/two-factor/enrol/"


def test_it_does_not_require_it_for_unit_people_or_when_the_policy_is_off(client, office, liaison_a):
    assert sign_in(client, "office").url == "/"
    SecurityPolicy(require_2fa_for_staff=True).save()
    client.post("/accounts/logout/")
    assert sign_in(client, "liaison_a").url == "/"


def test_it_sends_a_signed_in_office_person_to_enrol_when_the_policy_is_switched_on(client, office):
    sign_in(client, "office")
    SecurityPolicy(require_2fa_for_staff=True).save()
    assert client.get("/plans/").url == "/accounts/two-factor/enrol/"


def test_it_lets_the_security_administrator_reset_a_lost_authenticator(client, liaison_a, secadmin):
    _device(liaison_a)
    sign_in(client, "secadmin")
    assert "liaison_a" in client.get("/accounts/security/two-factor/").content.decode()
    assert client.post(f"/accounts/security/two-factor/{liaison_a.pk}/reset/").status_code == 302
    assert not TOTPDevice.objects.filter(user=liaison_a).exists()
    assert events("auth.otp_reset")[0].actor == secadmin
