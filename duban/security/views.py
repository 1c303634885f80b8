"""The security administrator's policy page."""
from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from duban.accounts.models import Role
from duban.accounts.permissions import role_required
from duban.audit.log import record

from .forms import SecurityPolicyForm
from .models import SecurityPolicy


@role_required(Role.SECADMIN)
def policy(request):
    current = SecurityPolicy.current()
    before = current.as_dict()
    form = SecurityPolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            saved.updated_by = request.user
            saved.save()
            after = saved.as_dict()
            changed = {k for k in after if after[k] != before[k]}
            if changed:
                record("security.policy_change", actor=request.user, obj=saved,
                       summary="修改安全策略：" + "、".join(
                           str(SecurityPolicy._meta.get_field(k).verbose_name) for k in sorted(changed)),
                       before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
        messages.success(request, "安全策略已保存" if changed else "安全策略没有变化")
        return redirect("accounts:security_policy")
    return render(request, "security/policy.html", {"form": form, "policy": current, "nav": "policy"})
