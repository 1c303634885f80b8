"""Every change an import makes to the ledger: apply a preview (`import_plan`), undo
the last import of a plan (`undo_import`). (Restoring a withdrawn task is
duban.plans.actions.restore_task.)

Each is atomic, audited, and tells the status listeners which tasks changed
(duban.plans.signals.facts_changed). Nothing a person recorded is ever deleted or
detached: a task the revision no longer holds is withdrawn (its work plan, reports,
notices, extensions and sign-offs stay attached, and it can be restored); a plan
phase a unit completed, or a target with actual figures, that the new text drops is
kept (as a work-plan node / a manually added indicator). Before changing anything an
import stores what it changes as it was (PlanImport, TaskBefore), so undo restores
exactly the ledger before it.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date

import planparser
from planparser.fields import is_collective

from duban.audit.log import record
from duban.org.models import Leader, Unit, UnitAlias
from duban.plans.models import Plan, Section, Target, Task, TaskLeader, TaskUnit
from duban.plans.signals import facts_changed
from duban.workplans.models import Milestone

from .models import ImportBatch, PlanImport, RoleHolder, TaskBefore
from .preview import ImportPreview, TaskChange, find_existing, num, task_kind, task_snapshot
from .records import describe, milestone_has_records, target_has_records, task_records


class ImportConflict(Exception):
    """The plan changed between the preview and the confirmation (another import was
    applied or undone meanwhile): nothing was written; the preview must be looked at again."""

    def __init__(self, plan: Plan | None):
        self.plan = plan
        if plan is None:
            text = "导入未完成：预览之后该方案已被删除，请重新上传。"
        else:
            text = (f"导入未完成：您查看预览之后，方案《{plan.title}》已被他人导入、修订或撤销导入（现为第{plan.revision}版），"
                    "请按最新版本重新核对变化后再确认。")
        super().__init__(text)


class SuspiciousRevision(Exception):
    """A suspicious revision (preview.suspicious_reasons) applied without its second,
    explicit confirmation: nothing was written."""

    def __init__(self, preview: ImportPreview):
        self.preview = preview
        super().__init__("可疑修订需要再次确认，未做任何修改：" + "；".join(preview.suspicious_reasons))


class UndoRefused(Exception):
    """Why an import cannot be undone (Chinese, for the person)."""


# Any constant: one advisory lock serialises plan imports and undos on PostgreSQL. On
# SQLite every transaction is IMMEDIATE, so it holds the database's write lock already.
_IMPORT_LOCK = 0x6475_6261_6E01


def _lock_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])


def _check_unchanged_since_preview(preview: ImportPreview) -> None:
    """The plan as stored is the one the preview was computed against (same plan, same
    revision, same last import), read after taking the import lock: two confirmations
    of the same revision, or of two documents at once, never both apply."""
    current = find_existing(preview.parsed)

    def state(plan):
        if plan is None:
            return None
        return plan.pk, plan.revision, PlanImport.objects.filter(plan=plan).order_by("-pk").values_list(
            "pk", "undone_at").first()

    if state(preview.plan) != state(current):
        raise ImportConflict(current)


# --- what an import changes on a task, as it was -------------------------------------------

TASK_FIELDS = ("section_id", "subsection", "number", "order", "title", "deadline", "deadline_text", "kind",
               "source_line", "withdrawn")
TARGET_FIELDS = ("value", "unit", "comparator", "text", "order", "source")
PHASE_FIELDS = ("title", "due", "order", "source")


def _plain(value):
    if isinstance(value, Decimal):
        return num(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def task_state(task: Task) -> dict:
    """Everything an import may change on a task, with the ids of its rows, as JSON.
    Reads the task's prefetched rows (leader_links, assignments, targets, milestones)
    when the caller prefetched them: no query per task."""
    return {
        "fields": {f: _plain(getattr(task, f)) for f in TASK_FIELDS},
        "leaders": [link.leader_id for link in sorted(task.leader_links.all(), key=lambda x: x.order)],
        "units": [[a.unit_id, a.role, a.order] for a in sorted(task.assignments.all(), key=lambda x: x.order)],
        "targets": [{"id": t.pk, **{f: _plain(getattr(t, f)) for f in TARGET_FIELDS}}
                    for t in sorted(task.targets.all(), key=lambda x: x.pk) if t.source == Target.Source.PARSED],
        "milestones": [{"id": m.pk, **{f: _plain(getattr(m, f)) for f in PHASE_FIELDS}}
                       for m in sorted(task.milestones.all(), key=lambda x: x.pk) if m.source == Milestone.Source.PLAN],
    }


def _plan_state(plan: Plan) -> dict:
    return {f: _plain(getattr(plan, f)) for f in
            ("issued", "doc_number", "default_deadline", "source_name", "source_sha256", "revision")} | {
        "source_file": plan.source_file.name or ""}


# --- writing a task's details ---------------------------------------------------------------

def _resolve_unit(name: str, canon: dict[str, str], cache: dict[str, Unit], *, actor, guessed: set[str]) -> Unit:
    canonical = canon.get(name, name)
    if canonical not in cache:
        unit = Unit.objects.by_name(canonical)
        if unit is None:
            unit = Unit.objects.create(name=canonical, is_collective=is_collective(canonical))
            if canonical in guessed:
                record("unit.suffix_guess", actor=actor, obj=unit,
                       summary=f"按共用后缀推断并新建单位“{canonical}”（方案中写作简称，请核对）")
        cache[canonical] = unit
    unit = cache[canonical]
    if name != unit.name and name not in guessed and not UnitAlias.objects.filter(alias=name).exists():
        UnitAlias.objects.create(unit=unit, alias=name, guessed=True)
    return unit


def _resolve_leader(name: str, cache: dict[str, Leader]) -> Leader:
    if name not in cache:
        cache[name], _ = Leader.objects.get_or_create(name=name)
    return cache[name]


def _pair(rows: list, items: list, passes) -> tuple[list, list]:
    """Each item's stored row: the first pass pairs what it can, the next pass what is
    left, and so on. Returns the row of each item (None: new) and the rows left over."""
    remaining = list(rows)
    assigned = [None] * len(items)
    for same in passes:
        for i, item in enumerate(items):
            if assigned[i] is None:
                row = next((r for r in remaining if same(r, item)), None)
                if row is not None:
                    assigned[i] = row
                    remaining.remove(row)
    return assigned, remaining


def _sync_targets(task: Task, targets: list[planparser.Target]) -> None:
    """The plan's targets as written now. A row is kept (and with it the actual figures
    units reported) for the same target, or for one whose value changed in the same
    measure; a target the text drops is deleted, or kept as a manually added indicator
    when figures were reported against it."""
    def same(row, x):
        return (num(row.value), row.unit, row.comparator, row.text) == (num(x.value), x.unit, x.comparator, x.text)

    rows = list(task.targets.filter(source=Target.Source.PARSED).order_by("order", "id"))
    assigned, remaining = _pair(rows, targets, (same, lambda row, x: row.unit == x.unit))
    for i, (x, row) in enumerate(zip(targets, assigned)):
        values = dict(value=Decimal(str(x.value)), unit=x.unit, comparator=x.comparator, text=x.text, order=i)
        if row is None:
            Target.objects.create(task=task, **values)
        elif not same(row, x) or row.order != i:
            Target.objects.filter(pk=row.pk).update(**values)
    for row in remaining:
        if target_has_records(row):
            Target.objects.filter(pk=row.pk).update(source=Target.Source.MANUAL)
        else:
            row.delete()


def _sync_plan_milestones(task: Task, phases: list[planparser.Milestone]) -> None:
    """The phases of the deadline as written now. A row is kept (and with it the
    completion a unit recorded) for the same phase, or one with the same text or the
    same date; a phase the text drops is deleted, or kept as a node of the unit's work
    plan when its completion was recorded."""
    rows = list(task.milestones.filter(source=Milestone.Source.PLAN).order_by("order", "id"))
    assigned, remaining = _pair(rows, phases, (lambda r, m: (r.due, r.title) == (m.date, m.text),
                                               lambda r, m: r.title == m.text, lambda r, m: r.due == m.date))
    for i, (m, row) in enumerate(zip(phases, assigned)):
        if row is None:
            Milestone.objects.create(task=task, title=m.text, due=m.date, source=Milestone.Source.PLAN, order=i)
        elif (row.due, row.title, row.order) != (m.date, m.text, i):
            # The version goes up: a form opened on the old text must not overwrite the new.
            Milestone.objects.filter(pk=row.pk).update(title=m.text, due=m.date, order=i, version=F("version") + 1)
    for row in remaining:
        if milestone_has_records(row):
            Milestone.objects.filter(pk=row.pk).update(source=Milestone.Source.WORKPLAN, version=F("version") + 1)
        else:
            row.delete()


@dataclass
class _Writer:
    preview: ImportPreview
    actor: object
    units: dict
    leaders: dict
    canon: dict
    guessed: set

    def details(self, task: Task, index: int) -> None:
        t = self.preview.parsed.tasks[index]
        lead, co = self.preview.task_units[index]
        task.leader_links.all().delete()
        task.assignments.all().delete()
        names = self.preview.after[index]["leaders"]
        TaskLeader.objects.bulk_create(
            TaskLeader(task=task, leader=_resolve_leader(n, self.leaders), order=i) for i, n in enumerate(names))
        links, seen = [], set()
        for role, unit_names in ((TaskUnit.Role.LEAD, lead), (TaskUnit.Role.CO, co)):
            for name in unit_names:
                unit = _resolve_unit(name, self.canon, self.units, actor=self.actor, guessed=self.guessed)
                if unit.pk in seen:
                    continue
                seen.add(unit.pk)
                links.append(TaskUnit(task=task, unit=unit, role=role, order=len(links)))
        TaskUnit.objects.bulk_create(links)
        _sync_targets(task, t.targets)
        _sync_plan_milestones(task, t.milestones)


@dataclass
class ImportResult:
    plan: Plan
    added: int
    changed: int
    removed: int
    unchanged: bool
    restored: int = 0
    plan_import: PlanImport | None = None


def _task_values(preview: ImportPreview, index: int, sections: dict[str, Section]) -> dict:
    t = preview.parsed.tasks[index]
    return dict(
        section_id=sections[t.section].pk if t.section else None, subsection=t.subsection or "",
        number=t.number or "", order=index, title=t.title, deadline=t.deadline,
        deadline_text=t.deadline_text or "", kind=task_kind(t), source_line=t.line,
    )


@transaction.atomic
def import_plan(preview: ImportPreview, *, actor, source_name: str, source_bytes: bytes,
                batch: ImportBatch | None = None, suspicious_confirmed: bool = False) -> ImportResult:
    """Apply a preview: create the plan, or update a revised one in place, storing
    what it changes as it was (for undo_import). Atomic; ImportConflict when the plan
    changed since the preview was computed; SuspiciousRevision for a suspicious
    revision without `suspicious_confirmed` (the second confirmation, or --force)."""
    _lock_imports()
    _check_unchanged_since_preview(preview)
    if preview.suspicious and not suspicious_confirmed:
        raise SuspiciousRevision(preview)
    parsed = preview.parsed
    if preview.is_unchanged:
        return ImportResult(preview.plan, 0, 0, 0, True)
    plan = preview.plan
    actor_or_none = actor if getattr(actor, "pk", None) else None
    plan_fields = dict(preview.plan_fields, source_name=source_name, source_sha256=preview.sha256)
    if plan is None:
        plan_before, sections_before, roles_before = None, [], {}
        plan = Plan.objects.create(
            title=parsed.title or "", issuer=parsed.issuer or "", year=parsed.plan_year or 0,
            imported_by=actor_or_none, **plan_fields
        )
        record("plan.import", actor=actor, obj=plan, summary=f"导入分工方案《{plan.title}》，{len(parsed.tasks)}项任务")
    else:
        plan_before = _plan_state(plan)
        sections_before = list(plan.sections.values_list("pk", "order"))
        roles_before = dict(plan.role_holders.values_list("role", "leader_id"))
        for k, v in plan_fields.items():
            setattr(plan, k, v)
        plan.revision += 1
        plan.save()
        c = preview.counts
        record("plan.revise", actor=actor, obj=plan,
               summary=f"导入修订版（第{plan.revision}版）：新增{c['added']}项，修改{c['changed']}项，"
                       f"撤销{c['withdrawn']}项，恢复{c['restored']}项，不变{c['same']}项")
    plan.source_file.save(f"{preview.sha256[:16]}-{Path(source_name).name}", ContentFile(source_bytes), save=True)
    plan_import = PlanImport.objects.create(
        plan=plan, batch=batch, source_name=source_name, sha256=preview.sha256, revision=plan.revision,
        plan_before=plan_before, sections_before=sections_before, roles_before=roles_before,
        counts=dict(preview.counts), imported_by=actor_or_none,
    )

    sections = {s.title: s for s in plan.sections.all()}
    for i, s in enumerate(parsed.sections):
        if s.title in sections:
            if sections[s.title].order != i:
                Section.objects.filter(pk=sections[s.title].pk).update(order=i)
        else:
            sections[s.title] = Section.objects.create(plan=plan, order=i, title=s.title)
    for t in parsed.tasks:  # a task's section the heading list missed
        if t.section and t.section not in sections:
            sections[t.section] = Section.objects.create(plan=plan, order=len(sections), title=t.section)

    _set_role_holders(plan, preview.role_map)
    writer = _Writer(preview, actor, {}, {}, {m.name: m.canonical for m in preview.unit_matches},
                     {g.read for g in preview.suffix_guesses})
    befores: list[TaskBefore] = []
    touched: list[int] = []
    now = timezone.now()
    for change in preview.changes:
        if change.kind == "added":
            task = Task.objects.create(plan=plan, **_task_values(preview, change.index, sections))
            writer.details(task, change.index)
            befores.append(TaskBefore(plan_import=plan_import, task=task, added=True))
            touched.append(task.pk)
            if preview.plan is not None:
                record("task.add", actor=actor, obj=task, task=task, summary="修订版新增任务", after=change.after)
            continue
        task = change.task
        if change.kind == "withdrawn":
            befores.append(TaskBefore(plan_import=plan_import, task=task, state=task_state(task)))
            Task.objects.filter(pk=task.pk).update(withdrawn=True, updated_at=timezone.now())
            touched.append(task.pk)
            record("task.withdraw", actor=actor, obj=task, task=task, before=change.before,
                   summary="修订版不再包含此任务，已撤销（记录全部保留，可恢复）")
            continue
        values = _task_values(preview, change.index, sections)
        values["withdrawn"] = False
        if change.kind == "same" and all(getattr(task, k) == v for k, v in values.items()):
            continue
        befores.append(TaskBefore(plan_import=plan_import, task=task, state=task_state(task)))
        touched.append(task.pk)
        if change.kind == "same":
            _update_task(task, values, now)  # renumbered or moved: no field a person reads as changed
            continue
        for k, v in values.items():
            setattr(task, k, v)
        task.save()
        if change.fields:
            writer.details(task, change.index)
        _record_change(change, actor, task)
    TaskBefore.objects.bulk_create(befores)
    for m in preview.guessed_units:
        record("unit.alias_guess", actor=actor, summary=f"单位名称“{m.name}”按相似度归并为“{m.canonical}”")
    facts_changed(PlanImport, touched)
    c = preview.counts
    return ImportResult(plan, c["added"], c["changed"], c["withdrawn"], False, c["restored"], plan_import)


def _record_change(change: TaskChange, actor, task: Task) -> None:
    if change.kind == "restored":
        record("task.restore", actor=actor, obj=task, task=task,
               summary=f"修订版重新包含此任务（{change.reason}），已恢复",
               before={f: change.before.get(f) for f in change.fields} or None,
               after={f: change.after.get(f) for f in change.fields} or None)
    else:
        record("task.revise", actor=actor, obj=task, task=task,
               summary=f"修订版修改（{change.reason}）：" + "、".join(change.field_labels),
               before={f: change.before.get(f) for f in change.fields},
               after={f: change.after.get(f) for f in change.fields})


def _set_role_holders(plan: Plan, role_map: dict[str, str]) -> None:
    """Who holds each role the office mapped, kept for the plan's later revisions."""
    for role, name in role_map.items():
        if name:
            leader, _ = Leader.objects.get_or_create(name=name)
            RoleHolder.objects.update_or_create(plan=plan, role=role, defaults={"leader": leader})


