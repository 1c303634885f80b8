"""The security administrator's policy page."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from duban.accounts.models import Role
from duban.accounts.permissions import role_required
from duban.lib.concurrency import StaleEdit, rebase, stale_rows

from .actions import policy_fields, update_policy
from .forms import SecurityPolicyForm
from .models import SecurityPolicy


@role_required(Role.SECADMIN)
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
