"""Pages of the identity app: the system administrator's sign-in paths, directory rules
and synchronisation. Role changes these paths ask for are approved on the security
administrator's one approvals page (accounts:approvals, duban.accounts.approvals)."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from duban.accounts.models import AccountChange, Role
from duban.accounts.permissions import role_required
from duban.audit.log import record

from . import directory
from .forms import DirectoryRuleForm
from .mapping import waiting_people
from .models import DirectoryRule, SyncRun
from .paths import all_paths, path

sysadmin_required = role_required(Role.SYSADMIN)


@sysadmin_required
def overview(request):
    return render(request, "identity/overview.html", {
        "paths": all_paths(), "rules": DirectoryRule.objects.select_related("unit"),
        "runs": SyncRun.objects.select_related("actor")[:10], "form": DirectoryRuleForm(), "nav": "identity",
        "pending_grants": AccountChange.objects.filter(status=AccountChange.Status.PENDING).count(),
        "waiting": waiting_people().prefetch_related("identities")[:100],
    })


@sysadmin_required
@require_POST
def test_path(request, key: str):
    sign_in_path = path(key)
    if sign_in_path is None:
        return redirect("identity:overview")
    if not sign_in_path.enabled:
        messages.error(request, f"{sign_in_path.label}未开启：请在 deploy/duban.env 中填写其设置后重启。")
        return redirect("identity:overview")
    ok, message = sign_in_path.test()
    record("identity.test", actor=request.user, summary=f"测试{sign_in_path.label}连接：{message}"[:500],
           result="ok" if ok else "failed")
    (messages.success if ok else messages.error)(request, f"{sign_in_path.label}：{message}")
    return redirect("identity:overview")


@sysadmin_required
@require_POST
def sync_now(request):
    run = directory.sync_directory(trigger=SyncRun.Trigger.BUTTON, actor=request.user)
    if run.ok:
        messages.success(request, f"目录同步完成：{run.message}" + (f"；{len(run.problems)}项需处理，见下表" if run.problems else ""))
    else:
        messages.error(request, f"目录同步失败：{run.message}")
    return redirect("identity:overview")


@sysadmin_required
def rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(DirectoryRule, pk=pk) if pk else None
    form = DirectoryRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        before = _rule_text(rule) if rule else None
        rule = form.save()
        record("identity.rule_change", actor=request.user, summary=f"{'修改' if before else '新增'}目录映射规则：{_rule_text(rule)}",
               before=before, after=_rule_text(rule))
        messages.success(request, "目录映射规则已保存，下次同步或人员登录时生效；角色变化须经安全管理员审批。")
        return redirect("identity:overview")
    return render(request, "identity/rule_form.html", {"form": form, "rule": rule, "nav": "identity"})


@sysadmin_required
@require_POST
def rule_delete(request, pk: int):
    rule = get_object_or_404(DirectoryRule, pk=pk)
    text = _rule_text(rule)
    rule.delete()
    record("identity.rule_change", actor=request.user, summary=f"删除目录映射规则：{text}", before=text)
    messages.success(request, "目录映射规则已删除；已授予的角色不变。")
    return redirect("identity:overview")


def _rule_text(rule: DirectoryRule) -> str:
    unit = {DirectoryRule.UnitMode.FIXED: str(rule.unit) if rule.unit_id else "",
            DirectoryRule.UnitMode.OU_NAME: "按所在OU名称", DirectoryRule.UnitMode.NONE: "不指定"}[rule.unit_mode]
    return f"{rule.get_kind_display()} {rule.dn} → 单位：{unit}；角色：{rule.get_role_display() or '不指定'}"
