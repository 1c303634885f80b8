"""Downloads: the Excel ledger, the round briefing, a leader's pack for the dispatch
meeting, the year-end summary (Word, or PDF made from the Word file). Every download
is audited.

Who may download what:

- the ledger: every business role, of the tasks they may see
  (``Task.objects.visible_to``) and the reports they may see
  (``Report.objects.visible_to``), narrowed by the ledger page's own filters (the
  same query string, read by ``ledger.filters.LedgerFilterForm``); a unit, plan,
  chapter or leader in the query string that the person cannot pick on the ledger
  page (for a unit's people: any unit outside their own tasks) is 404;
- the round briefing: the office and the leaders (it compares all units); a unit's
  people and the administrative roles 403 whatever the round;
- a leader's pack: the office and that leader; other leaders, a unit's people and
  the administrative roles 403;
- the year-end summary: the office and the leaders, of the tasks they may see;
- the league table (单位考核排名) as Excel: the office and the leaders, as the page;
- the signing public key: everyone signed in (it is public; the office hands it to
  whoever checks a signed download).

``?signed=1`` on the ledger gives the signed package instead (duban/lib/signing.py):
a .zip with the file, its SM2 signature (Ed25519 under the intl suite), the public key
and how to check them.
"""
from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_safe

from duban.accounts.models import Role
from duban.accounts.permissions import role_required
from duban.audit.log import record
from duban.dashboards.forms import FilterForm
from duban.dashboards.league import league as league_table
from duban.dashboards.models import LeagueWeights
from duban.documents import render
from duban.documents.ledgerlayout import layout_columns
from duban.ledger import filters
from duban.lib import signing
from duban.org.models import Leader
from duban.plans.permissions import task_roles_required, visible_tasks
from duban.rounds.models import Report, Round

from . import briefing as briefings
from . import pack as packs
from . import summary as summaries
from . import yearend
from .league import write_league
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


def wants_signed(request) -> bool:
    return request.GET.get("signed") == "1"


