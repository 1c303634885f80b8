"""Adding and changing indicators by hand. Each action is atomic and writes the audit
record (shown on the task's timeline)."""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from duban.audit.log import record
from duban.audit.models import Event
from duban.lib.concurrency import StaleEdit, check_fingerprint, fingerprint, lock
from duban.plans.models import Comparator, Target
from duban.plans.signals import facts_changed

from duban.status.forecast import number
from .permissions import ALL_FIELDS, can_manage_indicators, editable_fields


class IndicatorError(Exception):
    """A refused change, with its reason in Chinese."""


class NotAllowed(IndicatorError):
    pass


def indicator_fingerprint(target: Target) -> str:
    """What an edit form carries, so a save over someone else's change is refused."""
    return fingerprint(target, ALL_FIELDS)


def audit_values(target: Target) -> dict:
    """The indicator as the timeline shows it (keys named in duban/plans/timeline.py)."""
    return {
        "indicator": target.text,
        "comparator": (Comparator(target.comparator).label if target.comparator in Comparator.values
                       else target.comparator),
        "target_value": number(target.value),
        "measure_unit": target.unit,
        "baseline": None if target.baseline is None else number(target.baseline),
    }


def _clean(text: str, comparator: str, value, unit: str, baseline) -> dict:
    text = (text or "").strip()
    if not text:
        raise IndicatorError("请填写指标名称")
    if len(text) > 200:
        raise IndicatorError("指标名称不能超过 200 个字")
    if comparator not in Comparator.values:
        raise IndicatorError(f"比较方式“{comparator}”无效")
    if value is None:
        raise IndicatorError("请填写目标值")
    unit = (unit or "").strip()
    if len(unit) > 20:
        raise IndicatorError("计量单位不能超过 20 个字")
    return {"text": text, "comparator": comparator, "value": Decimal(value), "unit": unit,
            "baseline": None if baseline is None else Decimal(baseline)}


def _duplicate(task, text: str, exclude: int | None = None) -> bool:
    qs = Target.objects.filter(task_id=task.pk, text=text)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


@transaction.atomic
def add_indicator(task, *, actor, text: str, comparator: str, value, unit: str = "", baseline=None) -> Target:
    """A hand-added indicator (source manual) at the end of the task's indicators."""
    if not can_manage_indicators(actor, task):
        raise NotAllowed("只有督查室和牵头单位可以为该任务添加量化指标")
    data = _clean(text, comparator, value, unit, baseline)
    if _duplicate(task, data["text"]):
        raise IndicatorError(f"该任务已有名为“{data['text']}”的指标")
    order = (Target.objects.filter(task_id=task.pk).aggregate(m=Max("order"))["m"] or 0) + 1
    target = Target.objects.create(task=task, source=Target.Source.MANUAL, order=order, **data)
    target.refresh_from_db()
    record("indicator.add", actor=actor, obj=target, task=task,
           summary=f"添加量化指标“{target.text}”：{target.get_comparator_display()} {number(target.value)}{target.unit}",
           after=audit_values(target))
    facts_changed(Target, [task.pk])
    return target


def _last_change(target: Target) -> Event | None:
    return (Event.objects.filter(object_type="target", object_id=str(target.pk),
                                 action__in=["indicator.add", "indicator.edit"], result=Event.Result.OK)
            .order_by("-at", "-id").first())


@transaction.atomic
def update_indicator(target: Target, *, actor, seen: str | None, **changes) -> Target:
    """Change an indicator. `seen` is ``indicator_fingerprint`` of the indicator as the
    form showed it: if someone changed it since, StaleEdit and nothing is written. A
    parsed indicator takes a new baseline only. Returns the indicator as saved."""
    if not can_manage_indicators(actor, target.task):
        raise NotAllowed("只有督查室和牵头单位可以修改该任务的量化指标")
    current = lock(Target.objects.filter(pk=target.pk)).get()
    if not check_fingerprint(current, ALL_FIELDS, seen):
        last = _last_change(current)
        raise StaleEdit("该指标", current, by=(last.actor_name if last else ""), at=(last.at if last else None))
    allowed = editable_fields(current)
    wanted = {k: v for k, v in changes.items() if k in ALL_FIELDS}
    merged = {k: getattr(current, k) for k in ALL_FIELDS}
    merged.update(wanted)
    data = _clean(merged["text"], merged["comparator"], merged["value"], merged["unit"], merged["baseline"])
    changed = {k: v for k, v in data.items() if v != getattr(current, k)}
    refused = [k for k in changed if k not in allowed]
    if refused:
        raise IndicatorError("方案原文中的指标只能修改基数；指标名称、目标值、比较方式和计量单位以方案原文为准")
    if not changed:
        return current
    if "text" in changed and _duplicate(current.task, changed["text"], exclude=current.pk):
        raise IndicatorError(f"该任务已有名为“{changed['text']}”的指标")
    before = audit_values(current)
    for k, v in changed.items():
        setattr(current, k, v)
    current.save(update_fields=list(changed))
    current.refresh_from_db()
    after = audit_values(current)
    keys = [k for k in after if after[k] != before[k]]
    record("indicator.edit", actor=actor, obj=current, task=current.task,
           summary=f"修改量化指标“{current.text}”",
           before={k: before[k] for k in keys}, after={k: after[k] for k in keys})
    facts_changed(Target, [current.task_id])
    return current
