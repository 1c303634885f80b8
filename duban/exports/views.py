"""Downloads: the Excel ledger, the round briefing (Word, PDF), a leader's pack for the
dispatch meeting (Word). Every download is audited.

Who may download what:

- the ledger: every business role, of the tasks they may see
  (``Task.objects.visible_to``) and the reports they may see
  (``Report.objects.visible_to``), narrowed by the ledger page's own filters (the
  same query string, read by ``plans.filters.LedgerFilterForm``); a unit, plan,
  chapter or leader in the query string that the person cannot pick on the ledger
  page (for a unit's people: any unit outside their own tasks) is 404;
- the round briefing: the office and the leaders (it compares all units); a unit's
  people and the administrative roles 403 whatever the round;
- a leader's pack: the office and that leader; other leaders, a unit's people and
  the administrative roles 403.
"""
from __future__ import annotations

import io
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_safe

from duban.accounts.models import Role
from duban.accounts.permissions import role_required
from duban.audit.log import record
from duban.plans import filters
from duban.plans.access import task_roles_required, visible_tasks

from . import briefing as briefings
from . import pack as packs
from .ledger import describe_filters, ledger_title, write_ledger

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
SCOPE_FIELDS = ("plan", "section", "leader", "unit")

staff_required = role_required(Role.OFFICE, Role.LEADER)


def attachment(data: bytes, content_type: str, name: str, fallback: str) -> HttpResponse:
    """A download with its Chinese file name: RFC 6266 with the RFC 5987 form
    (filename*=UTF-8''…, what browsers use) after an ASCII `fallback` for old clients."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@task_roles_required
@require_safe
def ledger_xlsx(request):
    """The ledger as .xlsx: the tasks the ledger page shows for this query string (all
    pages of it), in its order."""
    from duban.rounds.models import Report

    as_of = timezone.localdate()
    visible = visible_tasks(request.user).active()
    form = filters.LedgerFilterForm(request.GET, tasks=visible)
    chosen = form.filters()
    if any(request.GET.get(name) and name in form.errors for name in SCOPE_FIELDS):
        raise Http404("没有这个单位、领导或方案，或您无权查看")
    sort = chosen.get("sort") or filters.DEFAULT_SORT
    tasks = filters.sort_tasks(filters.filter_tasks(visible, chosen, as_of=as_of), sort)
    title = ledger_title(request.user, chosen)
    out = io.BytesIO()
    n = write_ledger(tasks, out, as_of=as_of, title=title, subtitle=describe_filters(form),
                     reports=Report.objects.visible_to(request.user), sections=sort == filters.DEFAULT_SORT)
    query = request.GET.urlencode()
    record("export.ledger_xlsx", actor=request.user, summary=f"导出{title}（Excel，{n} 项任务）",
           after={"query": query, "tasks": n, "as_of": as_of.isoformat()})
    return attachment(out.getvalue(), XLSX, f"{title}-{as_of:%Y%m%d}.xlsx", f"ledger-{as_of:%Y%m%d}.xlsx")


@staff_required
@require_safe
def round_briefing(request, round_id: int):
    """督查通报 of a round: Word by default, PDF with ?format=pdf."""
    from duban.rounds.models import Round

    rnd = get_object_or_404(Round.objects.select_related("plan"), pk=round_id)
    fmt = request.GET.get("format", "docx")
    if fmt not in ("docx", "pdf"):
        raise Http404("格式只能是 docx 或 pdf")
    b = briefings.build_briefing(rnd, today=timezone.localdate())
    data = briefings.briefing_pdf(b) if fmt == "pdf" else briefings.briefing_docx(b)
    record(f"export.round_briefing_{fmt}", actor=request.user, obj=rnd,
           summary=f"导出督查通报第{b.number}期（{rnd.name}，{'PDF' if fmt == 'pdf' else 'Word'}）")
    return attachment(data, PDF if fmt == "pdf" else DOCX, briefings.filename(b, fmt),
                      f"briefing-{b.number}.{fmt}")


@staff_required
@require_safe
def leader_pack(request, leader_id: int):
    """A leader's pack for the next dispatch meeting (Word)."""
    from duban.org.models import Leader

    if request.user.is_leader and request.user.leader_id != leader_id:
        raise PermissionDenied("只能下载本人的调度会材料")
    leader = get_object_or_404(Leader, pk=leader_id)
    p = packs.build_pack(leader, viewer=request.user, as_of=timezone.localdate())
    data = packs.pack_docx(p)
    record("export.leader_pack", actor=request.user, obj=leader,
           summary=f"导出{leader.name}同志调度会材料（Word，{len(p.rows)} 项任务）")
    return attachment(data, DOCX, packs.filename(p), f"meeting-pack-{leader.pk}-{p.as_of:%Y%m%d}.docx")
