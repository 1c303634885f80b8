"""Every change to 督办事项 of the other kinds: creating items of each kind, signing
off an instruction, a proposal's contacts, replies, satisfaction and 再办理, a
rectification, links between items and carrying unfinished tasks into a new year.

Each action is atomic, writes its audit record, and tells the stored status that the
item's facts changed (plans.signals). Transitions are conditional UPDATEs whose row
count is checked, so two people acting at once never both succeed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Iterable

import calendar
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from duban.audit.log import record
from duban.imports.matching import Side, match_tasks
from duban.lib import uploads
from duban.lib.workdays import add_workdays
from duban.org.models import Leader, Unit
from duban.plans.models import Category, Plan, Section, Task, TaskKind, TaskLeader, TaskUnit
from duban.plans.signals import facts_changed
from duban.supervision.models import TaskClosure

from .models import (
    AssignedItem,
    InstructionItem,
    ItemDocument,
    ItemLink,
    ItemRules,
    Meeting,
    MeetingDecision,
    Proposal,
    ProposalContact,
    ProposalReply,
    Satisfaction,
    WorkdayOverride,
)


class ItemError(Exception):
    """A refused change; the message is Chinese and says why."""


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ItemError(message)


# --- registers and the common part of every item ------------------------------------------

def register_for(category: str, year: int) -> Plan:
    """The register (台账) of one kind for one year, made on first use."""
    _require(category != Category.PLAN, "分工方案任务请通过导入方案建立")
    label = Category(category).label
    plan = Plan.objects.filter(category=category, year=year).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            return Plan.objects.create(category=category, year=year, title=f"{year}年{label}",
                                       issuer="", default_deadline=dt.date(year, 12, 31))
    except IntegrityError:  # made meanwhile by someone else
        return Plan.objects.get(category=category, year=year)


@dataclass
class ItemFacts:
    """What every item has, whatever its kind."""

    title: str
    lead_units: list[Unit]
    co_units: list[Unit] = field(default_factory=list)
    leaders: list[Leader] = field(default_factory=list)
    deadline: dt.date | None = None
    deadline_text: str = ""
    number: str = ""


def workday_deadline(start: dt.date, days: int):
    """`days` working days after `start`, with the office's overrides (WorkdayResult)."""
    return add_workdays(start, days, WorkdayOverride.as_map())


def _check_facts(facts: ItemFacts) -> None:
    _require(bool(facts.title.strip()), "请填写事项内容")
    _require(bool(facts.lead_units), "请至少选择一个牵头（主办）单位")
    both = {u.pk for u in facts.lead_units} & {u.pk for u in facts.co_units}
    _require(not both, "同一单位不能既是牵头（主办）单位又是配合（协办）单位："
             + "、".join(u.name for u in facts.lead_units if u.pk in both))


def _create_task(register: Plan, facts: ItemFacts, *, section: Section | None = None) -> Task:
    _check_facts(facts)
    order = (register.tasks.aggregate(m=Max("order"))["m"] or 0) + 1
    task = Task.objects.create(
        plan=register, section=section, number=facts.number or str(order), order=order,
        title=facts.title.strip(), deadline=facts.deadline, deadline_text=facts.deadline_text[:300],
        kind=TaskKind.DATED if facts.deadline else TaskKind.NONE,
    )
    TaskLeader.objects.bulk_create(TaskLeader(task=task, leader=l, order=i) for i, l in enumerate(facts.leaders))
    TaskUnit.objects.bulk_create(
        [TaskUnit(task=task, unit=u, role=TaskUnit.Role.LEAD, order=i) for i, u in enumerate(facts.lead_units)]
        + [TaskUnit(task=task, unit=u, role=TaskUnit.Role.CO, order=i) for i, u in enumerate(facts.co_units)])
    return task


def _after_create(task: Task, *, actor, summary: str) -> None:
    record("item.create", actor=actor, obj=task, task=task, summary=summary,
           after={"事项类别": task.plan.get_category_display(), "事项内容": task.title[:200],
                  "完成时限": task.deadline.isoformat() if task.deadline else ""})
    facts_changed(Task, [task.pk])


def attach_document(task: Task, *, actor, purpose: str, data: bytes, name: str) -> ItemDocument:
    """Keeps a file that came with an item (type checked by content, generated name)."""
    kind, shown = uploads.check_upload(data, name)
    doc = ItemDocument(task=task, purpose=purpose, original_name=shown, content_type=kind.content_type,
                       size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor)
    doc.file.save(shown, ContentFile(data), save=False)
    doc.save()
    record("item.attach", actor=actor, obj=doc, task=task,
           summary=f"上传{doc.get_purpose_display()}：{shown}")
    return doc


