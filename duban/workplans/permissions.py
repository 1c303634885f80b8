"""Who may change a task's work plan (工作方案).

- The office changes every milestone of every task.
- The lead unit's people add, edit, complete and delete any milestone of their task
  (the plan's own phase milestones can be completed but not edited or deleted: they
  come from the document and a revised import rewrites them).
- A co-unit's people add milestones for their own unit only, and change only those.
- Leaders read only. Everyone else does not see the task at all (404 upstream).

Each function takes a task whose ``assignments`` are loaded (or loads them)."""
from __future__ import annotations

from duban.plans.models import TaskUnit

from .models import Milestone

LEAD, CO = TaskUnit.Role.LEAD, TaskUnit.Role.CO


def unit_role(user, task) -> str | None:
    """The part `user`'s unit plays in `task`: lead, co, or None. A unit carrying a task
    through a collective assignee (各部门) acts for its own part only, as a co-unit."""
    if not (getattr(user, "is_unit_person", False) and user.unit_id):
        return None
    collective = False
    for a in task.assignments.all():
        if a.unit_id == user.unit_id:
            return a.role
        if a.unit.is_collective:
            collective = True
    return CO if collective else None


def can_change_workplan(user, task) -> bool:
    """Whether `user` may add anything to the task's work plan."""
    return bool(getattr(user, "is_office", False)) or unit_role(user, task) is not None


can_add_milestone = can_change_workplan


def unit_choices(user, task) -> list:
    """The units a new or edited milestone may be assigned to by `user`."""
    units = [a.unit for a in sorted(task.assignments.all(), key=lambda a: (a.role != LEAD, a.order))]
    if user.is_office or unit_role(user, task) == LEAD:
        return units
    return [u for u in units if u.pk == user.unit_id] or ([user.unit] if user.unit_id else [])


def _owns(user, milestone: Milestone, task) -> bool:
    """The lead unit owns every milestone; a co-unit only its own."""
    role = unit_role(user, task)
    if role == LEAD:
        return True
    return role == CO and milestone.unit_id is not None and milestone.unit_id == user.unit_id


def can_edit_milestone(user, milestone: Milestone, task=None) -> bool:
    task = task or milestone.task
    if milestone.source == Milestone.Source.PLAN:
        return False
    return bool(user.is_office) or _owns(user, milestone, task)


can_delete_milestone = can_edit_milestone


def can_complete_milestone(user, milestone: Milestone, task=None) -> bool:
    """Marking done (and reopening) is allowed on the plan's own milestones too."""
    task = task or milestone.task
    return bool(user.is_office) or _owns(user, milestone, task)


can_reopen_milestone = can_complete_milestone
