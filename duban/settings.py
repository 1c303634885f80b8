"""Django settings for Duban. Every deployment value comes from the environment;
see deploy/duban.env for the full documented list."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from duban.lib.env import envbool, envint, envlist, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
# Data that must survive upgrades: the SQLite database, uploaded and imported files.
DATA_DIR = Path(envstr("DUBAN_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DUBAN_DEBUG", False)
DEMO = envbool("DUBAN_DEMO", False)


def _secret_key() -> str:
    key = envsecret("DUBAN_SECRET_KEY")
    if key:
        return key
    # No key configured: keep a generated one beside the data so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Generated beside the data (not given): `duban check --deploy` warns (duban.web.checks).
DUBAN_SECRET_KEY_GENERATED = not envsecret("DUBAN_SECRET_KEY")
ALLOWED_HOSTS = envlist("DUBAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("DUBAN_CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies (nginx) whose X-Forwarded-For names the real client address.
DUBAN_TRUSTED_PROXIES = envlist("DUBAN_TRUSTED_PROXIES", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "duban.accounts",
    "duban.org",
    "duban.plans",
    "duban.workplans",
    "duban.audit",
    "duban.web",
    "duban.security",
    "duban.rounds",
    "duban.supervision",
    "duban.notifications",
    "duban.indicators",
    "duban.dashboards",
    "duban.exports",
    "duban.api",
    "rest_framework",  # the REST API (duban.api)
    "drf_spectacular",  # its OpenAPI schema
    "drf_spectacular_sidecar",  # Swagger UI served by the app itself (no CDN)
    "duban.backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "duban.security.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "duban.audit.middleware.RequestContextMiddleware",
    "duban.accounts.middleware.SessionPolicyMiddleware",
    "duban.accounts.middleware.PasswordPolicyMiddleware",
]

ROOT_URLCONF = "duban.urls"
WSGI_APPLICATION = "duban.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "duban" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "duban.notifications.context_processors.unread",
            ],
        },
    }
]

# Database: SQLite by default (embedded install), PostgreSQL in production.
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'duban.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DUBAN_DB_CONN_MAX_AGE", 60))}
# Connections are kept between requests (DUBAN_DB_CONN_MAX_AGE seconds), SQLite's too:
# opening one costs ≈ 3 ms (the PRAGMAs below and the WAL check), more than a signed-in
# request's own work. Safe with WAL and autocommit: every request starts outside a
# transaction and sees the latest commit. A reused connection is checked first.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions: writers queue on the busy timeout instead of failing at
    # once with "database is locked" (SECURITY.md, traps). duban.lib.sqlite checks
    # at connection time that WAL and the timeout took effect.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=20000; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file (not :memory:) so WAL and concurrent-writer tests are real; one per
    # process so simultaneous test runs never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-duban-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 for new hashes; PBKDF2 still verifies older ones (upgraded at next sign-in).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Figures (length, classes, history) come from the security policy the security
# administrator sets in the UI (duban.security.models.SecurityPolicy).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "duban.accounts.passwords.MinimumLengthValidator"},
    {"NAME": "duban.accounts.passwords.CharacterClassValidator"},
    {"NAME": "duban.accounts.passwords.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "duban.accounts.passwords.CommonPasswordValidator"},
    {"NAME": "duban.accounts.passwords.PasswordHistoryValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "duban" / "static",
    # Browser libraries from the npm registry (package.json + package-lock.json, `npm ci`
    # in scripts/install.sh), served by the app itself: the intranet has no CDN.
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    # Uploaded and imported files live outside the web root; only views that check
    # visibility hand them out.
    # Several application servers on different machines share this folder (a network
    # mount, DUBAN_FILES_DIR); everything else they share is in PostgreSQL (docs/DEPLOY.md).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": envstr("DUBAN_FILES_DIR", str(DATA_DIR / "files"))}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DUBAN_MAX_UPLOAD_BYTES = envint("DUBAN_MAX_UPLOAD_MB", 20) * 1024 * 1024
# The issuing office printed on briefings (督查通报) and meeting packs; empty: the plan
# issuer's 督查室 (duban.exports.briefing.office_name).
DUBAN_OFFICE_NAME = envstr("DUBAN_OFFICE_NAME", "")

# The cache of rendered pages (ledger, dashboards). Pages are keyed by the data version
# kept in the database (duban.lib.dataversion), so a per-process cache is never stale,
# even with several servers; a shared Redis (DUBAN_CACHE_URL=redis://host:6379/0) saves
# each process building the same page again. Redis being down costs speed, not pages
# (duban.lib.cache).
CACHE_URL = envstr("DUBAN_CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"DUBAN_CACHE_URL must be a redis://, rediss:// or unix:// URL, not {CACHE_URL!r}")
    CACHES = {"default": {
        "BACKEND": "duban.lib.cache.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": envstr("DUBAN_CACHE_KEY_PREFIX", "duban"),
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "duban"}}

# A dashboard whose data changed is shown from its latest copy, at most this many
# seconds old and marked with its time, while the new copy is built (0: always wait
# for the new copy). See duban.dashboards.refresh.
DASHBOARD_STALE_SECONDS = envint("DUBAN_DASHBOARD_STALE_SECONDS", 120)

# Database sessions and ModelBackend rules, each read with one prepared SELECT per request.
SESSION_ENGINE = "duban.accounts.session_store"
AUTHENTICATION_BACKENDS = ["duban.accounts.backends.UserBackend"]
# Upper bound of a session; the idle limit and the (lower or equal) absolute limit are
# the security policy's, enforced by duban.accounts.middleware.SessionPolicyMiddleware.
SESSION_COOKIE_AGE = envint("DUBAN_SESSION_ABSOLUTE_HOURS", 12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE = envbool("DUBAN_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
if SECURE:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("DUBAN_SSL_REDIRECT", True)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline scripts or styles: every script and style sheet is a file under /static/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# HSTS preload is for public domains in browsers' built-in lists; an intranet host is not one.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# The REST API (duban.api): personal tokens (Authorization: Bearer) or the browser
# session (CSRF checked on writes); JSON only; Chinese errors in "detail".
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["duban.api.authentication.BearerTokenAuthentication",
                                       "duban.api.authentication.PolicySessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["duban.api.authentication.BusinessRolesOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "duban.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "duban.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "督办系统接口",
    "DESCRIPTION": "重点工作督查督办系统的数据接口（v1）。可见范围与网页相同；令牌在“接口令牌”页面创建。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["duban.api.authentication.BusinessRolesOnly"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"TargetSourceEnum": "duban.plans.models.Target.Source",
                            "MilestoneSourceEnum": "duban.workplans.models.Milestone.Source"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None, "persistAuthorization": False},
}

# Email (notifications by SMTP). Deliveries are sent by `duban send_notifications`.
EMAIL_BACKEND = envstr("DUBAN_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = envstr("DUBAN_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("DUBAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("DUBAN_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("DUBAN_EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("DUBAN_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("DUBAN_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("DUBAN_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = envstr("DUBAN_EMAIL_FROM", "duban@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("DUBAN_LOG_LEVEL", "WARNING")},
}
