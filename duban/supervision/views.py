"""Supervision pages: notices (list, issue, detail, reply, close, .docx/.pdf), a task's
supervision panel (status, extensions, completion, instructions), and the status rules.

Views are thin: they fetch through helpers that return 404 for what the person may not
see, check who may act (403) and call ``actions``."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_http_methods, require_safe

from duban.accounts.permissions import office_required
from duban.audit.log import record
from duban.lib import signing
from duban.lib.concurrency import StaleEdit, rebase, stale_rows
from duban.lib.uploads import download
from duban.plans.lights import stored_status
from duban.plans.models import Task
from duban.workplans.models import Milestone

from . import actions
from .actions import ActionError
from . import documents, permissions
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
from .models import (
    CompletionRequest,
    EvidenceFile,
    ExtensionRequest,
    Instruction,
    Notice,
    NoticeReply,
    RequestStatus,
    StatusRules,
    TaskClosure,
)
from .deadlines import effective_deadline, effective_deadlines


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


def milestones_after_deadline(tasks, as_of: dt.date) -> list:
    """Open milestones of `tasks` due after their task's deadline in force (extensions
    counted), each with ``deadline`` set, by task."""
    candidates = list(Milestone.objects.past_plan_deadline().filter(task__in=tasks)
                      .select_related("task", "unit").order_by("task__order", "due", "id"))
    deadlines = effective_deadlines({m.task_id for m in candidates}, as_of) if candidates else {}
    out = []
    for m in candidates:
        m.deadline = deadlines.get(m.task_id)
        if m.is_after(m.deadline):
            out.append(m)
    return out


@login_required
def index(request):
    """督办: the notices the person may see, and what waits for them."""
    user = request.user
    if not (user.sees_all_tasks or user.is_unit_person):
        raise PermissionDenied("您的角色无权查看督办")
    notices = Notice.objects.visible_to(user).select_related("task").prefetch_related("units", "replies")
    if user.is_unit_person:
        notices = notices.annotate(mine_replied=Exists(NoticeReply.objects.filter(notice=OuterRef("pk"),
                                                                                  unit_id=user.unit_id)))
    status = request.GET.get("status", "")
    if status in Notice.Status.values:
        notices = notices.filter(status=status)
    tasks = Task.objects.visible_to(user)
    pending_ext = ExtensionRequest.objects.filter(task__in=tasks).select_related("task", "unit")
    pending_done = CompletionRequest.objects.filter(task__in=tasks, status=CompletionRequest.Status.PENDING).select_related("task", "unit")
    leader_decided = []
    if user.is_office:
        # what waits for the office, and what it sent on to the leaders (待领导审批)
        pending_ext = pending_ext.filter(status__in=[RequestStatus.PENDING, RequestStatus.LEADER_PENDING])
        leader_decided = (ExtensionRequest.objects.filter(leader_by__isnull=False, decided_on__isnull=False,
                                                          decided_on__gte=timezone.localdate() - dt.timedelta(days=30))
                          .select_related("task", "unit", "leader_by").order_by("-decided_on", "-pk")[:50])
    elif user.is_leader:
        pending_ext = pending_ext.filter(status=RequestStatus.LEADER_PENDING, task__leader_links__leader_id=user.leader_id)
    else:
        pending_ext = pending_ext.filter(unit_id=user.unit_id, status__in=[RequestStatus.PENDING, RequestStatus.LEADER_PENDING])
        pending_done = pending_done.filter(unit_id=user.unit_id)
    late_milestones = milestones_after_deadline(tasks, timezone.localdate()) if user.is_office else []
    to_ack = []
    if user.is_unit_person:
        to_ack = Instruction.objects.filter(acks__unit_id=user.unit_id, acks__acknowledged_at__isnull=True).select_related("task", "author")
    off_track = _off_track(request, timezone.localdate()) if user.sees_all_tasks else None
    return render(request, "supervision/index.html", {
        "off_track": off_track, "leader_decided": leader_decided,
        "nav": "supervision", "notices": notices[:200], "status": status, "statuses": Notice.Status.choices,
        "pending_ext": pending_ext, "pending_done": pending_done, "to_ack": to_ack, "today": timezone.localdate(),
        "late_milestones": late_milestones,
    })


OFF_TRACK_PAGE_SIZE = 30
RED, YELLOW = "red", "yellow"  # duban.status colours, read from the stored row


def _off_track(request, as_of: dt.date):
    """The red and yellow tasks, red first, each nearest deadline first, 30 a page,
    each with the number of its 督办单 not yet closed. The lights are the stored rows
    of duban.status (``task.light``: an SQL condition on the colour; they are today's,
    `as_of`)."""
    tasks = list(Task.objects.active().filter(light__color__in=[RED, YELLOW]).select_related("plan", "light")
                 .prefetch_related("assignments__unit")
                 .annotate(open_notices=Count("notices", filter=~Q(notices__status=Notice.Status.CLOSED))))
    for t in tasks:
        t.effective_deadline = t.light.deadline
    far = dt.date.max
    tasks.sort(key=lambda t: (t.light.color != RED, t.effective_deadline or far, t.plan_id, t.order))
    page = Paginator(tasks, OFF_TRACK_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "red": sum(1 for t in tasks if t.light.color == RED),
            "yellow": sum(1 for t in tasks if t.light.color == YELLOW)}


@login_required
def task_panel(request, task_id: int):
    """A task's supervision: status and reasons, deadlines, notices, extension and
    completion requests, closures, instructions — and the forms the person may use."""
    task = _task_for_user(request.user, task_id)
    return render(request, "supervision/task.html", _task_context(request, task))


def _task_context(request, task, *, completion_form=None) -> dict:
    user = request.user
    today = timezone.localdate()
    closure = TaskClosure.objects.filter(task=task, reopened_on__isnull=True).first()
    unit_person = permissions.is_task_unit_person(user, task)
    ctx = {
        "nav": "supervision", "task": task, "status": stored_status(task), "today": today,
        "effective_deadline": effective_deadline(task, today), "closure": closure,
        "closures": TaskClosure.objects.filter(task=task),
        "notices": Notice.objects.visible_to(user).filter(task=task).prefetch_related("units"),
        "extensions": ExtensionRequest.objects.filter(task=task).select_related("unit", "requested_by"),
        "completions": CompletionRequest.objects.filter(task=task).select_related("unit", "requested_by")
        .prefetch_related("files"),
        "instructions": Instruction.objects.filter(task=task).select_related("author").prefetch_related("acks__unit"),
        "can_request": unit_person and closure is None,
        "extension_blocker": actions.extension_blocker(task, today) if unit_person and closure is None else None,
        "extension_form": ExtensionForm(), "completion_form": completion_form or CompletionForm(),
        "reason_form": ReasonForm(), "instruction_form": InstructionForm(), "decision_form": DecisionForm(),
    }
    for req in ctx["extensions"]:
        req.can_decide = permissions.can_decide_extension(user, req)
    for ins in ctx["instructions"]:
        ins.can_ack = permissions.can_acknowledge(user, ins)
    for c in ctx["completions"]:
        c.files_visible = permissions.can_see_completion_files(user, c)
    return ctx


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
        status = stored_status(task)
        form = NoticeForm(task=task, initial={
            "level": actions.suggested_level(task),
            "units": [u.pk for u in actions.task_units(task)],
            "facts": f"该任务当前为{status.label}：{status.text}。" if status is not None else "",
            "requirement": "请高度重视，认真研究，加快推进，并将办理情况及下一步措施按期书面回复。",
            "reply_by": today + dt.timedelta(days=5),
        })
    return render(request, "supervision/notice_form.html", {"nav": "supervision", "task": task, "form": form})


def _notice_page(request, notice, *, reply_form=None, status=200):
    today = timezone.localdate()
    user = request.user
    rows = notice.unit_rows(today)
    visible = {r.pk for r in permissions.replies_visible_to(user, notice)}
    for row in rows:
        row.readable = row.reply is not None and row.reply.pk in visible
    replied = sum(1 for r in rows if r.reply is not None)
    return render(request, "supervision/notice_detail.html", {
        "nav": "supervision", "notice": notice, "can_reply": permissions.can_reply(user, notice),
        "reply_form": reply_form or ReplyForm(), "close_form": CloseForm(), "today": today,
        "unit_rows": rows, "replied_count": replied, "owed_count": len(rows) - replied,
        "reply_overdue": notice.is_reply_overdue(today),
    }, status=status)


@login_required
def notice_detail(request, notice_id: int):
    return _notice_page(request, _notice_for_user(request.user, notice_id))


@login_required
@require_POST
def notice_reply(request, notice_id: int):
    notice = _notice_for_user(request.user, notice_id)
    if not permissions.can_reply(request.user, notice):
        raise PermissionDenied("只有被督办单位可以回复，且本单位尚未回复、督办单尚未办结")
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "回复未提交：" + "；".join(e for errs in form.errors.values() for e in errs))
        return _notice_page(request, notice, reply_form=form, status=400)
    try:
        actions.reply_notice(notice, actor=request.user, text=form.cleaned_data["text"], files=form.uploaded())
    except ActionError as exc:
        # Nothing was kept; the page comes back with what was typed (files must be chosen again).
        messages.error(request, f"回复未提交：{exc}。已填写的内容保留在下方，文件请重新选择。")
        return _notice_page(request, notice, reply_form=form, status=400)
    messages.success(request, "已回复")
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


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(request, obj, task, docx: bytes, *, ext: str, action: str, name: str, fallback: str) -> HttpResponse:
    """The document as Word, or as PDF made from that Word file (?format=pdf). Audited.
    With ?signed=1, the signed package instead (.zip: the document, its SM2 signature
    — Ed25519 under the intl suite —, the public key and how to check them)."""
    data = documents.render.to_pdf(docx) if ext == "pdf" else docx
    content_type = "application/pdf" if ext == "pdf" else DOCX
    filename, fallback_name = f"{name}.{ext}", f"{fallback}.{ext}"
    note = ""
    if request.GET.get("signed") == "1":
        key = signing.own_public_key()
        note = f"（签名版：{key.name}，公钥指纹 {key.key_id}）"
        data = signing.package({filename: data}, signed_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"))
        content_type, filename, fallback_name = "application/zip", f"{name}（签名版）.zip", f"{fallback}-signed.zip"
    record(f"{action}_{ext}", actor=request.user, obj=obj, task=task, summary=f"下载 {name}.{ext}{note}")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback_name}\"; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _notice_download(request, notice_id: int, ext: str) -> HttpResponse:
    notice = _notice_for_user(request.user, notice_id)
    return _download(request, notice, notice.task, documents.notice_docx(notice, viewer=request.user), ext=ext,
                     action="notice.download", name=f"{notice.title}{notice.number}",
                     fallback=f"notice-{notice.year}-{notice.seq}")


@login_required
@require_safe
def notice_docx_view(request, notice_id: int):
    return _notice_download(request, notice_id, "docx")


@login_required
@require_safe
def notice_pdf_view(request, notice_id: int):
    return _notice_download(request, notice_id, "pdf")


def _format(request) -> str:
    fmt = request.GET.get("format", "docx")
    if fmt not in ("docx", "pdf"):
        raise Http404("格式只能是 docx 或 pdf")
    return fmt


@login_required
@require_safe
def extension_document(request, request_id: int):
    """延期批复 of a decided extension request: whoever sees the task."""
    req = _for_task(ExtensionRequest, request.user, request_id)
    if not req.reply_number:
        raise Http404("该延期申请尚未批复")
    return _download(request, req, req.task, documents.extension_docx(req, viewer=request.user), ext=_format(request),
                     action="extension.download", name=f"延期批复{req.reply_number}", fallback=f"extension-{req.pk}")


@login_required
@require_safe
def closure_document(request, closure_id: int):
    """办结销号通知 of a closure: whoever sees the task."""
    closure = _for_task(TaskClosure, request.user, closure_id)
    if not closure.number:
        raise Http404("该销号记录没有通知")
    return _download(request, closure, closure.task, documents.closure_docx(closure, viewer=request.user),
                     ext=_format(request), action="closure.download", name=f"办结销号通知{closure.number}",
                     fallback=f"closure-{closure.pk}")


# --- extensions, completion, instructions ----------------------------------------------

def _back(task) -> HttpResponse:
    return redirect("supervision:task", task.pk)


@login_required
@require_POST
def extension_new(request, task_id: int):
    task = _task_for_user(request.user, task_id)
    if not permissions.is_task_unit_person(request.user, task):
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
    if not permissions.can_decide_extension(request.user, req):
        raise PermissionDenied("您无权审批此延期申请，或申请已处理")
    form = DecisionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        req = actions.decide_extension(req, actor=request.user, approve=approve, note=form.cleaned_data.get("note", ""))
        messages.success(request, {RequestStatus.APPROVED: "已同意延期申请", RequestStatus.REFUSED: "已不同意延期申请",
                                   RequestStatus.LEADER_PENDING: "已同意，延期申请已报牵头领导审批"}.get(req.status, "已处理延期申请"))
    except ActionError as exc:
        _fail(request, exc)
    # From the leader page, back to it (a path on this site only).
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(nxt)
    return _back(req.task)


@login_required
@require_POST
def completion_new(request, task_id: int):
    task = _task_for_user(request.user, task_id)
    if not permissions.is_task_unit_person(request.user, task):
        raise PermissionDenied("只有该任务的责任单位可以申请办结")
    form = CompletionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "办结申请未提交：" + "；".join(e for errs in form.errors.values() for e in errs))
        return render(request, "supervision/task.html", _task_context(request, task, completion_form=form), status=400)
    try:
        actions.claim_completion(task, actor=request.user, evidence=form.cleaned_data["evidence"],
                                 files=form.uploaded())
    except ActionError as exc:
        # Nothing was kept; the page comes back with what was typed (files must be chosen again).
        messages.error(request, f"办结申请未提交：{exc}。已填写的内容保留在下方，文件请重新选择。")
        return render(request, "supervision/task.html", _task_context(request, task, completion_form=form), status=400)
    messages.success(request, "办结申请已提交，等待督查室核验")
    return _back(task)


@login_required
@require_safe
def evidence_download(request, file_id: int):
    """An evidence file of a notice reply or a completion claim, to those who may read
    its reply or claim (404 otherwise), as an attachment with nosniff; audited."""
    f = EvidenceFile.objects.select_related("reply__notice", "completion").filter(pk=file_id).first()
    if f is None:
        raise Http404("佐证材料不存在或您无权查看")
    if f.reply_id:
        notice = _notice_for_user(request.user, f.reply.notice_id)
        if not permissions.replies_visible_to(request.user, notice).filter(pk=f.reply_id).exists():
            raise Http404("佐证材料不存在或您无权查看")
        task, where = notice.task, f"{f.reply.unit}对{notice.number}的回复"
    else:
        req = _for_task(CompletionRequest, request.user, f.completion_id)
        if not permissions.can_see_completion_files(request.user, req):
            raise Http404("佐证材料不存在或您无权查看")
        task, where = req.task, f"{req.unit}的办结申请"
    response = download(f)
    record("evidence.download", actor=request.user, obj=f, task=task, summary=f"下载佐证材料“{f.original_name}”（{where}）")
    return response


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
    if not permissions.can_acknowledge(request.user, instruction):
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
