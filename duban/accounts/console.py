"""Administration pages of the three separated roles (三员分立), kept apart from
Django's contrib admin:

- system administrator (sysadmin): accounts — list, create, edit, deactivate, ask for
  password resets; what gives access waits for the security administrator;
- security administrator (secadmin): approvals of account changes (三员分立, also those
  from the directory and unified identity), locks and second factors, the security
  policy and the allowlist of outgoing requests (their changes: `policy.py`);
- auditor: the audit log (`auditlog.py`).

Each page admits exactly one role; everyone else gets 403.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from duban.lib import outbound
from duban.lib.concurrency import StaleEdit, rebase, stale_rows
from duban.security.forms import OutboundHostForm, SecurityPolicyForm
from duban.security.models import OutboundHost, SecurityPolicy

from . import actions, approvals, otp
from .forms import UserForm
from .lockout import unlock
from .models import ADMIN_ROLES, AccountChange, EnrolmentCode, Lockout, Role, User
from .permissions import role_required
from .policy import add_outbound_host, policy_fields, remove_outbound_host, update_policy

sysadmin_required = role_required(Role.SYSADMIN)
secadmin_required = role_required(Role.SECADMIN)


def _managed_user(pk: int) -> User:
    """An account the system administrator may change: not one of the three
    administrative accounts (those are made and reset on the server only)."""
    user = get_object_or_404(User, pk=pk)
    if user.role in ADMIN_ROLES:
        raise PermissionDenied("管理员账号只能在服务器上用 duban create_admin 命令创建和重置")
    return user


def _code_page(request, person: User, half: str, *, which: str, change: AccountChange):
    """One half of a set-up code, shown once; never cached by the browser or a proxy."""
    response = render(request, "accounts/console/setup_code.html", {
        "person": person, "half": half, "which": which, "change": change, "days": approvals.CODE_DAYS,
        "nav": "users" if which == "first" else "approvals"})
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
        "page": page, "q": q, "role": role, "roles": Role.choices, "admin_roles": ADMIN_ROLES, "nav": "users",
        "waiting": set(AccountChange.objects.filter(status=AccountChange.Status.PENDING,
                                                    user__in=[p.pk for p in page]).values_list("user_id", flat=True))})


@sysadmin_required
def user_create(request):
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        change, first = approvals.create_account(form.save(commit=False), actor=request.user)
        return _code_page(request, change.user, first, which="first", change=change)
    return render(request, "accounts/console/user_form.html", {"form": form, "nav": "users"})


@sysadmin_required
def user_edit(request, pk: int):
    person = _managed_user(pk)
    before = actions.snapshot(person)
    form = UserForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            change = actions.update_user(form.save(commit=False), before, actor=request.user,
                                         seen=form.cleaned_data["fingerprint"])
        except StaleEdit as exc:
            rebase(form, exc.current, actions.EDITABLE)
            return render(request, "accounts/console/user_form.html", {
                "form": form, "person": exc.current, "nav": "users", "stale": exc,
                "stale_rows": stale_rows(form, exc.current, actions.EDITABLE)}, status=409)
        if change is not None:
            messages.success(request, f"账号 {person.username} 已保存；角色、单位的变更（{change.describe()}）"
                                      f"已提交安全管理员审批，批准后生效")
        else:
            messages.success(request, f"账号 {person.username} 已保存")
        return redirect("accounts:user_list")
    return render(request, "accounts/console/user_form.html", {
        "form": form, "person": person, "nav": "users", "waiting": approvals.pending(person)})


@sysadmin_required
@require_POST
def user_issue_password(request, pk: int):
    """Ask for a password reset: the first half of the set-up code is shown here."""
    person = _managed_user(pk)
    change, first = approvals.request_password_reset(person, actor=request.user)
    return _code_page(request, person, first, which="first", change=change)


@sysadmin_required
@require_POST
def user_set_active(request, pk: int):
    person = _managed_user(pk)
    active = request.POST.get("active") == "1"
    change = actions.set_active(person, active, actor=request.user)
    if active:
        messages.success(request, f"启用账号 {person.username} 的申请已提交安全管理员审批" if change is not None
                         else f"账号 {person.username} 的启用申请已在等待审批")
    else:
        messages.success(request, f"账号 {person.username} 已停用")
    return redirect("accounts:user_list")


@secadmin_required
def approval_list(request):
    """Every change waiting for the security administrator, from the system
    administrator, the directory and unified identity: one list, one decision each."""
    related = ("user", "user__unit", "user__leader", "unit", "leader", "requested_by")
    return render(request, "accounts/console/approvals.html", {
        "pending": AccountChange.objects.filter(status=AccountChange.Status.PENDING).select_related(*related)
        .order_by("requested_at", "id"),
        "recent": AccountChange.objects.exclude(status=AccountChange.Status.PENDING).select_related(
            *related, "decided_by")[:30],
        "nav": "approvals",
    })


@secadmin_required
@require_POST
def approval_decide(request, pk: int, decision: str):
    if decision not in ("approve", "reject"):
        raise Http404
    change = get_object_or_404(AccountChange.objects.select_related("user"), pk=pk)
    try:
        if decision == "reject":
            approvals.reject(change, actor=request.user)
            messages.success(request, f"已驳回：{change.user.username} {change.describe()}")
            return redirect("accounts:approvals")
        second = approvals.approve(change, actor=request.user)
    except approvals.ApprovalError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:approvals")
    if second:
        return _code_page(request, change.user, second, which="second", change=change)
    messages.success(request, f"已批准：{change.user.username} {change.describe()}")
    return redirect("accounts:approvals")


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
    messages.success(request, f"已重置 {person.username} 的双因素认证；本人重新绑定时须使用新的绑定码")
    return redirect("accounts:second_factors")


@secadmin_required
@require_POST
def enrolment_code(request, pk: int):
    """A one-time enrolment code for a person, shown once (issue 14 §5)."""
    person = get_object_or_404(User, pk=pk, is_active=True)
    code = otp.issue_enrolment_code(person, actor=request.user, channel="安全管理员页面")
    response = render(request, "accounts/console/enrolment_code.html", {
        "person": person, "code": code, "hours": EnrolmentCode.VALID_HOURS, "nav": "second_factors"})
    response["Cache-Control"] = "no-store"
    return response


@secadmin_required
def policy(request):
    current = SecurityPolicy.current()
    form = SecurityPolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k in policy_fields()}
        try:
            _, changed = update_policy(actor=request.user, values=values, seen=form.cleaned_data["fingerprint"])
        except StaleEdit as exc:
            rebase(form, exc.current, policy_fields())
            return render(request, "security/policy.html", {
                "form": form, "policy": exc.current, "nav": "policy", "stale": exc,
                "stale_rows": stale_rows(form, exc.current, policy_fields())}, status=409)
        messages.success(request, "安全策略已保存" if changed else "安全策略没有变化")
        return redirect("accounts:security_policy")
    return render(request, "security/policy.html", {"form": form, "policy": current, "nav": "policy"})


@secadmin_required
@require_http_methods(["GET", "POST"])
def outbound_hosts(request):
    """The hosts Duban may send requests to (group robots, status webhooks), and, read
    only, the identity providers' hosts of the deployment's configuration."""
    form = OutboundHostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = add_outbound_host(actor=request.user, **form.cleaned_data)
        messages.success(request, f"已将“{entry.host}”加入外发地址白名单")
        return redirect("accounts:outbound_hosts")
    return render(request, "security/outbound_hosts.html",
                  {"form": form, "entries": OutboundHost.objects.select_related("created_by"),
                   "deployment": outbound.deployment_rules(), "nav": "outbound"})


@secadmin_required
@require_POST
def outbound_host_delete(request, pk: int):
    entry = get_object_or_404(OutboundHost, pk=pk)
    if remove_outbound_host(entry, actor=request.user):
        messages.success(request, f"已将“{entry.host}”移出外发地址白名单，发往该主机的消息将不再发送")
    return redirect("accounts:outbound_hosts")
