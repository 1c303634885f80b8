"""What people recorded against tasks: the rows a withdrawal must keep and an undo
must never delete.

Counted generically from the models that point at a task (work plans, reports,
notices, extensions, completion claims, closures, instructions, coordination items,
actual figures of a target, …), so this app needs no import of the apps above it and
a model added later counts without a change here. Not counted: the import's own rows
(leader and unit links, the plan's phases nobody completed, parsed targets), the
event log, and state derived from a task's facts. A relation that keeps its rows
when the task goes (SET_NULL) is not counted either: deleting the task loses nothing.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from django.db import models
from django.db.models import Count, Q

from duban.plans.models import Target, Task
from duban.workplans.models import Milestone

# Rows an import writes itself, the log, and state derived from a task's facts.
NOT_RECORDS = {
    "plans.taskleader", "plans.taskunit", "audit.event", "status.taskstatus", "api.lightchange", "imports.taskbefore",
}
_KEEPS_ROWS = (models.SET_NULL, models.SET_DEFAULT, models.DO_NOTHING)


def _relations(model):
    """Reverse foreign keys to `model` (hidden ones too: related_name='+')."""
    for f in model._meta.get_fields(include_hidden=True):
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one) and f.on_delete not in _KEEPS_ROWS:
            yield f


def _name(model) -> str:
    return str(model._meta.verbose_name_plural)


def task_records(task_ids: Iterable[int]) -> dict[int, Counter]:
    """For each task id, the rows people recorded against it, counted by kind
    (the model's Chinese name); tasks with none are absent."""
    ids = list(task_ids)
    out: dict[int, Counter] = defaultdict(Counter)
    if not ids:
        return out
    for rel in _relations(Task):
        model = rel.related_model
        label = model._meta.label_lower
        if label in NOT_RECORDS:
            continue
        column = rel.field.name
        qs = model._base_manager.filter(**{f"{column}__in": ids})
        if model is Milestone:
            # The plan's own phases are the import's; a completion recorded on one is the unit's.
            qs = qs.filter(Q(source=Milestone.Source.WORKPLAN) | Q(done_on__isnull=False) | ~Q(evidence=""))
        elif model is Target:
            qs = qs.filter(source=Target.Source.MANUAL)
        for task_id, n in qs.order_by().values(rel.field.attname).annotate(n=Count("pk")).values_list(
                rel.field.attname, "n"):
            out[task_id][_name(model)] += n
    # What units reported against the plan's own targets (actual figures).
    for rel in _relations(Target):
        model = rel.related_model
        task = f"{rel.field.name}__task_id"
        rows = (model._base_manager.filter(**{f"{task}__in": ids}).order_by()
                .values(task).annotate(n=Count("pk")).values_list(task, "n"))
        for task_id, n in rows:
            out[task_id][_name(model)] += n
    return out


def target_has_records(target: Target) -> bool:
    """Anything points at the target (the actual figures units reported against it)."""
    return any(rel.related_model._base_manager.filter(**{rel.field.name: target}).exists() for rel in _relations(Target))


def milestone_has_records(m: Milestone) -> bool:
    """A unit recorded the phase's completion."""
    return m.done_on is not None or bool(m.evidence)


def describe(counts: Counter) -> str:
    """工作节点 2 条、进展报告 3 条 — or 无记录."""
    return "、".join(f"{name} {n} 条" for name, n in sorted(counts.items())) or "无记录"
