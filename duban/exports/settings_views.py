"""The office's document settings (设置 → 公文模板、文号格式、台账样式): download a
template, upload a version edited in Word or WPS, preview it filled with a real task
(round, leader or year), publish it, restore an earlier version or the built-in one;
the 文号 patterns; the Excel ledger layouts. Office only; every change is an action of
duban.documents.actions (audited), every download audited too.

The previews are filled here, in the exports app, because they need every app's
context builders (duban.supervision.documents, .briefing, .pack, .summary).
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from duban.accounts.permissions import office_required
from duban.audit.log import record
from duban.documents import actions as doc_actions
from duban.documents import numbering
from duban.documents import render as doc_render
from duban.documents.builtin import builtin_template
from duban.documents.engine import TemplateRefused
from duban.documents.kinds import KINDS
from duban.documents.ledgerlayout import BY_KEY, COLUMNS, default_columns
from duban.documents.models import LedgerLayout, PublishedTemplate, TemplateVersion
from duban.org.models import Leader
from duban.plans.models import Task
from duban.rounds.models import Round
from duban.supervision.documents import preview_context

from . import briefing as briefings
from . import pack as packs
from . import summary as summaries
from .views import DOCX, PDF, attachment


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404("没有这种文书")
    return KINDS[kind]


class UploadForm(forms.Form):
    file = forms.FileField(label="模板文件（.docx）")
    note = forms.CharField(label="说明（选填）", max_length=200, required=False,
                           widget=forms.TextInput(attrs={"placeholder": "如：更换红头、修改抄送单位"}))


class PatternForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, v[0]) for k, v in numbering.NUMBERED.items()], widget=forms.HiddenInput)
    pattern = forms.CharField(label="文号格式", max_length=numbering.MAX_LENGTH)


@office_required
@require_safe
def index(request):
    published = {p.kind: p for p in PublishedTemplate.objects.select_related("version", "published_by")}
    kinds = [{"kind": k, "published": published.get(k.key)} for k in KINDS.values()]
    year = timezone.localdate().year
    patterns = [{"kind": key, "label": label, "pattern": numbering.pattern(key),
                 "example": numbering.format_number(numbering.pattern(key), year, 1)}
                for key, (label, _) in numbering.NUMBERED.items()]
    return render(request, "exports/settings/index.html", {"nav": "settings", "kinds": kinds, "patterns": patterns})


def _subjects(kind, user) -> dict:
    """What a preview of `kind` can be filled from: tasks, rounds, leaders or years."""
    if kind.subject == "task":
        tasks = Task.objects.visible_to(user).active().select_related("plan").order_by("-plan__year", "plan_id", "order")
        return {"label": "用哪项任务预览", "choices": [(t.pk, str(t)) for t in tasks]}
    if kind.subject == "round":
        rounds = Round.objects.select_related("plan").order_by("-due_on")
        return {"label": "用哪次调度预览", "choices": [(r.pk, f"{r.name}（{r.plan.title}）") for r in rounds]}
    if kind.subject == "leader":
        leaders = Leader.objects.filter(task_links__isnull=False).distinct().order_by("name")
        return {"label": "用哪位领导预览", "choices": [(x.pk, x.name) for x in leaders]}
    return {"label": "用哪个年度预览", "choices": [(y, f"{y}年度") for y in summaries.years(user)]}


@office_required
@require_safe
def template_detail(request, kind: str):
    return _template_page(request, kind)


def _template_page(request, kind: str, form: UploadForm | None = None, problems: list[str] | None = None,
                   status: int = 200):
    k = _kind(kind)
    published = PublishedTemplate.objects.filter(kind=kind).select_related("version", "published_by").first()
    versions = TemplateVersion.objects.filter(kind=kind).select_related("uploaded_by").defer("content")
    return render(request, "exports/settings/template.html", {
        "nav": "settings", "k": k, "published": published, "versions": versions,
        "form": form or UploadForm(), "problems": problems or [], "subjects": _subjects(k, request.user),
    }, status=status)


def _template_bytes(kind: str, which: str) -> tuple[bytes, str]:
    """The template `which` names: "current", "builtin" or a version number."""
    if which == "builtin":
        return builtin_template(kind), "系统内置"
    if which in ("", "current"):
        data, version = doc_render.current(kind)
        return data, (f"第{version.number}版" if version else "系统内置")
    if not which.isdigit():
        raise Http404("没有这个版本")
    version = get_object_or_404(TemplateVersion, kind=kind, number=int(which))
    return bytes(version.content), f"第{version.number}版"


@office_required
@require_safe
def template_download(request, kind: str):
    k = _kind(kind)
    data, label = _template_bytes(kind, request.GET.get("version", "current"))
    record("template.download", actor=request.user, summary=f"下载{k.name}模板（{label}）",
           after={"kind": kind, "version": label})
    return attachment(data, DOCX, f"{k.name}模板-{label}.docx", f"template-{kind}.docx")


@office_required
@require_POST
def template_upload(request, kind: str):
    k = _kind(kind)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _template_page(request, kind, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        version = doc_actions.upload_template(kind, upload.read(), actor=request.user, file_name=upload.name,
                                              note=form.cleaned_data["note"])
    except TemplateRefused as exc:
        return _template_page(request, kind, form=form, problems=exc.problems, status=400)
    except doc_actions.ActionError as exc:
        form.add_error("file", str(exc))
        return _template_page(request, kind, form=form, status=400)
    messages.success(request, f"{k.name}模板第{version.number}版已上传并通过检查。请先预览，确认无误后再启用。")
    return redirect("docsettings:template", kind)


@office_required
@require_safe
def template_preview(request, kind: str):
    """The template (a version, the one in force or the built-in one) filled with a real
    task, round, leader or year, as Word or PDF. Nothing is issued or numbered."""
    k = _kind(kind)
    data, label = _template_bytes(kind, request.GET.get("version", "current"))
    fmt = request.GET.get("format", "docx")
    if fmt not in ("docx", "pdf"):
        raise Http404("格式只能是 docx 或 pdf")
    subject = request.GET.get("subject", "")
    if not subject.isdigit():
        raise Http404("请选择预览用的对象")
    user, today = request.user, timezone.localdate()
    if k.subject == "task":
        task = get_object_or_404(Task.objects.visible_to(user), pk=int(subject))
        context, what = preview_context(kind, task, viewer=user), str(task)
    elif k.subject == "round":
        rnd = get_object_or_404(Round.objects.select_related("plan"), pk=int(subject))
        context, what = briefings.briefing_context(briefings.build_briefing(rnd, today=today)), rnd.name
    elif k.subject == "leader":
        leader = get_object_or_404(Leader, pk=int(subject))
        context, what = packs.pack_context(packs.build_pack(leader, viewer=user, as_of=today)), leader.name
    else:
        year = int(subject)
        if year not in summaries.years(user):
            raise Http404("没有该年度的任务")
        context, what = summaries.summary_context(summaries.build_summary(year, viewer=user, as_of=today)), f"{year}年度"
    out = doc_render.docx(kind, context, template=data)
    if fmt == "pdf":
        out = doc_render.to_pdf(out)
    record("template.preview", actor=user, summary=f"预览{k.name}模板（{label}，{what[:40]}）",
           after={"kind": kind, "version": label, "format": fmt})
    return attachment(out, PDF if fmt == "pdf" else DOCX, f"{k.name}预览-{label}.{fmt}", f"preview-{kind}.{fmt}")


@office_required
@require_POST
def template_publish(request, kind: str, number: int):
    k = _kind(kind)
    version = get_object_or_404(TemplateVersion, kind=kind, number=number)
    doc_actions.publish_template(version, actor=request.user)
    messages.success(request, f"已启用{k.name}模板第{number}版，此后生成的{k.name}均使用该版本。")
    return redirect("docsettings:template", kind)


@office_required
@require_POST
def template_builtin(request, kind: str):
    k = _kind(kind)
    try:
        doc_actions.restore_builtin(kind, actor=request.user)
        messages.success(request, f"{k.name}已恢复使用系统内置模板，上传的各版本仍保留。")
    except doc_actions.ActionError as exc:
        messages.error(request, str(exc))
    return redirect("docsettings:template", kind)


@office_required
@require_http_methods(["POST"])
def number_pattern(request):
    form = PatternForm(request.POST)
    if not form.is_valid():
        messages.error(request, "文号格式：请填写格式")
        return redirect("docsettings:index")
    kind = form.cleaned_data["kind"]
    try:
        doc_actions.set_number_pattern(kind, form.cleaned_data["pattern"], actor=request.user)
        messages.success(request, f"{numbering.NUMBERED[kind][0]}的文号格式已保存，此后签发的文书按新格式编号。")
    except doc_actions.ActionError as exc:
        messages.error(request, f"{numbering.NUMBERED[kind][0]}文号格式未保存：{exc}")
    return redirect("docsettings:index")


# --- ledger layouts --------------------------------------------------------------------------

@office_required
@require_safe
def ledger_layouts(request):
    return render(request, "exports/settings/ledger_layouts.html", {
        "nav": "settings", "layouts": LedgerLayout.objects.select_related("updated_by")})


def _column_rows(columns: list[dict]) -> list[dict]:
    """Every column a layout may hold, the chosen ones first in their order."""
    chosen = {c["key"]: (i, c) for i, c in enumerate(columns)}
    rows = []
    for col in COLUMNS:
        i, c = chosen.get(col.key, (None, None))
        rows.append({"key": col.key, "default": col.title, "on": c is not None,
                     "order": (i + 1) if i is not None else "", "title": c["title"] if c else col.title,
                     "width": c["width"] if c else col.width})
    return sorted(rows, key=lambda r: (not r["on"], r["order"] or 0))


def _posted_columns(post) -> list[dict]:
    picked = []
    for pos, col in enumerate(COLUMNS):
        if post.get(f"col-{col.key}-on"):
            order = post.get(f"col-{col.key}-order", "")
            picked.append((int(order) if order.strip().isdigit() else 1000 + pos, pos,
                           {"key": col.key, "title": post.get(f"col-{col.key}-title", ""),
                            "width": post.get(f"col-{col.key}-width", "")}))
    return [c for _, _, c in sorted(picked, key=lambda x: (x[0], x[1]))]


@office_required
@require_http_methods(["GET", "POST"])
def ledger_layout_edit(request, layout_id: int | None = None):
    layout = get_object_or_404(LedgerLayout, pk=layout_id) if layout_id else None
    name = layout.name if layout else ""
    columns = layout.columns if layout else default_columns()
    is_default = layout.is_default if layout else not LedgerLayout.objects.exists()
    error = ""
    if request.method == "POST":
        name, columns = request.POST.get("name", ""), _posted_columns(request.POST)
        is_default = bool(request.POST.get("is_default"))
        try:
            layout = doc_actions.save_ledger_layout(layout, actor=request.user, name=name, columns=columns,
                                                    is_default=is_default)
            messages.success(request, f"台账样式“{layout.name}”已保存。")
            return redirect("docsettings:ledger_layouts")
        except doc_actions.ActionError as exc:
            error = str(exc)
    return render(request, "exports/settings/ledger_layout.html", {
        "nav": "settings", "layout": layout, "name": name, "is_default": is_default, "error": error,
        "rows": _column_rows([c for c in columns if c.get("key") in BY_KEY] if error else columns),
    }, status=400 if error else 200)


@office_required
@require_POST
def ledger_layout_delete(request, layout_id: int):
    layout = get_object_or_404(LedgerLayout, pk=layout_id)
    doc_actions.delete_ledger_layout(layout, actor=request.user)
    messages.success(request, f"台账样式“{layout.name}”已删除。")
    return redirect("docsettings:ledger_layouts")
