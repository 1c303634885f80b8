"""The security policy: every identity and audit rule as data the security
administrator sets from the UI (GB/T 22239-2019 §8.1.4.1 身份鉴别, §8.1.4.3 安全审计)."""
from __future__ import annotations

import copy

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models

# The law (网络安全法 Art. 23) keeps network logs at least six months: no setting goes lower.
LEGAL_MIN_RETENTION_DAYS = 180

# {database alias: (the policy row as read, the instance built from it)}: see current().
_policy_cache: dict[str, tuple] = {}


class SecurityPolicy(models.Model):
    """One row (pk=1). Until the security administrator saves it, the defaults below apply."""

    password_min_length = models.PositiveSmallIntegerField(
        "密码最小长度", default=8, validators=[MinValueValidator(8), MaxValueValidator(64)])
    password_min_classes = models.PositiveSmallIntegerField(
        "密码最少字符类别数", default=3, validators=[MinValueValidator(2), MaxValueValidator(4)],
        help_text="小写字母、大写字母、数字、特殊字符四类中至少包含的类别数")
    password_max_age_days = models.PositiveSmallIntegerField(
        "密码有效期（天）", default=90, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="到期后登录须先修改密码")
    password_history_count = models.PositiveSmallIntegerField(
        "不得重复使用最近几次密码", default=5, validators=[MinValueValidator(1), MaxValueValidator(24)])
    lockout_threshold = models.PositiveSmallIntegerField(
        "账号锁定：连续失败次数", default=5, validators=[MinValueValidator(3), MaxValueValidator(20)])
    lockout_address_threshold = models.PositiveSmallIntegerField(
        "地址锁定：同一地址失败次数", default=5, validators=[MinValueValidator(0), MaxValueValidator(200)],
        help_text="同一来源地址（不论账号）在统计时段内失败达到此次数即锁定该地址；0 表示不按地址锁定")
    lockout_window_minutes = models.PositiveSmallIntegerField(
        "失败次数统计时段（分钟）", default=15, validators=[MinValueValidator(1), MaxValueValidator(1440)])
    lockout_duration_minutes = models.PositiveSmallIntegerField(
        "锁定时长（分钟）", default=30, validators=[MinValueValidator(1), MaxValueValidator(1440)])
    session_idle_minutes = models.PositiveSmallIntegerField(
        "会话空闲超时（分钟）", default=30, validators=[MinValueValidator(5), MaxValueValidator(480)])
    session_absolute_hours = models.PositiveSmallIntegerField(
        "会话最长时间（小时）", default=12, validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="不超过部署配置 DUBAN_SESSION_ABSOLUTE_HOURS")
    require_2fa_for_staff = models.BooleanField(
        "督查室和管理员账号必须使用双因素认证", default=False,
        help_text="开启后，督查室、系统管理员、安全管理员、审计员登录须输入动态验证码")
    audit_retention_days = models.PositiveSmallIntegerField(
        "审计记录在线保存天数", default=LEGAL_MIN_RETENTION_DAYS,
        validators=[MinValueValidator(LEGAL_MIN_RETENTION_DAYS), MaxValueValidator(3650)],
        help_text="超过此天数的记录由归档命令写入压缩归档文件后移出在线表；法定不少于180天")
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="修改人")

    class Meta:
        verbose_name = "安全策略"
        verbose_name_plural = "安全策略"

    def __str__(self) -> str:
        return "安全策略"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "SecurityPolicy":
        """The saved policy, or the defaults (unsaved) when none was saved yet.

        Read on every signed-in request, so the row is fetched with one plain SQL
        statement; the model instance built from it is kept per process and reused
        (as a copy) while the row read is identical column for column, so any change,
        however written, applies to the very next request."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(cls._meta.db_table)} WHERE id = %s", [1])
            row = cursor.fetchone()
        if row is None:
            return cls(pk=1)
        cached = _policy_cache.get(connection.alias)
        if cached is None or cached[0] != row:
            policy = cls.objects.filter(pk=1).first()
            if policy is None:  # deleted in between
                return cls(pk=1)
            cached = (row, policy)
            _policy_cache[connection.alias] = cached
        return copy.copy(cached[1])

    def as_dict(self) -> dict:
        """The settable values, for the audit record's before/after."""
        return {f.name: getattr(self, f.name) for f in self._meta.fields
                if f.name not in {"id", "updated_at", "updated_by"}}
