"""Import pages: upload → preview (with a second step for a suspicious revision) →
confirm; a plan's imports with undo of the last one. All for the office only."""
from __future__ import annotations

import hashlib
from pathlib import Path

from django.contrib import messages
from django.core.files.base import ContentFile
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from planparser import ReadError

from duban.accounts.permissions import office_required
from duban.org.models import Leader
from duban.plans.models import Plan

from .actions import (
    ImportConflict,
    UndoRefused,
    import_plan,
    last_import,
    undo_import,
)
from .forms import PlanUploadForm, RoleMapForm
from .models import ImportBatch, PlanImport
from .preview import ImportPreview, build_preview, check_plan_file, parse_upload, sha256_of
from .records import task_records


@office_required
@require_http_methods(["GET", "POST"])
def upload(request):
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            # Zip bombs (a lying size header too), XML entity declarations, locked or broken
            # PDFs: refused before the file is stored or any reader library opens it.
            check_plan_file(data, upload.name)
        except ReadError as exc:
            form.add_error("file", str(exc))
            return render(request, "imports/upload.html", {"form": form, "nav": "import"})
        batch = ImportBatch(original_name=Path(upload.name).name, sha256=sha256_of(data), created_by=request.user)
        # Stored under a generated name: the uploaded name is never used as a path.
        suffix = Path(upload.name).suffix.lower()
        batch.file.save(f"{batch.sha256[:16]}{suffix}", ContentFile(data), save=False)
        stored = Path(batch.file.name).name
        try:
            parse_upload(Path(batch.file.path))
        except ReadError as exc:
            batch.file.delete(save=False)
            # The reader names the stored file; the person knows it by the name they uploaded.
            form.add_error("file", str(exc).replace(stored, batch.original_name))
        else:
            batch.save()
            return redirect("imports:preview", batch_id=batch.pk)
    return render(request, "imports/upload.html", {"form": form, "nav": "import"})


def withdrawal_token(preview: ImportPreview) -> str:
    """What the second confirmation of a suspicious revision vouches for: exactly these
    tasks withdrawn and this many added. A different set (another import meanwhile, or
    other role choices) needs the second step again."""
    ids = ",".join(str(c.task.pk) for c in preview.by_kind("withdrawn"))
    return hashlib.sha256(f"{ids}|{preview.counts['added']}".encode()).hexdigest()[:20]


def _leader_names(parsed) -> list[str]:
    """Whom a leader role may be mapped to: the leaders Duban knows and those the document names."""
    known = list(Leader.objects.order_by("name").values_list("name", flat=True))
    return list(dict.fromkeys(known + [n for t in parsed.tasks for n in t.leaders]))


def _context(batch, preview: ImportPreview, **extra) -> dict:
    parsed = preview.parsed
    warn_lines = {w.line for w in parsed.warnings if w.line}
    return {
        "batch": batch, "preview": preview, "parsed": parsed, "nav": "import",
        # Units as the import reads them (a shared suffix written once is read into each name).
        "rows": [(t, t.line in warn_lines, lead, co) for t, (lead, co) in zip(parsed.tasks, preview.task_units)],
        "role_form": RoleMapForm(roles=preview.role_map, names=_leader_names(parsed)) if preview.role_map else None,
        "token": withdrawal_token(preview),
        **extra,
    }


def _withdrawn_rows(preview: ImportPreview) -> list[tuple]:
    records = preview.withdrawal_records
    return [(c, sorted((records.get(c.task.pk) or {}).items())) for c in preview.by_kind("withdrawn")]


