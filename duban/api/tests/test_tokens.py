"""Personal API tokens: made and revoked on the 接口令牌 page, shown once, stored as a
digest; refused when revoked, expired, malformed, or when the account may not sign in."""
from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from duban.accounts.models import Lockout
from duban.api.models import ApiToken
from duban.api.tokens import create_token
from duban.audit.models import Event

TASKS = "/api/v1/tasks/"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def make_on_page(client, user, name="OA 同步", expires="90") -> str:
    client.force_login(user)
    response = client.post(reverse("api:tokens"), {"name": name, "expires": expires})
    assert response.status_code == 200
    found = re.search(r'id="new-token">(dbn_[A-Za-z0-9_-]+)<', response.content.decode())
    assert found, "新令牌应在创建后的页面上显示一次"
    return found.group(1)


def test_it_shows_a_new_token_once_and_keeps_only_its_digest(client, liaison_a, plan):
    raw = make_on_page(client, liaison_a)
    token = ApiToken.objects.get(user=liaison_a)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.name, token.prefix, token.digest}
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw) // 3
    # The list shows the prefix, never the token again.
    page = client.get(reverse("api:tokens")).content.decode()
    assert token.prefix in page and raw not in page
    assert Event.objects.filter(action="api.token_create", actor=liaison_a, object_id=str(token.pk)).exists()
    expires = timezone.localtime(token.expires_at)
    assert (expires - timezone.localtime()).days in (89, 90)


def test_it_lets_a_token_act_as_its_owner_and_stamps_its_last_use(liaison_a, plan):
    token, raw = create_token(liaison_a, name="同步", expires_at=None)
    assert token.last_used_at is None
    response = bearer(raw).get(TASKS)
    assert response.status_code == 200
    assert {t["number"] for t in response.json()["results"]} == {"1", "2"}  # unit A's tasks
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_refuses_a_revoked_token_and_records_the_revocation(client, liaison_a, plan):
    raw = make_on_page(client, liaison_a)
    assert bearer(raw).get(TASKS).status_code == 200
    token = ApiToken.objects.get(user=liaison_a)
    response = client.post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = bearer(raw).get(TASKS)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "接口令牌已撤销"
    assert Event.objects.filter(action="api.token_revoke", object_id=str(token.pk)).count() == 1
    assert Event.objects.filter(action="api.token_refused", object_id=str(token.pk), result="denied").exists()


def test_it_refuses_an_expired_token(liaison_a, plan):
    token, raw = create_token(liaison_a, name="短期", expires_at=timezone.now() + dt.timedelta(days=30))
    assert bearer(raw).get(TASKS).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        refused = bearer(raw).get(TASKS)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "接口令牌已过期"


@pytest.mark.parametrize("header", ["Bearer dbn_short", "Bearer " + "dbn_" + "A" * 43, "Bearer a b", "Token x"])
def test_it_refuses_a_malformed_or_unknown_token(liaison_a, plan, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(TASKS)
    assert response.status_code == 401
    assert response.json()["detail"]  # a Chinese message, never the data
    assert "results" not in response.json()


def test_it_answers_401_with_a_challenge_to_a_request_without_credentials(plan):
    response = APIClient().get(TASKS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "令牌" in response.json()["detail"]


@pytest.mark.parametrize("state", ["inactive", "locked", "must_change_password"])
def test_it_refuses_a_token_whose_account_may_not_sign_in(liaison_a, plan, state):
    token, raw = create_token(liaison_a, name="同步", expires_at=None)
    assert bearer(raw).get(TASKS).status_code == 200
    if state == "inactive":
        liaison_a.is_active = False
        liaison_a.save(update_fields=["is_active"])
    elif state == "locked":
        Lockout.objects.create(kind="account", key=liaison_a.username, until=timezone.now() + dt.timedelta(minutes=30))
    else:
        liaison_a.must_change_password = True
        liaison_a.save(update_fields=["must_change_password"])
    response = bearer(raw).get(TASKS)
    assert response.status_code == 401
    assert "账号" in response.json()["detail"]
    assert Event.objects.filter(action="api.token_refused", object_id=str(token.pk)).exists()


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor"])
def test_it_refuses_admin_roles_the_business_data(request, plan, role):
    admin = request.getfixturevalue(role)
    _, raw = create_token(admin, name="x", expires_at=None)  # e.g. made before a role change
    response = bearer(raw).get(TASKS)
    assert response.status_code == 403
    assert response.json()["detail"] == "系统管理员、安全管理员和审计员不能访问业务数据"


def test_it_keeps_the_token_page_from_admins_and_other_peoples_tokens_from_everyone(client, sysadmin, liaison_a,
                                                                                    liaison_b, plan):
    client.force_login(sysadmin)
    assert client.get(reverse("api:tokens")).status_code == 403
    token, raw = create_token(liaison_a, name="甲局", expires_at=None)
    client.force_login(liaison_b)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert bearer(raw).get(TASKS).status_code == 200


def test_it_refuses_a_token_form_without_a_name_in_chinese_and_makes_nothing(client, liaison_a, plan):
    client.force_login(liaison_a)
    response = client.post(reverse("api:tokens"), {"name": "  ", "expires": "90"})
    assert response.status_code == 200
    assert "请填写令牌的用途" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_lets_the_session_read_but_checks_csrf_on_session_writes(liaison_a, plan):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(liaison_a)
    assert client.get(TASKS).status_code == 200
    response = client.post("/api/v1/tasks/1/milestones/", {"title": "节点", "due": "2026-12-01", "unit": 1},
                           format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
