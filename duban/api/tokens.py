"""Personal API tokens: making one, and checking one a request presents.

A token is ``dbn_`` followed by 43 URL-safe characters (32 random bytes). Only its
SHA-256 is stored, so a copy of the database gives no usable token; the first 12
characters (``prefix``) are kept to tell tokens apart on the page and in the log.
Looking a token up by its digest needs no constant-time comparison: the digest of a
guess says nothing about the real token.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from django.utils import timezone

from duban.accounts.lockout import active_lock
from duban.accounts.middleware import PasswordPolicyMiddleware
from duban.accounts.models import ADMIN_ROLES
from duban.audit import refusals
from duban.audit.log import record
from duban.audit.models import Refusal

from .models import ApiToken

PREFIX = "dbn_"
SHOWN_PREFIX_LENGTH = 12
TOKEN_RE = re.compile(r"^dbn_[A-Za-z0-9_-]{43}$")
# The last-used time is written at most this often per token (not on every request).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenRefused(Exception):
    """The token (or its owner's account) may not be used; the message is Chinese."""


def _refuse(message: str, *, token: ApiToken | None = None, shown: str = "") -> TokenRefused:
    who = token.user if token is not None else None
    label = str(token) if token is not None else (shown or "（格式不正确）")
    # Counted per minute, person, address (duban.audit.refusals): made-up tokens sent in
    # a loop write two events a minute, not one per request.
    refusals.note(Refusal.Kind.TOKEN, actor=who, obj=token, reason=f"接口令牌 {label}：{message}")
    return TokenRefused(message)


def check_token(raw: str, *, now: dt.datetime | None = None) -> ApiToken:
    """The token `raw` stands for, with its user, if it may be used now; else
    TokenRefused (recorded in the audit log). The owner's account must be active, not
    locked, and not waiting for a password change or a second factor."""
    now = now or timezone.now()
    raw = (raw or "").strip()
    if not TOKEN_RE.match(raw):
        raise _refuse("接口令牌格式不正确", shown=raw[:SHOWN_PREFIX_LENGTH])
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(raw)).first()
    if token is None:
        raise _refuse("接口令牌无效", shown=raw[:SHOWN_PREFIX_LENGTH] + "…")
    if token.revoked_at is not None:
        raise _refuse("接口令牌已撤销", token=token)
    if token.is_expired(now):
        raise _refuse("接口令牌已过期", token=token)
    user = token.user
    if not user.is_active:
        raise _refuse("令牌所属账号已停用", token=token)
    if active_lock(user.username, None, now) is not None:
        raise _refuse("令牌所属账号已被锁定", token=token)
    if user.role not in ADMIN_ROLES:  # admins are refused later, with 403, by the permission
        if PasswordPolicyMiddleware._required_page(_PolicyHolder(), user):
            raise _refuse("令牌所属账号须先登录网页修改密码或设置双因素认证", token=token)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class _PolicyHolder:
    """Stands in for a request where the password policy check caches the policy."""


def create_token(user, *, name: str, expires_at: dt.datetime | None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token string (shown once)."""
    raw = new_secret()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:SHOWN_PREFIX_LENGTH], digest=digest_of(raw),
                                    expires_at=expires_at)
    record("api.token_create", actor=user, obj=token, summary=f"创建接口令牌 {token}",
           after={"name": name, "prefix": token.prefix,
                  "expires_at": timezone.localtime(expires_at).isoformat() if expires_at else None})
    return token, raw


def revoke_token(token: ApiToken, *, actor) -> bool:
    """Revokes the token; False when it was revoked already (nothing recorded then)."""
    now = timezone.now()
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now) != 1:
        return False
    token.revoked_at = now
    record("api.token_revoke", actor=actor, obj=token, summary=f"撤销接口令牌 {token}",
           before={"state": "有效"}, after={"state": "已撤销"})
    return True
