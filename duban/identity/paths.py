"""The sign-in paths besides local passwords: which are configured, and a test of each
connection, for the system administrator's page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.conf import settings

from . import cas, checks, directory, inapp, oidc


@dataclass(frozen=True)
class SignInPath:
    key: str
    label: str
    enabled: bool
    where: str  # the address in use, no secrets
    test: Callable[[], tuple[bool, str]]


def all_paths() -> list[SignInPath]:
    ldap_cfg = settings.DUBAN_LDAP
    return [
        SignInPath("ldap", "目录账号（LDAP/AD）", bool(ldap_cfg.get("url")),
                   ldap_cfg.get("url", "") + (f"（人员位置 {ldap_cfg.get('user_base')}）" if ldap_cfg.get("url") else ""),
                   directory.test_connection),
        SignInPath("oidc", "统一身份认证（OIDC）", oidc.enabled(), settings.OIDC_OP_AUTHORIZATION_ENDPOINT, checks.test_oidc),
        SignInPath("cas", "统一身份认证（CAS）", cas.enabled(),
                   f"{settings.DUBAN_CAS.get('url')}（CAS {settings.DUBAN_CAS.get('version')}.0）", checks.test_cas),
        SignInPath("wecom", "企业微信/政务微信", inapp.wecom_enabled(),
                   f"{settings.DUBAN_WECOM.get('api_url')}（企业 {settings.DUBAN_WECOM.get('corp_id')}，应用 {settings.DUBAN_WECOM.get('agent_id')}）",
                   inapp.test_wecom),
        SignInPath("dingtalk", "钉钉/浙政钉", inapp.dingtalk_enabled(),
                   f"{settings.DUBAN_DINGTALK.get('api_url')}（应用 {settings.DUBAN_DINGTALK.get('client_id')}）",
                   inapp.test_dingtalk),
    ]


def path(key: str) -> SignInPath | None:
    return next((p for p in all_paths() if p.key == key), None)
