"""Item pages: the overview of kinds, the office's intake forms per kind, a meeting
and its decisions, the actions on an item's page (sign-off, contacts, replies,
satisfaction, rectification), item files, the rules and working-day overrides, and
carrying unfinished tasks into a new year.

Views are thin: they fetch through helpers that return 404 for what the person may
not see, check roles (403) and call ``actions``."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from duban.accounts.permissions import office_required
from duban.audit.log import record
from duban.lib import uploads
from duban.lib.uploads import UploadError, download
from duban.plans.permissions import get_task_for_user, task_roles_required, visible_tasks
from duban.plans.models import Category, Task, TaskUnit, current_year

from . import actions, intake
from .actions import ItemError
from .forms import (
    AssignedForm,
    CarryOverForm,
    ContactForm,
    DecisionForm,
    InstructionForm,
    MeetingForm,
    ProposalForm,
    RectificationForm,
    ReplyForm,
    RulesForm,
    SatisfactionForm,
    SignOffForm,
    WorkdayOverrideForm,
)
from .models import AssignedItem, InstructionItem, IntakeBatch, ItemDocument, ItemRules, Meeting, WorkdayOverride


def _task_url(task) -> str:
    return reverse("plans:task", args=[task.pk])


# --- overview --------------------------------------------------------------------------------

@task_roles_required
@require_safe
def index(request):
    """Every kind with its count this year (what the person may see), links to the
    ledger filtered by kind, the office's intake, and a leader's instructions waiting
    for their sign-off."""
    tasks = visible_tasks(request.user).active()
    year = current_year()
    counts = dict(tasks.filter(plan__year=year).values_list("plan__category").annotate(n=Count("pk")))
    kinds = [{"key": c.value, "label": c.label, "count": counts.get(c.value, 0)} for c in Category]
    ctx = {"kinds": kinds, "year": year, "nav": "items",
           "meetings": Meeting.objects.filter(section__plan__year=year).annotate(n=Count("decisions"))[:20]
           if request.user.sees_all_tasks else []}
    if request.user.is_leader and request.user.leader_id:
        ctx["to_sign"] = list(InstructionItem.objects.filter(
            leader_id=request.user.leader_id, signed_off_at__isnull=True,
            task__in=tasks.filter(closures__reopened_on__isnull=True)).select_related("task"))
    return render(request, "items/index.html", ctx)


def _intake(request, form_class, template: str, create, *, title: str, files: bool = False):
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            task, note = create(form.cleaned_data)
        except (ItemError, UploadError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已录入：{task}" + (f"。注意：{note}" if note else ""))
            return redirect(_task_url(task))
    return render(request, template, {"form": form, "title": title, "nav": "items", "files": files},
                  status=400 if form.errors else 200)


@office_required
def new_instruction(request):
    def create(d):
        item, warning = actions.create_instruction(
            actor=request.user, leader=d["leader"], document_title=d["document_title"], document_text=d["document_text"],
            instruction=d["instruction"], instructed_on=d["instructed_on"], received_on=d["received_on"],
            lead_units=d["lead_units"], co_units=d["co_units"], deadline=d["deadline"], workdays=d["workdays"],
            document=_file(request, "document"))
        return item.task, warning
    return _intake(request, InstructionForm, "items/form.html", create, title="录入领导批示件", files=True)


@office_required
def new_proposal(request):
    def create(d):
        p = actions.create_proposal(actor=request.user, kind=d["kind"], number=d["number"], proposers=d["proposers"],
                                    title=d["title"], assigned_on=d["assigned_on"], lead_units=d["lead_units"],
                                    co_units=d["co_units"])
        return p.task, ""
    return _intake(request, ProposalForm, "items/form.html", create, title="录入建议提案")


@office_required
def new_assigned(request):
    def create(d):
        doc = _file(request, "document")
        item = actions.create_assigned(
            actor=request.user, source=d["source"], issuer=d["issuer"], doc_number=d["doc_number"],
            received_on=d["received_on"], title=d["title"], lead_units=d["lead_units"], co_units=d["co_units"],
            deadline=d["deadline"], problem=d["problem"], measures=d["measures"], document=doc)
        return item.task, ""
    return _intake(request, AssignedForm, "items/form.html", create, title="录入上级交办和督查反馈事项", files=True)


# --- meetings ----------------------------------------------------------------------------------

@office_required
def new_meeting(request):
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = actions.create_meeting(actor=request.user, **form.cleaned_data)
        except ItemError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已录入会议“{meeting}”，请逐条添加议定事项")
            return redirect("items:meeting", pk=meeting.pk)
    return render(request, "items/form.html", {"form": form, "title": "录入会议", "nav": "items"},
                  status=400 if form.errors else 200)


def _meeting_for_user(request, pk: int) -> Meeting:
    if not request.user.sees_all_tasks:
        raise Http404
    return get_object_or_404(Meeting.objects.select_related("section__plan"), pk=pk)


@task_roles_required
def meeting_detail(request, pk: int):
    """A meeting and its decisions; the office adds a decision here."""
    meeting = _meeting_for_user(request, pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_office:
            raise PermissionDenied("只有督查室可以添加议定事项")
        if form.is_valid():
            d = form.cleaned_data
            try:
                decision = actions.create_decision(meeting, actor=request.user, text=d["text"], facts=actions.ItemFacts(
                    title=d["text"], lead_units=d["lead_units"], co_units=d["co_units"], leaders=list(d["leaders"]),
                    deadline=d["deadline"], deadline_text=d["deadline_text"]))
            except ItemError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已添加议定事项：{decision.task}")
                return redirect("items:meeting", pk=meeting.pk)
    decisions = meeting.decisions.select_related("task").order_by("task__order")
    return render(request, "items/meeting.html", {"meeting": meeting, "decisions": decisions, "form": form,
                                                  "nav": "items"}, status=400 if form.errors else 200)


# --- actions on an item's page -------------------------------------------------------------------

def _unit_role(user, task) -> str | None:
    if not (user.is_unit_person and user.unit_id):
        return None
    roles = set(task.assignments.filter(unit_id=user.unit_id).values_list("role", flat=True))
    return TaskUnit.Role.LEAD if TaskUnit.Role.LEAD in roles else (TaskUnit.Role.CO if roles else None)


def _item_action(request, pk: int, form_class, run, *, ok: str, may, refused: str, prefix: str | None = None):
    """Fetch the item (404 when the person may not see it), check who may act (403),
    then validate and run; a refused or invalid entry is a message and changes nothing."""
    task = get_task_for_user(request, pk)
    if not may(request.user, task):
        raise PermissionDenied(refused)
    form = form_class(request.POST, request.FILES or None, prefix=prefix)
    if not form.is_valid():
        first = next(iter(form.errors.items()))
        label = form.fields[first[0]].label if first[0] in form.fields else ""
        messages.error(request, f"未保存：{label + '：' if label else ''}{first[1][0]}")
    else:
        try:
            run(task, form.cleaned_data)
        except (ItemError, UploadError) as exc:
            messages.error(request, f"未保存：{exc}")
        else:
            messages.success(request, ok)
    return redirect(_task_url(task) + "#item")


def _file(request, name):
    f = request.FILES.get(name)
    return (f.read(), f.name) if f else None


def _detail(task, attr):
    obj = getattr(task, attr, None)
    if obj is None:
        raise Http404
    return obj


@task_roles_required
@require_POST
def sign_off(request, pk: int):
    return _item_action(request, pk, SignOffForm, lambda t, d: actions.sign_off_instruction(
        _detail(t, "instruction_item"), actor=request.user, note=d["note"]), ok="已阅示",
        may=lambda u, t: u.is_leader, refused="只有作出批示的领导可以阅示")


@task_roles_required
@require_POST
def add_contact(request, pk: int):
    return _item_action(request, pk, ContactForm, lambda t, d: actions.record_contact(
        _detail(t, "proposal"), actor=request.user, **d), ok="已记录面商沟通情况",
        may=lambda u, t: _unit_role(u, t) is not None, refused="只有承办单位可以填写面商沟通记录", prefix="c")


@task_roles_required
@require_POST
def add_reply(request, pk: int):
    return _item_action(request, pk, ReplyForm, lambda t, d: actions.record_reply(
        _detail(t, "proposal"), actor=request.user, replied_on=d["replied_on"], text=d["text"],
        document=_file(request, "document")), ok="已登记答复",
        may=lambda u, t: _unit_role(u, t) == TaskUnit.Role.LEAD, refused="只有主办单位可以登记答复")


@task_roles_required
@require_POST
def satisfaction(request, pk: int):
    return _item_action(request, pk, SatisfactionForm, lambda t, d: actions.record_satisfaction(
        _detail(t, "proposal"), actor=request.user, **d), ok="已登记满意度",
        may=lambda u, t: u.is_office, refused="只有督查室可以登记满意度")


@task_roles_required
@require_POST
def rectify(request, pk: int):
    return _item_action(request, pk, RectificationForm, lambda t, d: actions.record_rectification(
        _detail(t, "assigned_item"), actor=request.user, rectified_on=d["rectified_on"], note=d["note"],
        evidence=_file(request, "evidence")), ok="已填报整改完成情况，请申请办结销号",
        may=lambda u, t: _unit_role(u, t) == TaskUnit.Role.LEAD, refused="只有牵头单位可以填报整改情况")


@task_roles_required
@require_safe
def document(request, pk: int):
    """A file of an item, for whoever may see the item."""
    doc = get_object_or_404(ItemDocument, pk=pk)
    get_task_for_user(request, doc.task_id)
    response = download(doc)
    record("item.download", actor=request.user, obj=doc, task=doc.task, summary=f"下载{doc.original_name}")
    return response


# --- rules, working days, carry-over ----------------------------------------------------------

@office_required
def rules(request):
    current = ItemRules.current()
    form = RulesForm(request.POST or None, instance=current)
    override = WorkdayOverrideForm(prefix="day")
    if request.method == "POST" and form.is_valid():
        before = {f: getattr(ItemRules.objects.get(pk=current.pk), f) for f in form.fields}
        saved = form.save(commit=False)
        saved.updated_by = request.user
        saved.save()
        record("item.rules", actor=request.user, obj=saved, summary="修改事项规则", before=before,
               after={f: getattr(saved, f) for f in form.fields})
        messages.success(request, "事项规则已保存（只影响此后录入或再办理的事项）")
        return redirect("items:rules")
    return render(request, "items/rules.html", {"form": form, "override": override, "nav": "items",
                                                "overrides": WorkdayOverride.objects.all()},
                  status=400 if form.errors else 200)


@office_required
@require_POST
def add_workday(request):
    form = WorkdayOverrideForm(request.POST, prefix="day")
    if form.is_valid():
        day = form.save()
        record("item.workday", actor=request.user, obj=day, summary=f"工作日调整：{day}")
        messages.success(request, f"已记录：{day}")
    else:
        messages.error(request, "未保存：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("items:rules")


@office_required
@require_POST
def delete_workday(request, pk: int):
    day = get_object_or_404(WorkdayOverride, pk=pk)
    record("item.workday_delete", actor=request.user, obj=day, summary=f"删除工作日调整：{day}")
    day.delete()
    messages.success(request, "已删除")
    return redirect("items:rules")


@office_required
def carry_over(request):
    """Unfinished tasks of the years before, ticked, carried into the chosen year."""
    asked = request.POST.get("year") or request.GET.get("year") or ""
    target = int(asked) if asked.isdigit() else (current_year() or timezone.localdate().year) + 1
    form = CarryOverForm(request.POST or None, initial={"year": target})
    candidates = actions.unfinished(Task.objects.filter(plan__year__lt=target)
                                    .exclude(links_out__relation__in=["carried", "continues"])
                                    .select_related("plan").prefetch_related("assignments__unit", "leader_links__leader")
                                    .order_by("-plan__year", "plan_id", "order"))
    proposals = actions.propose_continuations(candidates, target)
    if request.method == "POST" and request.POST.get("action") == "continue":
        by_id = {t.pk: t for t in candidates}
        pairs = []
        for value in request.POST.getlist("continue"):
            old_id, _, new_id = value.partition(":")
            old = by_id.get(int(old_id)) if old_id.isdigit() else None
            proposed = proposals.get(old.pk) if old else None
            if proposed and str(proposed[0].pk) == new_id:
                pairs.append((old, proposed[0]))
        if not pairs:
            messages.error(request, "请至少勾选一项要关联的延续任务")
        else:
            try:
                actions.continue_tasks(pairs, actor=request.user)
            except ItemError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"已关联 {len(pairs)} 项延续任务，原任务的记录全部保留")
        return redirect(reverse("items:carry_over") + f"?year={target}")
    if request.method == "POST" and form.is_valid():
        ids = {int(x) for x in request.POST.getlist("task") if x.isdigit()}
        chosen = [t for t in candidates if t.pk in ids]
        if not chosen:
            form.add_error(None, "请至少勾选一项要结转的事项")
        else:
            try:
                carried = actions.carry_over(chosen, actor=request.user, year=form.cleaned_data["year"],
                                             deadline=form.cleaned_data["deadline"])
            except ItemError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已结转 {len(carried)} 项到{form.cleaned_data['year']}年")
                return redirect(reverse("plans:ledger") + f"?year={form.cleaned_data['year']}&category=carryover")
    rows = [(t, proposals.get(t.pk)) for t in candidates]
    return render(request, "items/carry_over.html", {"form": form, "rows": rows, "nav": "items", "target": target,
                                                     "proposals": len(proposals)},
                  status=400 if form.errors else 200)


# --- intake from a sheet or meeting minutes: upload → preview → confirm --------------------------

def _sheet_kind(category: str) -> str:
    if category not in intake.SHEET_KINDS:
        raise Http404
    return category


@office_required
@require_safe
def intake_template(request, category: str):
    category = _sheet_kind(category)
    label = Category(category).label
    response = HttpResponse(intake.template_workbook(category),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(label + '导入模板.xlsx')}"
    return response


@office_required
def intake_upload(request, category: str):
    """Upload a filled sheet of one kind (or, for meetings, the minutes .docx)."""
    minutes = category == "minutes"
    order = category == intake.ORDER
    if not (minutes or order):
        category = _sheet_kind(category)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要上传的文件"
        else:
            data = upload.read()
            try:
                uploads.check_upload(data, upload.name)
                if minutes:
                    batch = intake.start_minutes(data, upload.name, actor=request.user)
                elif order:
                    batch = intake.start_order(data, upload.name, actor=request.user, today=timezone.localdate())
                else:
                    batch = intake.start_sheet(category, data, upload.name, actor=request.user)
            except (intake.IntakeError, UploadError) as exc:
                error = str(exc)
            else:
                return redirect("items:intake_preview", pk=batch.pk)
    title = ("从会议纪要读取议定事项" if minutes else "从交办单读取上级交办事项" if order
             else f"批量导入{Category(category).label}")
    return render(request, "items/intake_upload.html", {"title": title, "category": category, "minutes": minutes,
                                                        "order": order,
                                                        "error": error, "nav": "items"}, status=400 if error else 200)


def _order_edits(request, batch: IntakeBatch, header: dict) -> dict:
    """The office's corrections on a 交办单's preview: the header (交办机关, 文号, 收到日期,
    来源) and each row's 事项, units and 完成时限. Kept on the pending batch (no item is
    made until the confirmation succeeds), so a refused confirmation shows them again."""
    for key, limit in (("issuer", 100), ("doc_number", 100), ("received_on", 10), ("source", 12)):
        if key in request.POST:
            header[key] = request.POST[key].strip()[:limit]
    rows = list(batch.rows)
    for i, row in enumerate(rows):
        for field, key in (("title", "title"), ("lead", "lead_units"), ("co", "co_units"), ("deadline", "deadline")):
            name = f"{field}-{i}"
            if name in request.POST:
                row[key] = request.POST[name].strip()[:2000]
    IntakeBatch.objects.filter(pk=batch.pk, status=IntakeBatch.Status.PENDING).update(rows=rows, meeting=header)
    batch.rows, batch.meeting = rows, header
    return header


@office_required
def intake_preview(request, pk: int):
    batch = get_object_or_404(IntakeBatch, pk=pk, status=IntakeBatch.Status.PENDING)
    error = ""
    meeting = dict(batch.meeting or {})
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            intake.cancel(batch)
            messages.info(request, "已取消，未导入任何事项")
            return redirect("items:index")
        if batch.category == "minutes":
            for key in ("title", "held_on", "number", "chair", "kind"):
                if key in request.POST:
                    meeting[key] = request.POST[key].strip()
        elif batch.category == intake.ORDER:
            meeting = _order_edits(request, batch, meeting)
        chosen = {int(x) for x in request.POST.getlist("row") if x.isdigit()}
        try:
            created = intake.confirm(batch, actor=request.user, chosen=chosen, meeting=meeting)
        except intake.ConfirmRefused as exc:
            error = str(exc)
        else:
            messages.success(request, f"已导入 {len(created)} 项督办事项")
            category = {"minutes": "meeting", intake.ORDER: "assigned"}.get(batch.category, batch.category)
            return redirect(reverse("plans:ledger") + f"?category={category}&year={created[0].plan.year}")
    rows = intake.preview(batch)
    ctx = {"batch": batch, "rows": rows, "error": error, "meeting": meeting, "nav": "items",
           "problems": sum(1 for r in rows if r.problems), "kinds": Meeting.Kind.choices,
           "sources": AssignedItem.Source.choices, "is_order": batch.category == intake.ORDER,
           "columns": intake.SHEETS.get(batch.category, [])}
    return render(request, "items/intake_preview.html", ctx, status=400 if error else 200)
