"""The document grammar's driver: a `Document` (lines and tables) in, a `Plan` out.

It runs the parts in order: tables flattened to text are rebuilt and tables that are
no task tables become lines (`planparser.flattables`, `planparser.tables`); the
header gives title, issuer, date, 文号 and the body's first line (`planparser.
header`); body lines go to the item tree (`planparser.tree`) and task tables to the
table reader (`planparser.tables`), both handing their tasks to one `planparser.
tasks.TaskBuilder`; then tasks are put in reading order, their numbering checked and
text skipped inside the task list warned about. The grammar never reads a date, a
target or a unit list itself: `planparser.fields` does.
"""
from __future__ import annotations

import gc
import itertools
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ._text import compact
from .flattables import recover_tables
from .header import YEAR_RE, is_furniture, read_header, running_headers
from .model import Plan, Warning
from .readers import Document, Line, ReadError, Table
from .tables import TableReader, tables_as_lines
from .tasks import TaskBuilder, deadline_of
from .tree import TreeBuilder

__all__ = ["ParseError", "clear_caches", "parse_document"]


class ParseError(ReadError):
    """The file was read but holds no plan (no task at all). One line of Chinese."""

    _verb = "无法解析"


def clear_caches() -> None:
    """Empty every memo the parser keeps between parses (each planparser module's
    lru_caches, the field modules' included) and the regular-expression cache, so
    that the next parse runs cold."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "planparser" or name.startswith("planparser.")):
            continue
        for obj in list(vars(module).values()):
            clear = getattr(obj, "cache_clear", None)
            if callable(clear):
                clear()
    re.purge()


def _parse(doc: Document, forced_year: int | None = None) -> Plan:
    plan = Plan(title=None, issuer=None, issued=None, plan_year=None, default_deadline=None)
    builder = TaskBuilder(plan)
    tree = TreeBuilder(builder)
    tables = TableReader(builder)
    blocks = tables_as_lines(doc.blocks)
    # A PDF's running headers and footers, found before the tables are rebuilt, so
    # that none of them is read as a cell of a table flattened across pages (in
    # unpaged text a repeated line may be a cell: 年底前).
    raw_lines = [b for b in blocks if isinstance(b, Line)]
    furniture: frozenset[int] = frozenset()
    if any(ln.page is not None for ln in raw_lines):
        raw_headers = running_headers(raw_lines, [compact(ln.text) for ln in raw_lines], paged_only=True)
        furniture = frozenset(id(raw_lines[i]) for i in raw_headers)
    blocks = recover_tables(blocks, is_furniture, furniture)
    lines_only = [b for b in blocks if isinstance(b, Line)]
    ctexts = [compact(ln.text) for ln in lines_only]
    headers = running_headers(lines_only, ctexts)
    # The header (title, notice) stands before the first table, if any.
    before_table = next((k for k, b in enumerate(blocks) if isinstance(b, Table)), len(blocks))
    body_start, drop, default_time = read_header(
        plan, ctexts, headers, limit=sum(isinstance(b, Line) for b in blocks[:before_table])
    )
    if forced_year is not None and plan.plan_year is None:
        plan.plan_year = forced_year
    builder.warnings.extend(Warning(line=None, message=t) for t in doc.warnings)
    if default_time is not None:
        plan.default_deadline = deadline_of(default_time, plan.plan_year).date
    # The next body line after each line (None when a table or the end comes first):
    # continuation decisions look one line ahead.
    following: list[str | None] = [None] * len(lines_only)
    nxt: str | None = None
    li = len(lines_only)
    for block in reversed(blocks):
        if not isinstance(block, Line):
            nxt = None
            continue
        li -= 1
        following[li] = nxt
        t = ctexts[li]
        if t and li >= body_start and li not in drop and li not in headers and not is_furniture(t):
            nxt = t
    order = itertools.count(1)  # reading order across lines and table rows
    li = 0
    for block in blocks:
        seq = next(order)
        if isinstance(block, Line):
            idx = li
            li += 1
            if idx < body_start or idx in drop or idx in headers:
                continue
            tree.feed_line(block, ctexts[idx], seq, following[idx])
        else:
            tree.break_item()
            tables.feed(block, order, tree.heading_ctx())
    if forced_year is not None and plan.plan_year is None:
        plan.plan_year = forced_year
    tree.finish()
    drafts = builder.drafts
    drafts.sort(key=lambda d: d.seq)
    builder.check_numbering(tree.numbered)
    if drafts:
        lo, hi = drafts[0].seq, drafts[-1].seq
        for seq, line, text in tree.skipped_text:
            if lo < seq < hi:
                builder.skipped(line, text)
    plan.tasks = [d.task for d in drafts]
    used = {t.section for t in plan.tasks if t.section}
    plan.sections = [s for s in plan.sections if s.title in used]
    plan.warnings = sorted(builder.warnings, key=lambda w: (w.line is not None, w.line or 0))
    for attr in ("title", "issuer", "doc_number"):
        value = getattr(plan, attr)
        if value is not None:
            setattr(plan, attr, compact(value) or None)
    if not plan.tasks:
        raise ParseError(doc.source, "没有找到任何带责任分工的任务（请确认文件是重点工作分工方案）")
    return plan


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one parse. A parse allocates many
    small lists, tuples and dicts that live until it ends; the collector, triggered
    by their count, would walk the whole heap again and again (over half the time
    of a 2,000-row table). Reference counting still frees everything as usual; the
    few cycles (an item and its parent) are collected once the collector runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_document(doc: Document) -> Plan:
    """Turn a read document into a Plan; raise ParseError when it holds no task.

    When neither the title nor a signature gives the plan's year, the year most
    deadlines write is taken (with a warning) so that 年底前 or 6月底前 can be dated.
    """
    with _without_cycle_collection():
        return _parse_document(doc)


def _parse_document(doc: Document) -> Plan:
    plan = _parse(doc)
    if plan.plan_year is None:
        counts: dict[int, int] = {}
        for t in plan.tasks:
            for m in YEAR_RE.finditer(t.deadline_text or ""):
                counts[int(m[1])] = counts.get(int(m[1]), 0) + 1
        if counts:
            year = max(counts, key=lambda y: (counts[y], -y))
            plan = _parse(doc, forced_year=year)
            plan.warnings.insert(0, Warning(line=None, message=f"方案未写明年度，按完成时限中最常见的年份{year}年确定"))
    return plan