# --- 领导批示件 -----------------------------------------------------------------------------

@transaction.atomic
def create_instruction(*, actor, leader: Leader, document_title: str, instruction: str, instructed_on: dt.date,
                       received_on: dt.date, lead_units: list[Unit], co_units: Iterable[Unit] = (),
                       deadline: dt.date | None = None, workdays: int | None = None, document_text: str = "",
                       document: tuple[bytes, str] | None = None) -> tuple[InstructionItem, str]:
    """A leader's instruction as an item. The deadline is a date, or `workdays` 工作日
    after receipt; without either, the office's default number of working days.
    Returns the item and a warning (holiday data missing for the year) or ""."""
    _require(bool(instruction.strip()), "请填写批示内容")
    _require(bool(document_title.strip()), "请填写来文（报告）标题")
    warning = ""
    if deadline is None:
        workdays = workdays or ItemRules.current().instruction_default_workdays
        result = workday_deadline(received_on, workdays)
        deadline, warning = result.date, result.warning
        text = f"收文后{workdays}个工作日内"
    else:
        _require(deadline >= received_on, "完成时限不能早于收文日期")
        workdays, text = None, f"{deadline:%Y年%m月%d日}前"
    register = register_for(Category.INSTRUCTION, received_on.year)
    facts = ItemFacts(title=f"落实{leader.name}同志在《{document_title.strip()}》上的批示：{instruction.strip()}",
                      lead_units=list(lead_units), co_units=list(co_units), leaders=[leader],
                      deadline=deadline, deadline_text=text)
    task = _create_task(register, facts)
    item = InstructionItem.objects.create(
        task=task, leader=leader, document_title=document_title.strip(), document_text=document_text.strip(),
        instruction=instruction.strip(), instructed_on=instructed_on, received_on=received_on, workdays=workdays)
    if document:
        attach_document(task, actor=actor, purpose=ItemDocument.Purpose.SOURCE, data=document[0], name=document[1])
    _after_create(task, actor=actor, summary=f"录入{leader.name}批示件：{document_title.strip()[:60]}")
    return item, warning


def is_closed(task: Task) -> bool:
    return TaskClosure.objects.filter(task=task, reopened_on__isnull=True).exists()


@transaction.atomic
def sign_off_instruction(item: InstructionItem, *, actor, note: str = "") -> InstructionItem:
    """The instructing leader reads the result and signs the item off (阅示)."""
    _require(actor.is_leader and actor.leader_id == item.leader_id, "只有作出批示的领导可以阅示")
    _require(is_closed(item.task), "事项尚未办结销号，暂不能阅示")
    done = InstructionItem.objects.filter(pk=item.pk, signed_off_at__isnull=True).update(
        signed_off_at=timezone.now(), signed_off_by=actor, sign_off_note=note.strip())
    _require(done == 1, "该批示件已阅示")
    item.refresh_from_db()
    record("item.sign_off", actor=actor, obj=item.task, task=item.task, summary="批示领导阅示办理结果",
           after={"阅示意见": item.sign_off_note})
    return item


# --- 会议议定事项 ---------------------------------------------------------------------------

@transaction.atomic
def create_meeting(*, actor, kind: str, title: str, held_on: dt.date, chair: str = "",
                   minutes_number: str = "") -> Meeting:
    _require(bool(title.strip()), "请填写会议名称")
    register = register_for(Category.MEETING, held_on.year)
    order = (register.sections.aggregate(m=Max("order"))["m"] or 0) + 1
    section = Section.objects.create(plan=register, order=order, title=title.strip())
    meeting = Meeting.objects.create(kind=kind, title=title.strip(), held_on=held_on, chair=chair.strip(),
                                     minutes_number=minutes_number.strip(), section=section, created_by=actor)
    record("item.meeting", actor=actor, obj=meeting, summary=f"录入会议：{meeting.title}")
    return meeting


@transaction.atomic
def create_decision(meeting: Meeting, *, actor, text: str, facts: ItemFacts) -> MeetingDecision:
    facts.title = facts.title or text
    task = _create_task(meeting.section.plan, facts, section=meeting.section)
    decision = MeetingDecision.objects.create(task=task, meeting=meeting, text=text.strip() or facts.title)
    _after_create(task, actor=actor, summary=f"录入{meeting.title}议定事项")
    return decision


# --- 建议提案 --------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day (11-30 + 3 → 02-28)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reply_due(assigned_on: dt.date, rules: ItemRules | None = None) -> dt.date:
    """The statutory reply date: the rule's months after assignment."""
    rules = rules or ItemRules.current()
    return add_months(assigned_on, rules.proposal_reply_months)


