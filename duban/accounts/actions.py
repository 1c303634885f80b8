"""Account changes. Each is atomic and writes its audit record; changes of role, unit
or leader (what a person may see and do) are recorded as permission changes with the
values before and after."""
from __future__ import annotations

from django.db import transaction

from duban.audit.log import record
from duban.lib import concurrency
from duban.lib.passwords import generate_password

from .models import User
from .sessions import end_other_sessions

PERMISSION_FIELDS = ("role", "unit", "leader", "is_active")


def _snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "role": user.role,
        "unit": str(user.unit) if user.unit_id else None,
        "leader": str(user.leader) if user.leader_id else None,
        "is_active": user.is_active,
    }


@transaction.atomic
def create_user(user: User, *, actor) -> str:
    """Save a new account with a generated password it must change at first sign-in.
    Returns the password (shown once to the administrator)."""
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.full_clean()
    user.save()
    record("account.create", actor=actor, obj=user, summary=f"新建账号 {user.username}（{user.get_role_display()}）",
           after=_snapshot(user))
    return password


# The fields the system administrator's account form edits (accounts.forms.UserForm).
EDITABLE = ["username", "full_name", "phone", "role", "unit", "leader"]


def _last_change(user: User) -> tuple[str, object]:
    from duban.audit.models import Event

    event = (Event.objects.filter(object_type="user", object_id=str(user.pk), action__startswith="account.")
             .order_by("-at", "-id").first())
    return (event.actor_name, event.at) if event else ("", None)


@transaction.atomic
def update_user(user: User, before: dict, *, actor, seen: str | None = None) -> None:
    """Save edits to an account (only the form's fields: a concurrent deactivation or
    password reset is never written back). `before` is _snapshot() taken before the
    form applied; `seen` the fingerprint of the account as the form showed it: if
    another administrator saved it since, StaleEdit and nothing is written."""
    stored = concurrency.lock(User.objects.filter(pk=user.pk)).get()
    if seen is not None and not concurrency.check_fingerprint(stored, EDITABLE, seen):
        by, at = _last_change(stored)
        raise concurrency.StaleEdit(f"账号 {stored.username} ", stored, by=by, at=at)
    before = _snapshot(stored)
    user.is_active = stored.is_active
    user.full_clean()
    user.save(update_fields=EDITABLE)
    after = _snapshot(user)
    changed = {k for k in after if after[k] != before.get(k)}
    if not changed:
        return
    permission = bool(changed & {"role", "unit", "leader", "is_active"})
    record("account.permission_change" if permission else "account.update", actor=actor, obj=user,
           summary=f"修改账号 {user.username}：" + "、".join(
               str(User._meta.get_field(k).verbose_name) for k in sorted(changed)),
           before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed})
    if permission:
        # What the person may see changed: their open sessions must sign in again.
        end_other_sessions(user)


def snapshot(user: User) -> dict:
    return _snapshot(user)


@transaction.atomic
def issue_password(user: User, *, actor) -> str:
    """A new generated password, to be changed at first sign-in; ends the person's sessions."""
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.save()
    end_other_sessions(user)
    record("account.password_issued", actor=actor, obj=user, summary=f"为 {user.username} 重置密码（须首次登录修改）")
    return password


@transaction.atomic
def set_active(user: User, active: bool, *, actor) -> None:
    before = _snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        end_other_sessions(user)
    record("account.permission_change", actor=actor, obj=user,
           summary=f"{'启用' if active else '停用'}账号 {user.username}",
           before={"is_active": before["is_active"]}, after={"is_active": active})


@transaction.atomic
def reset_second_factor(user: User, *, actor) -> int:
    """Remove a person's authenticator (lost phone); they enrol again at next sign-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    n, _ = TOTPDevice.objects.filter(user=user).delete()
    record("auth.otp_reset", actor=actor, obj=user, summary=f"重置 {user.username} 的双因素认证")
    return n
