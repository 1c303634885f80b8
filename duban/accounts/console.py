"""Administration pages of the three separated roles (三员分立), kept apart from
Django's contrib admin:

- system administrator (sysadmin): accounts — list, create, edit, deactivate, issue passwords;
- security administrator (secadmin): locks and second factors (the policy page is in
  duban.security.views);
- auditor: the audit log (duban.audit.views).

Each page admits exactly one role; everyone else gets 403.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.lib.concurrency import StaleEdit, rebase, stale_rows

from . import actions
from .forms import UserForm
from .lockout import unlock
from .models import ADMIN_ROLES, Lockout, Role, User
from .permissions import role_required

sysadmin_required = role_required(Role.SYSADMIN)
secadmin_required = role_required(Role.SECADMIN)


def _managed_user(pk: int) -> User:
    """An account the system administrator may change: not one of the three
    administrative accounts (those are made and reset on the server only)."""
    user = get_object_or_404(User, pk=pk)
    if user.role in ADMIN_ROLES:
        raise PermissionDenied("管理员账号只能在服务器上用 duban create_admin 命令创建和重置")
    return user


def _issued(request, person: User, password: str, *, created: bool):
    """The generated password, shown once; never cached by the browser or a proxy."""
    response = render(request, "accounts/console/password_issued.html", {
        "person": person, "password": password, "created": created, "nav": "console"})
    response["Cache-Control"] = "no-store"
    return response


@sysadmin_required
def user_list(request):
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    people = User.objects.select_related("unit", "leader").order_by("role", "username")
    if q:
        people = people.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(unit__name__icontains=q))
    if role in Role.values:
        people = people.filter(role=role)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/console/user_list.html", {
        "page": page, "q": q, "role": role, "roles": Role.choices, "admin_roles": ADMIN_ROLES, "nav": "console"})


@sysadmin_required
def user_create(request):
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        password = actions.create_user(user, actor=request.user)
        return _issued(request, user, password, created=True)
    return render(request, "accounts/console/user_form.html", {"form": form, "nav": "console"})


@sysadmin_required
def user_edit(request, pk: int):
    person = _managed_user(pk)
    before = actions.snapshot(person)
    form = UserForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_user(form.save(commit=False), before, actor=request.user,
                                seen=form.cleaned_data["fingerprint"])
        except StaleEdit as exc:
            rebase(form, exc.current, actions.EDITABLE)
            return render(request, "accounts/console/user_form.html", {
                "form": form, "person": exc.current, "nav": "console", "stale": exc,
                "stale_rows": stale_rows(form, exc.current, actions.EDITABLE)}, status=409)
        messages.success(request, f"账号 {person.username} 已保存")
        return redirect("accounts:user_list")
    return render(request, "accounts/console/user_form.html", {"form": form, "person": person, "nav": "console"})


@sysadmin_required
@require_POST
def user_issue_password(request, pk: int):
    person = _managed_user(pk)
    password = actions.issue_password(person, actor=request.user)
    return _issued(request, person, password, created=False)


@sysadmin_required
@require_POST
def user_set_active(request, pk: int):
    person = _managed_user(pk)
    active = request.POST.get("active") == "1"
    actions.set_active(person, active, actor=request.user)
    messages.success(request, f"账号 {person.username} 已{'启用' if active else '停用'}")
    return redirect("accounts:user_list")


@secadmin_required
def lockout_list(request):
    now = timezone.now()
    active = Lockout.objects.filter(ended_at__isnull=True, until__gt=now)
    recent = Lockout.objects.exclude(pk__in=active.values("pk"))[:50]
    return render(request, "accounts/console/lockouts.html", {
        "active": active, "recent": recent, "nav": "lockouts"})


@secadmin_required
@require_POST
def lockout_unlock(request, pk: int):
    lock = get_object_or_404(Lockout, pk=pk)
    if unlock(lock, actor=request.user):
        messages.success(request, f"已解除{lock.get_kind_display()} {lock.key} 的锁定")
    else:
        messages.info(request, "该锁定已经解除")
    return redirect("accounts:lockouts")


@secadmin_required
def second_factors(request):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    q = request.GET.get("q", "").strip()
    people = User.objects.filter(is_active=True).order_by("role", "username")
    if q:
        people = people.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/console/second_factors.html", {
        "page": page, "enrolled": enrolled, "q": q, "nav": "second_factors"})


@secadmin_required
@require_POST
def second_factor_reset(request, pk: int):
    person = get_object_or_404(User, pk=pk)
    actions.reset_second_factor(person, actor=request.user)
    messages.success(request, f"已重置 {person.username} 的双因素认证，下次登录时须重新绑定")
    return redirect("accounts:second_factors")