@transaction.atomic
def create_proposal(*, actor, kind: str, number: str, proposers: str, title: str, assigned_on: dt.date,
                    lead_units: list[Unit], co_units: Iterable[Unit] = (), leaders: Iterable[Leader] = ()) -> Proposal:
    """A proposal assigned to its 主办 and 协办 units; its reply is due by the rule."""
    _require(bool(number.strip()), "请填写建议提案编号")
    _require(bool(proposers.strip()), "请填写提出建议提案的代表（委员）")
    rules = ItemRules.current()
    due = reply_due(assigned_on, rules)
    kind_label = Proposal.Kind(kind).label
    facts = ItemFacts(title=title, lead_units=list(lead_units), co_units=list(co_units), leaders=list(leaders),
                      deadline=due, number=number.strip(),
                      deadline_text=f"交办之日起{rules.proposal_reply_months}个月内答复")
    register = register_for(Category.PROPOSAL, assigned_on.year)
    if Proposal.objects.filter(kind=kind, number=number.strip(), assigned_on__year=assigned_on.year).exists():
        raise ItemError(f"{assigned_on.year}年第{number.strip()}号{kind_label}已录入，请勿重复录入")
    task = _create_task(register, facts)
    proposal = Proposal.objects.create(task=task, kind=kind, number=number.strip(), proposers=proposers.strip(),
                                       assigned_on=assigned_on, reply_due=due)
    _after_create(task, actor=actor, summary=f"录入第{proposal.number}号{kind_label}")
    return proposal


def can_handle(user, task: Task) -> bool:
    """The item's own units (lead or co) or the office."""
    if user.is_office:
        return True
    return bool(user.is_unit_person and user.unit_id
                and task.assignments.filter(unit_id=user.unit_id).exists())


@transaction.atomic
def record_contact(proposal: Proposal, *, actor, on: dt.date, way: str, note: str) -> ProposalContact:
    _require(actor.is_unit_person and can_handle(actor, proposal.task), "只有承办单位可以填写面商沟通记录")
    _require(bool(note.strip()), "请填写沟通情况")
    _require(on <= timezone.localdate(), "沟通日期不能晚于今天")
    contact = ProposalContact.objects.create(proposal=proposal, on=on, way=way, note=note.strip(),
                                             unit_id=actor.unit_id, recorded_by=actor)
    record("item.contact", actor=actor, obj=proposal.task, task=proposal.task,
           summary=f"{actor.unit}记录{contact.get_way_display()}", after={"沟通情况": contact.note[:200]})
    return contact


@transaction.atomic
def record_reply(proposal: Proposal, *, actor, replied_on: dt.date, text: str,
                 document: tuple[bytes, str] | None = None) -> ProposalReply:
    """The lead unit's 答复 to the proposer (the first, or the reply of a 再办理)."""
    task = proposal.task
    _require(actor.is_unit_person and task.assignments.filter(unit_id=actor.unit_id, role=TaskUnit.Role.LEAD).exists(),
             "只有主办单位可以登记答复")
    _require(bool(text.strip()), "请填写答复内容摘要")
    _require(replied_on <= timezone.localdate(), "答复日期不能晚于今天")
    rules = ItemRules.current()
    _require(not rules.proposal_contact_required or proposal.contacts.exists(),
             "答复前须先与代表（委员）面商或沟通，并填写沟通记录")
    round_no = proposal.redo_count + 1
    _require(not proposal.replies.filter(round=round_no).exists(), "本轮办理已登记答复")
    done = Proposal.objects.filter(pk=proposal.pk, version=proposal.version).update(
        replied_on=replied_on, reply_text=text.strip(), satisfaction="", version=proposal.version + 1)
    _require(done == 1, "该建议提案已被他人修改，请刷新后重试")
    reply = ProposalReply.objects.create(proposal=proposal, round=round_no, replied_on=replied_on, text=text.strip(),
                                         recorded_by=actor)
    if document:
        attach_document(task, actor=actor, purpose=ItemDocument.Purpose.REPLY, data=document[0], name=document[1])
    record("item.reply", actor=actor, obj=task, task=task, summary=f"登记第{round_no}轮答复",
           after={"答复日期": replied_on.isoformat(), "答复内容摘要": text.strip()[:200]})
    facts_changed(Task, [task.pk])
    return reply


