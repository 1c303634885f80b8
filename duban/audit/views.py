"""The auditor's pages: read and search the event log, export it as CSV. Nothing
here changes or removes an event; the export is itself recorded."""
from __future__ import annotations

import csv
from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from duban.accounts.models import Role
from duban.accounts.permissions import role_required

from .forms import EventFilterForm
from .log import record
from .middleware import _valid as _valid_ip
from .models import Event

auditor_required = role_required(Role.AUDITOR)


def _day_start(d):
    return timezone.make_aware(datetime.combine(d, time.min))


def filtered_events(data: dict):
    qs = Event.objects.all()
    if data.get("start"):
        qs = qs.filter(at__gte=_day_start(data["start"]))
    if data.get("end"):
        qs = qs.filter(at__lt=_day_start(data["end"] + timedelta(days=1)))
    if data.get("person"):
        p = data["person"]
        qs = qs.filter(Q(actor_name__icontains=p) | Q(actor__username__iexact=p))
    if data.get("action"):
        qs = qs.filter(action__startswith=data["action"].strip())
    if data.get("result"):
        qs = qs.filter(result=data["result"])
    if data.get("address"):
        addr = data["address"].strip()
        qs = qs.filter(address=addr) if _valid_ip(addr) else qs.filter(address__startswith=addr)
    if data.get("obj"):
        kind, _, pk = data["obj"].strip().partition(":")
        qs = qs.filter(object_type=kind)
        if pk:
            qs = qs.filter(object_id=pk)
    return qs


def _filters(request) -> tuple[EventFilterForm, dict]:
    form = EventFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, data


@auditor_required
def event_list(request):
    form, data = _filters(request)
    events = filtered_events(data).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "nav": "audit"})


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@auditor_required
@require_safe
def event_export(request):
    form, data = _filters(request)
    events = filtered_events(data).order_by("at", "id")
    count = events.count()
    record("audit.export", actor=request.user, summary=f"导出审计记录{count}条",
           after={k: str(v) for k, v in data.items() if v})
    writer = csv.writer(_Echo())
    header = ["编号", "时间", "操作人", "来源地址", "操作代码", "操作", "对象类型", "对象编号", "结果", "摘要", "修改前", "修改后"]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for e in events.iterator(chunk_size=2000):
            yield writer.writerow([_cell(v) for v in (
                e.pk, timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.address, e.action,
                e.action_label, e.object_type, e.object_id, e.get_result_display(), e.summary,
                "" if e.before is None else e.before, "" if e.after is None else e.after)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
