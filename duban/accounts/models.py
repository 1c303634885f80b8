"""People who sign in, and the one role each holds."""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from duban.lib.secretfields import EncryptedTextField


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
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def save(self, *args, **kwargs):
        """A new password (set_password, then save) stamps its time and joins the
        password history; a hash upgrade on sign-in (which clears _password) does not."""
        changed = self._password is not None
        if changed:
            self.password_changed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "password_changed_at"}
        super().save(*args, **kwargs)
        if changed and self.has_usable_password():
            PasswordHistory.remember(self)

    def password_expired(self, max_age_days: int, now=None) -> bool:
        changed = self.password_changed_at or self.date_joined
        return (now or timezone.now()) - changed > timedelta(days=max_age_days)

    @property
    def is_staff_role(self) -> bool:
        """Roles that must use a second factor when the policy says so."""
        return self.role == Role.OFFICE or self.role in ADMIN_ROLES

    def must_use_second_factor(self, policy) -> bool:
        """Whether the security policy requires this person to sign in with a second
        factor: the office and the three administrators (on by default in production),
        leaders, unit people — each as the security administrator sets it."""
        if self.is_staff_role:
            return policy.require_2fa_for_staff
        if self.role == Role.LEADER:
            return policy.require_2fa_for_leaders
        return policy.require_2fa_for_units

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def signed_in_as(self) -> str:
        """Who is signed in, as the page header shows it: the name, then the role and
        unit in brackets; the role is left out where the name is the role (督查室)."""
        extra = [] if self.get_role_display() == str(self) else [self.get_role_display()]
        if self.unit_id:
            extra.append(str(self.unit))
        return f"{self}（{'·'.join(extra)}）" if extra else str(self)

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


class PasswordHistory(models.Model):
    """Hashes of a person's recent passwords, so none of the last N is used again."""

    KEEP = 24  # the most the policy can ask for

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history", verbose_name="用户")
    password = models.CharField("密码哈希", max_length=128)
    created_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    @classmethod
    def remember(cls, user: User) -> None:
        cls.objects.create(user=user, password=user.password)
        stale = cls.objects.filter(user=user).values_list("id", flat=True)[cls.KEEP:]
        cls.objects.filter(id__in=list(stale)).delete()


class SignInFailure(models.Model):
    """One failed sign-in (wrong password or wrong one-time code). Kept in the database,
    not in process memory, so every application server counts the same failures."""

    username = models.CharField("用户名", max_length=150, db_index=True)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True, db_index=True)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "登录失败"
        verbose_name_plural = "登录失败"


class Lockout(models.Model):
    """An account or a source address refused sign-in until `until`, or until the
    security administrator ends it."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", "账号"
        ADDRESS = "address", "来源地址"

    kind = models.CharField("锁定对象", max_length=10, choices=Kind.choices)
    key = models.CharField("用户名或地址", max_length=150, db_index=True)
    started_at = models.DateTimeField("锁定时间", default=timezone.now)
    until = models.DateTimeField("锁定至")
    failures = models.PositiveSmallIntegerField("失败次数", default=0)
    ended_at = models.DateTimeField("解除时间", null=True, blank=True)
    ended_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="解除人")

    class Meta:
        verbose_name = "锁定"
        verbose_name_plural = "锁定"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    def is_active(self, now=None) -> bool:
        return self.ended_at is None and self.until > (now or timezone.now())


class UserSession(models.Model):
    """A signed-in session of a person, so "sign out everywhere" can end them all
    whatever the session backend."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions", verbose_name="用户")
    session_key = models.CharField("会话标识", max_length=40, unique=True)
    created_at = models.DateTimeField("登录时间", default=timezone.now)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=200, blank=True)

    class Meta:
        verbose_name = "登录会话"
        verbose_name_plural = "登录会话"
        ordering = ["-created_at"]


class AccountChange(models.Model):
    """A change of who may do what, waiting for the security administrator (三员分立,
    docs/SEPARATION_OF_DUTIES.md): a new account, a role, unit or leader, the
    re-activation of an account, a password reset. The system administrator (or a
    directory, a first sign-in through unified identity) asks; nothing takes effect
    until the security administrator approves.

    A new account and a password reset carry a set-up code in two halves: the first is
    shown to the administrator who asked, the second to the security administrator who
    approves, each once; the person needs both to set a password of their own
    (accounts:setup). Neither administrator alone holds anything that signs in."""

    class Kind(models.TextChoices):
        CREATE = "create", "新建账号"
        ACCESS = "access", "变更角色、单位或启用账号"
        PASSWORD = "password", "重置密码"

    class Source(models.TextChoices):
        SYSADMIN = "sysadmin", "系统管理员"
        LDAP = "ldap", "目录账号"
        OIDC = "oidc", "统一身份认证（OIDC）"
        CAS = "cas", "统一身份认证（CAS）"
        WECOM = "wecom", "企业微信/政务微信"
        DINGTALK = "dingtalk", "钉钉/浙政钉"

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"
        SUPERSEDED = "superseded", "已被新申请取代"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_changes", verbose_name="账号")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.ACCESS)
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="单位")
    leader = models.ForeignKey("org.Leader", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="对应区领导")
    activate = models.BooleanField("批准后启用账号", default=False)
    source = models.CharField("提出方", max_length=10, choices=Source.choices, default=Source.SYSADMIN)
    reason = models.CharField("说明", max_length=300, blank=True)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="申请人")
    requested_at = models.DateTimeField("提出时间", default=timezone.now)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="审批人")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    # The set-up code (new account, password reset): a keyed digest of both halves; the
    # second half kept encrypted only until the approving administrator has seen it.
    code_digest = models.CharField("开通码校验值", max_length=80, blank=True)
    code_second_half = EncryptedTextField("开通码后半段", purpose="setup-code", blank=True)
    code_expires_at = models.DateTimeField("开通码有效期至", null=True, blank=True)
    code_used_at = models.DateTimeField("开通码使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "账号变更申请"
        verbose_name_plural = "账号变更申请"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()}"

    def describe(self) -> str:
        """What the change gives, in Chinese."""
        if self.kind == self.Kind.PASSWORD:
            return "重置密码（本人凭两段开通码自行设置）"
        text = self.get_role_display() if self.role else ""
        if self.unit_id:
            text += f"·{self.unit}"
        if self.leader_id:
            text += f"·{self.leader}"
        if self.kind == self.Kind.CREATE:
            text = f"新建账号：{text}"
        elif self.activate:
            text = f"{text}，并启用账号" if text else "启用账号"
        return text


class EnrolmentCode(models.Model):
    """A one-time code without which no authenticator is bound to an account (issue 14
    §5): the password alone never enrols a second factor. Issued by the security
    administrator (双因素认证 page) or on the server (`duban enrolment_code`), told to
    the person through that second channel; kept as a keyed digest only."""

    VALID_HOURS = 72

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes", verbose_name="账号")
    digest = models.CharField("校验值", max_length=80)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="发放人")
    issued_at = models.DateTimeField("发放时间", default=timezone.now)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "绑定码"
        verbose_name_plural = "绑定码"
        ordering = ["-issued_at", "-id"]


class RecoveryCode(models.Model):
    """A one-time recovery code (恢复码) that stands in for the authenticator when the
    phone is lost; ten are made at enrolment and shown once. Kept as a keyed digest."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name="账号")
    digest = models.CharField("校验值", max_length=80, db_index=True)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "恢复码"
        verbose_name_plural = "恢复码"
