"""Authentication backends of the outside sign-in paths. Each answers only when its
path is configured; local accounts of the three administrators are never
authenticated by them.

Whatever the backend, the session loads its person through the accounts app's
UserBackend (sessions.start_session is given that backend), so an inactive account
is signed out everywhere at once and every request reads its user the same way.
"""
from __future__ import annotations

import logging

import ldap
from django_auth_ldap.backend import LDAPBackend, ldap_error
from django_auth_ldap.config import LDAPSearch, LDAPSettings
from django.dispatch import receiver

from duban.accounts.backends import UserBackend
from duban.accounts.models import ADMIN_ROLES, User
from duban.audit.log import record

from . import directory

log = logging.getLogger(__name__)


class DirectoryBackend(LDAPBackend):
    """Sign-in with the directory password (django-auth-ldap: find the person's entry
    with the service account, then bind as them). On success the account is brought up
    to date from the directory (directory.sign_in_entry) before it is returned."""

    sign_in_label = "目录账号"

    @property
    def settings(self):
        # Built from DUBAN_LDAP once per backend instance (Django makes one per sign-in).
        if self._settings is None:
            self._settings = _ldap_settings(directory.config())
        return self._settings

    @settings.setter
    def settings(self, value):
        self._settings = value

    def authenticate(self, request, username=None, password=None, **kwargs):
        if directory.config() is None or not username or not password:
            return None
        local = User.objects.filter(username=username).first()
        if local is not None and local.role in ADMIN_ROLES:
            return None  # the three administrators sign in with local accounts only
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_or_build_user(self, username, ldap_user):
        try:
            user = directory.sign_in_entry(directory.config(), ldap_user.dn)
        except directory.DirectoryError as exc:
            record("auth.directory_error", summary=f"目录登录时读取人员失败：{exc}"[:500], result="failed")
            raise ldap_user.AuthenticationFailed(str(exc)) from exc
        if user is None:
            raise ldap_user.AuthenticationFailed("no Duban account for this directory person")
        return user, False

    def get_user(self, user_id):
        return UserBackend().get_user(user_id)

    def get_all_permissions(self, user, obj=None):
        return set()  # Duban's permissions are its roles, not Django permissions


def _ldap_settings(cfg) -> LDAPSettings:
    if cfg is None:
        return LDAPSettings("DUBAN_UNUSED_LDAP_", {})
    return LDAPSettings("DUBAN_UNUSED_LDAP_", {
        "SERVER_URI": cfg.url,
        "START_TLS": cfg.start_tls,
        "BIND_DN": cfg.bind_dn,
        "BIND_PASSWORD": cfg.bind_password,
        "CONNECTION_OPTIONS": directory.connection_options(cfg),
        "USER_SEARCH": LDAPSearch(cfg.user_base, ldap.SCOPE_SUBTREE, cfg.user_filter, directory.attr_list(cfg)),
        "ALWAYS_UPDATE_USER": False,
        "USER_ATTR_MAP": {},
    })


@receiver(ldap_error)
def _directory_unreachable(sender, context, user, request=None, exception=None, **kwargs):
    """The directory failed during a sign-in: the audit log says so (the person sees
    the usual refusal, and the failure counts towards the lock like any other)."""
    record("auth.directory_error", summary=f"目录服务出错（{context}）：{directory._desc(exception)}"[:500],
           result="failed")
