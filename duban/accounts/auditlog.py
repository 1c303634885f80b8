"""The auditor's pages: read and search the event log, export it as CSV. Nothing
here changes or removes an event; the export is itself recorded. The log itself is
duban.audit, below accounts; its pages are here because they admit one role."""
from __future__ import annotations

import csv
import re
from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from duban.audit import display
from duban.audit.forms import EventFilterForm
from duban.audit.labels import ACTION_LABELS
from duban.audit.log import record
from duban.audit.middleware import _valid as _valid_ip
from duban.audit.models import Event

from .models import Role
from .permissions import role_required

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
        text = data["action"].strip()
        codes = [code for code, name in ACTION_LABELS.items() if text in name]
        qs = qs.filter(Q(action__in=codes) | Q(action__startswith=text))
    if data.get("result"):
        qs = qs.filter(result=data["result"])
    if data.get("address"):
        addr = data["address"].strip()
        qs = qs.filter(address=addr) if _valid_ip(addr) else qs.filter(address__startswith=addr)
    if data.get("obj"):
        kind, pk = _object_filter(data["obj"])
        qs = qs.filter(object_type__in=kind)
        if pk:
            qs = qs.filter(object_id=pk)
    return qs


def _object_filter(text: str) -> tuple[list[str], str]:
    """“账号 12”, “重点任务”, “user:12” → the model names whose Chinese name (or code)
    is the text's first word, and the number after it."""
    m = re.match(r"^\s*(.*?)[\s:：]*(\d*)\s*$", text)
    kind, pk = (m.group(1), m.group(2)) if m else (text.strip(), "")
    kinds = [name for name, model in display.model_types().items()
             if kind and (kind == name or kind == str(model._meta.verbose_name))]
    if not kinds and kind:
        kinds = [name for name, model in display.model_types().items() if kind in str(model._meta.verbose_name)]
    return kinds or [kind], pk


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
        "form": form, "page": page, "shown": display.show_events(page.object_list), "query": query.urlencode(),
        "nav": "audit"})


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
    # The named object and the changes in words come last: scripts reading the earlier
    # columns by position keep working.
    header = ["编号", "时间", "操作人", "来源地址", "操作代码", "操作", "对象类型", "对象编号", "结果", "摘要",
              "修改前", "修改后", "对象", "变更内容"]

    def row(s: display.Shown) -> str:
        e = s.event
        return writer.writerow([_cell(v) for v in (
            e.pk, timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.address, e.action,
            s.label, e.object_type, e.object_id, e.get_result_display(), e.summary,
            "" if e.before is None else e.before, "" if e.after is None else e.after, s.object,
            display.changes_text(s))])

    def rows():
        yield "\ufeff" + writer.writerow(header)
        batch = []
        for e in events.iterator(chunk_size=2000):
            batch.append(e)
            if len(batch) == 500:  # objects named a batch at a time (one query per model)
                yield from (row(s) for s in display.show_events(batch))
                batch = []
        yield from (row(s) for s in display.show_events(batch))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
