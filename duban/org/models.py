"""Units (责任单位) and leaders (牵头领导): the people and bodies tasks are assigned to."""
from __future__ import annotations

import re

from django.db import models

_SPACE = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Names compare without whitespace (PDF and docx extraction add it at random)."""
    return _SPACE.sub("", name or "")


class UnitQuerySet(models.QuerySet):
    def by_name(self, name: str) -> "Unit | None":
        """The unit called `name`, by its name or any recorded alias."""
        key = normalise_name(name)
        unit = self.filter(name=key).first()
        if unit is None:
            alias = UnitAlias.objects.select_related("unit").filter(alias=key).first()
            unit = alias.unit if alias else None
        return unit


class Unit(models.Model):
    """A responsible unit (责任单位): a bureau, a town, a committee — or a collective
    assignee such as 各部门 that stands for every unit."""

    name = models.CharField("单位名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    is_collective = models.BooleanField("集合单位", default=False, help_text="如“各部门”“各单位”，代表全部单位")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UnitAlias(models.Model):
    """Another spelling of a unit (区发改委 for 区发展改革委): one unit however it is spelled."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="aliases", verbose_name="单位")
    alias = models.CharField("别名", max_length=100, unique=True)
    guessed = models.BooleanField("自动匹配", default=False, help_text="导入时按名称相似自动归并，需人工确认")

    class Meta:
        verbose_name = "单位别名"
        verbose_name_plural = "单位别名"

    def __str__(self) -> str:
        return f"{self.alias} → {self.unit.name}"


class Leader(models.Model):
    """A lead leader (牵头领导), usually a deputy district head."""

    name = models.CharField("姓名", max_length=50, unique=True)
    title = models.CharField("职务", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "区领导"
        verbose_name_plural = "区领导"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
