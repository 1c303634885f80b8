"""Supervision pages: notices (list, issue, detail, reply, close, .docx/.pdf), a task's
supervision panel (status, extensions, completion, instructions), and the status rules.

Views are thin: they fetch through helpers that return 404 for what the person may not
see, check who may act (403) and call ``actions``."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_http_methods, require_safe

from duban.accounts.permissions import office_required
from duban.audit.log import record
from duban.lib.concurrency import StaleEdit, rebase, stale_rows
from duban.plans.models import Task

from . import actions
from .actions import ActionError
from .documents import notice_docx, notice_pdf
from .forms import (
    CloseForm,
    CompletionForm,
    DecisionForm,
    ExtensionForm,
    InstructionForm,
    NoticeForm,
    ReasonForm,
    ReplyForm,
    StatusRulesForm,
)
from .models import CompletionRequest, ExtensionRequest, Instruction, Notice, RequestStatus, StatusRules, TaskClosure
from .status import effective_deadline, task_status


def _task_for_user(user, task_id: int) -> Task:
    task = Task.objects.visible_to(user).filter(pk=task_id).first()
    if task is None:
        raise Http404("任务不存在或您无权查看")
    return task


def _notice_for_user(user, notice_id: int) -> Notice:
    notice = Notice.objects.visible_to(user).select_related("task").filter(pk=notice_id).first()
    if notice is None or not Task.objects.visible_to(user).filter(pk=notice.task_id).exists():
        raise Http404("督办单不存在或您无权查看")
    return notice


def _for_task(model, user, pk: int):
    obj = model.objects.select_related("task").filter(pk=pk).first()
    if obj is None:
        raise Http404
    _task_for_user(user, obj.task_id)
    return obj


def _office_only(request, methods=("POST",), what="此操作") -> HttpResponse | None:
    """For office-only actions on an object, called after the object was fetched
    through a visibility helper (so another unit's objects answer 404): 403 for
    someone who may see the object but is not the office, then 405 for a method the
    view does not take. Returns the 405 response, or None to go on."""
    if not request.user.is_office:
        raise PermissionDenied(f"只有督查室可以{what}")
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return None


def _fail(request, exc: ActionError):
    messages.error(request, str(exc))


@login_required
def index(request):
    """督办: the notices the person may see, and what waits for them."""
    user = request.user
    if not (user.sees_all_tasks or user.is_unit_person):
        raise PermissionDenied("您的角色无权查看督办")
    notices = Notice.objects.visible_to(user).select_related("task").prefetch_related("units")
    status = request.GET.get("status", "")
    if status in Notice.Status.values:
        notices = notices.filter(status=status)
    tasks = Task.objects.visible_to(user)
    pending_ext = ExtensionRequest.objects.filter(task__in=tasks).select_related("task", "unit")
    pending_done = CompletionRequest.objects.filter(task__in=tasks, status=CompletionRequest.Status.PENDING).select_related("task", "unit")
    if user.is_office:
        pending_ext = pending_ext.filter(status=RequestStatus.PENDING)
    elif user.is_leader:
        pending_ext = pending_ext.filter(status=RequestStatus.LEADER_PENDING, task__leader_links__leader_id=user.leader_id)
    else:
        pending_ext = pending_ext.filter(unit_id=user.unit_id, status__in=[RequestStatus.PENDING, RequestStatus.LEADER_PENDING])
        pending_done = pending_done.filter(unit_id=user.unit_id)
    to_ack = []
    if user.is_unit_person:
        to_ack = Instruction.objects.filter(acks__unit_id=user.unit_id, acks__acknowledged_at__isnull=True).select_related("task", "author")
    return render(request, "supervision/index.html", {
        "nav": "supervision", "notices": notices[:200], "status": status, "statuses": Notice.Status.choices,
        "pending_ext": pending_ext, "pending_done": pending_done, "to_ack": to_ack, "today": timezone.localdate(),
    })


@login_required
def task_panel(request, task_id: int):
    """A task's supervision: status and reasons, deadlines, notices, extension and
    completion requests, closures, instructions — and the forms the person may use."""
    user = request.user
    task = _task_for_user(user, task_id)
    today = timezone.localdate()
    closure = TaskClosure.objects.filter(task=task, reopened_on__isnull=True).first()
    unit_person = actions.is_task_unit_person(user, task)
    ctx = {
        "nav": "supervision", "task": task, "status": task_status(task, today), "today": today,
        "effective_deadline": effective_deadline(task, today), "closure": closure,
        "closures": TaskClosure.objects.filter(task=task),
        "notices": Notice.objects.visible_to(user).filter(task=task).prefetch_related("units"),
        "extensions": ExtensionRequest.objects.filter(task=task).select_related("unit", "requested_by"),
        "completions": CompletionRequest.objects.filter(task=task).select_related("unit", "requested_by"),
        "instructions": Instruction.objects.filter(task=task).select_related("author").prefetch_related("acks__unit"),
        "can_request": unit_person and closure is None,
        "extension_form": ExtensionForm(), "completion_form": CompletionForm(), "reason_form": ReasonForm(),
        "instruction_form": InstructionForm(), "decision_form": DecisionForm(),
    }
    for req in ctx["extensions"]:
        req.can_decide = actions.can_decide_extension(user, req)
    for ins in ctx["instructions"]:
        ins.can_ack = actions.can_acknowledge(user, ins)
    return render(request, "supervision/task.html", ctx)


# --- notices ---------------------------------------------------------------------------

@login_required
def notice_new(request, task_id: int):
    task = _task_for_user(request.user, task_id)
    if (refused := _office_only(request, ("GET", "POST"), "签发督办单")) is not None:
        return refused
    today = timezone.localdate()
    if request.method == "POST":
        form = NoticeForm(request.POST, task=task)
        if form.is_valid():
            try:
                notice = actions.issue_notice(task, actor=request.user, **form.cleaned_data)
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已签发 {notice.number}")
                return redirect("supervision:notice", notice.pk)
    else:
        status = task_status(task, today)
        form = NoticeForm(task=task, initial={
            "level": actions.suggested_level(task),
            "units": [u.pk for u in actions.task_units(task)],
            "facts": f"该任务当前为{status.label}：{status.text}。",
            "requirement": "请高度重视，认真研究，加快推进，并将办理情况及下一步措施按期书面回复。",
            "reply_by": today + dt.timedelta(days=5),
        })
    return render(request, "supervision/notice_form.html", {"nav": "supervision", "task": task, "form": form})


@login_required
def notice_detail(request, notice_id: int):
    notice = _notice_for_user(request.user, notice_id)
    return render(request, "supervision/notice_detail.html", {
        "nav": "supervision", "notice": notice, "can_reply": actions.can_reply(request.user, notice),
        "reply_form": ReplyForm(), "close_form": CloseForm(), "today": timezone.localdate(),
    })


@login_required
@require_POST
def notice_reply(request, notice_id: int):
    notice = _notice_for_user(request.user, notice_id)
    if not actions.can_reply(request.user, notice):
        raise PermissionDenied("只有被督办单位可以回复待回复的督办单")
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            actions.reply_notice(notice, actor=request.user, text=form.cleaned_data["text"])
            messages.success(request, "已回复")
        except ActionError as exc:
            _fail(request, exc)
    else:
        messages.error(request, "请填写回复内容")
    return redirect("supervision:notice", notice.pk)


@login_required
def notice_close(request, notice_id: int):
    notice = _notice_for_user(request.user, notice_id)
    if (refused := _office_only(request, what="办结督办单")) is not None:
        return refused
    form = CloseForm(request.POST)
    form.is_valid()
    try:
        actions.close_notice(notice, actor=request.user, note=form.cleaned_data.get("note", ""))
        messages.success(request, f"{notice.number} 已办结")
    except ActionError as exc:
        _fail(request, exc)
    return redirect("supervision:notice", notice.pk)


def _download(request, notice: Notice, data: bytes, ext: str, content_type: str) -> HttpResponse:
    record(f"notice.download_{ext}", actor=request.user, obj=notice, task=notice.task, summary=f"下载 {notice.number}.{ext}")
    response = HttpResponse(data, content_type=content_type)
    from urllib.parse import quote

    name = f"{notice.title}{notice.number}.{ext}"
    response["Content-Disposition"] = f"attachment; filename=\"notice-{notice.year}-{notice.seq}.{ext}\"; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_safe
def notice_docx_view(request, notice_id: int):
    notice = _notice_for_user(request.user, notice_id)
    return _download(request, notice, notice_docx(notice), "docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@login_required
@require_safe
def notice_pdf_view(request, notice_id: int):
    notice = _notice_for_user(request.user, notice_id)
    return _download(request, notice, notice_pdf(notice), "pdf", "application/pdf")


# --- extensions, completion, instructions ----------------------------------------------

def _back(task) -> HttpResponse:
    return redirect("supervision:task", task.pk)


@login_required
@require_POST
def extension_new(request, task_id: int):
    task = _task_for_user(request.user, task_id)
    if not actions.is_task_unit_person(request.user, task):
        raise PermissionDenied("只有该任务的责任单位可以申请延期")
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, f"延期申请未提交：{errors[0]}")
        return _back(task)
    try:
        actions.request_extension(task, actor=request.user, **form.cleaned_data)
        messages.success(request, "延期申请已提交，等待督查室审核")
    except ActionError as exc:
        messages.error(request, f"延期申请未提交：{exc}")
    return _back(task)


@login_required
@require_POST
def extension_decide(request, request_id: int):
    req = _for_task(ExtensionRequest, request.user, request_id)
    if not actions.can_decide_extension(request.user, req):
        raise PermissionDenied("您无权审批此延期申请，或申请已处理")
    form = DecisionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        actions.decide_extension(req, actor=request.user, approve=approve, note=form.cleaned_data.get("note", ""))
        messages.success(request, "已处理延期申请")
    except ActionError as exc:
        _fail(request, exc)
    return _back(req.task)


@login_required
@require_POST
def completion_new(request, task_id: int):
    task = _task_for_user(request.user, task_id)
    if not actions.is_task_unit_person(request.user, task):
        raise PermissionDenied("只有该任务的责任单位可以申请办结")
    form = CompletionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "办结申请未提交：请填写完成情况及佐证")
        return _back(task)
    try:
        actions.claim_completion(task, actor=request.user, evidence=form.cleaned_data["evidence"])
        messages.success(request, "办结申请已提交，等待督查室核验")
    except ActionError as exc:
        messages.error(request, f"办结申请未提交：{exc}")
    return _back(task)


@login_required
def completion_verify(request, request_id: int):
    req = _for_task(CompletionRequest, request.user, request_id)
    if (refused := _office_only(request, what="核验办结申请")) is not None:
        return refused
    try:
        actions.verify_completion(req, actor=request.user)
        messages.success(request, "已核验，任务销号")
    except ActionError as exc:
        _fail(request, exc)
    return _back(req.task)


@login_required
def completion_return(request, request_id: int):
    req = _for_task(CompletionRequest, request.user, request_id)
    if (refused := _office_only(request, what="退回办结申请")) is not None:
        return refused
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "退回未完成：请填写退回原因")
        return _back(req.task)
    try:
        actions.return_completion(req, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "已退回办结申请")
    except ActionError as exc:
        _fail(request, exc)
    return _back(req.task)


@login_required
def task_reopen(request, task_id: int):
    task = _task_for_user(request.user, task_id)
    if (refused := _office_only(request, what="重新启动任务")) is not None:
        return refused
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "未重新启动：请填写原因")
        return _back(task)
    try:
        actions.reopen_task(task, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "任务已重新启动")
    except ActionError as exc:
        _fail(request, exc)
    return _back(task)


@login_required
@require_POST
def instruction_new(request, task_id: int):
    task = _task_for_user(request.user, task_id)
    if not request.user.is_leader:
        raise PermissionDenied("只有区领导可以作出批示")
    form = InstructionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "批示未保存：请填写批示内容")
        return _back(task)
    actions.write_instruction(task, actor=request.user, text=form.cleaned_data["text"])
    messages.success(request, "批示已送达责任单位")
    return _back(task)


@login_required
@require_POST
def instruction_ack(request, instruction_id: int):
    instruction = _for_task(Instruction, request.user, instruction_id)
    if not actions.can_acknowledge(request.user, instruction):
        raise PermissionDenied("本单位无需签收或已签收")
    actions.acknowledge_instruction(instruction, actor=request.user)
    messages.success(request, "已签收批示")
    return _back(instruction.task)


@office_required
@require_http_methods(["GET", "POST"])
def rules(request):
    current = StatusRules.current()
    form = StatusRulesForm(request.POST or None, instance=StatusRules.current())
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_status_rules(actor=request.user, values={f: form.cleaned_data[f] for f in form.Meta.fields},
                                        seen=form.cleaned_data["fingerprint"])
        except StaleEdit as exc:
            rebase(form, exc.current, form.Meta.fields)
            return render(request, "supervision/rules.html", {
                "nav": "supervision", "form": form, "current": exc.current, "stale": exc,
                "stale_rows": stale_rows(form, exc.current, form.Meta.fields)}, status=409)
        messages.success(request, "预警规则已保存")
        return redirect("supervision:rules")
    return render(request, "supervision/rules.html", {"nav": "supervision", "form": form, "current": current})
