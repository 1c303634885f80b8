"""Who a person is elsewhere: their entry in the directory, their identity at the
unified identity platform, their user id in WeCom or DingTalk; the rules that map
directory entries to units and roles; and the record of each directory
synchronisation. Role changes asked for by these sources wait for the security
administrator as accounts.AccountChange (duban.accounts.approvals)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from duban.accounts.models import Role


class Provider(models.TextChoices):
    LDAP = "ldap", "目录账号"
    OIDC = "oidc", "统一身份认证（OIDC）"
    CAS = "cas", "统一身份认证（CAS）"
    WECOM = "wecom", "企业微信/政务微信"
    DINGTALK = "dingtalk", "钉钉/浙政钉"


class ExternalIdentity(models.Model):
    """A person's identity at one provider, by the provider's stable id (entryUUID or
    objectGUID, the OIDC `sub`, the CAS user, the WeCom or DingTalk user id)."""

    provider = models.CharField("来源", max_length=10, choices=Provider.choices)
    subject = models.CharField("外部标识", max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities",
                             verbose_name="用户")
    login_name = models.CharField("外部登录名", max_length=150, blank=True)
    display_name = models.CharField("外部姓名", max_length=100, blank=True)
    dn = models.CharField("目录位置", max_length=500, blank=True)
    created_at = models.DateTimeField("关联时间", default=timezone.now)
    last_seen_at = models.DateTimeField("最近出现", null=True, blank=True)

    class Meta:
        verbose_name = "外部身份"
        verbose_name_plural = "外部身份"
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="identity_provider_subject"),
            models.UniqueConstraint(fields=["provider", "user"], name="identity_provider_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.login_name or self.subject}"


class DirectoryRule(models.Model):
    """Maps directory people to a unit and a role: everyone under an organisational
    unit (OU) or in a group. Rules are read in order; the first rule that gives a unit
    gives the unit, the first that gives a role gives the role."""

    class Kind(models.TextChoices):
        OU = "ou", "组织单位（OU）"
        GROUP = "group", "用户组"

    class UnitMode(models.TextChoices):
        NONE = "none", "不指定单位"
        FIXED = "fixed", "指定单位"
        OU_NAME = "ou_name", "按人员所在 OU 名称对应单位（没有则新建）"

    position = models.PositiveIntegerField("顺序", default=0)
    kind = models.CharField("匹配方式", max_length=10, choices=Kind.choices, default=Kind.OU)
    dn = models.CharField("目录位置（DN）", max_length=500)
    unit_mode = models.CharField("单位", max_length=10, choices=UnitMode.choices, default=UnitMode.NONE)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="对应单位")
    role = models.CharField("角色", max_length=20, blank=True,
                            choices=[(r.value, r.label) for r in Role if r not in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR)])
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "目录映射规则"
        verbose_name_plural = "目录映射规则"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.dn}"


class SyncRun(models.Model):
    """One directory synchronisation: who or what started it, and what it did."""

    class Trigger(models.TextChoices):
        BUTTON = "button", "手动同步"
        SCHEDULE = "schedule", "定时同步"

    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    trigger = models.CharField("方式", max_length=10, choices=Trigger.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="操作人")
    ok = models.BooleanField("成功", default=False)
    counts = models.JSONField("统计", default=dict)
    problems = models.JSONField("问题", default=list)
    message = models.CharField("结果", max_length=500, blank=True)

    class Meta:
        verbose_name = "目录同步"
        verbose_name_plural = "目录同步"
        ordering = ["-started_at", "-id"]
