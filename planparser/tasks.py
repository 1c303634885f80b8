"""Tasks from fields: one item's leaders, units and time turned into a `Task`.

`TaskBuilder` is where the item tree (`planparser.tree`) and the table rows
(`planparser.tables`) hand over what they found. It asks `planparser.fields` what
each field means (lead and co units, names and roles, the deadline and its
milestones, targets), warns about what it had to guess, keeps the finished tasks in
reading order and checks their numbering for gaps and repeats.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from . import fields as F
from ._text import compact
from .model import Plan, Section, Task, Warning
from .numbering import cn_value

__all__ = ["TaskBuilder", "TaskDraft", "deadline_of"]


@dataclass
class TaskDraft:
    """A task and where it stands: its numbering style and parent (for the numbering
    check), its place in reading order and the words naming it in warnings."""

    task: Task
    style: str | None
    parent_id: int
    seq: int = 0
    where: str = ""


# The field functions are pure and plans repeat the same field texts (2026年12月31日 on
# every task), so their answers are memoised; `planparser.clear_caches` empties them.


@lru_cache(maxsize=4096)
def deadline_of(text: str, plan_year: int | None) -> F.Deadline:
    return F.parse_deadline(text, plan_year)


@lru_cache(maxsize=4096)
def _leader_names(text: str) -> tuple[str, ...]:
    return tuple(F.clean_leaders(text))


@lru_cache(maxsize=4096)
def _units(items: tuple[tuple[str, str], ...]) -> F.UnitSplit:
    return F.assign_units(dict(items))


def _number_key(number: str | None) -> int | None:
    if not number:
        return None
    last = number.rsplit(".", 1)[-1]
    return cn_value(last)


class TaskBuilder:
    """Builds the plan's tasks and collects its warnings."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.warnings: list[Warning] = []
        self.drafts: list[TaskDraft] = []
        self._warned_mentions: set[tuple[int | None, str]] = set()

    def section(self, title: str) -> None:
        """Note a section the plan has (in first-seen order)."""
        if not self.plan.sections or self.plan.sections[-1].title != title:
            if all(s.title != title for s in self.plan.sections):
                self.plan.sections.append(Section(title=title))

    def leaders(self, text: str, line: int | None) -> tuple[list[str], list[str]]:
        """Names and roles written without a name (常务副区长) of a leader field."""
        for mention in F.surname_only_mentions(text):
            if (line, mention) not in self._warned_mentions:
                self._warned_mentions.add((line, mention))
                self.warnings.append(Warning(line=line, message=(
                    f"第{line}行：领导“{mention}”只写了姓氏和职务，无法确定姓名，未作为牵头领导导入" if line else
                    f"领导“{mention}”只写了姓氏和职务，无法确定姓名，未作为牵头领导导入")))
        names = [compact(n) for n in _leader_names(text) if compact(n)]
        roles = [compact(r) for r in F.leader_roles(text) if compact(r)]
        return names, roles

    def skipped(self, line: int, text: str) -> None:
        """Warn about text inside the task list that became no task."""
        short = text if len(text) <= 20 else text[:20] + "…"
        where = f"第{line}行"
        self.warnings.append(Warning(line=line, message=f"{where}：“{short}”没有责任分工，未作为任务导入"))

    def build_task(self, *, number: str | None, section: str | None, subsection: str | None, title: str,
                   leaders: list[str], roles: list[str], units: dict[str, str], time_text: str | None,
                   line: int | None, where: str) -> Task:
        """A Task from one item's fields, with a warning (naming `where`) for each thing
        it had to guess: no unit, a role without a name, an unreadable or early date."""
        plan_year = self.plan.plan_year
        lead: list[str] = []
        co: list[str] = []
        label = f"任务{number}" if number else f"任务“{title[:12]}{'…' if len(title) > 12 else ''}”"
        if units:
            split = _units(tuple(sorted(units.items())))
            lead = [compact(u) for u in split.lead if compact(u)]
            co = [compact(u) for u in split.co if compact(u) and compact(u) not in lead]
            for p in split.problems:
                self.warnings.append(Warning(line=line, message=f"{where}：{label}{p}"))
        if not lead:
            self.warnings.append(Warning(line=line, message=f"{where}：{label}没有找到责任单位"))
        deadline_text = compact(time_text) if time_text and compact(time_text) else None
        for role in roles:
            self.warnings.append(Warning(line=line, message=(
                f"{where}：{label}的牵头领导只写了职务“{role}”，没有写姓名，导入时请指定由哪位领导担任")))
        task = Task(number=number, section=section, subsection=subsection, title=title, leaders=list(leaders),
                    leader_roles=list(roles),
                    lead_units=lead, co_units=co, deadline_text=deadline_text, line=line)
        if deadline_text:
            dl = deadline_of(deadline_text, plan_year)
            task.deadline = dl.date
            task.milestones = list(dl.milestones)
            for p in dl.problems:
                self.warnings.append(Warning(line=line, message=f"{where}：{label}{p}"))
            if dl.kind == "unknown" and not dl.problems:
                self.warnings.append(Warning(line=line, message=f"{where}：{label}的完成时限“{deadline_text}”无法识别为日期"))
        elif self.plan.default_deadline is not None:
            task.deadline = self.plan.default_deadline
        if task.deadline and self.plan.issued and task.deadline < self.plan.issued:
            self.warnings.append(Warning(
                line=line, message=f"{where}：{label}的完成时限{task.deadline.isoformat()}早于印发日期{self.plan.issued.isoformat()}"))
        task.targets = list(F.find_targets(title))
        return task

    def add(self, task: Task, *, style: str | None, parent_id: int, seq: int, where: str) -> None:
        """Keep a finished task; `style` and `parent_id` place it in its numbering
        sequence, `seq` in reading order across lines and tables."""
        self.drafts.append(TaskDraft(task=task, style=style, parent_id=parent_id, seq=seq, where=where))

    def check_numbering(self, headings: list[tuple[str | None, int | None, int, int | None, str | None, str, int]]
                        ) -> None:
        """Warn on a gap or a repeat in each numbering style's sequence. Numbering may
        continue across headings or restart at 1 under a new one."""
        entries = list(headings)
        for d in self.drafts:
            t = d.task
            entries.append((d.style, _number_key(t.number), d.parent_id, t.line, t.number, d.where, d.seq))
        entries.sort(key=lambda e: e[6])
        last: dict[str | None, tuple[int, int]] = {}
        for style, v, parent, line, number, where, _ in entries:
            if v is None or number is None:
                continue
            if style in last:
                pv, pparent = last[style]
                if v == pv and pparent == parent:
                    self.warnings.append(Warning(line=line, message=f"{where}：编号{number}重复"))
                elif v != pv + 1 and not (v == 1 and pparent != parent):
                    self.warnings.append(Warning(line=line, message=f"{where}：编号不连续（上一项为{pv}，本项为{number}）"))
            last[style] = (v, parent)
