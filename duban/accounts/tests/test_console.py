"""The three separated administrative roles (三员分立) and their pages."""
import pytest
from django.db import IntegrityError

from duban.accounts.models import Role, User
from duban.audit.models import Event
from duban.security.models import SecurityPolicy

from .util import events, sign_in

pytestmark = pytest.mark.django_db

SYSADMIN_PAGES = ["/accounts/users/", "/accounts/users/new/"]
SECADMIN_PAGES = ["/accounts/security/", "/accounts/security/approvals/", "/accounts/security/lockouts/", "/accounts/security/two-factor/"]
AUDITOR_PAGES = ["/accounts/audit/", "/accounts/audit/export.csv"]
ALL = {"sysadmin": SYSADMIN_PAGES, "secadmin": SECADMIN_PAGES, "auditor": AUDITOR_PAGES}


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor", "office", "liaison_a"])
def test_each_console_admits_only_its_own_role(client, request, role):
    request.getfixturevalue(role)
    sign_in(client, role)
    for owner, pages in ALL.items():
        for url in pages:
            expected = 200 if owner == role else 403
            assert client.get(url).status_code == expected, (role, url)


def test_the_system_administrator_cannot_read_the_audit_log_or_change_the_policy(client, sysadmin):
    sign_in(client, "sysadmin")
    assert client.get("/accounts/audit/").status_code == 403
    assert client.post("/accounts/security/", {"password_min_length": 6}).status_code == 403
    assert SecurityPolicy.current().password_min_length == 8


def test_the_auditor_cannot_manage_accounts(client, auditor, office):
    sign_in(client, "auditor")
    assert client.get("/accounts/users/").status_code == 403
    assert client.post(f"/accounts/users/{office.pk}/password/").status_code == 403
    assert client.post("/accounts/users/new/", {"username": "x", "role": "office"}).status_code == 403


def test_the_security_administrator_cannot_manage_accounts_or_read_the_log(client, secadmin, office):
    sign_in(client, "secadmin")
    assert client.get("/accounts/users/").status_code == 403
    assert client.post(f"/accounts/users/{office.pk}/active/", {"active": "0"}).status_code == 403
    assert client.get("/accounts/audit/").status_code == 403
    assert client.get("/accounts/audit/export.csv").status_code == 403


def test_no_account_holds_two_roles(db):
    field = User._meta.get_field("role")
    assert not field.many_to_many and field.choices  # one value per account
    user = User.objects.create(username="x", role=Role.SYSADMIN)
    User.objects.filter(pk=user.pk).update(role=Role.AUDITOR)
    user.refresh_from_db()
    assert user.role == Role.AUDITOR  # holding the auditor role replaced the sysadmin one
    with pytest.raises(IntegrityError):
        User.objects.create(username="x", role=Role.SECADMIN)  # no second account under one name


def test_it_refuses_an_administrative_role_from_the_web_pages(client, sysadmin):
    sign_in(client, "sysadmin")
    response = client.post("/accounts/users/new/", {"username": "aud2", "full_name": "审计2", "role": "auditor"})
    assert response.status_code == 200
    assert not User.objects.filter(username="aud2").exists()
    assert "不是可用的选项" in response.content.decode() or "选择一个有效的选项" in response.content.decode()


def test_it_refuses_to_edit_administrative_accounts(client, sysadmin, auditor):
    sign_in(client, "sysadmin")
    assert client.get(f"/accounts/users/{auditor.pk}/").status_code == 403
    assert client.post(f"/accounts/users/{auditor.pk}/password/").status_code == 403
    assert client.get(f"/accounts/users/{sysadmin.pk}/").status_code == 403


def test_it_shows_model_rules_as_form_errors(client, sysadmin, office):
    sign_in(client, "sysadmin")
    response = client.post(f"/accounts/users/{office.pk}/", {
        "username": "office", "full_name": "督查室", "phone": "", "role": "liaison"})
    assert response.status_code == 200
    assert "单位联络员和单位负责人必须属于一个单位" in response.content.decode()
    office.refresh_from_db()
    assert office.role == "office"


def test_it_deactivates_an_account_and_ends_its_sessions(client, sysadmin, office):
    other = client.__class__()
    sign_in(other, "office")
    sign_in(client, "sysadmin")
    assert client.post(f"/accounts/users/{office.pk}/active/", {"active": "0"}).status_code == 302
    office.refresh_from_db()
    assert not office.is_active
    assert other.get("/plans/").status_code == 302
    assert events("account.permission_change")[0].after == {"is_active": False}
    assert sign_in(other, "office").status_code == 200  # refused: the account is inactive


def test_it_escapes_names_shown_back(client, sysadmin, office):
    office.full_name = '<script>alert("x")</script>'
    office.save()
    sign_in(client, "sysadmin")
    body = client.get("/accounts/users/").content.decode()
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_the_security_administrator_sets_the_policy_and_it_is_audited(client, secadmin):
    sign_in(client, "secadmin")
    data = SecurityPolicy().as_dict() | {"password_max_age_days": 60, "require_2fa_for_staff": True}
    data = {k: v for k, v in data.items() if v is not False}
    data["fingerprint"] = client.get("/accounts/security/").context["form"]["fingerprint"].value()
    response = client.post("/accounts/security/", data)
    assert response.status_code == 302, response.content.decode()
    policy = SecurityPolicy.current()
    assert policy.password_max_age_days == 60 and policy.require_2fa_for_staff
    event = Event.objects.get(action="security.policy_change")
    assert event.before == {"password_max_age_days": 90, "require_2fa_for_staff": False}
    assert event.after == {"password_max_age_days": 60, "require_2fa_for_staff": True}


def test_it_refuses_a_policy_below_the_standard(client, secadmin):
    sign_in(client, "secadmin")
    data = SecurityPolicy().as_dict() | {"password_min_length": 6, "audit_retention_days": 90}
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post("/accounts/security/", data)
    assert response.status_code == 200
    assert SecurityPolicy.objects.count() == 0
