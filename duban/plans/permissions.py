"""Who may see what among plans and tasks: the fetch helpers every task view uses.

404 for what a person may not see (another unit's task, or any task for a role that
sees none); 403 for what they may see but not change (healthchecks'
``_get_check_for_user`` / ``_get_rw_check_for_user``)."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from duban.accounts.models import Role
from duban.accounts.permissions import role_required
from duban.org.models import Leader

from .models import Task

# Roles that work with tasks at all. The three administrative roles (三员分立) keep
# accounts, security and the audit log, never the business data: they get 403.
TASK_ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON, Role.UNIT_HEAD)
task_roles_required = role_required(*TASK_ROLES)


def visible_tasks(user):
    """The one starting point of every task query in a view."""
    return Task.objects.visible_to(user)


def get_task_for_user(request, pk: int, queryset=None) -> Task:
    """The task `pk` if `request.user` may see it, else 404 (never 403: a unit's people
    must not learn that another unit's task exists)."""
    qs = queryset if queryset is not None else visible_tasks(request.user)
    return get_object_or_404(qs, pk=pk)


def get_leader_for_user(request, pk: int):
    """A leader's page is for the office and the leaders; everyone else gets 404."""
    if not request.user.sees_all_tasks:
        raise Http404
    return get_object_or_404(Leader, pk=pk)
