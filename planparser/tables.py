"""Tables: task tables read row by row, from a .docx, an .xlsx or .csv sheet, a ruled
PDF table, or a table rebuilt from text (`planparser.flattables`).

A table is a task table when a header row (within its first eight rows) names a task
column and another role: 序号, 类别, 重点工作, 牵头领导, 牵头单位, 配合单位, 责任单位,
完成时限 and their variants (`cell_role`, `header_roles`); a column whose header names
none of these is not read, and a table of the same width right after a task table
goes on with it (a table broken over pages). A second header row (责任单位 over 牵头
单位 | 配合单位) refines the first; title rows above the header give the plan's title.

Rows: a header repeated on a new page is skipped; 同上 copies the cell above; a
category column is carried down over blank cells; a heading row (a row holding only
一、… or （一）…, a leader group, or a heading in the task column with its leaders
beside it) names the rows under it and passes them its leaders, units and time; the
other rows are tasks, with fields written inline in the task cell counted too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ._text import compact, is_empty_cell
from .header import TITLE_WORD_RE, default_time_in, year_of
from .model import Warning
from .numbering import HEADING_STYLES, match_label
from .readers import Line, Row, Table
from .responsibility import TERMINAL_END, heading_fields, item_fields, leader_group
from .tasks import TaskBuilder, deadline_of
from .tree import Ctx

__all__ = ["SAME_AS_ABOVE", "TableReader", "cell_role", "header_roles", "tables_as_lines"]

HEADER_ROLE_RES: list[tuple[str, re.Pattern[str]]] = [
    ("number", re.compile(r"^(?:序号|编号|序|No\.?|NO\.?|任务编号|编码|项目编号)$")),
    ("leaders", re.compile(r"领导")),
    ("lead", re.compile(r"牵头(?:责任)?(?:单位|部门)|主办单位|主责(?:单位|部门)")),
    ("co", re.compile(r"(?:配合|协办|参与|协同|协助)(?:单位|部门)")),
    ("resp", re.compile(r"责任(?:单位|部门|主体)|承办单位|实施单位|落实单位")),
    ("time", re.compile(r"时限|完成时间|时间节点|完成期限|进度安排|时间安排|截止时间|截止日期|计划完成|完成日期|时间要求")),
    ("sub", re.compile(r"^(?:二级(?:分类|类别|任务|指标)|子类|小类|子项|细分领域)$")),
    ("category", re.compile(
        r"^(?:类别|分类|板块|领域|重点领域|工作类别|任务类别|项目类别|类型|部分|篇章|章节|方面|工作领域|重点方面|所属板块|"
        r"专项|一级(?:任务|指标|分类)|大类|工作板块|任务类型|所属领域|条线|工作分类)$")),
    ("task", re.compile(
        r"任务|工作内容|工作事项|重点工作|事项|具体工作|工作措施|具体措施|主要内容|工作目标|项目名称|建设内容|内容|措施|名称|"
        r"实事|项目")),
]
_TAIL_NOTE_RE = re.compile(r"[（(][^）)]*[)）]$")  # 完成时限（年月） → 完成时限
# A header cell names its column; it holds no colon or sentence punctuation.
_NOT_HEADER_RE = re.compile(r"[:：。，,；;！？]")
_LABELLED_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十0-9]+[）)]|[0-9]+[.．、])")
# Of two task-like columns (改革事项 | 工作任务), the one that names the work itself.
_STRONG_TASK_RE = re.compile(r"任务|工作内容|重点工作|具体工作|工作措施|具体措施|主要内容|建设内容|实事")


def cell_role(cell: str) -> str | None:
    """The role a header cell gives its column, or None (备注, 进展情况, an empty cell)."""
    t = compact(cell).replace("*", "").replace("＊", "")
    t = _TAIL_NOTE_RE.sub("", t) or t
    if not t or len(t) > 16 or _NOT_HEADER_RE.search(t):
        return None
    for name, rx in HEADER_ROLE_RES:
        if rx.search(t):
            return name
    return None


def header_roles(cells: list[str], loose: bool = False) -> list[str | None] | None:
    """The role of each column when `cells` is a task table's header row (a task
    column and at least one other role), else None. `loose`: a second header row
    under the first (责任单位 over 牵头单位 | 配合单位), where every written cell has a
    role."""
    roles = [cell_role(c) for c in cells]
    found = [r for r in roles if r]
    if loose:
        written = [compact(c) for c in cells if compact(c)]
        if any(len(c) > 10 or _LABELLED_RE.match(c) for c in written):
            return None  # a heading row (一、…牵头事项), not a second header row
        return roles if found and all(not compact(c) or r for c, r in zip(cells, roles)) else None
    if len(found) < 2 or "task" not in found:
        return None
    tasks = [i for i, r in enumerate(roles) if r == "task"]
    strong = [i for i in tasks if _STRONG_TASK_RE.search(compact(cells[i]))]
    if len(tasks) > 1 and strong and strong[0] != tasks[0]:
        # 改革事项 | 工作任务: the work is in the second; a weaker one before it is a category.
        for i in tasks:
            if i != strong[0]:
                roles[i] = "category" if i < strong[0] and "category" not in roles else None
    # Keep the first column of each single-valued role.
    seen: set[str] = set()
    out: list[str | None] = []
    for r in roles:
        if r in seen and r in ("task", "number", "category", "time", "leaders"):
            out.append(None)
        else:
            out.append(r)
            if r:
                seen.add(r)
    return out


_RULE_CELL_RE = re.compile(r"^[:：\-—–=+]+$")
SAME_AS_ABOVE = frozenset(("同上", "同上。", "〃", "\"", "”", "同前", "同上栏"))


def tables_as_lines(blocks: list[Line | Table]) -> list[Line | Table]:
    """Blocks with every table that is not a task table (no header row, and not the
    continuation of the task table before it) replaced by its cells as lines, so a
    one-column sheet or a layout table reads like text: header, notice and all."""
    out: list[Line | Table] = []
    width: int | None = None
    for block in blocks:
        if isinstance(block, Line):
            out.append(block)
            continue
        rows = block.rows
        w = max((len(r.cells) for r in rows), default=0)
        if any(header_roles(r.cells) is not None for r in rows[:8]):
            width = w
            out.append(block)
            continue
        if width is not None and w == width:
            out.append(block)
            continue
        for row in rows:
            seen: set[str] = set()
            for c in row.cells:
                if compact(c) and c not in seen:
                    seen.add(c)
                    out.extend(Line(piece, row.number, wrapped=None) for piece in c.split("\n"))
    return out


@dataclass
class _TableState:
    """What a task table carries from row to row (and to the next table of its width)."""

    roles: list[str | None]
    width: int
    header: list[str]  # the header row's cells, to skip it when repeated
    head: str | None = None  # the section a heading row opened
    head_style: str | None = None  # its numbering style
    head_sub: str | None = None  # the subsection a （一） heading row opened under it
    group: dict[str, str] = field(default_factory=dict)  # fields the section's heading row gives
    sub_group: dict[str, str] = field(default_factory=dict)  # fields the subsection's heading row gives
    category: str | None = None  # the category column, carried down
    sub: str | None = None  # the sub-category column, carried down
    prev: dict[str, str] = field(default_factory=dict)  # the row above, for 同上


class TableReader:
    """Reads task tables into tasks (through the plan's `TaskBuilder`)."""

    def __init__(self, builder: TaskBuilder) -> None:
        self.builder = builder
        self.state: _TableState | None = None

    def feed(self, table: Table, order, line_ctx: Ctx) -> None:  # noqa: ANN001 - an itertools.count
        """Read one table; each row takes its place in reading order from `order`;
        `line_ctx` is the section the text around the table has open."""
        plan = self.builder.plan
        st = self.state
        rows = table.rows
        header_at = None
        roles: list[str | None] = []
        for i, row in enumerate(rows[:8]):
            r = header_roles(row.cells)
            if r is not None:
                header_at, roles = i, r
                break
        if header_at is None:
            if st is None or st.width != max((len(r.cells) for r in rows), default=0):
                return  # not a task table (`tables_as_lines` made such tables lines)
            header_at = -1
        else:
            # Title rows above the header.
            for row in rows[:header_at]:
                cells = [compact(c) for c in row.cells if compact(c)]
                if len(set(cells)) != 1:
                    continue
                if plan.title is None and TITLE_WORD_RE.search(cells[0]):
                    plan.title = cells[0]
                    if plan.plan_year is None:
                        plan.plan_year = year_of(cells[0]) or (plan.issued.year if plan.issued else None)
                elif plan.default_deadline is None and (found := default_time_in(cells[0])):
                    plan.default_deadline = deadline_of(found, plan.plan_year).date
            # A second header row (责任单位 over 牵头单位 | 配合单位).
            if header_at + 1 < len(rows):
                sub = header_roles(rows[header_at + 1].cells, loose=True)
                if sub is not None:
                    roles = [s or r for r, s in zip(roles + [None] * (len(sub) - len(roles)), sub)]
                    header_at += 1
            if plan.plan_year is None and plan.issued is not None:
                plan.plan_year = plan.issued.year
            if plan.title is None and table.name and TITLE_WORD_RE.search(compact(table.name)):
                plan.title = compact(table.name)
                plan.plan_year = plan.plan_year or year_of(plan.title)
            st = self.state = _TableState(roles=roles, width=max(len(r.cells) for r in rows),
                                          header=[compact(c) for c in rows[header_at].cells])
        named = table.name and not table.name.startswith(("表格", "第"))
        where_prefix = f"工作表“{table.name}”" if named else (table.name or "")
        for row in rows[header_at + 1 :]:
            self.row(row, st, where_prefix, line_ctx, next(order))

    @staticmethod
    def _heading_row(text: str) -> bool:
        """A task-column text that is a heading: 一、… or （一）… (not a task written with
        its own label), or a leader-group heading."""
        title, fields = heading_fields(text)
        if any(k in fields for k in ("lead", "co", "resp", "prose")) or title.endswith(TERMINAL_END):
            return False  # a task with its own responsibility parenthesis, or a sentence
        lab = match_label(text)
        if lab is not None and lab.style in ("cn", "pcn", "chapter") and len(title) <= 60:
            return True
        return bool(leader_group(title))

    def row(self, row: Row, st: _TableState, where_prefix: str, line_ctx: Ctx, seq: int) -> None:
        """One table row: a repeated header (skipped), a heading row (一、… （一）…, a
        leader group; it names the rows under it and may pass them leaders, units or
        a time), or a task."""
        roles = st.roles
        cells = list(row.cells) + [""] * max(0, len(roles) - len(row.cells))
        if [compact(c) for c in cells[: len(st.header)]] == st.header:
            return  # a header repeated on a new page
        values: dict[str, str] = {}
        prev = st.prev
        for role, cell in zip(roles, cells):
            if role is None:
                continue
            c = cell.strip()
            if is_empty_cell(compact(c)):
                c = ""
            elif compact(c) in SAME_AS_ABOVE:
                c = prev.get(role, "")
            if role in values and c:
                values[role] = values[role] + "\n" + c
            elif c or role not in values:
                values[role] = c
        nonempty = [compact(c) for c in cells if compact(c)]
        where = f"{where_prefix}第{row.number}行"
        if not nonempty or all(_RULE_CELL_RE.match(c) for c in nonempty):
            return  # empty, or a markdown rule (|---|---|)
        title_raw = values.get("task", "")
        has_fields = any(compact(values.get(k, "")) for k in ("leaders", "lead", "co", "resp", "time"))
        if len(set(nonempty)) == 1 and not has_fields:
            # One value spread over the row (merged) or standing alone.
            text = nonempty[0]
            lab = match_label(text)
            is_cat_col = compact(values.get("category", "")) == text or compact(values.get("number", "")) == text
            if (lab and lab.style in HEADING_STYLES) or is_cat_col or len(nonempty) > 1 or not compact(title_raw):
                self._heading(st, text, None)
                return
        if (
            not compact(values.get("number", ""))
            and not any(compact(values.get(k, "")) for k in ("lead", "co", "resp", "time"))
            and self._heading_row(compact(title_raw))
        ):
            # A heading in the task column, its leaders perhaps in the leader column.
            self._heading(st, compact(title_raw), values.get("leaders"))
            return
        cat = compact(values.get("category", ""))
        if cat and cat != st.category:
            st.category, st.sub = cat, None
        sub = compact(values.get("sub", ""))
        if sub:
            st.sub = sub
        if not compact(title_raw):
            self.builder.warnings.append(Warning(line=row.number, message=f"{where}：没有工作任务内容，已跳过"))
            return
        for role in ("task", "leaders", "lead", "co", "resp", "time", "number", "category", "sub"):
            if role in values:
                prev[role] = values[role]
        # Inline fields inside the task cell count too.
        title, own = item_fields(title_raw.split("\n"))
        number_raw = compact(values.get("number", ""))
        number = None
        if number_raw:
            lab = match_label(number_raw + ("" if number_raw.endswith(("、", ".", "．", "）", ")")) else "."))
            number = lab.number if lab else number_raw.strip("、.．（）()")
        # What the heading rows above give (the nearer first), then the line grammar's.
        group = {**st.group, **st.sub_group}
        leaders_text = values.get("leaders") or own.get("leaders") or group.get("leaders")
        if leaders_text and leaders_text.strip():
            leaders, leader_roles = self.builder.leaders(leaders_text, row.number)
        else:
            leaders, leader_roles = line_ctx.leaders or ([], [])
        units = {k: values[k] for k in ("lead", "co", "resp") if compact(values.get(k, ""))}
        for k in ("lead", "co", "resp", "prose"):
            if k in own and k not in units:
                units[k] = own[k]
        if not units:
            units = {k: v for k, v in group.items() if k in ("lead", "co", "resp", "prose")}
        time_text = values.get("time") if compact(values.get("time", "")) else own.get("time", group.get("time"))
        if st.head is not None:
            section, subsection = st.head, st.head_sub or st.category or st.sub
        elif st.category is not None:
            section, subsection = st.category, st.head_sub or st.sub
        else:
            section, subsection = line_ctx.section, st.head_sub or st.sub or line_ctx.subsection
        task = self.builder.build_task(number=number, section=section, subsection=subsection, title=compact(title),
                                       leaders=leaders, roles=leader_roles, units=units, time_text=time_text,
                                       line=row.number, where=where)
        if section:
            self.builder.section(section)
        self.builder.add(task, style="table", parent_id=id(st) ^ hash(section), seq=seq, where=where)

    @staticmethod
    def _heading(st: _TableState, text: str, leaders: str | None) -> None:
        """A heading row: a section (一、…, a leader group, an unnumbered merged row) or,
        under a section of another style, a subsection (（一）…)."""
        heading, group = heading_fields(text)
        if leaders and compact(leaders):
            group["leaders"] = leaders
        lab = match_label(text)
        style = lab.style if lab else None
        if style == "pcn" and st.head is not None and st.head_style != "pcn":
            st.head_sub, st.sub_group = heading, group
            return
        st.head, st.head_style, st.head_sub = heading, style, None
        st.group, st.sub_group = group, {}
        st.category, st.sub = None, None
