"""The home page sends each role to its natural page; the office's is its work queue."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from duban.accounts.models import Role

from .queue import office_queue


@login_required
def home(request):
    user = request.user
    if user.is_office:
        as_of = timezone.localdate()
        groups = office_queue(as_of)
        return render(request, "web/office_home.html", {
            "groups": groups, "total": sum(g.count for g in groups), "as_of": as_of, "nav": "home"})
    if user.is_leader:
        return redirect("plans:leader", pk=user.leader_id) if user.leader_id else redirect("plans:ledger")
    if user.is_unit_person:
        return redirect("plans:mine")
    # The three administrative roles: a page of their own tools.
    return render(request, "web/admin_home.html", {"is_sysadmin": user.role == Role.SYSADMIN,
                                                   "is_secadmin": user.role == Role.SECADMIN,
                                                   "is_auditor": user.role == Role.AUDITOR})
