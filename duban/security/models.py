"""The security policy: every identity and audit rule as data the security
administrator sets from the UI (GB/T 22239-2019 §8.1.4.1 身份鉴别, §8.1.4.3 安全审计)."""
from __future__ import annotations

import copy

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models

from duban.lib import outbound

# The law (网络安全法 Art. 23) keeps network logs at least six months: no setting goes lower.
LEGAL_MIN_RETENTION_DAYS = 180

# {database alias: (the policy row as read, the instance built from it)}: see current().
_policy_cache: dict[str, tuple] = {}


def staff_2fa_default() -> bool:
    """Second factor for the office and the administrators until the security
    administrator decides otherwise: DUBAN_REQUIRE_2FA_FOR_STAFF, true in the production
    environment file (deploy/duban.env)."""
    return getattr(settings, "DUBAN_REQUIRE_2FA_FOR_STAFF", False)


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
    sign_in_per_minute_address = models.PositiveIntegerField(
        "登录限速：同一地址每分钟次数", default=120, validators=[MinValueValidator(5), MaxValueValidator(10000)],
        help_text="同一来源地址每分钟最多提交的登录（密码、动态验证码）次数，超过后本分钟内拒绝（不核验密码）；"
                  "多人经同一出口地址上网时请适当调高")
    sign_in_per_minute_account = models.PositiveSmallIntegerField(
        "登录限速：同一账号每分钟次数", default=20, validators=[MinValueValidator(3), MaxValueValidator(1000)],
        help_text="同一账号每分钟最多提交的登录次数，超过后本分钟内拒绝")
    api_per_minute = models.PositiveIntegerField(
        "接口限速：每分钟请求数", default=1200, validators=[MinValueValidator(10), MaxValueValidator(100000)],
        help_text="同一账号、同一来源地址每分钟最多的接口请求数，超过后返回 429")
    token_failures_per_minute = models.PositiveSmallIntegerField(
        "接口令牌错误：同一地址每分钟次数", default=10, validators=[MinValueValidator(3), MaxValueValidator(1000)],
        help_text="同一来源地址每分钟被拒绝的接口令牌达到此数后，本分钟内该地址的接口请求一律返回 429")
    session_idle_minutes = models.PositiveSmallIntegerField(
        "会话空闲超时（分钟）", default=30, validators=[MinValueValidator(5), MaxValueValidator(480)])
    session_absolute_hours = models.PositiveSmallIntegerField(
        "会话最长时间（小时）", default=12, validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="不超过部署配置 DUBAN_SESSION_ABSOLUTE_HOURS")
    require_2fa_for_staff = models.BooleanField(
        "督查室和管理员账号必须使用双因素认证", default=staff_2fa_default,
        help_text="开启后，督查室、系统管理员、安全管理员、审计员登录须输入动态验证码（生产环境默认开启）")
    require_2fa_for_leaders = models.BooleanField(
        "区领导账号必须使用双因素认证", default=False,
        help_text="开启后，区领导登录须输入动态验证码；未开启时区领导可自愿启用")
    require_2fa_for_units = models.BooleanField(
        "单位人员必须使用双因素认证", default=False,
        help_text="开启后，单位联络员和单位负责人登录须输入动态验证码；未开启时可自愿启用")
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

    @classmethod
    def settable_fields(cls) -> list[str]:
        """The fields the security administrator sets (compared for stale edits)."""
        return [f.name for f in cls._meta.fields if f.name not in {"id", "updated_at", "updated_by"}]

    def as_dict(self) -> dict:
        """The settable values, for the audit record's before/after."""
        return {name: getattr(self, name) for name in self.settable_fields()}


class OutboundHost(models.Model):
    """A host Duban may send requests to (group robots, app messages, status webhooks),
    kept by the security administrator: the allowlist of duban.lib.outbound. ``host``
    is a name, an IP address or ``*.domain``; ``allow_private`` lets it resolve to an
    intranet, loopback or reserved address (an intranet OA system)."""

    host = models.CharField("主机名", max_length=253, unique=True,
                            help_text="如 oa.example.gov.cn、*.example.gov.cn（该域名下的所有主机）或 IP 地址")
    allow_private = models.BooleanField(
        "允许内网地址", default=False,
        help_text="该主机解析到内网、本机或保留地址时仍允许发送（仅用于内网系统）")
    note = models.CharField("说明", max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="添加人")
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "外发地址白名单"
        verbose_name_plural = "外发地址白名单"
        ordering = ["host"]

    def __str__(self) -> str:
        return self.host


def outbound_policy():
    """The allowlist in force, as duban.lib.outbound reads it (installed in apps.py)."""
    return outbound.rules_from(OutboundHost.objects.values_list("host", "allow_private"))


class RateCount(models.Model):
    """Requests counted per minute for one scope and key (sign-ins per address, API
    requests per account, …): duban.security.throttle. Shared by every application
    server through the database."""

    scope = models.CharField("类别", max_length=20)
    key = models.CharField("对象", max_length=200)
    window = models.DateTimeField("分钟", db_index=True)
    count = models.PositiveIntegerField("次数", default=0)

    class Meta:
        verbose_name = "请求计数"
        verbose_name_plural = "请求计数"
        constraints = [models.UniqueConstraint(fields=["scope", "key", "window"], name="security_ratecount_bucket")]
