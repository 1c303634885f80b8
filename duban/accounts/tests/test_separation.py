"""Issue 14 §2, 三员分立: the system administrator cannot become the office. Account
and role changes the system administrator makes take effect only when the security
administrator approves; a password reset never hands an administrator a usable
password (the person sets their own with two halves of a set-up code, one from each
administrator); no administrative role acts in business pages."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from duban.accounts.models import AccountChange, Lockout, User
from duban.conftest import PASSWORD

from .util import events, sign_in

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Mine-own-Pass9"
HALF = re.compile(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4})</code>")


def half_shown(response) -> str:
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    (half,) = HALF.findall(response.content.decode())
    return half


def setup(username, first, second, password=NEW_PASSWORD, address="10.4.0.1"):
    return Client().post("/accounts/setup/", {"username": username, "first_half": first, "second_half": second,
                                              "password1": password, "password2": password}, REMOTE_ADDR=address)


def admin(role):
    client = Client()
    assert sign_in(client, role).status_code == 302
    return client


def test_the_system_administrator_cannot_become_the_office(sysadmin, secadmin, office):
    """The issue's attack: the system administrator resets the office's password and
    signs in with it. Now the reset gives half a code, which signs in nowhere."""
    sys_client = admin("sysadmin")
    first = half_shown(sys_client.post(f"/accounts/users/{office.pk}/password/"))
    office.refresh_from_db()
    assert office.check_password(PASSWORD) and not office.must_change_password  # nothing changed yet
    assert sign_in(Client(), "office", first).status_code == 200  # refused: not a password
    assert setup("office", first, first, address="10.4.0.9").status_code == 200  # not approved, not whole
    assert not User.objects.get(pk=office.pk).check_password(NEW_PASSWORD)
    # Even approved, the system administrator's half alone sets no password.
    second = half_shown(admin("secadmin").post(
        f"/accounts/security/approvals/{AccountChange.objects.get(user=office).pk}/approve/"))
    assert setup("office", first, "AAAA-AAAA").status_code == 200
    assert not User.objects.get(pk=office.pk).check_password(NEW_PASSWORD)
    # The person, given both halves, sets a password no administrator has seen.
    assert setup("office", first, second).status_code == 302
    assert User.objects.get(pk=office.pk).check_password(NEW_PASSWORD)
    assert events("account.password_set")[0].actor == office


def test_a_new_account_is_inactive_without_a_password_until_approved_and_set_up(sysadmin, secadmin, units):
    sys_client = admin("sysadmin")
    first = half_shown(sys_client.post("/accounts/users/new/", {
        "username": "office2", "full_name": "张三", "phone": "", "role": "office"}))
    person = User.objects.get(username="office2")
    assert not person.is_active and not person.has_usable_password()
    change = AccountChange.objects.get(user=person)
    assert (change.kind, change.status, change.requested_by, change.role) == ("create", "pending", sysadmin, "office")
    assert events("account.create")[0].actor == sysadmin and "待安全管理员审批" in events("account.create")[0].summary
    assert setup("office2", first, "AAAA-AAAA").status_code == 200  # not approved: nothing to set up

    sec_client = admin("secadmin")
    listing = sec_client.get("/accounts/security/approvals/").content.decode()
    assert "office2" in listing and "新建账号：督查室" in listing
    second = half_shown(sec_client.post(f"/accounts/security/approvals/{change.pk}/approve/"))
    assert first != second
    person.refresh_from_db()
    assert person.is_active and not person.has_usable_password()
    (approved,) = events("account.permission_change")
    assert approved.actor == secadmin and approved.after["is_active"] is True
    assert sign_in(Client(), "office2", first + second).status_code == 200  # the code is not a password

    assert setup("office2", first.lower(), second.replace("-", " ")).status_code == 302  # typed loosely
    client = Client()
    assert sign_in(client, "office2", NEW_PASSWORD).status_code == 302
    assert client.get("/plans/ledger/").status_code == 200
    assert setup("office2", first, second, password="Another-Pass9").status_code == 200  # used once


def test_a_role_change_takes_effect_only_after_approval(sysadmin, secadmin, liaison_a, units):
    signed_in = Client()
    sign_in(signed_in, "liaison_a")
    sys_client = admin("sysadmin")
    shown = sys_client.get(f"/accounts/users/{liaison_a.pk}/").context["form"]["fingerprint"].value()
    response = sys_client.post(f"/accounts/users/{liaison_a.pk}/", {
        "username": "liaison_a", "full_name": "李四", "phone": "", "role": "unit_head", "unit": units["甲局"].pk,
        "fingerprint": shown}, follow=True)
    assert "已提交安全管理员审批" in response.content.decode()
    liaison_a.refresh_from_db()
    assert (liaison_a.role, liaison_a.full_name) == ("liaison", "李四")  # the name at once, the role not
    (asked,) = events("account.change_requested")
    assert asked.actor == sysadmin and asked.before["role"] == "liaison" and asked.after["role"] == "unit_head"
    assert not events("account.permission_change")
    assert signed_in.get("/plans/mine/").status_code == 200  # still signed in, as a liaison

    change = AccountChange.objects.get(user=liaison_a, status="pending")
    assert admin("secadmin").post(f"/accounts/security/approvals/{change.pk}/approve/").status_code == 302
    liaison_a.refresh_from_db()
    assert liaison_a.role == "unit_head"
    (approved,) = events("account.permission_change")
    assert approved.actor == secadmin and approved.before["role"] == "liaison" and approved.after["role"] == "unit_head"
    assert signed_in.get("/plans/mine/").status_code == 302  # what the person may see changed: signed out


def test_a_rejected_change_changes_nothing_and_is_decided_once(sysadmin, secadmin, liaison_a, units):
    from duban.accounts.approvals import request_access

    change = request_access(liaison_a, role="unit_head", unit=units["甲局"], actor=sysadmin)
    sec_client = admin("secadmin")
    assert sec_client.post(f"/accounts/security/approvals/{change.pk}/reject/").status_code == 302
    liaison_a.refresh_from_db()
    assert liaison_a.role == "liaison"
    assert events("account.change_rejected")[0].result == "denied"
    again = sec_client.post(f"/accounts/security/approvals/{change.pk}/approve/", follow=True)
    assert "该申请已被处理" in again.content.decode()
    assert User.objects.get(pk=liaison_a.pk).role == "liaison"


def test_deactivation_is_immediate_and_reactivation_waits(sysadmin, secadmin, office):
    sys_client = admin("sysadmin")
    sys_client.post(f"/accounts/users/{office.pk}/active/", {"active": "0"})
    assert not User.objects.get(pk=office.pk).is_active
    sys_client.post(f"/accounts/users/{office.pk}/active/", {"active": "1"})
    assert not User.objects.get(pk=office.pk).is_active
    change = AccountChange.objects.get(user=office, status="pending")
    assert change.activate and change.describe() == "督查室，并启用账号"
    admin("secadmin").post(f"/accounts/security/approvals/{change.pk}/approve/")
    assert User.objects.get(pk=office.pk).is_active


def test_deactivation_withdraws_a_waiting_activation(sysadmin, secadmin, office):
    from duban.accounts import actions

    actions.set_active(office, False, actor=sysadmin)
    change = actions.set_active(User.objects.get(pk=office.pk), True, actor=sysadmin)
    actions.set_active(User.objects.get(pk=office.pk), False, actor=sysadmin)
    assert AccountChange.objects.get(pk=change.pk).status == "superseded"


def test_the_person_chooses_a_password_the_policy_accepts(sysadmin, secadmin, office):
    from duban.accounts import approvals

    change, first = approvals.request_password_reset(office, actor=sysadmin)
    second = approvals.approve(change, actor=secadmin)
    response = setup("office", first, second, password="abc12345")
    assert response.status_code == 200 and "密码须包含小写字母、大写字母、数字、特殊字符中的至少3类" in response.content.decode()
    assert User.objects.get(pk=office.pk).check_password(PASSWORD)
    assert setup("office", first, second).status_code == 302  # the code was not used up by the refusal


def test_wrong_set_up_codes_count_as_failed_sign_ins(sysadmin, secadmin, office):
    from duban.accounts import approvals

    change, first = approvals.request_password_reset(office, actor=sysadmin)
    second = approvals.approve(change, actor=secadmin)
    for _ in range(5):
        assert setup("office", first, "WRNG-CODE").status_code == 200
    assert Lockout.objects.filter(kind="account", key="office").exists()
    response = setup("office", first, second)  # right, but locked
    assert response.status_code == 200 and "已被锁定" in response.content.decode()
    assert len(events("auth.setup_failed")) == 5


def test_a_set_up_code_expires_7_days_after_approval(sysadmin, secadmin, office):
    from duban.accounts import approvals

    change, first = approvals.request_password_reset(office, actor=sysadmin)
    second = approvals.approve(change, actor=secadmin)
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        assert setup("office", first, second).status_code == 200
    assert setup("office", first, second).status_code == 302


def test_no_administrative_role_acts_in_business_pages():
    """Every page that is not an administrator's own console or the person's own account
    refuses the three administrative roles, GET and POST (test_isolation.py walks these
    rules with real requests; this keeps the rules from being loosened)."""
    from duban.web.tests.test_isolation import OK, RULES

    own = {"web:home", "accounts:login", "accounts:setup", "accounts:otp_verify", "accounts:logout",
           "accounts:password_change", "accounts:two_factor", "accounts:otp_enrol", "accounts:sessions",
           "notifications:inbox", "notifications:preferences", "api:schema", "exports:signing_key",
           "manual:index", "manual:page"}  # the 操作手册: each role's own help
    console = ("accounts:user", "accounts:security", "accounts:lockout", "accounts:second_factor",
               "accounts:outbound", "accounts:audit", "accounts:approval", "accounts:enrolment_code", "jobs:",
               "identity:")
    checked = 0
    for name, rule in RULES.items():
        if name in own or name.startswith(console):
            continue
        for role in ("sysadmin", "secadmin", "auditor"):
            for expected in (rule.get[role], (rule.post_expect or rule.get)[role]):
                allowed = expected == OK or (isinstance(expected, tuple) and OK in expected)
                assert not allowed, f"{name}：{role} 不应能访问业务页面"
        checked += 1
    assert checked > 60


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor"])
def test_an_administrator_is_refused_the_offices_writes(role, request, plan, office):
    from duban.plans.models import Task

    request.getfixturevalue(role)
    task = Task.objects.filter(plan=plan).first()
    client = admin(role)
    for url, data in ((f"/supervision/tasks/{task.pk}/notice/", {"level": "notice"}),
                      ("/plans/import/", {}),
                      (f"/plans/tasks/{task.pk}/", {})):
        assert client.post(url, data).status_code in (403, 404, 405), url
        assert client.get(url).status_code in (403, 404, 405), url
