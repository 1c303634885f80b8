"""Security headers on every page, and the HTTPS-only ones when DUBAN_HTTPS=true.

Every URL of the project is opened by every role (the access rules of
duban/web/tests/test_isolation.py), so refusals (403, 404) and redirects are checked
as well as pages. Every HTML answer carries:

- Content-Security-Policy with script-src 'self' and no 'unsafe-inline' or
  'unsafe-eval' anywhere, object-src 'none', frame-ancestors 'none', base-uri 'self',
  form-action 'self';
- X-Frame-Options: DENY, X-Content-Type-Options: nosniff, Referrer-Policy: same-origin;

and its body has no inline script (only <script src> and json_script data blocks),
no inline event handler (on...=) and no javascript: URL. Downloads are attachments
with nosniff. Behind HTTPS: HSTS of one year on every answer, plain HTTP sent to
HTTPS, and session and CSRF cookies Secure, HttpOnly (session) and SameSite=Lax.
"""
from __future__ import annotations

import runpy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from duban.conftest import PASSWORD
from duban.web.tests.test_isolation import ROLES, RULES

from .walk import URL_NAMES, build_everything, is_html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
ROOT = Path(__file__).resolve().parents[3]

EXPECTED_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
CSP_REQUIRED = {
    "default-src": {"'self'"}, "script-src": {"'self'"}, "object-src": {"'none'"},
    "frame-ancestors": {"'none'"}, "base-uri": {"'self'"}, "form-action": {"'self'"},
}


