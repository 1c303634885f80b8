"""A small identity provider for the tests, run as its own server on a free port:
OpenID Connect by django-oauth-toolkit, CAS 2.0/3.0 by django-cas-server, and stubs of
the WeCom and DingTalk OAuth interfaces (stubs.py). Its data lives in PROVIDER_DIR."""
import os
from pathlib import Path

DIR = Path(os.environ["PROVIDER_DIR"])
SECRET_KEY = "provider-test-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "django.contrib.messages",
    "oauth2_provider", "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "duban.identity.tests.provider.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [Path(__file__).parent / "templates"],
              "APP_DIRS": True, "OPTIONS": {"context_processors": [
                  "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DIR / "provider.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
STATIC_URL = "/static/"
LOGIN_URL = "/accounts/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": (DIR / "oidc.key").read_text() if (DIR / "oidc.key").exists() else "",
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "SCOPES": {"openid": "OpenID", "profile": "姓名", "email": "邮箱", "phone": "电话"},
    "OAUTH2_VALIDATOR_CLASS": "duban.identity.tests.provider.stubs.Validator",
    "PKCE_REQUIRED": True,
}
CAS_AUTH_CLASS = "cas_server.auth.DjangoAuthUser"
CAS_SHOW_POWERED = False
CAS_NEW_VERSION_HTML_WARNING = False
CAS_INFO_MESSAGES_ORDER = []
CAS_SLO_TIMEOUT = 5
# No assets from outside: the test machine has no internet.
CAS_COMPONENT_URLS = {k: f"/static/none/{k}" for k in (
    "bootstrap3_css", "bootstrap3_js", "html5shiv", "respond", "bootstrap4_css", "bootstrap4_js", "jquery")}
CAS_NEW_VERSION_JSON_URL = ""
# Duban runs on the same host (another port) in the browser tests: cookies are per host,
# so the provider's must not take Duban's names.
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
CAS_LOGIN_TEMPLATE = "cas_login.html"  # no scripts: the stock page expects jQuery from a CDN