@transaction.atomic
def record_satisfaction(proposal: Proposal, *, actor, satisfaction: str, note: str = "") -> Proposal:
    """The office records the proposer's opinion of the latest reply. 不满意 sends the
    proposal back for 再办理: a new round whose reply is due by the rule again."""
    _require(actor.is_office, "只有督查室可以登记代表（委员）满意度")
    reply = proposal.replies.filter(round=proposal.redo_count + 1).first()
    _require(reply is not None, "尚未登记答复，不能登记满意度")
    _require(not reply.satisfaction, "本轮答复已登记满意度")
    _require(satisfaction in Satisfaction.values, "请选择满意、基本满意或不满意")
    values = {"satisfaction": satisfaction, "version": proposal.version + 1}
    redo = satisfaction == Satisfaction.UNSATISFIED
    if redo:
        today = timezone.localdate()
        values.update(redo_count=proposal.redo_count + 1, replied_on=None, reply_due=reply_due(today))
    done = Proposal.objects.filter(pk=proposal.pk, version=proposal.version).update(**values)
    _require(done == 1, "该建议提案已被他人修改，请刷新后重试")
    ProposalReply.objects.filter(pk=reply.pk).update(satisfaction=satisfaction, satisfaction_note=note.strip())
    proposal.refresh_from_db()
    if redo:
        Task.objects.filter(pk=proposal.task_id).update(
            deadline=proposal.reply_due, deadline_text=f"再办理，{proposal.reply_due:%Y年%m月%d日}前重新答复",
            updated_at=timezone.now())
    record("item.satisfaction", actor=actor, obj=proposal.task, task=proposal.task,
           summary=f"代表（委员）对答复{Satisfaction(satisfaction).label}" + ("，转入再办理" if redo else ""),
           after={"满意度": Satisfaction(satisfaction).label, "意见": note.strip()[:200]})
    facts_changed(Task, [proposal.task_id])
    return proposal


# --- 上级交办和督查反馈事项 -------------------------------------------------------------------

@transaction.atomic
def create_assigned(*, actor, source: str, issuer: str, doc_number: str, received_on: dt.date, title: str,
                    lead_units: list[Unit], co_units: Iterable[Unit] = (), leaders: Iterable[Leader] = (),
                    deadline: dt.date | None = None, problem: str = "", measures: str = "",
                    document: tuple[bytes, str] | None = None) -> AssignedItem:
    _require(bool(issuer.strip()), "请填写交办机关")
    _require(bool(doc_number.strip()), "请填写交办单文号")
    _require(deadline is None or deadline >= received_on, "完成时限不能早于收到日期")
    facts = ItemFacts(title=title, lead_units=list(lead_units), co_units=list(co_units), leaders=list(leaders),
                      deadline=deadline, deadline_text=f"{deadline:%Y年%m月%d日}前" if deadline else "")
    task = _create_task(register_for(Category.ASSIGNED, received_on.year), facts)
    item = AssignedItem.objects.create(task=task, source=source, issuer=issuer.strip(), doc_number=doc_number.strip(),
                                       received_on=received_on, problem=problem.strip(), measures=measures.strip())
    if document:
        attach_document(task, actor=actor, purpose=ItemDocument.Purpose.ORDER, data=document[0], name=document[1])
    _after_create(task, actor=actor, summary=f"录入{item.get_source_display()}：{item.issuer} {item.doc_number}")
    return item


@transaction.atomic
def record_rectification(item: AssignedItem, *, actor, rectified_on: dt.date, note: str,
                         evidence: tuple[bytes, str] | None = None) -> AssignedItem:
    """The lead unit reports the problem rectified (整改完成), with evidence; the
    office then strikes it off (整改销号) through the usual completion verification."""
    task = item.task
    _require(actor.is_unit_person and task.assignments.filter(unit_id=actor.unit_id, role=TaskUnit.Role.LEAD).exists(),
             "只有牵头单位可以填报整改情况")
    _require(bool(note.strip()), "请填写整改情况")
    _require(rectified_on <= timezone.localdate(), "整改完成日期不能晚于今天")
    done = AssignedItem.objects.filter(pk=item.pk, rectified_on__isnull=True).update(
        rectified_on=rectified_on, rectification_note=note.strip())
    _require(done == 1, "已填报整改完成情况")
    if evidence:
        attach_document(task, actor=actor, purpose=ItemDocument.Purpose.EVIDENCE, data=evidence[0], name=evidence[1])
    item.refresh_from_db()
    record("item.rectify", actor=actor, obj=task, task=task, summary="填报整改完成情况",
           after={"整改完成日期": rectified_on.isoformat(), "整改情况": note.strip()[:200]})
    return item


# --- links and 结转 ---------------------------------------------------------------------------

