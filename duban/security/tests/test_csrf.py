"""Cross-site request forgery: every URL of the project refuses a POST that carries no
CSRF token, with 403, and changes nothing, even for a person who may make that very
change; the same POST with the token is not refused for want of it.

The URLs, the objects in them and who may POST come from the access rules of
duban/web/tests/test_isolation.py, walked recursively: a new page is covered as soon
as it has its rule there. The REST API (duban.api) checks the token itself (DRF's
SessionAuthentication) for writes made with the browser session; with a personal
Bearer token no cookie is involved and CSRF does not arise.
"""
from __future__ import annotations

import logging

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import resolve, reverse

from duban.web.tests.test_isolation import ROLES, RULES, snapshot

from .walk import URL_NAMES, allowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


# Views that take a POST from another server, not from a person's browser, and so carry
# no CSRF token; each says why it is safe without one.
EXEMPT = {
    "identity:cas_callback": "the CAS server's back-channel single sign-out (a SAML LogoutRequest): "
                             "it can only end the sessions of the ticket it names",
}


def poster(name: str) -> str:
    """A role the rules allow to POST to (or at least open) this URL, so that a refusal
    can only be the missing token's doing."""
    rule = RULES[name]
    for expect in (rule.post_expect, None if rule.post_expect else rule.get):
        if expect:
            for role in ROLES:
                if allowed(expect, role):
                    return role
    return "office"


def is_drf(url: str) -> bool:
    """A REST framework view (duban.api): CSRF-exempt for Django, checked by DRF itself."""
    from rest_framework.views import APIView

    cls = getattr(resolve(url).func, "cls", None)
    return isinstance(cls, type) and issubclass(cls, APIView)


def _post(client, url, data, drf: bool, **extra):
    if drf:
        return client.post(url, data, content_type="application/json", **extra)
    return client.post(url, data, **extra)


def _csrf_logged(caplog) -> bool:
    return any(r.name == "django.security.csrf" for r in caplog.records)


@pytest.mark.parametrize("name", URL_NAMES)
def test_it_refuses_a_post_without_the_csrf_token_and_changes_nothing(name, world, caplog):
    rule = RULES[name]
    url = reverse(name, kwargs=rule.kwargs(world))
    if name in EXEMPT:
        assert getattr(resolve(url).func, "csrf_exempt", False), f"{name} 列为免 CSRF 检查，但视图并未豁免"
        before = snapshot()
        Client(enforce_csrf_checks=True).post(url, rule.post(world) if rule.post else {})
        assert snapshot() == before, f"{name}：免 CSRF 检查的地址被任意提交修改了数据"
        return
    role = poster(name)
    drf = is_drf(url)
    data = rule.post(world) if rule.post else {}
    client = Client(enforce_csrf_checks=True)
    if role != "anon":
        client.force_login(world.user(role))
    before = snapshot()
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = _post(client, url, data, drf)
    assert response.status_code == 403 and (drf or _csrf_logged(caplog)), (
        f"{name}（{url}）以 {role} 身份不带 CSRF 令牌提交，应因缺少令牌被拒绝（403），实际 {response.status_code}")
    changed = [label for label, rows in snapshot().items() if rows != before.get(label)]
    assert not changed, f"{name}：缺少 CSRF 令牌的提交被拒绝，却修改了数据：{changed}"

    # The control: with the token (cookie and header, as the pages' forms and htmx send
    # it) the same request is not refused for CSRF, so the refusal above was the token's.
    caplog.clear()
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = _post(client, url, data, drf, HTTP_X_CSRFTOKEN=token)
    if drf:
        assert response.status_code != 403, f"{name}：带上 CSRF 令牌后仍被拒绝（403），上面的拒绝不能说明令牌被检查"
    else:
        assert not _csrf_logged(caplog), f"{name}：带上 CSRF 令牌后仍被当作伪造请求拒绝"
