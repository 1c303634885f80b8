"""Plan pages: the list of plans, import (upload → preview → confirm), the ledger."""
from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from planparser import ReadError

from duban.accounts.permissions import office_required
from duban.audit.log import record

from .forms import PlanUploadForm
from .importing import build_preview, import_plan, parse_upload, sha256_of
from .models import ImportBatch, Plan, Task


@login_required
def plan_list(request):
    plans = Plan.objects.all()
    return render(request, "plans/plan_list.html", {"plans": plans})


@login_required
def plan_detail(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    tasks = Task.objects.visible_to(request.user).filter(plan=plan).active()
    sections = plan.sections.all()
    return render(request, "plans/plan_detail.html", {"plan": plan, "task_count": tasks.count(), "sections": sections})


@office_required
def plan_source(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    if not plan.source_file:
        raise Http404
    record("plan.download_source", actor=request.user, obj=plan, summary=f"下载方案原文 {plan.source_name}")
    return FileResponse(plan.source_file.open("rb"), as_attachment=True, filename=plan.source_name)


@office_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        batch = ImportBatch(original_name=Path(upload.name).name, sha256=sha256_of(data), created_by=request.user)
        # Stored under a generated name: the uploaded name is never used as a path.
        suffix = Path(upload.name).suffix.lower()
        batch.file.save(f"{batch.sha256[:16]}{suffix}", ContentFile(data), save=False)
        try:
            parse_upload(Path(batch.file.path))
        except ReadError as exc:
            batch.file.delete(save=False)
            form.add_error("file", str(exc).replace(batch.file.name or "", batch.original_name))
        else:
            batch.save()
            return redirect("plans:import_preview", batch_id=batch.pk)
    return render(request, "plans/import_upload.html", {"form": form})


@office_required
@require_http_methods(["GET", "POST"])
def import_preview(request, batch_id: int):
    batch = get_object_or_404(ImportBatch, pk=batch_id, status=ImportBatch.Status.PENDING)
    path = Path(batch.file.path)
    try:
        parsed = parse_upload(path)
    except ReadError as exc:
        messages.error(request, str(exc))
        return redirect("plans:import")
    preview = build_preview(parsed, batch.sha256)
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            batch.status = ImportBatch.Status.CANCELLED
            batch.save(update_fields=["status"])
            messages.info(request, "已取消导入，未做任何修改")
            return redirect("plans:import")
        result = import_plan(preview, actor=request.user, source_name=batch.original_name, source_bytes=path.read_bytes())
        batch.status = ImportBatch.Status.UNCHANGED if result.unchanged else ImportBatch.Status.APPLIED
        batch.plan = result.plan
        batch.save(update_fields=["status", "plan"])
        if result.unchanged:
            messages.info(request, "该文件与已导入的版本相同，未做任何修改")
        elif preview.is_new:
            messages.success(request, f"已导入《{result.plan.title}》，共 {len(parsed.tasks)} 项任务")
        else:
            messages.success(
                request, f"已应用修订版：新增 {result.added} 项、修改 {result.changed} 项、撤销 {result.removed} 项"
            )
        return redirect("plans:detail", plan_id=result.plan.pk)
    warn_lines = {w.line for w in parsed.warnings if w.line}
    rows = [(t, t.line in warn_lines) for t in parsed.tasks]
    return render(request, "plans/import_preview.html", {"batch": batch, "preview": preview, "parsed": parsed, "rows": rows})


@login_required
def ledger(request):
    tasks = (
        Task.objects.visible_to(request.user)
        .active()
        .select_related("plan", "section")
        .prefetch_related("leader_links__leader", "assignments__unit")
        .order_by("plan", "order")
    )
    return render(request, "plans/ledger.html", {"tasks": tasks})
