"""Dashboards (驾驶舱): the office's weights for the unit league table (考核) and the
status history of past rounds.

Everything else a dashboard shows is computed from the other apps' data
(``duban.dashboards.metrics``); these two tables hold only what cannot be: a choice
the office makes, and the lights as they stood on each round's due date.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

WEIGHT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))]


class LeagueWeights(models.Model):
    """The weights of the unit league table (单位考核排名), one row (pk=1).

    得分 = on_time × 按时报送率 + completion × 办结率 − returned × 被退回报告数
    − overdue × 逾期任务数 (rates as fractions of 1). Defaults: 60, 40, 2, 5: a unit
    that reports every time and has finished every task it leads scores 100, less
    2 for each report sent back and 5 for each task it carries that is overdue."""

    on_time = models.DecimalField("按时报送率权重", max_digits=6, decimal_places=1, default=Decimal("60"),
                                  validators=WEIGHT_VALIDATORS)
    completion = models.DecimalField("办结率权重", max_digits=6, decimal_places=1, default=Decimal("40"),
                                     validators=WEIGHT_VALIDATORS)
    returned = models.DecimalField("每份被退回报告扣分", max_digits=6, decimal_places=1, default=Decimal("2"),
                                   validators=WEIGHT_VALIDATORS)
    overdue = models.DecimalField("每项逾期任务扣分", max_digits=6, decimal_places=1, default=Decimal("5"),
                                  validators=WEIGHT_VALIDATORS)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="修改人"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    FIELDS = ("on_time", "completion", "returned", "overdue")

    class Meta:
        verbose_name = "考核权重"
        verbose_name_plural = "考核权重"

    def __str__(self) -> str:
        return "考核权重"

    @classmethod
    def current(cls) -> "LeagueWeights":
        """The office's weights, or the defaults (unsaved) when none were ever set:
        reading them never writes."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class RoundSnapshot(models.Model):
    """The status lights of a round's plan as they stood on the round's due date (the
    trend across rounds): ``tasks`` maps each color to the ids of the plan's active
    tasks with that light on ``as_of``.

    Taken once, after the due date has passed (``duban.dashboards.snapshots``: the
    first time a dashboard needs it, or ``duban dashboard_snapshots`` run daily), from
    the data as it then stands, and kept: later changes do not rewrite the history.
    Retaken if the round's due date is moved."""

    round = models.OneToOneField("rounds.Round", on_delete=models.CASCADE, related_name="dashboard_snapshot",
                                 verbose_name="调度")
    as_of = models.DateField("统计日期")
    tasks = models.JSONField("各状态任务", default=dict)
    taken_at = models.DateTimeField("生成时间", auto_now=True)

    class Meta:
        verbose_name = "调度状态快照"
        verbose_name_plural = "调度状态快照"

    def __str__(self) -> str:
        return f"{self.round} @ {self.as_of:%Y-%m-%d}"