# --- undo -----------------------------------------------------------------------------------

def last_import(plan: Plan) -> PlanImport | None:
    """The import of `plan` an undo would take back: its latest one not undone yet."""
    return PlanImport.objects.filter(plan=plan, undone_at__isnull=True).order_by("-pk").first()


def _update_task(task: Task, values: dict, now) -> None:
    """Write the fields of `values` that differ from `task`'s (one UPDATE; none when
    nothing differs). Django's bulk_update builds a CASE per field and row, which
    costs seconds for a renumbered plan of 2,000 tasks; these are small updates."""
    changed = {f: v for f, v in values.items() if getattr(task, f) != v}
    if changed:
        Task.objects.filter(pk=task.pk).update(updated_at=now, **changed)
        for f, v in changed.items():
            setattr(task, f, v)


def _with_rows(ids) -> dict[int, Task]:
    """The tasks with every row an import writes, read in a fixed number of queries."""
    return {t.pk: t for t in Task.objects.filter(pk__in=list(ids)).select_related("section").prefetch_related(
        "leader_links__leader", "assignments__unit", "milestones", "targets")}


def _restore_tasks(tasks: dict[int, Task], states: dict[int, dict]) -> None:
    """Put each task back as `states` holds it: its fields, leader and unit links, the
    plan's targets and phases. A target or phase the import brought that someone
    recorded on since is kept (as a manual indicator / a work-plan node)."""
    now = timezone.now()
    for pk, state in states.items():
        values = {f: parse_date(v) if f == "deadline" and v else v for f, v in state["fields"].items()}
        _update_task(tasks[pk], values, now)
    leaders = set(Leader.objects.values_list("pk", flat=True))
    TaskLeader.objects.filter(task_id__in=list(states)).delete()
    TaskLeader.objects.bulk_create([TaskLeader(task_id=pk, leader_id=lid, order=i) for pk, state in states.items()
                                    for i, lid in enumerate(state["leaders"]) if lid in leaders], batch_size=1000)
    TaskUnit.objects.filter(task_id__in=list(states)).delete()
    TaskUnit.objects.bulk_create([TaskUnit(task_id=pk, unit_id=u, role=r, order=o) for pk, state in states.items()
                                  for u, r, o in state["units"]], batch_size=1000)
    for pk, state in states.items():
        task = tasks[pk]
        if task_state(task)["targets"] != state["targets"]:
            _restore_targets(task, state["targets"])
        if task_state(task)["milestones"] != state["milestones"]:
            _restore_phases(task, state["milestones"])


