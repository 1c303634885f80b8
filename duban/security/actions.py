"""Changes to the security policy (the security administrator's one settings row)."""
from __future__ import annotations

from django.db import transaction

from duban.audit.log import record
from duban.lib import concurrency

from .models import SecurityPolicy


def policy_fields() -> list[str]:
    return [f.name for f in SecurityPolicy._meta.fields if f.name not in {"id", "updated_at", "updated_by"}]


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
