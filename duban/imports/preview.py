"""What importing a parsed plan would do, computed without writing anything.

A document whose title, issuer and year match a plan already imported is a revised
version of it. Its tasks are paired with the stored ones by the matcher (number and
section where they agree, text similarity where they do not), and each pair is
unchanged, changed (with the fields that differ) or — for a task an earlier revision
withdrew — restored; a parsed task with no pair is added, a stored one withdrawn.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from django.conf import settings

import planparser
from planparser.fields import is_collective

from duban.lib.uploads import UploadError, check_container
from duban.org.matching import Match, match_names
from duban.org.models import Leader, Unit, UnitAlias
from duban.plans.models import TASK_FIELD_LABELS, Plan, Target, Task, TaskKind, TaskUnit
from duban.workplans.models import Milestone

from .matching import Side, match_tasks
from .records import task_records
from .unitnames import SuffixGuess, read_unit_list

KIND_LABELS = {"added": "新增", "changed": "修改", "withdrawn": "撤销", "restored": "恢复", "same": "不变"}


def num(v) -> str:
    """Numbers compare as text without trailing zeros (Decimal('20.0000') == 20)."""
    return format(Decimal(str(v)).normalize(), "f")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_plan_file(data: bytes, name: str) -> None:
    """Refuses a plan file that no reader library may open, with a ReadError of one line
    of Chinese naming the file by `name` (the name the person knows it by): zip bombs
    (a lying size header too), XML entity declarations in .docx/.xlsx ("billion
    laughs", external entities), locked or broken PDFs (duban.lib.uploads). Every way
    a plan comes in calls it on the file's bytes before the file is stored or parsed:
    the web upload and `duban import`."""
    try:
        check_container(data, name)
    except UploadError as exc:
        raise planparser.ReadError(str(exc)) from None


def parse_upload(path: Path) -> planparser.Plan:
    """The plan in the file at `path`; check_plan_file first, for a file not yet checked."""
    return planparser.parse_file(path)


def task_kind(t: planparser.Task) -> str:
    if t.milestones:
        return TaskKind.PHASED
    if t.deadline:
        return TaskKind.DATED
    if t.deadline_text:
        return TaskKind.ONGOING
    return TaskKind.NONE


@dataclass
class TaskChange:
    """One task of the revision: added, changed, same, withdrawn or restored."""

    kind: str
    task: Task | None  # the stored task (None when added)
    index: int | None  # position of the parsed task (None when withdrawn)
    before: dict | None
    after: dict | None
    fields: list[str] = field(default_factory=list)
    reason: str = ""  # why the stored task is this parsed one: 同序号 / 同标题 / 标题相似 N%
    similarity: float | None = None

    @property
    def field_labels(self) -> list[str]:
        return [TASK_FIELD_LABELS.get(f, f) for f in self.fields]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def number(self) -> str:
        return (self.after or self.before or {}).get("number") or ""

    @property
    def number_before(self) -> str:
        return (self.before or {}).get("number") or ""

    @property
    def renumbered(self) -> bool:
        return self.before is not None and self.after is not None and self.before["number"] != self.after["number"]

    @property
    def title(self) -> str:
        return (self.after or self.before or {}).get("title") or ""


@dataclass
class ImportPreview:
    parsed: planparser.Plan
    plan: Plan | None
    changes: list[TaskChange]
    unit_matches: list[Match]
    suffix_guesses: list[SuffixGuess]
    task_units: list[tuple[list[str], list[str]]]  # per parsed task: lead and co units as read
    new_units: list[str]
    new_leaders: list[str]
    role_map: dict[str, str]  # every leader role of the document → the person mapped ("" when none)
    sha256: str
    after: list[dict]  # per parsed task: its fields as it would be stored (parsed_snapshot)

    @property
    def is_new(self) -> bool:
        return self.plan is None

    @property
    def plan_fields(self) -> dict:
        """The plan's own fields as this document sets them. A date of issue or a 文号
        the document does not write (a sheet has no notice) keeps the stored one."""
        p, q = self.plan, self.parsed
        return {
            "issued": q.issued or (p.issued if p else None),
            "doc_number": q.doc_number or (p.doc_number if p else "") or "",
            "default_deadline": q.default_deadline,
        }

    @property
    def plan_fields_changed(self) -> bool:
        p = self.plan
        return {"issued": p.issued, "doc_number": p.doc_number or "", "default_deadline": p.default_deadline} \
            != self.plan_fields

    @cached_property
    def counts(self) -> dict[str, int]:
        """How many tasks of each kind: added, changed, withdrawn, restored, same."""
        c = Counter(ch.kind for ch in self.changes)
        return {kind: c.get(kind, 0) for kind in KIND_LABELS}

    def count(self, kind: str) -> int:
        return self.counts[kind]

    def by_kind(self, kind: str) -> list[TaskChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def renumbered(self) -> list[TaskChange]:
        return [c for c in self.changes if c.renumbered]

    @property
    def moved(self) -> bool:
        """An unchanged task changes place (number or order). Where its text starts in
        the file alone does not count: an otherwise unchanged document writes nothing,
        its stored source file and lines included."""
        return any(c.kind == "same" and (c.renumbered or c.task.order != c.index) for c in self.changes)

    @property
    def is_unchanged(self) -> bool:
        if self.is_new or self.plan_fields_changed or self.moved:
            return False
        return all(c.kind == "same" for c in self.changes) and not self.roles_changed

    @property
    def roles_changed(self) -> bool:
        if self.plan is None:
            return bool(self.role_map)
        # Only the roles this document writes: holders of roles it does not mention stay.
        stored = dict(self.plan.role_holders.filter(role__in=list(self.role_map)).values_list("role", "leader__name"))
        return {r: n for r, n in self.role_map.items() if n} != stored

    @property
    def warnings(self) -> list[str]:
        """Every parser warning as a person reads it, naming its line (the parser's
        messages mostly name it already: 第12行：…, 工作表“…”第3行：…)."""
        return [warning_text(w) for w in self.parsed.warnings]

    @property
    def guessed_units(self) -> list[Match]:
        return [m for m in self.unit_matches if m.guessed and m.name != m.canonical]

    @property
    def unmapped_roles(self) -> list[str]:
        return [r for r, n in self.role_map.items() if not n]

    # --- the suspicious-revision gate ------------------------------------------------------

    @property
    def active_before(self) -> int:
        return sum(1 for c in self.changes if c.task is not None and not c.task.withdrawn)

    @property
    def suspicious_reasons(self) -> list[str]:
        """Why this revision may be a misreading rather than a real revision: it would
        withdraw more than DUBAN_IMPORT_WITHDRAW_SHARE of the tasks, or it adds and
        withdraws about the same number (the sign of tasks not recognised)."""
        if self.is_new:
            return []
        out = []
        withdrawn, added = self.counts["withdrawn"], self.counts["added"]
        share = settings.DUBAN_IMPORT_WITHDRAW_SHARE
        if withdrawn and withdrawn > share * self.active_before:
            out.append(f"将撤销 {withdrawn} 项任务，超过现有 {self.active_before} 项任务的 {share:.0%}")
        if withdrawn >= 2 and added >= 2 and min(withdrawn, added) >= 0.75 * max(withdrawn, added):
            out.append(f"新增 {added} 项、撤销 {withdrawn} 项，数量相近：可能是同一批任务没有被认出，而不是真的修订")
        return out

    @property
    def suspicious(self) -> bool:
        return bool(self.suspicious_reasons)

    @cached_property
    def withdrawal_records(self) -> dict[int, Counter]:
        """For each task to be withdrawn, what people recorded against it (all kept)."""
        return task_records(c.task.pk for c in self.by_kind("withdrawn"))

    @property
    def withdrawal_record_total(self) -> int:
        return sum(sum(c.values()) for c in self.withdrawal_records.values())


def warning_text(w: planparser.Warning) -> str:
    if w.line is None or f"{w.line}行" in w.message:
        return w.message
    return f"第{w.line}行：{w.message}"


def known_units() -> dict[str, str]:
    """Every unit name and alias → the unit's name."""
    known = {name: name for name in Unit.objects.values_list("name", flat=True)}
    known.update(dict(UnitAlias.objects.values_list("alias", "unit__name")))
    return known


def _leaders_of(t: planparser.Task, role_map: dict[str, str]) -> list[str]:
    names = list(t.leaders)
    for role in t.leader_roles:
        holder = role_map.get(role)
        if holder and holder not in names:
            names.append(holder)
    return names


def parsed_snapshot(t: planparser.Task, lead: list[str], co: list[str], canon: dict[str, str],
                    role_map: dict[str, str]) -> dict:
    """A parsed task in the shape of task_snapshot(), units read and canonical."""
    return {
        "number": t.number,
        "section": t.section,
        "subsection": t.subsection,
        "title": t.title,
        "leaders": _leaders_of(t, role_map),
        "lead_units": [canon.get(u, u) for u in lead],
        "co_units": [canon.get(u, u) for u in co],
        "deadline": t.deadline.isoformat() if t.deadline else None,
        "deadline_text": t.deadline_text,
        "milestones": [[m.date.isoformat(), m.text] for m in t.milestones],
        "targets": [[num(x.value), x.unit, x.comparator, x.text] for x in t.targets],
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
            for m in sorted(task.milestones.all(), key=lambda m: m.order)
            if m.source == Milestone.Source.PLAN
        ],
        "targets": [
            [num(x.value), x.unit, x.comparator, x.text] for x in task.targets.all() if x.source == Target.Source.PARSED
        ],
    }


