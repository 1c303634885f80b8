"""Who may add and change a task's indicators (量化指标).

- The office, on every task.
- The people (liaison, head) of a lead unit (牵头单位) of the task.
- Nobody else: leaders and co-units read only; others do not see the task (404 upstream).

A parsed indicator (from the plan's text) may have its baseline set; its name, target
value, comparator and unit stay as the plan says. A hand-added one may be changed
whole."""
from __future__ import annotations

from duban.plans.models import Target, TaskUnit

PARSED_EDITABLE = ("baseline",)
ALL_FIELDS = ("text", "comparator", "value", "unit", "baseline")


def is_lead_unit_person(user, task) -> bool:
    if not (getattr(user, "is_unit_person", False) and user.unit_id):
        return False
    return TaskUnit.objects.filter(task_id=task.pk, unit_id=user.unit_id, role=TaskUnit.Role.LEAD).exists()


def can_manage_indicators(user, task) -> bool:
    """Whether `user` may add indicators to `task` and change its indicators."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_office) or is_lead_unit_person(user, task)


def editable_fields(target: Target) -> tuple[str, ...]:
    return PARSED_EDITABLE if target.source == Target.Source.PARSED else ALL_FIELDS
