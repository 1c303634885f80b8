"""Changes to tasks that belong to the plan itself (not to an import): restoring a
task a revision withdrew."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from duban.audit.log import record

from .models import Task
from .signals import facts_changed


class RestoreRefused(Exception):
    """Why a task cannot be restored (Chinese, for the person)."""


@transaction.atomic
def restore_task(task: Task, *, actor) -> Task:
    """Put a withdrawn task back in the ledger, with everything recorded against it
    (a withdrawal never detached anything). Guarded by a conditional UPDATE: two
    restores at once restore once."""
    if Task.objects.filter(pk=task.pk, withdrawn=True).update(withdrawn=False, updated_at=timezone.now()) != 1:
        raise RestoreRefused("该任务未被撤销（可能已由他人恢复），无需恢复。")
    task.withdrawn = False
    record("task.restore", actor=actor, obj=task, task=task, summary="督查室恢复已撤销的任务，原有记录全部保留",
           before={"withdrawn": True}, after={"withdrawn": False})
    facts_changed(Task, [task.pk])
    return task
