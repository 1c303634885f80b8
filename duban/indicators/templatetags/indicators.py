"""Indicator helpers for other apps' templates (the task page's targets section)."""
from __future__ import annotations

from django import template

from ..forecast import forecasts_for_tasks
from ..permissions import can_manage_indicators

register = template.Library()


@register.simple_tag
def can_manage_task_indicators(user, task) -> bool:
    return can_manage_indicators(user, task)


@register.simple_tag
def task_forecasts(task) -> dict:
    """{target id: IndicatorResult} for one task, today."""
    return forecasts_for_tasks([task.pk])


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
