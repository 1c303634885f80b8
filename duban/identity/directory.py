"""The directory (LDAP / Active Directory): reading people, mapping them to units and
roles by the system administrator's rules, and applying that to Duban's accounts.

Sign-in (backends.DirectoryBackend, django-auth-ldap) and synchronisation
(`sync_directory`, python-ldap's paged search) both end in `apply_entry`, so a
person is linked, created and mapped the same way whichever comes first. A change of
role, unit or leader is never applied here: it becomes an AccountChange for the security
administrator. Deactivation (gone from the directory, disabled in AD) takes effect
at once.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import ldap
from ldap.controls import SimplePagedResultsControl
from ldap.dn import explode_dn, str2dn
from ldap.filter import escape_filter_chars
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from duban.accounts.approvals import request_access
from duban.accounts.models import ADMIN_ROLES, Role, UNIT_ROLES, User
from duban.accounts.sessions import end_other_sessions
from duban.audit.log import record
from duban.org.models import Leader, Unit

from .models import DirectoryRule, ExternalIdentity, Provider, SyncRun

PAGE_SIZE = 500
AD_DISABLED = 0x2  # userAccountControl: ACCOUNTDISABLE

# Defaults by kind of directory; each can be set on its own (deploy/duban.env).
KINDS = {
    "openldap": {"user_filter": "(uid=%(user)s)", "login_attr": "uid", "name_attr": "cn", "id_attr": "entryUUID"},
    "ad": {"user_filter": "(&(objectCategory=person)(objectClass=user)(sAMAccountName=%(user)s))",
           "login_attr": "sAMAccountName", "name_attr": "displayName", "id_attr": "objectGUID"},
}


class DirectoryError(Exception):
    """The directory could not be reached or answered with an error; the message is
    Chinese and says what to check."""


@dataclass(frozen=True)
class Config:
    url: str
    start_tls: bool
    ca_file: str
    bind_dn: str
    bind_password: str
    user_base: str
    kind: str
    user_filter: str
    login_attr: str
    name_attr: str
    id_attr: str
    phone_attr: str
    email_attr: str
    group_member_attr: str
    timeout: int

    @property
    def list_filter(self) -> str:
        """Every person: the sign-in filter with any login name."""
        return self.user_filter % {"user": "*"}


def config() -> Config | None:
    """The directory settings, or None when no directory is configured."""
    raw = settings.DUBAN_LDAP
    if not raw.get("url"):
        return None
    kind = raw.get("kind") or "openldap"
    defaults = KINDS.get(kind, KINDS["openldap"])
    return Config(
        url=raw["url"], start_tls=raw.get("start_tls", False), ca_file=raw.get("ca_file", ""),
        bind_dn=raw.get("bind_dn", ""), bind_password=raw.get("bind_password", ""),
        user_base=raw.get("user_base", ""), kind=kind,
        user_filter=raw.get("user_filter") or defaults["user_filter"],
        login_attr=raw.get("login_attr") or defaults["login_attr"],
        name_attr=raw.get("name_attr") or defaults["name_attr"],
        id_attr=defaults["id_attr"],
        phone_attr=raw.get("phone_attr") or "telephoneNumber", email_attr=raw.get("email_attr") or "mail",
        group_member_attr=raw.get("group_member_attr") or "member", timeout=raw.get("timeout") or 10,
    )


def connection_options(cfg: Config) -> dict:
    options = {
        ldap.OPT_NETWORK_TIMEOUT: cfg.timeout,
        ldap.OPT_TIMEOUT: cfg.timeout,
        ldap.OPT_REFERRALS: 0,  # AD answers with referrals python-ldap would chase unbound
        ldap.OPT_PROTOCOL_VERSION: 3,
    }
    if cfg.ca_file:
        options[ldap.OPT_X_TLS_CACERTFILE] = cfg.ca_file
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    return options


def _explain(exc: Exception, cfg: Config) -> str:
    if isinstance(exc, ldap.SERVER_DOWN):
        return f"无法连接目录服务器 {cfg.url}：请检查地址、端口和网络（{_desc(exc)}）"
    if isinstance(exc, ldap.INVALID_CREDENTIALS):
        return f"目录服务账号 {cfg.bind_dn or '（匿名）'} 的密码不正确或账号已停用"
    if isinstance(exc, ldap.NO_SUCH_OBJECT):
        return f"目录中没有人员查找位置 {cfg.user_base}：请检查 DUBAN_LDAP_USER_BASE"
    if isinstance(exc, ldap.CONNECT_ERROR):
        return f"与目录服务器 {cfg.url} 建立加密连接失败：请检查证书（{_desc(exc)}）"
    if isinstance(exc, ldap.TIMEOUT):
        return f"目录服务器 {cfg.url} 在 {cfg.timeout} 秒内没有响应"
    if isinstance(exc, ldap.FILTER_ERROR):
        return f"人员过滤条件写法有误：{cfg.user_filter}"
    return f"目录服务器返回错误：{_desc(exc)}"


def _desc(exc: Exception) -> str:
    arg = exc.args[0] if exc.args else None
    if isinstance(arg, dict):
        return str(arg.get("info") or arg.get("desc") or "")
    return str(exc)


def connect(cfg: Config):
    """A connection bound as the service account (or anonymously when none is set)."""
    try:
        conn = ldap.initialize(cfg.url, bytes_mode=False)
        for option, value in connection_options(cfg).items():
            conn.set_option(option, value)
        if cfg.start_tls:
            conn.start_tls_s()
        conn.simple_bind_s(cfg.bind_dn, cfg.bind_password)
    except ldap.LDAPError as exc:
        raise DirectoryError(_explain(exc, cfg)) from exc
    return conn


# --------------------------------------------------------------------------- entries


@dataclass
class Entry:
    """One person as the directory holds them."""

    dn: str
    subject: str
    login: str
    name: str
    phone: str = ""
    email: str = ""
    disabled: bool = False
    groups: set[str] = field(default_factory=set)  # normalised DNs of the rule groups they belong to


def norm_dn(dn: str) -> str:
    """A DN compared without case or spacing differences."""
    try:
        return ",".join("+".join(f"{a.lower()}={v.lower()}" for a, v, _ in rdn) for rdn in str2dn(dn))
    except ldap.DECODING_ERROR:
        return dn.strip().lower()


def _first(attrs: dict, name: str) -> bytes | None:
    for key, values in attrs.items():
        if key.lower() == name.lower() and values:
            return values[0]
    return None


def _text(attrs: dict, name: str) -> str:
    value = _first(attrs, name)
    return value.decode("utf-8", "replace").strip() if value is not None else ""


def entry_from(dn: str, attrs: dict, cfg: Config) -> Entry | None:
    """The person in a search result; None when the entry has no login name."""
    login = _text(attrs, cfg.login_attr)
    if not login:
        return None
    raw_id = _first(attrs, cfg.id_attr)
    if raw_id is None:
        subject = norm_dn(dn)
    elif cfg.id_attr.lower() == "objectguid":
        subject = str(uuid.UUID(bytes_le=raw_id))
    else:
        subject = raw_id.decode("ascii", "replace")
    flags = _text(attrs, "userAccountControl")
    disabled = bool(flags.isdigit() and int(flags) & AD_DISABLED)
    return Entry(dn=dn, subject=subject, login=login, name=_text(attrs, cfg.name_attr) or login,
                 phone=_text(attrs, cfg.phone_attr), email=_text(attrs, cfg.email_attr), disabled=disabled)


def attr_list(cfg: Config) -> list[str]:
    return [cfg.login_attr, cfg.name_attr, cfg.id_attr, cfg.phone_attr, cfg.email_attr, "userAccountControl"]


def search_people(conn, cfg: Config) -> list[Entry]:
    """Every person under the people base, page by page (AD returns at most 1,000 a search)."""
    control = SimplePagedResultsControl(True, size=PAGE_SIZE, cookie="")
    out: list[Entry] = []
    try:
        while True:
            msgid = conn.search_ext(cfg.user_base, ldap.SCOPE_SUBTREE, cfg.list_filter, attr_list(cfg),
                                    serverctrls=[control])
            _, data, _, controls = conn.result3(msgid)
            for dn, attrs in data:
                if dn is None:  # a referral
                    continue
                entry = entry_from(dn, attrs, cfg)
                if entry is not None:
                    out.append(entry)
            cookie = next((c.cookie for c in controls if c.controlType == SimplePagedResultsControl.controlType), b"")
            if not cookie:
                return out
            control.cookie = cookie
    except ldap.LDAPError as exc:
        raise DirectoryError(_explain(exc, cfg)) from exc


def read_entry(conn, cfg: Config, dn: str) -> Entry | None:
    try:
        result = conn.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", attr_list(cfg))
    except ldap.LDAPError as exc:
        raise DirectoryError(_explain(exc, cfg)) from exc
    return entry_from(result[0][0], result[0][1], cfg) if result else None


def group_members(conn, cfg: Config, rules) -> dict[str, set[str]]:
    """The normalised member DNs of each group the rules name (direct members)."""
    out: dict[str, set[str]] = {}
    for rule in rules:
        if rule.kind != DirectoryRule.Kind.GROUP or norm_dn(rule.dn) in out:
            continue
        try:
            result = conn.search_s(rule.dn, ldap.SCOPE_BASE, "(objectClass=*)", [cfg.group_member_attr])
        except ldap.NO_SUCH_OBJECT:
            result = []
        except ldap.LDAPError as exc:
            raise DirectoryError(_explain(exc, cfg)) from exc
        members = set()
        for _, attrs in result:
            for key, values in attrs.items():
                if key.lower() == cfg.group_member_attr.lower():
                    members |= {norm_dn(v.decode("utf-8", "replace")) for v in values}
        out[norm_dn(rule.dn)] = members
    return out


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Mapping:
    role: str
    unit: Unit | None
    leader: Leader | None


def _ou_name(entry_dn: str) -> str:
    """The name of the organisational unit directly holding the person."""
    parts = explode_dn(entry_dn, notypes=False)
    for rdn in parts[1:]:
        attr, _, value = rdn.partition("=")
        if attr.lower() == "ou":
            return value.replace("\\", "")
    return ""


def _matches(rule: DirectoryRule, entry: Entry, members: dict[str, set[str]]) -> bool:
    dn = norm_dn(entry.dn)
    if rule.kind == DirectoryRule.Kind.OU:
        base = norm_dn(rule.dn)
        return dn.endswith("," + base)
    return dn in members.get(norm_dn(rule.dn), set())


def evaluate(entry: Entry, rules, members: dict[str, set[str]], problems: list[str]) -> Mapping | None:
    """The unit and role the rules give this person; None when no rule gives a role."""
    role = ""
    unit: Unit | None = None
    unit_decided = False
    for rule in rules:
        if not _matches(rule, entry, members):
            continue
        if not unit_decided and rule.unit_mode != DirectoryRule.UnitMode.NONE:
            unit_decided = True
            if rule.unit_mode == DirectoryRule.UnitMode.FIXED:
                unit = rule.unit
            else:
                name = _ou_name(entry.dn)
                unit = Unit.objects.by_name(name) if name else None
                if unit is None and name:
                    unit = Unit.objects.create(name=name)
                    record("org.unit_create", obj=unit, summary=f"目录同步新建单位 {name}")
        if not role and rule.role:
            role = rule.role
        if role and unit_decided:
            break
    if not role:
        return None
    leader = None
    if role in UNIT_ROLES and unit is None:
        problems.append(f"{entry.name}（{entry.login}）：规则给出的角色需要单位，但没有规则给出单位")
        return None
    if role not in UNIT_ROLES:
        unit = None
    if role == Role.LEADER:
        leader = Leader.objects.filter(name=entry.name.replace(" ", "")).first()
        if leader is None:
            problems.append(f"{entry.name}（{entry.login}）：规则给出区领导角色，但没有同名的区领导")
            return None
    return Mapping(role=role, unit=unit, leader=leader)


# --------------------------------------------------------------------------- applying


def _differs(user: User, mapping: Mapping) -> bool:
    return (user.role, user.unit_id, user.leader_id) != (
        mapping.role, mapping.unit.pk if mapping.unit else None, mapping.leader.pk if mapping.leader else None)


@transaction.atomic
def apply_entry(entry: Entry, mapping: Mapping | None, *, counts: dict, problems: list[str]) -> User | None:
    """Link, create or update the person for a directory entry. Returns the account, or
    None when the directory person has no account and no rule gives them one."""
    now = timezone.now()
    ident = ExternalIdentity.objects.select_related("user").filter(provider=Provider.LDAP, subject=entry.subject).first()
    user = ident.user if ident else None
    if user is None:
        user = User.objects.filter(username=entry.login).first()
        if user is not None and user.role in ADMIN_ROLES:
            problems.append(f"{entry.login}：与管理员本地账号同名，不关联目录（管理员始终使用本地账号）")
            return None
        if user is not None and ExternalIdentity.objects.filter(provider=Provider.LDAP, user=user).exists():
            problems.append(f"{entry.login}：同名账号已关联另一目录条目，未关联")
            return None
    if user is None:
        if mapping is None or entry.disabled:
            counts["skipped"] = counts.get("skipped", 0) + 1
            return None
        user = User(username=entry.login, full_name=entry.name[:50], phone=entry.phone[:30], email=entry.email,
                    role=mapping.role, unit=mapping.unit, leader=mapping.leader, is_active=False)
        user.set_unusable_password()
        user.save()
        record("account.create", obj=user, summary=f"目录同步新增人员 {entry.name}（{entry.login}），待安全管理员审批角色后启用",
               after={"username": user.username, "dn": entry.dn})
        request_access(user, role=mapping.role, unit=mapping.unit, leader=mapping.leader, activate=True,
                      source=Provider.LDAP, reason=f"目录新增人员，位置 {entry.dn}")
        counts["created"] = counts.get("created", 0) + 1
    if ident is None:
        ident = ExternalIdentity.objects.create(provider=Provider.LDAP, subject=entry.subject, user=user)
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        record("identity.link", obj=user, summary=f"账号 {user.username} 关联目录条目 {entry.dn}，今后以目录密码登录")
        counts["linked"] = counts.get("linked", 0) + 1
    ident.login_name, ident.display_name, ident.dn, ident.last_seen_at = entry.login, entry.name[:100], entry.dn[:500], now
    ident.save(update_fields=["login_name", "display_name", "dn", "last_seen_at"])

    details = {"full_name": entry.name[:50], "phone": entry.phone[:30], "email": entry.email}
    changed = {k: v for k, v in details.items() if getattr(user, k) != v}
    if changed:
        before = {k: getattr(user, k) for k in changed}
        for k, v in changed.items():
            setattr(user, k, v)
        user.save(update_fields=list(changed))
        record("account.update", obj=user, summary=f"目录同步更新 {user.username} 的资料", before=before, after=changed)
        counts["updated"] = counts.get("updated", 0) + 1

    if entry.disabled and user.is_active:
        deactivate(user, reason="目录中该账号已停用")
        counts["deactivated"] = counts.get("deactivated", 0) + 1
    elif mapping is not None and _differs(user, mapping):
        if request_access(user, role=mapping.role, unit=mapping.unit, leader=mapping.leader, activate=False,
                         source=Provider.LDAP, reason=f"目录位置或用户组变化：{entry.dn}"):
            counts["grants"] = counts.get("grants", 0) + 1
    return user


def deactivate(user: User, *, reason: str) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    end_other_sessions(user)
    record("account.permission_change", obj=user, summary=f"停用账号 {user.username}：{reason}",
           before={"is_active": True}, after={"is_active": False})


def sign_in_entry(cfg: Config, dn: str) -> User | None:
    """After the directory accepted a person's password: their account, brought up to
    date from the directory first (the same steps as a synchronisation)."""
    conn = connect(cfg)
    try:
        entry = read_entry(conn, cfg, dn)
        if entry is None:
            return None
        rules = list(DirectoryRule.objects.select_related("unit"))
        members = group_members(conn, cfg, rules)
    finally:
        conn.unbind_s()
    problems: list[str] = []
    user = apply_entry(entry, evaluate(entry, rules, members, problems), counts={}, problems=problems)
    return user


def sync_directory(*, trigger: str, actor=None) -> SyncRun:
    """Read every person from the directory and bring Duban's accounts in line: link,
    create (pending approval), update names and phones, propose role and unit changes,
    deactivate people who left or were disabled. Recorded as a SyncRun and audited."""
    run = SyncRun.objects.create(trigger=trigger, actor=actor if getattr(actor, "pk", None) else None)
    cfg = config()
    counts: dict[str, int] = {"seen": 0}
    problems: list[str] = []
    if cfg is None:
        run.message = "未配置目录服务（DUBAN_LDAP_URL 为空）"
    else:
        try:
            conn = connect(cfg)
            try:
                entries = search_people(conn, cfg)
                rules = list(DirectoryRule.objects.select_related("unit"))
                members = group_members(conn, cfg, rules)
            finally:
                conn.unbind_s()
        except DirectoryError as exc:
            run.message = str(exc)
        else:
            counts["seen"] = len(entries)
            seen_subjects = set()
            for entry in entries:
                seen_subjects.add(entry.subject)
                apply_entry(entry, evaluate(entry, rules, members, problems), counts=counts, problems=problems)
            gone = (ExternalIdentity.objects.filter(provider=Provider.LDAP, user__is_active=True)
                    .exclude(subject__in=seen_subjects).select_related("user"))
            if not entries and gone.exists():
                problems.append("目录返回 0 名人员：为防误停用，本次未停用任何账号，请检查人员查找位置和过滤条件")
            else:
                for ident in gone:
                    deactivate(ident.user, reason="目录中已没有该人员")
                    counts["deactivated"] = counts.get("deactivated", 0) + 1
            run.ok = True
            run.message = _summary(counts)
    run.counts, run.problems, run.finished_at = counts, problems[:200], timezone.now()
    run.save()
    record("identity.sync", actor=actor, summary=f"目录同步（{run.get_trigger_display()}）：{run.message}"[:500],
           result="ok" if run.ok else "failed", after={"counts": counts, "problems": len(problems)})
    return run


LABELS = {"seen": "读取", "created": "新增", "linked": "关联", "updated": "更新资料", "grants": "待审批角色变更",
          "deactivated": "停用", "skipped": "无对应规则未建账号"}


def _summary(counts: dict) -> str:
    return "，".join(f"{LABELS[k]}{counts[k]}人" for k in LABELS if counts.get(k)) or "无变化"


def test_connection() -> tuple[bool, str]:
    """(ok, Chinese message) for the admin page's test button."""
    cfg = config()
    if cfg is None:
        return False, "未配置目录服务（DUBAN_LDAP_URL 为空）"
    try:
        conn = connect(cfg)
        try:
            result = conn.search_ext_s(cfg.user_base, ldap.SCOPE_SUBTREE, cfg.list_filter, [cfg.login_attr],
                                       sizelimit=5)
        except ldap.SIZELIMIT_EXCEEDED:
            result = [None] * 5
        except ldap.LDAPError as exc:
            raise DirectoryError(_explain(exc, cfg)) from exc
        finally:
            conn.unbind_s()
    except DirectoryError as exc:
        return False, str(exc)
    n = len([r for r in result if r is None or r[0]])
    if not n:
        return False, f"已连接目录服务器，但在 {cfg.user_base} 下没有找到符合 {cfg.list_filter} 的人员"
    return True, f"连接成功：已以 {cfg.bind_dn or '匿名'} 身份登录 {cfg.url}，人员查找位置下可读到人员"


def login_filter(cfg: Config, username: str) -> str:
    return cfg.user_filter % {"user": escape_filter_chars(username)}
