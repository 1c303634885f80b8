"""State changes of the dashboards app (audited)."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from duban.audit.log import record
from duban.lib import concurrency

from .models import LeagueWeights


def _plain(weights: LeagueWeights) -> dict:
    return {f: str(Decimal(getattr(weights, f)).quantize(Decimal("0.1"))) for f in LeagueWeights.FIELDS}


@transaction.atomic
def update_league_weights(*, actor, values: dict, seen: str | None = None) -> LeagueWeights:
    """The office sets the league table's weights; the change is audited (before/after).
    `seen` is the fingerprint of the weights the form showed (duban.lib.concurrency): if
    another person saved them since, StaleEdit carries theirs and nothing is written."""
    if not actor.is_office:
        raise PermissionDenied("只有督查室可以设置考核权重")
    LeagueWeights.objects.get_or_create(pk=1)
    weights = concurrency.lock(LeagueWeights.objects.filter(pk=1)).get()
    if seen and not concurrency.check_fingerprint(weights, LeagueWeights.FIELDS, seen):
        raise concurrency.StaleEdit("考核权重", weights, by=str(weights.updated_by or ""), at=weights.updated_at)
    before = _plain(weights)
    for f in LeagueWeights.FIELDS:
        setattr(weights, f, values[f])
    weights.updated_by = actor
    weights.save()
    after = _plain(weights)
    changed = "，".join(f"{LeagueWeights._meta.get_field(f).verbose_name} {before[f]} → {after[f]}"
                       for f in LeagueWeights.FIELDS if before[f] != after[f])
    record("dashboards.weights_change", actor=actor, obj=weights, summary=f"修改考核权重：{changed or '未改变'}",
           before=before, after=after)
    return weights
