"""Measurability (量化细化): a task needs a measurable milestone while it has no
quantitative target (Target) and no milestone marked is_measurable.

The notice asks every task to be 量化细化; where the plan's text holds no figure, the
lead unit must add at least one measurable milestone or indicator to its work plan."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from duban.plans.models import Target

from .models import Milestone


def has_target():
    return Exists(Target.objects.filter(task=OuterRef("pk")))


def has_measurable_milestone():
    return Exists(Milestone.objects.filter(task=OuterRef("pk"), is_measurable=True))


def needs_measurable_q() -> Q:
    """A Q over Task: no target and no measurable milestone."""
    return ~Q(has_target()) & ~Q(has_measurable_milestone())


def tasks_needing_measurable(tasks):
    """`tasks` (a TaskQuerySet) narrowed to those that still need a measurable milestone."""
    return tasks.filter(needs_measurable_q())


def task_needs_measurable(task, targets=None, milestones=None) -> bool:
    """For one task; pass already-loaded targets and milestones to save the queries."""
    targets = list(task.targets.all()) if targets is None else targets
    if targets:
        return False
    milestones = list(task.milestones.all()) if milestones is None else milestones
    return not any(m.is_measurable for m in milestones)
