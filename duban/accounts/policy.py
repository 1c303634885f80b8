"""Changes to the security policy (the security administrator's one settings row) and
to the allowlist of outgoing requests, each audited. The data lives in duban.security,
below the audit log; the changes live here, above it."""
from __future__ import annotations

from django.db import transaction

from duban.audit.log import record
from duban.lib import concurrency
from duban.security.models import OutboundHost, SecurityPolicy


def policy_fields() -> list[str]:
    return SecurityPolicy.settable_fields()


@transaction.atomic
def update_policy(*, actor, values: dict, seen: str) -> tuple[SecurityPolicy, set[str]]:
    """Saves the policy and audits what changed. `seen` is the fingerprint of the
    policy the form showed; if another person saved it since, StaleEdit carries theirs."""
    SecurityPolicy.objects.get_or_create(pk=1)
    policy = concurrency.lock(SecurityPolicy.objects.filter(pk=1)).get()
    fields = policy_fields()
    if not concurrency.check_fingerprint(policy, fields, seen):
        raise concurrency.StaleEdit("安全策略", policy, by=str(policy.updated_by or ""), at=policy.updated_at)
    before = policy.as_dict()
    for name in fields:
        if name in values:
            setattr(policy, name, values[name])
    policy.updated_by = actor
    policy.save()
    after = policy.as_dict()
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        record("security.policy_change", actor=actor, obj=policy,
               summary="修改安全策略：" + "、".join(
                   str(SecurityPolicy._meta.get_field(k).verbose_name) for k in sorted(changed)),
               before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return policy, changed


@transaction.atomic
def add_outbound_host(*, host: str, allow_private: bool, note: str, actor) -> OutboundHost:
    """Adds a host to the allowlist of outgoing requests (duban.lib.outbound), audited."""
    entry = OutboundHost.objects.create(host=host, allow_private=allow_private, note=note, created_by=actor)
    record("security.outbound_add", actor=actor, obj=entry,
           summary=f"外发地址白名单添加“{host}”{'（允许内网地址）' if allow_private else ''}",
           after={"host": host, "allow_private": allow_private, "note": note})
    return entry


@transaction.atomic
def remove_outbound_host(entry: OutboundHost, *, actor) -> bool:
    """Removes a host from the allowlist; False when someone else removed it first."""
    deleted, _ = OutboundHost.objects.filter(pk=entry.pk).delete()
    if deleted:
        record("security.outbound_remove", actor=actor, obj=entry, summary=f"外发地址白名单删除“{entry.host}”",
               before={"host": entry.host, "allow_private": entry.allow_private, "note": entry.note})
    return bool(deleted)
