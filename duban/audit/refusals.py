"""Refused requests in the audit log, counted rather than written one by one
(issue 14 §6, issue 13 "refused access is written to the audit log").

Every refusal — a 403 page, a 404 for an object the person may not see, a failed
CSRF check, a refused API token, a request over the rate limit — is counted in a
bucket per minute, person, source address and kind (``Refusal``). The first refusal
of a bucket writes its event to the audit chain at once (who, from where, which page,
why); the rest only add to the count, and once the minute is over the job
``audit_refusals`` writes one more event with the total. However fast a scanner
goes, each person and address costs at most two events per kind per minute, and the
log still says exactly how many requests were refused.
"""
from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .log import record
from .middleware import current_address
from .models import Event, Refusal

ACTIONS = {
    Refusal.Kind.FORBIDDEN: "access.denied",
    Refusal.Kind.NOT_FOUND: "access.not_found",
    Refusal.Kind.CSRF: "access.csrf_failed",
    Refusal.Kind.TOKEN: "api.token_refused",
    Refusal.Kind.THROTTLED: "access.throttled",
}
SUMMARY_ACTION = "access.refusals"
KEEP_DAYS = 30  # buckets already summed up in the log are removed after this


def _who(actor, address: str) -> str:
    name = str(actor) if actor is not None else "未登录的访问者"
    return f"{name}（{address}）" if address else name


def note(kind: str, *, actor=None, address: str | None = None, path: str = "", reason: str = "",
         obj=None, now=None) -> bool:
    """Count one refusal; the first of its minute, person, address and kind also writes
    its event. Returns True when an event was written."""
    now = now or timezone.now()
    actor = actor if getattr(actor, "pk", None) else None
    address = address if address is not None else (current_address() or "")
    path = (path or "")[:300]
    key = {"minute": now.replace(second=0, microsecond=0), "actor_key": str(actor.pk) if actor else "",
           "address": address or "", "kind": kind}
    with transaction.atomic():
        if Refusal.objects.filter(**key).update(count=F("count") + 1, last_path=path):
            return False
        try:
            with transaction.atomic():
                Refusal.objects.create(**key, actor=actor, actor_name=str(actor) if actor else "",
                                       first_path=path, last_path=path, reason=reason[:300])
        except IntegrityError:  # another request of the same bucket came first
            Refusal.objects.filter(**key).update(count=F("count") + 1, last_path=path)
            return False
        label = Refusal.Kind(kind).label
        record(ACTIONS[kind], actor=actor, obj=obj, result=Event.Result.DENIED, address=address or None,
               summary=f"{label}：{_who(actor, address)} 访问 {path or '（无）'}" + (f"，{reason}" if reason else "")
                       + "（同一人、地址和类别每分钟逐条记录第一次，其余计数后汇总）",
               after={"kind": kind, "path": path, "reason": reason[:300]})
    return True


def summarize(now=None) -> dict:
    """For every bucket of a finished minute: one event with the total when there was
    more than one refusal. Safe to run on several workers at once (each bucket is
    claimed with a conditional UPDATE). Old summed-up buckets are removed."""
    now = now or timezone.now()
    current = now.replace(second=0, microsecond=0)
    written = 0
    pending = list(Refusal.objects.filter(summarized=False, minute__lt=current).order_by("minute", "id")
                   .values_list("pk", flat=True)[:5000])
    for pk in pending:
        with transaction.atomic():
            if Refusal.objects.filter(pk=pk, summarized=False).update(summarized=True) != 1:
                continue
            bucket = Refusal.objects.select_related("actor").get(pk=pk)
            if bucket.count <= 1:
                continue
            local = timezone.localtime(bucket.minute)
            record(SUMMARY_ACTION, actor=bucket.actor, result=Event.Result.DENIED, address=bucket.address or None,
                   summary=f"{local:%Y-%m-%d %H:%M} 这一分钟内，{_who(bucket.actor or (bucket.actor_name or None), bucket.address)}"
                           f"{bucket.get_kind_display()}共 {bucket.count} 次（第一次已逐条记录，"
                           f"其余 {bucket.count - 1} 次在此汇总）；最后访问 {bucket.last_path or '（无）'}",
                   after={"kind": bucket.kind, "count": bucket.count, "minute": bucket.minute.isoformat(),
                          "first_path": bucket.first_path, "last_path": bucket.last_path})
            written += 1
    removed, _ = Refusal.objects.filter(summarized=True, minute__lt=now - timedelta(days=KEEP_DAYS)).delete()
    return {"汇总记录": written, "清理": removed}