@transaction.atomic
def link_items(from_task: Task, to_task: Task, *, actor, relation: str) -> ItemLink:
    _require(from_task.pk != to_task.pk, "事项不能与自身关联")
    try:
        with transaction.atomic():
            link = ItemLink.objects.create(from_task=from_task, to_task=to_task, relation=relation, created_by=actor)
    except IntegrityError:
        raise ItemError("这两个事项已经关联") from None
    record("item.link", actor=actor, obj=to_task, task=to_task,
           summary=f"{link.get_relation_display()}：{from_task}")
    return link


def unfinished(tasks) -> list[Task]:
    """Active tasks not struck off."""
    closed = TaskClosure.objects.filter(reopened_on__isnull=True).values("task_id")
    return list(tasks.active().exclude(pk__in=closed))


@transaction.atomic
def carry_over(tasks: Iterable[Task], *, actor, year: int, deadline: dt.date) -> list[Task]:
    """Each unfinished task becomes an item of `year`'s 上年结转事项 register with the
    same title, leaders and units, linked to the task it continues (whose reports,
    notices and timeline stay where they are). A task carried already is left out."""
    _require(actor.is_office, "只有督查室可以结转事项")
    _require(deadline.year == year, f"结转事项的完成时限应在{year}年内")
    register = register_for(Category.CARRYOVER, year)
    carried = []
    already = set(ItemLink.objects.filter(relation=ItemLink.Relation.CARRIED, to_task__plan=register)
                  .values_list("from_task_id", flat=True))
    for old in tasks:
        _require(old.plan.year < year, f"“{old}”不是{year}年以前的事项，不能结转到{year}年")
        if old.pk in already or is_closed(old):
            continue
        units = sorted(old.assignments.select_related("unit"), key=lambda a: (a.role, a.order))
        facts = ItemFacts(
            title=old.title, leaders=old.ordered_leaders(), deadline=deadline,
            lead_units=[a.unit for a in units if a.role == TaskUnit.Role.LEAD],
            co_units=[a.unit for a in units if a.role == TaskUnit.Role.CO],
            deadline_text=f"{old.plan.year}年结转，{deadline:%Y年%m月%d日}前完成",
        )
        new = _create_task(register, facts)
        ItemLink.objects.create(from_task=old, to_task=new, relation=ItemLink.Relation.CARRIED, created_by=actor)
        record("item.carry_over", actor=actor, obj=new, task=new,
               summary=f"由{old.plan.year}年“{old.plan.title}”第{old.number}项结转",
               after={"原事项": str(old), "完成时限": deadline.isoformat()})
        record("item.carried_away", actor=actor, obj=old, task=old, summary=f"结转至{year}年继续办理")
        carried.append(new)
    facts_changed(Task, [t.pk for t in carried])
    return carried


def propose_continuations(old_tasks: list[Task], year: int) -> dict[int, tuple[Task, str]]:
    """For unfinished tasks of earlier years, the task of `year`'s imported plans each
    one most likely continues, by the revision matcher (title similarity, units,
    leaders; numbers and sections are not compared across years): {old id: (new task,
    why)}. New tasks already linked as a continuation are not proposed again."""
    new_tasks = list(Task.objects.filter(plan__year=year, plan__category=Category.PLAN, withdrawn=False)
                     .exclude(links_in__relation__in=[ItemLink.Relation.CONTINUES, ItemLink.Relation.CARRIED])
                     .prefetch_related("assignments__unit", "leader_links__leader"))
    if not old_tasks or not new_tasks:
        return {}

    def side(t: Task) -> Side:
        return Side(number=None, section=None, title=t.title,
                    units=tuple(sorted(a.unit.name for a in t.assignments.all())),
                    leaders=tuple(sorted(link.leader.name for link in t.leader_links.all())))

    matching = match_tasks([side(t) for t in old_tasks], [side(t) for t in new_tasks])
    return {old_tasks[p.stored].pk: (new_tasks[p.parsed], p.reason) for p in matching.pairs}


@transaction.atomic
def continue_tasks(pairs: Iterable[tuple[Task, Task]], *, actor) -> list[ItemLink]:
    """Link each old task to the new year's task that continues it (延续): the new task
    is the old one's follow-up, nothing is copied."""
    _require(actor.is_office, "只有督查室可以关联延续任务")
    links = []
    for old, new in pairs:
        _require(old.plan.year < new.plan.year, f"“{new}”不是“{old}”之后年度的任务")
        links.append(link_items(old, new, actor=actor, relation=ItemLink.Relation.CONTINUES))
    return links