def _restore_targets(task: Task, rows: list[dict]) -> None:
    for row in rows:
        values = {f: row[f] for f in TARGET_FIELDS}
        values["value"] = Decimal(values["value"])
        Target.objects.update_or_create(pk=row["id"], defaults={"task": task, **values})
    for target in Target.objects.filter(task=task, source=Target.Source.PARSED).exclude(pk__in=[r["id"] for r in rows]):
        if target_has_records(target):
            Target.objects.filter(pk=target.pk).update(source=Target.Source.MANUAL)
        else:
            target.delete()


def _restore_phases(task: Task, rows: list[dict]) -> None:
    for row in rows:
        values = {f: row[f] for f in PHASE_FIELDS}
        values["due"] = parse_date(values["due"]) if values["due"] else None
        if Milestone.objects.filter(pk=row["id"]).update(task=task, version=F("version") + 1, **values) == 0:
            Milestone.objects.create(pk=row["id"], task=task, **values)
    for m in Milestone.objects.filter(task=task, source=Milestone.Source.PLAN).exclude(pk__in=[r["id"] for r in rows]):
        if milestone_has_records(m):
            Milestone.objects.filter(pk=m.pk).update(source=Milestone.Source.WORKPLAN, version=F("version") + 1)
        else:
            m.delete()