@office_required
@require_http_methods(["GET", "POST"])
def preview(request, batch_id: int):
    batch = get_object_or_404(ImportBatch, pk=batch_id, status=ImportBatch.Status.PENDING)
    path = Path(batch.file.path)
    try:
        parsed = parse_upload(path)
    except ReadError as exc:
        messages.error(request, str(exc))
        return redirect("imports:upload")
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "cancel":
        if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
                status=ImportBatch.Status.CANCELLED) != 1:
            messages.info(request, "该导入已由他人确认或取消")
        else:
            messages.info(request, "已取消导入，未做任何修改")
        return redirect("imports:upload")
    if action == "roles":
        shown = build_preview(parsed, batch.sha256, role_map=batch.role_map)
        form = RoleMapForm(request.POST, roles=shown.role_map, names=_leader_names(parsed))
        if form.is_valid():
            ImportBatch.objects.filter(pk=batch.pk).update(role_map=form.role_map())
            messages.success(request, "已保存领导职务对应，以下预览已按所选领导重新计算")
        else:
            messages.error(request, "所选领导不在可选范围内，未保存")
        return redirect("imports:preview", batch_id=batch.pk)

    preview = build_preview(parsed, batch.sha256, role_map=batch.role_map)
    if action != "confirm":
        return render(request, "imports/preview.html", _context(batch, preview))

    seen = request.POST.get("revision")
    shown = str(preview.plan.revision) if preview.plan is not None else "new"
    if seen and seen != shown:  # revised by someone else while this preview was open
        return _conflict(request, batch, parsed, ImportConflict(preview.plan))
    if preview.suspicious:
        token = withdrawal_token(preview)
        if request.POST.get("withdraw_ack") != token or request.POST.get("checked") != "1":
            # The second, explicit confirmation: what will be withdrawn, and what hangs on it.
            return render(request, "imports/withdrawals.html", _context(
                batch, preview, withdrawn=_withdrawn_rows(preview),
                stale=bool(request.POST.get("withdraw_ack")) and request.POST.get("withdraw_ack") != token,
                unchecked=request.POST.get("withdraw_ack") == token))
    try:
        with transaction.atomic():
            # Claimed, applied and marked in one transaction: two confirmations (or a
            # crash half-way) never apply a batch twice or leave it half applied.
            if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
                    status=ImportBatch.Status.APPLIED) != 1:
                messages.info(request, "该导入已由他人确认或取消，未重复导入")
                return redirect("imports:upload")
            # A suspicious revision gets here only with its second confirmation (above).
            result = import_plan(preview, actor=request.user, source_name=batch.original_name,
                                 source_bytes=path.read_bytes(), batch=batch, suspicious_confirmed=True)
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.UNCHANGED if result.unchanged else ImportBatch.Status.APPLIED,
                plan=result.plan)
    except ImportConflict as exc:
        return _conflict(request, batch, parsed, exc)
    if result.unchanged:
        messages.info(request, "该文件与已导入的版本相同，未做任何修改")
    elif preview.is_new:
        messages.success(request, f"已导入《{result.plan.title}》，共 {len(parsed.tasks)} 项任务")
    else:
        messages.success(request, f"已应用修订版：新增 {result.added} 项、修改 {result.changed} 项、"
                                  f"撤销 {result.removed} 项、恢复 {result.restored} 项。如有误，可在方案页撤销本次导入。")
    return redirect("plans:detail", plan_id=result.plan.pk)


def _conflict(request, batch, parsed, exc: ImportConflict):
    preview = build_preview(parsed, batch.sha256, role_map=batch.role_map)
    return render(request, "imports/preview.html", _context(batch, preview, conflict=str(exc)), status=409)


# --- a plan's imports and undo ----------------------------------------------------------------

def _plan_imports(plan: Plan) -> dict:
    imports = list(PlanImport.objects.filter(plan=plan).select_related("imported_by", "undone_by")[:20])
    return {"plan": plan, "imports": imports, "last": last_import(plan),
            "withdrawn": list(plan.tasks.filter(withdrawn=True).order_by("order")),
            "role_holders": list(plan.role_holders.select_related("leader").order_by("role"))}


@office_required
@require_safe
def history(request, plan_id: int):
    """The imports of a plan, newest first, with undo of the last one and the withdrawn
    tasks; an htmx request (the plan page) gets the panel alone."""
    plan = get_object_or_404(Plan, pk=plan_id)
    ctx = _plan_imports(plan)
    if request.htmx:
        return render(request, "imports/_panel.html", ctx)
    return render(request, "imports/history.html", {**ctx, "nav": "plans"})


@office_required
@require_http_methods(["GET", "POST"])
def undo(request, plan_id: int):
    """GET: what undoing the plan's last import does; POST: do it."""
    plan = get_object_or_404(Plan, pk=plan_id)
    plan_import = last_import(plan)
    if plan_import is None:
        messages.info(request, "该方案没有可以撤销的导入")
        return redirect("imports:history", plan_id=plan.pk)
    if request.method == "POST":
        if request.POST.get("import_id") != str(plan_import.pk):
            messages.error(request, "您查看之后该方案又有新的导入或撤销，请重新核对后再撤销")
            return redirect("imports:undo", plan_id=plan.pk)
        try:
            result = undo_import(plan_import, actor=request.user)
        except UndoRefused as exc:
            messages.error(request, str(exc))
            return redirect("imports:history", plan_id=plan.pk)
        text = (f"已撤销第{plan_import.revision}版导入：恢复任务 {result.restored} 项，删除该次新增的任务 {result.deleted} 项"
                + (f"，{result.withdrawn} 项该次新增的任务已有记录，改为撤销并保留记录" if result.withdrawn else ""))
        if result.plan is None:
            messages.success(request, text + "。该方案由这次导入建立，已一并删除。")
            return redirect("plans:list")
        messages.success(request, text)
        return redirect("plans:detail", plan_id=plan.pk)
    befores = list(plan_import.tasks_before.select_related("task"))
    added = [b.task for b in befores if b.added and b.task is not None]
    records = task_records(t.pk for t in added)
    return render(request, "imports/undo.html", {
        "plan": plan, "plan_import": plan_import, "nav": "plans",
        "restored": [b.task for b in befores if not b.added and b.task is not None],
        "added": [(t, sorted((records.get(t.pk) or {}).items())) for t in added],
    })
