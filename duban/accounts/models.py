"""People who sign in, and the one role each holds."""
from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


class Role(models.TextChoices):
    OFFICE = "office", "督查室"
    LEADER = "leader", "区领导"
    LIAISON = "liaison", "单位联络员"
    UNIT_HEAD = "unit_head", "单位负责人"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "审计员"


UNIT_ROLES = {Role.LIAISON, Role.UNIT_HEAD}
ADMIN_ROLES = {Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR}


class User(AbstractUser):
    """A person. Each account holds exactly one role, which keeps the three
    administrative roles (三员分立) apart by construction; unit people act for their unit."""

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.LIAISON)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="people", verbose_name="所属单位"
    )
    leader = models.OneToOneField(
        "org.Leader", null=True, blank=True, on_delete=models.PROTECT, related_name="account", verbose_name="对应区领导"
    )
    must_change_password = models.BooleanField("须修改密码", default=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        if self.role in UNIT_ROLES and not self.unit_id:
            raise ValidationError({"unit": "单位联络员和单位负责人必须属于一个单位"})
        if self.role not in UNIT_ROLES and self.unit_id:
            raise ValidationError({"unit": "只有单位人员可以属于单位"})
        if self.role == Role.LEADER and not self.leader_id:
            raise ValidationError({"leader": "区领导账号必须对应一位区领导"})

    # Role questions every view and queryset asks.
    @property
    def is_office(self) -> bool:
        return self.role == Role.OFFICE

    @property
    def is_leader(self) -> bool:
        return self.role == Role.LEADER

    @property
    def is_unit_person(self) -> bool:
        return self.role in UNIT_ROLES

    @property
    def sees_all_tasks(self) -> bool:
        return self.role in (Role.OFFICE, Role.LEADER)