def signed_attachment(data: bytes, name: str, fallback: str) -> HttpResponse:
    """`data` (a file called `name`) in a signed package (.zip)."""
    stem, _, ext = name.rpartition(".")
    package = signing.package({name: data}, signed_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"))
    return attachment(package, "application/zip", f"{stem}（签名版）.zip",
                      f"{fallback.rpartition('.')[0]}-signed.zip")


def signed_note() -> str:
    key = signing.own_public_key()
    return f"，签名版：{key.name}，公钥指纹 {key.key_id}"


@login_required
@require_safe
def signing_key(request):
    """The public key that checks Duban's signed downloads (PEM)."""
    key = signing.own_public_key()
    return attachment(signing.public_key_pem(), "application/x-pem-file", f"督办系统签名公钥-{key.key_id}.pem",
                      f"duban-signing-key-{key.key_id}.pem")


@task_roles_required
@require_safe
def ledger_xlsx(request):
    """The ledger as .xlsx: the tasks the ledger page shows for this query string (all
    pages of it), in its order."""
    as_of = timezone.localdate()
    visible = visible_tasks(request.user).active()
    form = filters.LedgerFilterForm(request.GET, tasks=visible)
    chosen = form.filters()
    if any(request.GET.get(name) and name in form.errors for name in SCOPE_FIELDS):
        raise Http404("没有这个单位、领导或方案，或您无权查看")
    sort = chosen.get("sort") or filters.DEFAULT_SORT
    tasks = filters.sort_tasks(filters.filter_tasks(visible, chosen, as_of=as_of), sort)
    title = ledger_title(request.user, chosen)
    wanted = request.GET.get("layout", "")
    columns, layout = layout_columns(int(wanted) if wanted.isdigit() else None)
    out = io.BytesIO()
    n = write_ledger(tasks, out, as_of=as_of, title=title, subtitle=describe_filters(form),
                     reports=Report.objects.visible_to(request.user), sections=sort == filters.DEFAULT_SORT,
                     columns=columns)
    query = request.GET.urlencode()
    signed = wants_signed(request)
    record("export.ledger_xlsx", actor=request.user,
           summary=f"导出{title}（Excel，{n} 项任务，{f'台账样式“{layout.name}”' if layout else '默认列'}"
                   f"{signed_note() if signed else ''}）",
           after={"query": query, "tasks": n, "as_of": as_of.isoformat(), "layout": layout.pk if layout else None,
                  "signed": signed})
    name, fallback = f"{title}-{as_of:%Y%m%d}.xlsx", f"ledger-{as_of:%Y%m%d}.xlsx"
    if signed:
        return signed_attachment(out.getvalue(), name, fallback)
    return attachment(out.getvalue(), XLSX, name, fallback)


@staff_required
@require_safe
def round_briefing(request, round_id: int):
    """督查通报 of a round: Word by default, PDF with ?format=pdf."""
    rnd = get_object_or_404(Round.objects.select_related("plan"), pk=round_id)
    fmt = _format(request)
    b = briefings.build_briefing(rnd, today=timezone.localdate())
    data = briefings.briefing_pdf(b) if fmt == "pdf" else briefings.briefing_docx(b)
    record(f"export.round_briefing_{fmt}", actor=request.user, obj=rnd,
           summary=f"导出督查通报第{b.number}期（{rnd.name}，{'PDF' if fmt == 'pdf' else 'Word'}）")
    return attachment(data, PDF if fmt == "pdf" else DOCX, briefings.filename(b, fmt),
                      f"briefing-{b.number}.{fmt}")


def _format(request) -> str:
    fmt = request.GET.get("format", "docx")
    if fmt not in ("docx", "pdf"):
        raise Http404("格式只能是 docx 或 pdf")
    return fmt


@staff_required
@require_safe
def leader_pack(request, leader_id: int):
    """A leader's pack for the next dispatch meeting: Word, or PDF with ?format=pdf."""
    if request.user.is_leader and request.user.leader_id != leader_id:
        raise PermissionDenied("只能下载本人的调度会材料")
    leader = get_object_or_404(Leader, pk=leader_id)
    fmt = _format(request)
    p = packs.build_pack(leader, viewer=request.user, as_of=timezone.localdate())
    data = packs.pack_docx(p)
    if fmt == "pdf":
        data = render.to_pdf(data)
    record("export.leader_pack" + ("_pdf" if fmt == "pdf" else ""), actor=request.user, obj=leader,
           summary=f"导出{leader.name}同志调度会材料（{'PDF' if fmt == 'pdf' else 'Word'}，{len(p.rows)} 项任务）")
    return attachment(data, PDF if fmt == "pdf" else DOCX, packs.filename(p, fmt),
                      f"meeting-pack-{leader.pk}-{p.as_of:%Y%m%d}.{fmt}")


@staff_required
@require_safe
def year_summary(request, year: int):
    """The year-end summary of a year's tasks that the person may see: Word, or PDF."""
    if year not in summaries.years(request.user):
        raise Http404("没有该年度的任务")
    fmt = _format(request)
    s = summaries.build_summary(year, viewer=request.user, as_of=timezone.localdate())
    data = summaries.summary_docx(s)
    if fmt == "pdf":
        data = render.to_pdf(data)
    record(f"export.year_summary_{fmt}", actor=request.user,
           summary=f"导出{year}年度工作总结（{'PDF' if fmt == 'pdf' else 'Word'}，{len(s.rows)} 项任务）")
    return attachment(data, PDF if fmt == "pdf" else DOCX, summaries.filename(s, fmt), f"summary-{year}.{fmt}")


@staff_required
@require_safe
def year_table_xlsx(request, year: int):
    """The year-end table (年终考核表) of a year's items of every kind: per unit, chapter
    and kind, completed on time, late, extended, carried over, open."""
    if year not in summaries.years(request.user):
        raise Http404("没有该年度的任务")
    t = yearend.build(year, viewer=request.user, as_of=timezone.localdate())
    record("export.year_table_xlsx", actor=request.user,
           summary=f"导出{year}年度督办事项完成情况表（Excel，{t.total.total} 项）")
    return attachment(yearend.write_xlsx(t), XLSX, f"{year}年度督办事项完成情况.xlsx", f"year-{year}.xlsx")


@staff_required
@require_safe
def league_xlsx(request):
    """The league table as .xlsx, for the date and plan of the page's query string (an
    invalid value is left out, as on the page)."""
    today = timezone.localdate()
    form = FilterForm(request.GET, today=today)
    as_of, plan = form.values()
    scope = form.scope()
    weights = LeagueWeights.current()
    ranked, unranked = league_table(as_of, weights, plan, category=scope["category"], year=scope["year"])
    data = write_league(ranked, unranked, as_of=as_of, plan=plan, weights=weights)
    record("export.league_xlsx", actor=request.user,
           summary=f"导出单位考核排名（Excel，统计日期 {as_of:%Y-%m-%d}，{len(ranked)} 个单位参加排名）",
           after={"as_of": as_of.isoformat(), "plan": plan.pk if plan else None, "ranked": len(ranked)})
    return attachment(data, XLSX, f"单位考核排名-{as_of:%Y%m%d}.xlsx", f"league-{as_of:%Y%m%d}.xlsx")