def _referenced(obj: models.Model, *, ignore: tuple = ()) -> bool:
    """Anything points at `obj` (foreign keys and many-to-many, hidden ones too)."""
    for f in obj._meta.get_fields(include_hidden=True):
        if not f.auto_created or f.concrete or f.related_model in ignore:
            continue
        if f.many_to_many:
            through = f.through
            column = next(x.name for x in through._meta.fields if x.related_model is type(obj))
            if through._base_manager.filter(**{column: obj}).exists():
                return True
        elif (f.one_to_many or f.one_to_one) and f.related_model._base_manager.filter(**{f.field.name: obj}).exists():
            return True
    return False


@dataclass
class UndoResult:
    plan: Plan | None  # None when the plan, created by the import, is gone
    restored: int  # tasks put back as they were
    deleted: int  # tasks the import added, deleted (nothing recorded against them)
    withdrawn: int  # tasks the import added, withdrawn (records kept)


@transaction.atomic
def undo_import(plan_import: PlanImport, *, actor) -> UndoResult:
    """Take back the latest import of a plan: the plan's fields, sections, tasks (their
    fields, leaders, units, the plan's targets and phases, withdrawn flags) and leader
    roles as they were before it. Tasks it added are deleted when nothing was recorded
    against them, else withdrawn. UndoRefused when it is not the plan's latest import."""
    _lock_imports()
    plan = Plan.objects.filter(pk=plan_import.plan_id).first()
    latest = last_import(plan) if plan is not None else None
    if latest is None or latest.pk != plan_import.pk:
        raise UndoRefused("只能撤销该方案最近一次尚未撤销的导入；该次导入已撤销，或之后又导入过新版本。")
    if PlanImport.objects.filter(pk=plan_import.pk, undone_at__isnull=True).update(
            undone_at=timezone.now(), undone_by=actor if getattr(actor, "pk", None) else None) != 1:
        raise UndoRefused("该次导入已被他人撤销。")

    befores = list(plan_import.tasks_before.order_by("pk"))
    states = {b.task_id: b.state for b in befores if not b.added and b.task_id is not None}
    added = list(Task.objects.filter(pk__in=[b.task_id for b in befores if b.added and b.task_id is not None]))
    records = task_records(t.pk for t in added)
    current = _with_rows(states)
    before = {pk: task_snapshot(t) for pk, t in current.items()}
    was_withdrawn = {pk: t.withdrawn for pk, t in current.items()}
    _restore_tasks(current, states)
    restored_tasks = _with_rows(states)
    after = {pk: task_snapshot(t) for pk, t in restored_tasks.items()}
    for pk, state in states.items():
        diff = [k for k in before[pk] if before[pk][k] != after[pk][k]]
        if not diff and was_withdrawn[pk] == state["fields"]["withdrawn"]:
            continue  # only its place in the plan moved back: nothing a person reads
        record("task.undo_import", actor=actor, obj=restored_tasks[pk], task=restored_tasks[pk],
               summary=f"撤销第{plan_import.revision}版导入，任务恢复为导入前的内容"
                       + ("（导入前已撤销）" if state["fields"]["withdrawn"] else ""),
               before={k: before[pk][k] for k in diff} or None, after={k: after[pk][k] for k in diff} or None)
    restored, touched = len(states), list(states)
    keep = [t for t in added if records.get(t.pk)]
    Task.objects.filter(pk__in=[t.pk for t in keep]).update(withdrawn=True, updated_at=timezone.now())
    for task in keep:
        touched.append(task.pk)
        record("task.withdraw", actor=actor, obj=task, task=task,
               summary=f"撤销第{plan_import.revision}版导入：此任务由该次导入新增，已有记录（{describe(records[task.pk])}），"
                       "改为撤销并保留记录")
    Task.objects.filter(pk__in=[t.pk for t in added if not records.get(t.pk)]).delete()
    deleted, withdrawn = len(added) - len(keep), len(keep)

    if plan_import.plan_before is None:
        return _undo_first_import(plan, plan_import, actor, UndoResult(plan, restored, deleted, withdrawn), touched)

    before_ids = {pk for pk, _ in plan_import.sections_before}
    for pk, order in plan_import.sections_before:
        Section.objects.filter(pk=pk).update(order=order)
    for section in plan.sections.exclude(pk__in=before_ids):
        if not _referenced(section):
            section.delete()
    state = dict(plan_import.plan_before)
    source_file = state.pop("source_file")
    for f in ("issued", "default_deadline"):
        state[f] = parse_date(state[f]) if state[f] else None
    Plan.objects.filter(pk=plan.pk).update(source_file=source_file, updated_at=timezone.now(), **state)
    RoleHolder.objects.filter(plan=plan).delete()
    RoleHolder.objects.bulk_create(RoleHolder(plan=plan, role=r, leader_id=pk)
                                   for r, pk in plan_import.roles_before.items())
    plan.refresh_from_db()
    record("plan.undo_import", actor=actor, obj=plan,
           summary=f"撤销第{plan_import.revision}版导入（{plan_import.source_name}），恢复为第{plan.revision}版：" +
                   _undo_summary(restored, deleted, withdrawn))
    facts_changed(PlanImport, touched)
    return UndoResult(plan, restored, deleted, withdrawn)


def _undo_summary(restored: int, deleted: int, withdrawn: int) -> str:
    return f"恢复任务{restored}项，删除该次新增的任务{deleted}项，该次新增但已有记录而改为撤销的任务{withdrawn}项"


def _undo_first_import(plan: Plan, plan_import: PlanImport, actor, result: UndoResult, touched: list[int]) -> UndoResult:
    """The import created the plan: it goes too, unless something recorded against it
    (a task withdrawn above, a round) keeps it; then it stays with those tasks withdrawn."""
    summary = f"撤销方案《{plan.title}》的首次导入（{plan_import.source_name}）：" + _undo_summary(
        result.restored, result.deleted, result.withdrawn)
    if not plan.tasks.exists() and not _referenced(plan, ignore=(Section, PlanImport, ImportBatch, RoleHolder)):
        record("plan.undo_import", actor=actor, summary=summary + "，方案已删除")
        ImportBatch.objects.filter(plan=plan).update(plan=None)
        plan.delete()
        result.plan = None
        return result
    record("plan.undo_import", actor=actor, obj=plan, summary=summary + "，方案因已有记录而保留")
    facts_changed(PlanImport, touched)
    return result
