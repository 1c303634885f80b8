"""Importing a parsed plan into the ledger: preview (what would change), then apply.

A document whose title, issuer and year match a plan already imported is a revised
version of it: the preview lists tasks added, removed and changed, and applying it
updates changed tasks in place (so everything recorded against them stays), adds new
ones and withdraws removed ones. Re-importing the same document changes nothing.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction

import planparser
from planparser.fields import is_collective

from duban.audit.log import record
from duban.org.matching import Match, match_names
from duban.org.models import Leader, Unit, UnitAlias
from duban.workplans.models import Milestone

from .models import Plan, Section, Target, Task, TaskKind, TaskLeader, TaskUnit

FIELD_LABELS = {
    "section": "所属部分",
    "subsection": "二级标题",
    "title": "工作任务",
    "leaders": "牵头领导",
    "lead_units": "牵头单位",
    "co_units": "配合单位",
    "deadline": "完成时限",
    "deadline_text": "完成时限原文",
    "milestones": "阶段节点",
    "targets": "量化指标",
}


def _task_kind(t: planparser.Task) -> str:
    if t.milestones:
        return TaskKind.PHASED
    if t.deadline:
        return TaskKind.DATED
    if t.deadline_text:
        return TaskKind.ONGOING
    return TaskKind.NONE


def _num(v) -> str:
    """Numbers compare as text without trailing zeros (Decimal('20.0000') == 20)."""
    d = Decimal(str(v)).normalize()
    return format(d, "f")


def task_keys(numbers_and_sections: list[tuple[str | None, str | None]]) -> list[str]:
    """Stable identity of each task within its plan: its number when numbers are unique
    in the plan, else section + number (+ position when there is no number)."""
    numbers = [n for n, _ in numbers_and_sections]
    unique = all(numbers) and len(set(numbers)) == len(numbers)
    keys, seen = [], {}
    for i, (number, section) in enumerate(numbers_and_sections):
        key = number if unique else f"{section or ''}|{number or ''}"
        if key in seen:
            key = f"{key}#{i + 1}"
        seen[key] = True
        keys.append(key)
    return keys


@dataclass
class TaskChange:
    key: str
    kind: str  # added | removed | changed | same
    before: dict | None
    after: dict | None
    fields: list[str] = field(default_factory=list)

    @property
    def field_labels(self) -> list[str]:
        return [FIELD_LABELS.get(f, f) for f in self.fields]


@dataclass
class ImportPreview:
    parsed: planparser.Plan
    plan: Plan | None
    changes: list[TaskChange]
    unit_matches: list[Match]
    new_units: list[str]
    new_leaders: list[str]
    sha256: str

    @property
    def is_new(self) -> bool:
        return self.plan is None

    @property
    def is_unchanged(self) -> bool:
        return not self.is_new and all(c.kind == "same" for c in self.changes) and not self._plan_fields_changed()

    def _plan_fields_changed(self) -> bool:
        p, q = self.plan, self.parsed
        return (p.issued, p.doc_number or None, p.default_deadline) != (q.issued, q.doc_number, q.default_deadline)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def guessed_units(self) -> list[Match]:
        return [m for m in self.unit_matches if m.guessed]

    def by_kind(self, kind: str) -> list[TaskChange]:
        return [c for c in self.changes if c.kind == kind]


def _known_units() -> dict[str, str]:
    known = {name: name for name in Unit.objects.values_list("name", flat=True)}
    known.update(dict(UnitAlias.objects.values_list("alias", "unit__name")))
    return known


def _parsed_snapshot(t: planparser.Task, canon: dict[str, str]) -> dict:
    return {
        "number": t.number,
        "section": t.section,
        "subsection": t.subsection,
        "title": t.title,
        "leaders": list(t.leaders),
        "lead_units": [canon.get(u, u) for u in t.lead_units],
        "co_units": [canon.get(u, u) for u in t.co_units],
        "deadline": t.deadline.isoformat() if t.deadline else None,
        "deadline_text": t.deadline_text,
        "milestones": [[m.date.isoformat(), m.text] for m in t.milestones],
        "targets": [[_num(x.value), x.unit, x.comparator, x.text] for x in t.targets],
    }


def task_snapshot(task: Task) -> dict:
    """The fields of a stored task in the shape of a parsed one, for comparison and the timeline."""
    assignments = sorted(task.assignments.all(), key=lambda a: a.order)
    return {
        "number": task.number or None,
        "section": task.section.title if task.section_id else None,
        "subsection": task.subsection or None,
        "title": task.title,
        "leaders": [link.leader.name for link in task.leader_links.all()],
        "lead_units": [a.unit.name for a in assignments if a.role == TaskUnit.Role.LEAD],
        "co_units": [a.unit.name for a in assignments if a.role == TaskUnit.Role.CO],
        "deadline": task.deadline.isoformat() if task.deadline else None,
        "deadline_text": task.deadline_text or None,
        "milestones": [
            [m.due.isoformat() if m.due else None, m.title]
            for m in task.milestones.all()
            if m.source == Milestone.Source.PLAN
        ],
        "targets": [
            [_num(x.value), x.unit, x.comparator, x.text] for x in task.targets.all() if x.source == Target.Source.PARSED
        ],
    }


def find_existing(parsed: planparser.Plan) -> Plan | None:
    return Plan.objects.filter(title=parsed.title or "", issuer=parsed.issuer or "", year=parsed.plan_year or 0).first()


def build_preview(parsed: planparser.Plan, sha256: str) -> ImportPreview:
    """What importing `parsed` would do, without writing anything."""
    known = _known_units()
    names: list[str] = []
    for t in parsed.tasks:
        for u in t.lead_units + t.co_units:
            if u not in names:
                names.append(u)
    matches = match_names(names, known)
    canon = {m.name: m.canonical for m in matches}
    known_leaders = set(Leader.objects.values_list("name", flat=True))
    new_leaders = []
    for t in parsed.tasks:
        for name in t.leaders:
            if name not in known_leaders and name not in new_leaders:
                new_leaders.append(name)
    known_names = set(known.values())
    new_units = list(dict.fromkeys(m.canonical for m in matches if m.canonical not in known_names))

    plan = find_existing(parsed)
    keys = task_keys([(t.number, t.section) for t in parsed.tasks])
    after = {k: _parsed_snapshot(t, canon) for k, t in zip(keys, parsed.tasks)}
    changes: list[TaskChange] = []
    if plan is None:
        changes = [TaskChange(k, "added", None, snap) for k, snap in after.items()]
    else:
        stored = {
            t.key: t
            for t in plan.tasks.active().select_related("section").prefetch_related(
                "leader_links__leader", "assignments__unit", "milestones", "targets"
            )
        }
        for k, snap in after.items():
            if k not in stored:
                changes.append(TaskChange(k, "added", None, snap))
                continue
            before = task_snapshot(stored[k])
            diff = [f for f in FIELD_LABELS if before.get(f) != snap.get(f)]
            changes.append(TaskChange(k, "changed" if diff else "same", before, snap, diff))
        for k, task in stored.items():
            if k not in after:
                changes.append(TaskChange(k, "removed", task_snapshot(task), None))
    return ImportPreview(parsed, plan, changes, matches, new_units, new_leaders, sha256)


def check_plan_file(data: bytes, name: str) -> None:
    """Refuses a plan file that no reader library may open, with a ReadError of one line
    of Chinese naming the file by `name` (the name the person knows it by): zip bombs
    (a lying size header too), XML entity declarations in .docx/.xlsx ("billion
    laughs", external entities), locked or broken PDFs (duban.rounds.uploads). Every way
    a plan comes in calls it on the file's bytes before the file is stored or parsed:
    the web upload (plans.views.import_upload) and `duban import`."""
    from duban.rounds.uploads import UploadError, check_container

    try:
        check_container(data, name)
    except UploadError as exc:
        raise planparser.ReadError(str(exc)) from None


def parse_upload(path: Path) -> planparser.Plan:
    """The plan in the file at `path`; check_plan_file first, for a file not yet checked."""
    return planparser.parse_file(path)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _resolve_unit(name: str, canon: dict[str, str], cache: dict[str, Unit]) -> Unit:
    canonical = canon.get(name, name)
    if canonical not in cache:
        unit = Unit.objects.by_name(canonical)
        if unit is None:
            unit = Unit.objects.create(name=canonical, is_collective=is_collective(canonical))
        cache[canonical] = unit
    unit = cache[canonical]
    if name != unit.name and not UnitAlias.objects.filter(alias=name).exists():
        UnitAlias.objects.create(unit=unit, alias=name, guessed=True)
    return unit


def _resolve_leader(name: str, cache: dict[str, Leader]) -> Leader:
    if name not in cache:
        cache[name], _ = Leader.objects.get_or_create(name=name)
    return cache[name]


def _sync_targets(task: Task, targets: list) -> None:
    """Parsed targets as written now. A target that is unchanged keeps its row, and
    with it the actual figures units reported against it; changed ones are replaced."""
    existing = {}
    for row in task.targets.filter(source=Target.Source.PARSED):
        existing.setdefault((_num(row.value), row.unit, row.comparator, row.text), row)
    for i, x in enumerate(targets):
        row = existing.pop((_num(x.value), x.unit, x.comparator, x.text), None)
        if row is None:
            Target.objects.create(task=task, value=Decimal(str(x.value)), unit=x.unit, comparator=x.comparator,
                                  text=x.text, order=i)
        elif row.order != i:
            Target.objects.filter(pk=row.pk).update(order=i)
    Target.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()


def _sync_plan_milestones(task: Task, milestones: list) -> None:
    """Phases of the deadline as written now. An unchanged phase keeps its row, and
    with it the completion date and evidence a unit recorded."""
    existing = {}
    for row in task.milestones.filter(source=Milestone.Source.PLAN):
        existing.setdefault((row.due, row.title), row)
    for i, m in enumerate(milestones):
        row = existing.pop((m.date, m.text), None)
        if row is None:
            Milestone.objects.create(task=task, title=m.text, due=m.date, source=Milestone.Source.PLAN, order=i)
        elif row.order != i:
            Milestone.objects.filter(pk=row.pk).update(order=i)
    Milestone.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()


def _write_task_details(task: Task, t: planparser.Task, canon, unit_cache, leader_cache) -> None:
    task.leader_links.all().delete()
    task.assignments.all().delete()
    TaskLeader.objects.bulk_create(
        TaskLeader(task=task, leader=_resolve_leader(n, leader_cache), order=i) for i, n in enumerate(t.leaders)
    )
    links, seen = [], set()
    for role, names in ((TaskUnit.Role.LEAD, t.lead_units), (TaskUnit.Role.CO, t.co_units)):
        for name in names:
            unit = _resolve_unit(name, canon, unit_cache)
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


class ImportConflict(Exception):
    """The plan changed between the preview and the confirmation (another import was
    applied meanwhile): nothing was written; the preview must be looked at again."""

    def __init__(self, plan: Plan | None):
        self.plan = plan
        if plan is None:
            text = "导入未完成：预览之后该方案已被删除，请重新上传。"
        else:
            text = (f"导入未完成：您查看预览之后，方案《{plan.title}》已被他人导入或修订（现为第{plan.revision}版），"
                    "请按最新版本重新核对变化后再确认。")
        super().__init__(text)


# Any constant: one advisory lock serialises plan imports on PostgreSQL. On SQLite
# every transaction is IMMEDIATE, so it holds the database's write lock already.
_IMPORT_LOCK = 0x6475_6261_6E01


def _lock_imports() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])


def _check_unchanged_since_preview(preview: ImportPreview) -> None:
    """The plan as stored is the one the preview was computed against (same plan, same
    revision), read after taking the import lock: two confirmations of the same
    revision, or of two documents at once, never both apply."""
    current = find_existing(preview.parsed)
    seen = (preview.plan.pk, preview.plan.revision) if preview.plan is not None else None
    now = (current.pk, current.revision) if current is not None else None
    if seen != now:
        raise ImportConflict(current)


@transaction.atomic
def import_plan(preview: ImportPreview, *, actor, source_name: str, source_bytes: bytes) -> ImportResult:
    """Apply a preview: create the plan, or update a revised one in place. Atomic;
    ImportConflict when the plan changed since the preview was computed."""
    _lock_imports()
    _check_unchanged_since_preview(preview)
    parsed = preview.parsed
    if preview.is_unchanged:
        return ImportResult(preview.plan, 0, 0, 0, True)
    canon = {m.name: m.canonical for m in preview.unit_matches}
    plan = preview.plan
    plan_fields = dict(
        issued=parsed.issued, doc_number=parsed.doc_number or "", default_deadline=parsed.default_deadline,
        source_name=source_name, source_sha256=preview.sha256,
    )
    if plan is None:
        plan = Plan.objects.create(
            title=parsed.title or "", issuer=parsed.issuer or "", year=parsed.plan_year or 0,
            imported_by=actor if getattr(actor, "pk", None) else None, **plan_fields
        )
        record("plan.import", actor=actor, obj=plan, summary=f"导入分工方案《{plan.title}》，{len(parsed.tasks)}项任务")
    else:
        for k, v in plan_fields.items():
            setattr(plan, k, v)
        plan.revision += 1
        plan.save()
        record("plan.revise", actor=actor, obj=plan,
               summary=f"导入修订版（第{plan.revision}版）：新增{preview.count('added')}项，"
                       f"修改{preview.count('changed')}项，撤销{preview.count('removed')}项")
    plan.source_file.save(f"{preview.sha256[:16]}-{Path(source_name).name}", ContentFile(source_bytes), save=True)

    sections = {s.title: s for s in plan.sections.all()}
    for i, s in enumerate(parsed.sections):
        if s.title in sections:
            if sections[s.title].order != i:
                Section.objects.filter(pk=sections[s.title].pk).update(order=i)
        else:
            sections[s.title] = Section.objects.create(plan=plan, order=i, title=s.title)

    unit_cache: dict[str, Unit] = {}
    leader_cache: dict[str, Leader] = {}
    keys = task_keys([(t.number, t.section) for t in parsed.tasks])
    stored = {t.key: t for t in plan.tasks.active()}
    changes = {c.key: c for c in preview.changes}
    for order, (key, t) in enumerate(zip(keys, parsed.tasks)):
        change = changes[key]
        values = dict(
            section=sections.get(t.section) if t.section else None, subsection=t.subsection or "",
            number=t.number or "", order=order, title=t.title, deadline=t.deadline,
            deadline_text=t.deadline_text or "", kind=_task_kind(t), source_line=t.line,
        )
        if change.kind == "added":
            task = Task.objects.create(plan=plan, key=key, **values)
            _write_task_details(task, t, canon, unit_cache, leader_cache)
            if preview.plan is not None:
                record("task.add", actor=actor, obj=task, task=task, summary="修订版新增任务", after=change.after)
        else:
            task = stored[key]
            for k, v in values.items():
                setattr(task, k, v)
            task.save()
            if change.kind == "changed":
                _write_task_details(task, t, canon, unit_cache, leader_cache)
                record("task.revise", actor=actor, obj=task, task=task,
                       summary="修订版修改：" + "、".join(change.field_labels),
                       before={f: change.before.get(f) for f in change.fields},
                       after={f: change.after.get(f) for f in change.fields})
    for change in preview.by_kind("removed"):
        task = stored[change.key]
        task.withdrawn = True
        task.save(update_fields=["withdrawn", "updated_at"])
        record("task.withdraw", actor=actor, obj=task, task=task, summary="修订版不再包含此任务，已撤销", before=change.before)
    for m in preview.guessed_units:
        if m.name != m.canonical:
            record("unit.alias_guess", actor=actor, summary=f"单位名称“{m.name}”按相似度归并为“{m.canonical}”")
    return ImportResult(plan, preview.count("added"), preview.count("changed"), preview.count("removed"), False)
