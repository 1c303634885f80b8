"""Django settings for Duban. Every deployment value comes from the environment;
see deploy/duban.env for the full documented list."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from duban.lib.env import envbool, envint, envlist, envsecret, envstr
from duban.lib.filemodes import PRIVATE_DIR, PRIVATE_FILE, private_dir

BASE_DIR = Path(__file__).resolve().parent.parent
# Data that must survive upgrades: the SQLite database, uploaded and imported files,
# backups, audit archives, keys. Readable by Duban's account only (0700; files 0600,
# duban.lib.filemodes), whatever the umask of the shell that started `duban`.
DATA_DIR = private_dir(Path(envstr("DUBAN_DATA_DIR", str(BASE_DIR / "var"))).resolve())

DEBUG = envbool("DUBAN_DEBUG", False)
DEMO = envbool("DUBAN_DEMO", False)


def _secret_key() -> str:
    key = envsecret("DUBAN_SECRET_KEY")
    if key:
        return key
    # No key configured: keep a generated one beside the data so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Created 0600 at once: never readable by others, not even for a moment.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE), "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Generated beside the data (not given): `duban check --deploy` warns (duban.web.checks).
DUBAN_SECRET_KEY_GENERATED = not envsecret("DUBAN_SECRET_KEY")
# National (SM3/SM4, "gm") or international (SHA-256/AES-256-GCM, "intl") algorithms for
# keyed integrity and encryption at rest (duban.lib.crypto); the master key is
# DUBAN_MASTER_KEY or DUBAN_MASTER_KEY_FILE, read there, never stored in the database.
DUBAN_CRYPTO_SUITE = envstr("DUBAN_CRYPTO_SUITE", "gm")
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
    "duban.imports",
    "duban.audit",
    "duban.documents",
    "duban.web",
    "duban.security",
    "duban.rounds",
    "duban.supervision",
    "duban.status",  # the stored status light of every task
    "duban.items",  # 督办事项 of every kind besides plan tasks: 批示件, 会议议定事项, 建议提案, 上级交办; 结转
    "django_q",  # the job queue and scheduler (duban.jobs)
    "duban.jobs",
    "duban.notifications",
    "duban.indicators",
    "duban.dashboards",
    "duban.exports",
    "duban.api",
    "rest_framework",  # the REST API (duban.api)
    "drf_spectacular",  # its OpenAPI schema
    "drf_spectacular_sidecar",  # Swagger UI served by the app itself (no CDN)
    "duban.backups",
    "duban.identity",  # sign-in through the directory, unified identity (OIDC/CAS), WeCom and DingTalk
    "duban.manual",
    "duban.ledger",  # the ledger, the task page and the plan pages (above every app they gather)  # the user manual (操作手册, 帮助)
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
    "duban.identity.middleware.InAppSignInMiddleware",
    "duban.status.middleware.CurrentStatusMiddleware",
]

# django-otp's TOTP migrations plus the one that encrypts the seeds (SM4 at rest, issue 14 §5).
MIGRATION_MODULES = {"otp_totp": "duban.accounts.otp_totp_migrations"}

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
            # `when`: dates and times as <time> that never wrap (duban/lib/datetags.py)
            "builtins": ["duban.lib.datetags"],
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
# Collected static files: read by the web server (nginx) as well, so in production
# outside the private data folder (DUBAN_STATIC_DIR, docs/DEPLOY.md).
STATIC_ROOT = Path(envstr("DUBAN_STATIC_DIR", str(DATA_DIR / "static"))).resolve()
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
    # Files 0600 in folders 0700 (issue 14 §7), set by the storage itself, not left to the umask.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": envstr("DUBAN_FILES_DIR", str(DATA_DIR / "files")),
                            "file_permissions_mode": PRIVATE_FILE, "directory_permissions_mode": PRIVATE_DIR}},
    # Static files are public (the web server reads them): 0644 / 0755 even under UMask=0077.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage",
                    "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755}},
}
WHITENOISE_USE_FINDERS = DEBUG
# Files browsers ask for at the site's root (/favicon.ico, /apple-touch-icon.png).
WHITENOISE_ROOT = BASE_DIR / "duban" / "webroot"

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DUBAN_MAX_UPLOAD_BYTES = envint("DUBAN_MAX_UPLOAD_MB", 20) * 1024 * 1024
# A plan revision that would withdraw more than this share of the plan's tasks is
# suspicious: the preview says so and asks a second time (`duban import` wants --force).
DUBAN_IMPORT_WITHDRAW_SHARE = envint("DUBAN_IMPORT_WITHDRAW_PERCENT", 10) / 100
# The issuing office printed on briefings (督查通报) and meeting packs; empty: the plan
# issuer's 督查室 (duban.exports.briefing.office_name).
DUBAN_OFFICE_NAME = envstr("DUBAN_OFFICE_NAME", "")
# PDF documents are converted from the filled .docx by LibreOffice when it is installed
# ("auto"), or always laid out by reportlab ("reportlab"); DUBAN_SOFFICE names the
# soffice program when it is not on the PATH (duban.documents.pdf).
DUBAN_PDF_ENGINE = envstr("DUBAN_PDF_ENGINE", "auto")
if DUBAN_PDF_ENGINE not in ("auto", "reportlab"):
    raise ImproperlyConfigured(f"DUBAN_PDF_ENGINE must be auto or reportlab, not {DUBAN_PDF_ENGINE!r}")
DUBAN_SOFFICE = envstr("DUBAN_SOFFICE", "")

# Django's cache (no page is cached: the lights are stored rows, duban.status). A
# shared Redis (DUBAN_CACHE_URL=redis://host:6379/0) is used when configured; Redis being
# down costs nothing but what was kept there (duban.lib.cache).
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

# Database sessions (Django's engine): every server sees a sign-out at once.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
AUTHENTICATION_BACKENDS = [
    "duban.accounts.backends.UserBackend",
    # Each answers only when its path is configured (DUBAN_LDAP_URL, DUBAN_OIDC_CLIENT_ID, …).
    "duban.identity.backends.DirectoryBackend",
    "duban.identity.oidc.OIDCBackend",
]
# The security policy's default for the office and the three administrators: sign in
# with a second factor (TOTP). True in production (deploy/duban.env); the security
# administrator can change it on the policy page once a policy is saved.
DUBAN_REQUIRE_2FA_FOR_STAFF = envbool("DUBAN_REQUIRE_2FA_FOR_STAFF", False)
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
# A failed CSRF check: the Chinese error page inside the layout, audited (duban.web.errors).
CSRF_FAILURE_VIEW = "duban.web.errors.csrf_failure"
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
    # Per account and per address, the security policy's limit (duban.api.throttling).
    "DEFAULT_THROTTLE_CLASSES": ["duban.api.throttling.PolicyRateThrottle"],
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
                            "MilestoneSourceEnum": "duban.workplans.models.Milestone.Source",
                            "CategoryEnum": "duban.plans.models.Category"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "duban.api.schema.document_throttling"],  # every operation may answer 429
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None, "persistAuthorization": False},
}

# Background work (duban.jobs): django-q2 with the database as its queue, so the embedded
# SQLite install needs nothing else and several workers on several machines share
# PostgreSQL. `duban worker` runs the workers and the scheduler (docs/DEPLOY.md).
Q_CLUSTER = {
    "name": "duban",
    "orm": "default",  # the database is the broker
    "workers": envint("DUBAN_WORKERS", 2),
    # A job running longer is stopped (its worker replaced) and recorded as failed.
    "timeout": 3600,
    # A task not acknowledged this long after it was taken (its worker died) is taken again.
    "retry": 3700,
    "max_attempts": 2,
    "ack_failures": True,
    "catch_up": False,  # after downtime a job runs once, not once per missed period
    "poll": 1.0,  # seconds between looks at an empty queue
    "save_limit": -1,  # runs are recorded by duban.jobs (JobRun), not by the library
    "label": "后台任务",
    "bulk": 1,
}
# How long a worker's claim on an outgoing message holds: longer than one send can take.
DUBAN_OUTBOX_LEASE_SECONDS = envint("DUBAN_OUTBOX_LEASE_SECONDS", 120)
# After a commit that queued messages, ask a worker to send them at once (else: the
# sweep every minute does).
DUBAN_OUTBOX_KICK = True

# Email (notifications by SMTP), sent by the workers from the outbox (duban.jobs).
EMAIL_BACKEND = envstr("DUBAN_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = envstr("DUBAN_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("DUBAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("DUBAN_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("DUBAN_EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("DUBAN_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("DUBAN_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("DUBAN_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = envstr("DUBAN_EMAIL_FROM", "duban@localhost")

# --- Sign-in paths besides local passwords (duban.identity) -------------------------------
# Each path is on when its address is set; the system administrator's page "登录方式"
# shows which are on and tests each connection. Links in messages and the addresses the
# identity providers send people back to start from DUBAN_SITE_URL.
DUBAN_SITE_URL = envstr("DUBAN_SITE_URL", "").rstrip("/")
# Directory (LDAP / Active Directory): sign-in checked by binding as the person
# (django-auth-ldap); people and units synchronised by `duban sync_directory`.
DUBAN_LDAP = {
    "url": envstr("DUBAN_LDAP_URL", ""),
    "start_tls": envbool("DUBAN_LDAP_START_TLS", False),
    "ca_file": envstr("DUBAN_LDAP_CA_FILE", ""),
    "bind_dn": envstr("DUBAN_LDAP_BIND_DN", ""),
    "bind_password": envsecret("DUBAN_LDAP_BIND_PASSWORD") or "",
    "user_base": envstr("DUBAN_LDAP_USER_BASE", ""),
    "kind": envstr("DUBAN_LDAP_KIND", "openldap"),  # openldap or ad: default filters and attributes
    "user_filter": envstr("DUBAN_LDAP_USER_FILTER", ""),
    "login_attr": envstr("DUBAN_LDAP_LOGIN_ATTR", ""),
    "name_attr": envstr("DUBAN_LDAP_NAME_ATTR", ""),
    "phone_attr": envstr("DUBAN_LDAP_PHONE_ATTR", "telephoneNumber"),
    "email_attr": envstr("DUBAN_LDAP_EMAIL_ATTR", "mail"),
    "group_member_attr": envstr("DUBAN_LDAP_GROUP_MEMBER_ATTR", "member"),
    "timeout": envint("DUBAN_LDAP_TIMEOUT", 10),
}
# Unified identity (统一身份认证) by OpenID Connect (mozilla-django-oidc).
OIDC_RP_CLIENT_ID = envstr("DUBAN_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = envsecret("DUBAN_OIDC_CLIENT_SECRET") or ""
OIDC_OP_AUTHORIZATION_ENDPOINT = envstr("DUBAN_OIDC_AUTHORIZATION_URL", "")
OIDC_OP_TOKEN_ENDPOINT = envstr("DUBAN_OIDC_TOKEN_URL", "")
OIDC_OP_USER_ENDPOINT = envstr("DUBAN_OIDC_USERINFO_URL", "")
OIDC_OP_JWKS_ENDPOINT = envstr("DUBAN_OIDC_JWKS_URL", "")
OIDC_OP_LOGOUT_ENDPOINT = envstr("DUBAN_OIDC_LOGOUT_URL", "")  # end_session_endpoint; empty: none
OIDC_RP_SIGN_ALGO = envstr("DUBAN_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = envstr("DUBAN_OIDC_SCOPES", "openid profile email phone")
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # sent back to the provider at sign-out (id_token_hint)
OIDC_AUTHENTICATION_CALLBACK_URL = "identity:oidc_callback"
OIDC_TIMEOUT = envint("DUBAN_SSO_TIMEOUT", 10)
# Unified identity by CAS 2.0 / 3.0 (python-cas).
DUBAN_CAS = {
    "url": envstr("DUBAN_CAS_URL", ""),  # the server's prefix, e.g. https://cas.example.gov.cn/cas/
    "version": envstr("DUBAN_CAS_VERSION", "3"),
}
# Claims (OIDC) and attributes (CAS) read for a person: the login name that matches an
# existing person's user name, the name, the mobile number.
DUBAN_SSO_USERNAME_CLAIM = envstr("DUBAN_SSO_USERNAME_CLAIM", "preferred_username")
DUBAN_SSO_NAME_CLAIM = envstr("DUBAN_SSO_NAME_CLAIM", "name")
DUBAN_SSO_PHONE_CLAIM = envstr("DUBAN_SSO_PHONE_CLAIM", "phone_number")
# WeCom (企业微信) or 政务微信 (the same interface on the government's own servers).
DUBAN_WECOM = {
    "corp_id": envstr("DUBAN_WECOM_CORP_ID", ""),
    "agent_id": envstr("DUBAN_WECOM_AGENT_ID", ""),
    "secret": envsecret("DUBAN_WECOM_SECRET") or "",
    "api_url": envstr("DUBAN_WECOM_API_URL", "https://qyapi.weixin.qq.com").rstrip("/"),
    "oauth_url": envstr("DUBAN_WECOM_OAUTH_URL", "https://open.weixin.qq.com/connect/oauth2/authorize"),
}
# DingTalk (钉钉) or 浙政钉 reached through the same interface.
DUBAN_DINGTALK = {
    "client_id": envstr("DUBAN_DINGTALK_CLIENT_ID", ""),  # AppKey
    "client_secret": envsecret("DUBAN_DINGTALK_CLIENT_SECRET") or "",  # AppSecret
    "corp_id": envstr("DUBAN_DINGTALK_CORP_ID", ""),
    "agent_id": envstr("DUBAN_DINGTALK_AGENT_ID", ""),
    "oauth_url": envstr("DUBAN_DINGTALK_OAUTH_URL", "https://login.dingtalk.com/oauth2/auth"),
    "api_url": envstr("DUBAN_DINGTALK_API_URL", "https://api.dingtalk.com").rstrip("/"),
    "oapi_url": envstr("DUBAN_DINGTALK_OAPI_URL", "https://oapi.dingtalk.com").rstrip("/"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("DUBAN_LOG_LEVEL", "WARNING")},
}