def find_existing(parsed: planparser.Plan) -> Plan | None:
    """The plan this document is a version of: same title, issuer and year; or, when
    one side names no issuer (a sheet has no notice to name it), the one plan of
    that title and year whose issuer is unknown or unstated here."""
    same = Plan.objects.filter(title=parsed.title or "", year=parsed.plan_year or 0)
    exact = same.filter(issuer=parsed.issuer or "").first()
    if exact is not None:
        return exact
    loose = list(same[:2] if not parsed.issuer else same.filter(issuer="")[:2])
    return loose[0] if len(loose) == 1 else None


def _role_map(parsed: planparser.Plan, plan: Plan | None, chosen: dict[str, str] | None) -> dict[str, str]:
    """Every leader role the document writes without a name → the person the office
    chose on this preview, else the one it chose for this plan before, else ""."""
    roles = list(dict.fromkeys(r for t in parsed.tasks for r in t.leader_roles))
    stored = dict(plan.role_holders.values_list("role", "leader__name")) if plan is not None else {}
    chosen = chosen or {}
    return {r: (chosen[r] if r in chosen else stored.get(r, "")) for r in roles}


def build_preview(parsed: planparser.Plan, sha256: str, *, role_map: dict[str, str] | None = None) -> ImportPreview:
    """What importing `parsed` would do, without writing anything. `role_map` holds
    the leader roles the office mapped to people on this preview."""
    known = known_units()
    suffix_guesses: list[SuffixGuess] = []
    task_units = []
    for t in parsed.tasks:
        written = list(t.lead_units) + list(t.co_units)
        read, guesses = read_unit_list(written, known.__contains__)
        suffix_guesses += [g for g in guesses if g not in suffix_guesses]
        task_units.append((read[: len(t.lead_units)], read[len(t.lead_units):]))
    names = list(dict.fromkeys(u for lead, co in task_units for u in lead + co))
    matches = match_names(names, known)
    canon = {m.name: m.canonical for m in matches}

    plan = find_existing(parsed)
    roles = _role_map(parsed, plan, role_map)
    known_leaders = set(Leader.objects.values_list("name", flat=True))
    new_leaders = list(dict.fromkeys(
        n for t in parsed.tasks for n in _leaders_of(t, roles) if n not in known_leaders))
    known_names = set(known.values())
    # 各部门、各单位 stand for every unit: not new units of the plan (stored as collective assignees).
    new_units = list(dict.fromkeys(m.canonical for m in matches
                                   if m.canonical not in known_names and not is_collective(m.canonical)))

    after = [parsed_snapshot(t, lead, co, canon, roles) for t, (lead, co) in zip(parsed.tasks, task_units)]
    if plan is None:
        changes = [TaskChange("added", None, j, None, snap) for j, snap in enumerate(after)]
    else:
        changes = _diff(plan, after)
    return ImportPreview(parsed, plan, changes, matches, suffix_guesses, task_units, new_units, new_leaders, roles,
                         sha256, after)


