"""Security headers, and `duban check --deploy` clean with production settings."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def test_it_sends_a_strict_content_security_policy_and_other_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    for part in ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
                 "frame-ancestors 'none'", "form-action 'self'"]:
        assert part in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_it_has_no_inline_script_on_the_sign_in_page(client):
    body = client.get("/accounts/login/").content.decode()
    import re

    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag, tag
    assert not re.search(r"\son[a-z]+=", body)


def _run(code: str, tmp_path, **env):
    # A clean deployment environment: none of the test run's own variables (the e2e
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy check rightly refuses).
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("DUBAN_", "DJANGO_")) and k != "DATABASE_URL"}
    environ.update({"DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_DATA_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, *code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


PRODUCTION = {
    "DUBAN_HTTPS": "true",
    "DUBAN_DEBUG": "false",
    "DUBAN_SECRET_KEY": "Zq8vW3nKp1XyR7tLm2Bc9Hd4Fg6Js0Ae5Uo8Ii3Ww7Ee1Rr9Tt2Yy4",
    "DUBAN_ALLOWED_HOSTS": "duban.example.gov.cn",
}


def test_the_deploy_check_is_clean_with_production_settings(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_marks_cookies_secure_and_sends_hsts_behind_https(tmp_path):
    code = ("from django.conf import settings as s; import django; django.setup(); "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT)")
    result = _run(["-c", code], tmp_path, **PRODUCTION)
    assert result.stdout.split() == ["True", "True", "31536000", "True"], result.stderr
