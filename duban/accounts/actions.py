"""Account changes. Each is atomic and writes its audit record. A person's name, phone
and user name change at once; a role, unit or leader, a re-activation, a new account
and a password reset only ask, and take effect when the security administrator
approves (duban.accounts.approvals, 三员分立). Deactivation is immediate."""
from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.audit.log import record
from duban.audit.models import Event
from duban.lib import concurrency

from . import approvals
from .models import AccountChange, RecoveryCode, User
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


# The fields the system administrator's account form edits (accounts.forms.UserForm).
EDITABLE = ["username", "full_name", "phone", "role", "unit", "leader"]


def _last_change(user: User) -> tuple[str, object]:
    event = (Event.objects.filter(object_type="user", object_id=str(user.pk), action__startswith="account.")
             .order_by("-at", "-id").first())
    return (event.actor_name, event.at) if event else ("", None)


PERMISSION_EDITABLE = ("role", "unit", "leader")


@transaction.atomic
def update_user(user: User, before: dict, *, actor, seen: str | None = None) -> AccountChange | None:
    """Save edits to an account (only the form's fields: a concurrent deactivation or
    password reset is never written back). `before` is _snapshot() taken before the
    form applied; `seen` the fingerprint of the account as the form showed it: if
    another administrator saved it since, StaleEdit and nothing is written.

    Name, phone and user name are saved; a changed role, unit or leader is not: it
    becomes a request for the security administrator (returned)."""
    stored = concurrency.lock(User.objects.filter(pk=user.pk)).get()
    if seen is not None and not concurrency.check_fingerprint(stored, EDITABLE, seen):
        by, at = _last_change(stored)
        raise concurrency.StaleEdit(f"账号 {stored.username} ", stored, by=by, at=at)
    wanted = {"role": user.role, "unit": user.unit, "leader": user.leader}
    change = None
    if (user.role, user.unit_id, user.leader_id) != (stored.role, stored.unit_id, stored.leader_id):
        # Checked as the account will be once approved; saved as it is now.
        user.is_active = stored.is_active
        user.full_clean()
        change = approvals.request_access(stored, **wanted, actor=actor)
    before = _snapshot(stored)
    user.role, user.unit_id, user.leader_id = stored.role, stored.unit_id, stored.leader_id
    user.is_active = stored.is_active
    user.full_clean()
    user.save(update_fields=[f for f in EDITABLE if f not in PERMISSION_EDITABLE])
    after = _snapshot(user)
    changed = {k for k in after if after[k] != before.get(k)}
    if changed:
        record("account.update", actor=actor, obj=user,
               summary=f"修改账号 {user.username}：" + "、".join(
                   str(User._meta.get_field(k).verbose_name) for k in sorted(changed)),
               before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed})
    return change


def snapshot(user: User) -> dict:
    return _snapshot(user)


@transaction.atomic
def set_active(user: User, active: bool, *, actor) -> AccountChange | None:
    """Deactivate at once (and end the person's sessions); activation is a request for
    the security administrator (returned), as access given always is."""
    if active:
        return approvals.request_access(user, role=user.role, unit=user.unit, leader=user.leader, activate=True,
                                        actor=actor)
    before = _snapshot(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    end_other_sessions(user)
    # A waiting request would give the access back when approved: it is withdrawn.
    approvals.pending(user).filter(kind__in=approvals.ACCESS_KINDS, activate=True).update(
        status=AccountChange.Status.SUPERSEDED)
    record("account.permission_change", actor=actor, obj=user, summary=f"停用账号 {user.username}",
           before={"is_active": before["is_active"]}, after={"is_active": False})
    return None


@transaction.atomic
def reset_second_factor(user: User, *, actor) -> int:
    """Remove a person's authenticator (lost phone); they enrol again at next sign-in."""
    n, _ = TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    record("auth.otp_reset", actor=actor, obj=user, summary=f"重置 {user.username} 的双因素认证（验证器和恢复码作废）")
    return n