def _side(snap: dict, withdrawn: bool = False) -> Side:
    return Side(snap["number"], snap["section"], snap["title"], tuple(snap["lead_units"] + snap["co_units"]),
                tuple(snap["leaders"]), withdrawn)


def _diff(plan: Plan, after: list[dict]) -> list[TaskChange]:
    stored = list(
        plan.tasks.select_related("section")
        .prefetch_related("leader_links__leader", "assignments__unit", "milestones", "targets")
        .order_by("withdrawn", "order", "pk")
    )
    before = [task_snapshot(t) for t in stored]
    matching = match_tasks([_side(b, t.withdrawn) for t, b in zip(stored, before)], [_side(a) for a in after])
    changes = []
    for pair in matching.pairs:
        task, b, a = stored[pair.stored], before[pair.stored], after[pair.parsed]
        diff = [f for f in TASK_FIELD_LABELS if b.get(f) != a.get(f)]
        kind = "restored" if task.withdrawn else ("changed" if diff else "same")
        changes.append(TaskChange(kind, task, pair.parsed, b, a, diff, pair.reason, pair.similarity))
    for j in matching.unmatched_parsed:
        changes.append(TaskChange("added", None, j, None, after[j]))
    changes.sort(key=lambda c: c.index)
    for i in matching.unmatched_stored:
        if not stored[i].withdrawn:
            changes.append(TaskChange("withdrawn", stored[i], None, before[i], None))
    return changes
