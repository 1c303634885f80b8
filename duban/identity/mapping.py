"""From an outside identity (unified identity, WeCom, DingTalk) to a Duban person.

In order: the person already linked to this identity; an existing person whose user
name is the identity's login name, or else the only person with its mobile number
(never one of the three administrators); otherwise a new account, inactive, that the
system administrator gives a role and unit and the security administrator approves.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from duban.accounts.models import ADMIN_ROLES, AccountChange, User
from duban.audit.log import record

from .models import ExternalIdentity

_USERNAME = re.compile(r"[^\w.@+-]")


@dataclass(frozen=True)
class Claims:
    subject: str
    login: str = ""
    name: str = ""
    phone: str = ""


def _candidate(claims: Claims) -> User | None:
    people = User.objects.exclude(role__in=list(ADMIN_ROLES))
    if claims.login:
        user = people.filter(username=claims.login).first()
        if user is not None:
            return user
    if claims.phone:
        matches = list(people.filter(phone=claims.phone)[:2])
        if len(matches) == 1:
            return matches[0]
    return None


def _free_username(base: str) -> str:
    base = _USERNAME.sub("", base)[:140] or "user"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


@transaction.atomic
def person_for(provider: str, claims: Claims) -> tuple[User, bool]:
    """(the person, whether the account was just made and waits for approval)."""
    ident = ExternalIdentity.objects.select_related("user").filter(provider=provider, subject=claims.subject).first()
    created = False
    if ident is None:
        user = _candidate(claims)
        if user is not None and ExternalIdentity.objects.filter(provider=provider, user=user).exists():
            user = None  # that person is linked to another identity of this provider
        if user is None:
            user = User(username=_free_username(claims.login or f"{provider}-{claims.subject}"),
                        full_name=(claims.name or claims.login)[:50], phone=claims.phone[:30], is_active=False)
            user.set_unusable_password()
            user.save()
            created = True
            record("account.create", obj=user,
                   summary=f"{ExternalIdentity(provider=provider).get_provider_display()}首次登录的新人员 "
                           f"{user.full_name or user.username}，待系统管理员分配角色、安全管理员审批后启用")
        ident = ExternalIdentity.objects.create(provider=provider, subject=claims.subject, user=user)
        if not created:
            record("identity.link", obj=user,
                   summary=f"账号 {user.username} 关联{ident.get_provider_display()}身份 {claims.login or claims.subject}")
    ident.login_name, ident.display_name, ident.last_seen_at = claims.login[:150], claims.name[:100], timezone.now()
    ident.save(update_fields=["login_name", "display_name", "last_seen_at"])
    return ident.user, created


def waiting_people():
    """Accounts made by a first sign-in that have no role decision yet."""
    decided = AccountChange.objects.exclude(source=AccountChange.Source.SYSADMIN).values("user_id")
    return (User.objects.filter(is_active=False, identities__isnull=False, last_login__isnull=True)
            .exclude(pk__in=decided).exclude(identities__provider="ldap").distinct().order_by("date_joined"))
