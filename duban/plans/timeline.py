"""A task's timeline: every Event recorded against the task, newest first, with its
before → after shown field by field in Chinese."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duban.audit.models import Event

from .importing import FIELD_LABELS as TASK_FIELD_LABELS

# Keys used in Event.before / Event.after across apps, and their Chinese names: the
# task fields a revised plan changes, and the work-plan fields.
FIELD_LABELS = {
    **TASK_FIELD_LABELS,
    # work plans (duban.workplans.actions.snapshot)
    "title": "内容",
    "due": "完成时间",
    "unit": "责任单位",
    "owner": "责任人",
    "is_measurable": "量化指标",
    "done_on": "完成日期",
    "evidence": "完成情况说明",
    "reason": "原因",
    # indicators (duban.indicators.actions.audit_values)
    "indicator": "指标名称",
    "comparator": "要求",
    "target_value": "目标值",
    "measure_unit": "计量单位",
    "baseline": "基数",
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, (list, tuple)):
        return "；".join(show(v) if not isinstance(v, (list, tuple)) else " ".join(show(x) for x in v) for v in value) or "—"
    if isinstance(value, dict):
        return "，".join(f"{FIELD_LABELS.get(k, k)}：{show(v)}" for k, v in value.items())
    return str(value)


def changes(event: Event) -> list[Change]:
    """The fields an event changed (both sides shown), or the fields it created or
    removed (one side shown as —)."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = list(before) + [k for k in after if k not in before]
    out = []
    for key in keys:
        b, a = before.get(key), after.get(key)
        shown_b, shown_a = show(b), show(a)
        if shown_b == shown_a:
            continue
        out.append(Change(FIELD_LABELS.get(key, key), shown_b, shown_a))
    return out


@dataclass(frozen=True)
class Entry:
    event: Event
    changes: list[Change]

    @property
    def label(self) -> str:
        return self.event.action_label  # names in duban/audit/labels.py


def task_timeline(task) -> list[Entry]:
    """Every successful event of the task, newest first. Refused attempts (result
    denied/failed) belong to the security audit trail, not the task's timeline."""
    events = (
        Event.objects.filter(task=task, result=Event.Result.OK).select_related("actor__unit").order_by("-at", "-id")
    )
    return [Entry(e, changes(e)) for e in events]