def parse_csp(header: str) -> dict[str, set[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = set(words[1:])
    return out


def csp_problems(header: str | None) -> list[str]:
    if not header:
        return ["缺少 Content-Security-Policy"]
    csp = parse_csp(header)
    problems = [f"{d} 应为 {' '.join(v)}，实际 {' '.join(sorted(csp.get(d, ()))) or '（缺失）'}"
                for d, v in CSP_REQUIRED.items() if csp.get(d) != v]
    problems += [f"{d} 含 {w}" for d, words in csp.items() for w in words
                 if w in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:") and d in ("script-src", "default-src")]
    return problems


class InlineCode(HTMLParser):
    """Finds inline scripts, event-handler attributes and javascript: URLs."""

    DATA_TYPES = {"application/json", "application/ld+json"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction", "data") and value and \
                    value.strip().lower().replace("\t", "").replace("\n", "").startswith("javascript:"):
                self.found.append(f"<{tag} {name}=\"{value[:40]}\">")
        if tag == "script" and not attrs.get("src") and (attrs.get("type") or "").lower() not in self.DATA_TYPES:
            self._in_inline_script = True

    def handle_endtag(self, tag):
        self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}</script>")


def page_problems(response) -> list[str]:
    problems = [f"{h}: 应为 {v}，实际 {response.get(h)}" for h, v in EXPECTED_HEADERS.items() if response.get(h) != v]
    if is_html(response):
        problems += csp_problems(response.get("Content-Security-Policy"))
        finder = InlineCode()
        finder.feed(response.body.decode())
        problems += [f"页面含内联代码：{f}" for f in finder.found]
    elif response.status_code == 200 and response.get("Content-Disposition", "").startswith("attachment"):
        pass  # a download: checked by EXPECTED_HEADERS (nosniff) above
    return problems


def _get(client, url):
    response = client.get(url)
    response.body = b"".join(response.streaming_content) if response.streaming else response.content
    return response


@pytest.mark.parametrize("name", URL_NAMES)
def test_every_answer_of_every_url_carries_the_security_headers(name, world):
    build_everything(world)
    rule = RULES[name]
    url = reverse(name, kwargs=rule.kwargs(world))
    client = Client()
    problems = []
    for role in ROLES:
        client.logout()
        if role != "anon":
            client.force_login(world.user(role))
        response = _get(client, url)
        problems += [f"{role} GET {response.status_code}：{p}" for p in page_problems(response)]
    assert not problems, f"{name}（{url}）：\n" + "\n".join(problems)


def test_the_policy_checker_finds_what_it_looks_for():
    """The checks above can fail: they catch each fault they look for."""
    assert csp_problems("default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'; "
                        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
    assert csp_problems(None)
    finder = InlineCode()
    finder.feed('<p onclick="x()">a</p><a href=" javascript:alert(1)">b</a><script>alert(1)</script>'
                '<script src="/static/a.js"></script><script type="application/json">{"a": 1}</script>')
    assert len(finder.found) == 3, finder.found


def test_downloads_are_attachments_with_nosniff(world, client):
    """Generated and uploaded files are sent as attachments a browser will not render
    or sniff: the notice documents, an evidence file, the round sheet, the audit CSV."""
    build_everything(world)
    cases = [("office", "supervision:notice_docx", {"notice_id": world.notice_a.pk}),
             ("office", "supervision:notice_pdf", {"notice_id": world.notice_a.pk}),
             ("office", "rounds:attachment", {"attachment_id": world.attachment_a.pk}),
             ("liaison_a", "rounds:sheet", {"round_id": world.round.pk}),
             ("auditor", "accounts:audit_export", {})]
    for role, name, kwargs in cases:
        client.force_login(world.user(role))
        response = _get(client, reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
        assert response["Content-Disposition"].startswith("attachment"), name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert not response["Content-Type"].startswith("text/html"), name


# --- behind HTTPS -----------------------------------------------------------------------------

HTTPS_ENV = {"DUBAN_HTTPS": "true", "DUBAN_DEBUG": "false", "DUBAN_ALLOWED_HOSTS": "testserver",
             "DUBAN_SECRET_KEY": "Zq8vW3nKp1XyR7tLm2Bc9Hd4Fg6Js0Ae5Uo8Ii3Ww7Ee1Rr9Tt2Yy4"}
HTTPS_SETTINGS = ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
                  "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
                  "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE")


def deployment_settings(monkeypatch, tmp_path, **env) -> dict:
    """duban/settings.py as a deployment with these environment variables reads it."""
    for key in HTTPS_ENV:
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path / "data"))
    values = runpy.run_path(str(ROOT / "duban" / "settings.py"))
    return {k: values[k] for k in HTTPS_SETTINGS if k in values}


@pytest.fixture
def https(settings, monkeypatch, tmp_path):
    for key, value in deployment_settings(monkeypatch, tmp_path, **HTTPS_ENV).items():
        setattr(settings, key, value)
    return settings


def test_behind_https_every_page_sends_hsts_of_one_year(https, world):
    build_everything(world)
    client = Client()
    client.force_login(world.office)
    checked = 0
    for name in URL_NAMES:
        rule = RULES[name]
        response = client.get(reverse(name, kwargs=rule.kwargs(world)), secure=True)
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", name
        checked += 1
    assert checked == len(URL_NAMES)


def test_behind_https_plain_http_is_sent_to_https(https, world):
    response = Client().get("/accounts/login/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/accounts/login/"
    # nginx tells Django the request came over HTTPS (X-Forwarded-Proto): no loop
    assert Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


def test_behind_https_the_sign_in_cookies_are_secure_httponly_and_samesite(https, office):
    """Over HTTPS Django also checks the Referer of a form POST against the host (a
    forged form on another site has another origin)."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
    response = client.post("/accounts/login/", {"username": "office", "password": PASSWORD,
                                                "csrfmiddlewaretoken": csrf.value}, secure=True,
                           HTTP_REFERER="https://testserver/accounts/login/")
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True and session["samesite"] == "Lax"
    assert session["max-age"] == ""  # ends with the browser; the server ends it sooner (idle, absolute)
    # the same form posted from another site: refused, even with a valid token
    other = Client(enforce_csrf_checks=True)
    token = other.get("/accounts/login/", secure=True).cookies["csrftoken"].value
    forged = other.post("/accounts/login/", {"username": "office", "password": PASSWORD, "csrfmiddlewaretoken": token},
                        secure=True, HTTP_REFERER="https://evil.example/login/")
    assert forged.status_code == 403 and "_auth_user_id" not in other.session


def test_without_https_there_is_no_hsts_and_cookies_are_not_marked_secure(settings, monkeypatch, tmp_path, office):
    """The control for the three tests above: the figures come from DUBAN_HTTPS."""
    values = deployment_settings(monkeypatch, tmp_path)
    assert not values["SESSION_COOKIE_SECURE"] and "SECURE_HSTS_SECONDS" not in values
    for key, value in values.items():
        setattr(settings, key, value)
    client = Client()
    response = client.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    assert "Strict-Transport-Security" not in response
    assert response.cookies["sessionid"]["secure"] == "" and response.cookies["sessionid"]["httponly"] is True
