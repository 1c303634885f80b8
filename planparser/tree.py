"""The item tree: a plan's lines read into numbered items, then walked into tasks.

Lines are read in one pass. A numbering style (一、 （一） 1. （1） …, `planparser.
numbering`) seen for the first time nests under the current item; a style already
open closes everything below it; a style that ranks above a finished task item
closes back to where it ranks ((七) after 6.). A plain line goes on with the title or
field above it when its content says so, in every container (`responsibility.
continues_field`); a labelled line that is not a responsibility field, or a stray
fragment between an item's fields, is warned about and left out.

After the pass, a paragraph whose sentences each close with a responsibility
parenthesis becomes the parent of those sentences; an item with responsible
children is a heading (a section, a subsection, or a parent item whose fields pass
down and whose number prefixes its children's: "n.k"); a leaf that carries a
responsibility assignment (its own or a heading's) is a task, built by
`planparser.tasks.TaskBuilder`. Text that never becomes a task is dropped, with a
warning when it sits inside the task list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ._text import compact
from .header import (
    ATTACH_RE,
    CC_FIRST,
    CC_RE,
    DATE_ONLY_RE,
    DEFAULT_DEADLINE_RES,
    PRINTED_RE,
    PUBLIC_RE,
    SIGNED_DATE_RE,
    default_time_in,
    is_furniture,
)
from .model import Warning
from .numbering import BARE_NUM_RE, HEADING_STYLES, RANK, Label, match_label
from .readers import Line
from .responsibility import (
    CLOSE,
    FIELD_FIRST,
    FIELD_NAME_RE,
    FIELD_RE,
    FIELD_START_RE,
    LABEL_KEY,
    ORG_END_RE,
    OTHER_LABEL_RE,
    SEPARATOR_END,
    TERMINAL_END,
    UNIT_KEYS,
    balanced_open,
    continues_field,
    field_pairs,
    find_outside_brackets,
    join_field,
    labelled_fields,
    leader_group,
    own_fields,
    parse_paren,
    sentences,
    split_trailing_parens,
)
from .tasks import TaskBuilder, deadline_of

__all__ = ["Ctx", "Node", "TreeBuilder"]

# A paragraph's short first sentence, its heading: 推动消费扩容提质。深入实施…
_LEAD_SENTENCE_RE = re.compile(r"^(?P<lead>[^。；;！？]{2,30}。)(?P<rest>.+)$", re.S)


@dataclass
class Node:
    """A numbered item, a heading, or an unnumbered paragraph (style None)."""

    style: str | None
    number: str | None
    value: int | None
    line: int
    parent: Node | None = None
    title: str = ""  # whitespace-free text so far
    fields: dict[str, str] = field(default_factory=dict)  # key → raw value (line breaks kept)
    children: list[Node] = field(default_factory=list)
    last_field: str | None = None
    last_wrapped: bool | None = None
    closed: bool = False  # the title ended with a responsibility parenthesis
    raw_label: str = ""  # the label as written ("一、", "（一）")
    split: bool = False  # its text was several tasks, now its children (see _split_sentences)
    seq: int = 0  # position in reading order across lines and tables


def _leaders_only(sentence: str) -> bool:
    """A sentence whose responsibility parentheses name leaders (or leader roles) and
    nothing else."""
    _, contents = split_trailing_parens(sentence)
    return bool(contents) and all(set(parse_paren(c)) == {"leaders"} for c in contents)


def _finished(node: Node) -> bool:
    """An item that carries its fields, or whose last sub-item does (2. with its
    （1）（2） done): a higher-ranked style after it does not nest under it."""
    while node is not None:
        if node.fields or node.closed:
            return True
        node = node.children[-1] if node.children else None
    return False


@dataclass
class Ctx:
    """What a heading passes down to the items under it."""

    section: str | None = None
    subsection: str | None = None
    prefix: str | None = None
    leaders: tuple[list[str], list[str]] | None = None  # (names, roles written without a name)
    units: dict[str, str] | None = None
    time: str | None = None
    in_section: bool = False


class TreeBuilder:
    """Reads body lines into the item tree and walks it into tasks."""

    def __init__(self, builder: TaskBuilder) -> None:
        self.builder = builder
        self.root = Node(style="root", number=None, value=None, line=0)
        self.stack: list[Node] = [self.root]
        self.current: Node | None = None
        self.in_cc = False  # inside a 抄送 block
        self.seq = 0  # the current line's place in reading order
        self.next_text: str | None = None  # the next body line, for continuation decisions
        self.carry: str | None = None  # a parenthesis clause carried forward by 下同
        self.skipped_text: list[tuple[int, int, str]] = []  # (seq, line, text) that became no task
        # Numbered headings with task children, for the numbering check.
        self.numbered: list[tuple[str | None, int | None, int, int | None, str | None, str, int]] = []
        self._memo: dict[int, bool] = {}
        self._own_cache: dict[int, dict[str, str]] = {}
        self._group_cache: dict[int, dict[str, str]] = {}

    def feed_line(self, ln: Line, t: str, seq: int, next_text: str | None) -> None:
        """Read one body line (`t`: its whitespace-free text; `seq`: its place in reading
        order; `next_text`: the next body line, None before a table or the end)."""
        self.seq, self.next_text = seq, next_text
        raw = ln.text.strip()
        if not t or is_furniture(t):
            return
        c0 = t[0]
        # Cheap prechecks: each regex below needs a fixed first character or substring.
        printed = t.endswith(("印发", "印制")) and PRINTED_RE.search(t) is not None
        if printed or (c0 in CC_FIRST and CC_RE.match(t)):
            self.in_cc = not t.endswith("。") and not printed
            return
        fm = FIELD_START_RE.match(t) if c0 in FIELD_FIRST else None
        if self.in_cc:
            if match_label(t) or fm:
                self.in_cc = False
            else:
                if t.endswith("。"):
                    self.in_cc = False
                return
        if (c0 in "（(" and PUBLIC_RE.match(t)) or (c0 == "附" and ATTACH_RE.match(t)):
            return
        if ("除" in t or "完成时限" in t) and any(rx.search(t) for rx in DEFAULT_DEADLINE_RES) and not match_label(t):
            found = default_time_in(t)
            if found and self.builder.plan.default_deadline is None:
                self.builder.plan.default_deadline = deadline_of(found, self.builder.plan.plan_year).date
            return
        if "年" in t and "日" in t:
            if DATE_ONLY_RE.match(t):
                node = self.current
                if node is not None and node.last_field == "time" and not node.fields.get("time", "").strip():
                    node.fields["time"] = t
                return
            sm = SIGNED_DATE_RE.match(t)
            if sm and ORG_END_RE.search(sm["org"]) and not FIELD_RE.search(t) and not match_label(t):
                return

        if fm and not self._closes_open_paren(t):
            self.field_line(raw, ln)
            return
        lab = match_label(t)
        if lab is None:
            bm = BARE_NUM_RE.match(raw)
            if bm:
                lab = Label("dec1", bm[1], int(bm[1]), compact(raw[bm.end():]))
        if lab is not None and not self._label_is_wrap(lab):
            self.open_item(lab, t, ln)
            return
        self.plain_line(raw, t, ln)

    def _closes_open_paren(self, t: str) -> bool:
        """Whether `t` is the rest of a parenthesis the current item's text left open
        (…（牵头领导：黄海；责任单位：区发改局；完成 / 时限：全年）): a line break inside
        the parenthesis, not a field line of its own."""
        node = self.current
        if node is None or node.last_field is not None or node.closed or len(t) > 120:
            return False
        if not any(ch in CLOSE for ch in t):
            return False
        depth = balanced_open(node.title)
        return depth > 0 and balanced_open(node.title + t) < depth

    def _label_is_wrap(self, lab: Label) -> bool:
        """A line that only looks numbered because a wrap put a number at its start."""
        node = self.current
        if node is None or node.closed:
            return False
        if node.last_field is None and node.last_wrapped and node.title and not node.title.endswith(TERMINAL_END):
            # PDF wrap inside a title: '…增长' / '5.5%以上' is handled by the dec rule;
            # a real new item after a full-width line is also possible, so only treat
            # it as a wrap when the number does not follow the open sequence.
            sib = self._last_sibling_value(lab.style)
            return sib is not None and lab.value != sib + 1 and lab.value != 1
        return False

    def _last_sibling_value(self, style: str) -> int | None:
        for n in reversed(self.stack):
            if n.style == style:
                return n.value
        return None

    def open_item(self, lab: Label, t: str, ln: Line) -> None:
        # Close back to an open item of the same style (a sibling), else nest; but a
        # style that ranks above a finished task item ((七) after 6.) does not nest
        # under it: it closes back to where it ranks.
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].style == lab.style:
                del self.stack[depth:]
                break
        else:
            rank = RANK.get(lab.style)
            while len(self.stack) > 1 and rank is not None:
                top = self.stack[-1]
                top_rank = RANK.get(top.style or "")
                if top_rank is None or top_rank <= rank or not _finished(top):
                    break
                self.stack.pop()
        parent = self.stack[-1]
        node = Node(style=lab.style, number=lab.number, value=lab.value, line=ln.number, parent=parent,
                    raw_label=t[: len(t) - len(lab.rest)], seq=self.seq)
        parent.children.append(node)
        self.stack.append(node)
        self.current = node
        node.last_wrapped = ln.wrapped
        if lab.rest:
            self.add_text(node, lab.rest, ln)

    def add_text(self, node: Node, text: str, ln: Line) -> None:
        """Add title text to a node, splitting off labelled fields written inline."""
        node.last_wrapped = ln.wrapped
        m = find_outside_brackets(FIELD_NAME_RE, text)
        if m is not None and node.title and balanced_open(node.title) > 0:
            m = None  # the text goes on inside a parenthesis the title left open
        if m is not None:
            prefix, labelled = labelled_fields(text)
            node.title += compact(prefix)
            for key, value in labelled:
                self.set_field(node, key, value)
            return
        node.title += text
        if text.endswith(tuple(CLOSE)) or text.endswith(("）。", ")。", "）；", "）;")):
            _, contents = split_trailing_parens(node.title)
            if contents:
                node.closed = True

    def set_field(self, node: Node, key: str, value: str) -> None:
        value = value.strip()
        if key in node.fields and node.fields[key]:
            sep = "；" if key == "time" else "、"
            node.fields[key] = node.fields[key] + sep + value if value else node.fields[key]
        else:
            node.fields[key] = value
        node.last_field = key

    def field_line(self, raw: str, ln: Line) -> None:
        node = self.current
        if node is None:
            node = self.stack[-1]
            if node is self.root:
                # Fields before any item: an unnumbered paragraph-less task cannot exist.
                node = self.new_paragraph(ln)
        node.last_wrapped = ln.wrapped
        for key, value in field_pairs(raw.strip()):
            self.set_field(node, key, value)

    def _next_kind(self) -> str:
        """What the next body line is: "item" (numbered), "field", "text", or "end"
        (a table or the end of the document)."""
        t = self.next_text
        if not t:
            return "end"
        if t[0] in FIELD_FIRST and FIELD_START_RE.match(t):
            return "field"
        if match_label(t) or BARE_NUM_RE.match(t):
            return "item"
        return "text"

    def _not_a_field(self, node: Node, t: str, ln: Line) -> bool:
        """A line after an item's fields that is neither their continuation nor a new
        paragraph: another labelled line (责任人：…, 备注：…), or a stray fragment
        followed by more of the item's fields. Warned about and left out."""
        short = t if len(t) <= 20 else t[:20] + "…"
        if OTHER_LABEL_RE.match(t):
            self.builder.warnings.append(Warning(line=ln.number, message=(
                f"第{ln.number}行：“{short}”不是牵头领导、责任单位或完成时限，未导入")))
            return True
        if len(t) > 30 or t.endswith(TERMINAL_END) or self._next_kind() != "field":
            return False
        key = LABEL_KEY.get(FIELD_START_RE.match(self.next_text)["w"])
        known = set(node.fields)
        if key in known or (key in UNIT_KEYS and known & UNIT_KEYS and key != "co"):
            return False  # the next field starts another item: this line is its title
        self.builder.warnings.append(Warning(line=ln.number, message=(
            f"第{ln.number}行：“{short}”不是责任单位，也不是任务内容，未导入")))
        return True

    def _heading_goes_on(self, node: Node, t: str) -> bool:
        """Whether a plain line under a heading-style item continues its text (a title
        cut by a hard line break) rather than starting a paragraph of its own."""
        if node.children or node.fields or len(t) > 80:
            return False
        kind = self._next_kind()
        title = node.title
        full = len(compact(node.raw_label)) + len(title) >= 24  # as long as a full line
        if not full and (len(t) >= 24 or (len(t) >= 12 and split_trailing_parens(t)[1])):
            return False  # a short heading, then a paragraph of its own
        if self._item_like(node):
            return not (kind == "text" and title.endswith(TERMINAL_END))
        if title.endswith(TERMINAL_END):
            return False
        if full:
            return True  # a first line cut mid-sentence
        # A short heading wrapped before its items: the rest is a short fragment.
        return kind == "item" and len(t) <= 30 and not t.endswith(TERMINAL_END) and not split_trailing_parens(t)[1]

    @staticmethod
    def _item_like(node: Node) -> bool:
        """A heading-style item (一、…) among siblings of its style that carry their
        own fields: the plan uses that style for tasks."""
        parent = node.parent
        if parent is None:
            return False
        for sib in reversed(parent.children):
            if sib is node or sib.style != node.style:
                continue
            return bool(sib.fields or sib.closed)
        return False

    def new_paragraph(self, ln: Line) -> Node:
        top = self.stack[-1]
        if top is not self.root and top.style not in HEADING_STYLES and (top.fields or top.closed):
            # The item above is complete: this paragraph stands beside it, not in it.
            self.stack.pop()
        parent = self.stack[-1]
        node = Node(style=None, number=None, value=None, line=ln.number, parent=parent, seq=self.seq)
        parent.children.append(node)
        self.current = node
        return node

    def plain_line(self, raw: str, t: str, ln: Line) -> None:
        node = self.current
        if node is None:
            node = self.new_paragraph(ln)
            self.add_text(node, t, ln)
            return
        if node.last_field is not None:
            key = node.last_field
            if continues_field(node.fields.get(key, ""), key, t, node.last_wrapped):
                value = raw.strip() if key == "leaders" else t
                node.fields[key] = join_field(node.fields.get(key, ""), value, key, node.last_wrapped)
                node.last_wrapped = ln.wrapped
                return
            if self._not_a_field(node, t, ln):
                return
            node = self.new_paragraph(ln)
            self.add_text(node, t, ln)
            return
        if node.closed and not node.last_wrapped:
            node = self.new_paragraph(ln)
            self.add_text(node, t, ln)
            return
        if node.closed:
            # A width wrap right after a parenthesis: the paragraph goes on.
            self.add_text(node, t, ln)
            return
        if node.style in HEADING_STYLES:
            title = node.title
            cont = node.last_wrapped is True or balanced_open(title) > 0 or title.endswith(SEPARATOR_END)
            if not cont:
                cont = self._heading_goes_on(node, t)
            if not cont:
                node = self.new_paragraph(ln)
                self.add_text(node, t, ln)
                return
        elif node.style is None:
            title = node.title
            cont = node.last_wrapped is True or not title.endswith(TERMINAL_END) or balanced_open(title) > 0
            if not cont:
                node = self.new_paragraph(ln)
                self.add_text(node, t, ln)
                return
        self.add_text(node, t, ln)

    # ------------------------------------------------------------------ tree → tasks
    def break_item(self) -> None:
        """A table comes: no line after it goes on with the item before it."""
        self.current = None

    def finish(self) -> None:
        """Turn the tree into tasks (after the last line)."""
        self._split_sentences(self.root)
        self._walk(self.root, Ctx(), depth=0)

    def _split_sentences(self, node: Node) -> None:
        """Turn every paragraph whose sentences close each with a responsibility
        parenthesis into a parent of those sentences ("seg" items numbered 1, 2 …). A
        short first sentence before the first of them is the paragraph's heading."""
        for child in node.children:
            self._split_sentences(child)
        if node is self.root:
            return
        segs = sentences(node.title)
        if not segs:
            return
        lead = ""
        if _leaders_only(segs[0]) and len(split_trailing_parens(segs[0])[0]) <= 40:
            # A heading sentence with only its leaders (推动数字经济创新提质。（分管副省长
            # 负责）): they lead every sentence after it.
            if len(segs) == 2:
                heading, contents = split_trailing_parens(segs[0])
                node.title = heading + segs[1]
                for c in contents:
                    node.fields.setdefault("leaders", parse_paren(c)["leaders"])
                return
            lead = segs.pop(0)
        m = _LEAD_SENTENCE_RE.match(segs[0]) if not lead else None
        if m and compact(split_trailing_parens(m["rest"])[0]) and balanced_open(m["lead"]) == 0:
            lead, segs[0] = m["lead"], m["rest"]
        made = []
        for k, seg in enumerate(segs, start=1):
            made.append(Node(style="seg", number=str(k), value=k, line=node.line, parent=node, title=seg,
                             closed=bool(split_trailing_parens(seg)[1]), seq=node.seq))
        node.children = made + node.children
        node.title = lead
        node.closed = False
        node.split = True

    @staticmethod
    def _per_node(cache: dict[int, dict[str, str]], node: Node, compute) -> dict[str, str]:
        """`compute(node)`, worked out once per node of this parse."""
        got = cache.get(id(node))
        if got is None:
            got = cache[id(node)] = compute(node)
        return got

    def _own_fields(self, node: Node) -> dict[str, str]:
        """The node's fields: labelled lines plus its trailing responsibility parentheses."""
        return self._per_node(self._own_cache, node, self._compute_own_fields)

    @staticmethod
    def _compute_own_fields(node: Node) -> dict[str, str]:
        return own_fields(node.title, node.fields)[1]

    def _subtree_has_fields(self, node: Node, memo: dict[int, bool]) -> bool:
        key = id(node)
        if key not in memo:
            own = bool(self._own_fields(node)) or bool(self._group_of_cached(node))
            memo[key] = own or any(self._subtree_has_fields(c, memo) for c in node.children)
        return memo[key]

    def _group_of_cached(self, node: Node) -> dict[str, str]:
        return self._per_node(self._group_cache, node, self._group_of)

    @staticmethod
    def _group_of(node: Node) -> dict[str, str]:
        if node.style not in HEADING_STYLES:
            return {}
        return leader_group(split_trailing_parens(node.title)[0])

    def _walk(self, node: Node, ctx: Ctx, depth: int) -> None:
        memo = self._memo
        children = node.children
        # Each child's facts once (all pure): has task children, own fields, group.
        subtree = self._subtree_has_fields
        own_fields = self._own_fields
        group_of = self._group_of_cached
        facts = [(any(subtree(g, memo) for g in c.children), own_fields(c), group_of(c)) for c in children]
        # Which leaves with the same style as a task sibling count as tasks.
        task_styles = {
            c.style for c, (htc, own, group) in zip(children, facts)
            if c.style is not None and not htc and (own or group)
        }
        for child, (has_task_children, own, group) in zip(children, facts):
            if has_task_children:
                if child.style is not None and child.style not in HEADING_STYLES:
                    self.numbered.append((child.style, child.value, id(node), child.line, child.number, f"第{child.line}行", child.seq))
                elif child.style is not None:
                    self.numbered.append(("h:" + child.style, child.value, id(node), child.line, child.number, f"第{child.line}行", child.seq))
                self._walk(child, self._descend(child, ctx, own, group), depth + 1)
                continue
            inherited = bool(ctx.leaders or ctx.units or ctx.time)
            is_task = bool(own) or (
                child.style is not None and (inherited or child.style in task_styles)
            )
            if is_task and not compact(split_trailing_parens(child.title)[0]):
                is_task = False  # a parenthesis standing alone, e.g. a note
            if is_task and child.style in HEADING_STYLES and not own and not inherited and group:
                is_task = False
            if is_task:
                self.make_task(child, ctx, own)
            else:
                self._skip_subtree(child)

    def _descend(self, node: Node, ctx: Ctx, own: dict[str, str], group: dict[str, str]) -> Ctx:
        title, _ = split_trailing_parens(node.title)
        heading = compact(node.raw_label + title)
        new = Ctx(section=ctx.section, subsection=ctx.subsection, prefix=ctx.prefix, leaders=ctx.leaders,
                   units=ctx.units, time=ctx.time, in_section=ctx.in_section)
        if node.style in HEADING_STYLES and not (node.split and not title):
            if ctx.section is None or not ctx.in_section:
                new.section, new.subsection, new.in_section = heading, None, True
                self.builder.section(heading)
            elif ctx.subsection is None:
                new.subsection = heading
            new.prefix = None
        elif node.style is not None:
            if node.style.startswith("dec"):
                new.prefix = None
            else:
                new.prefix = f"{ctx.prefix}.{node.number}" if ctx.prefix else node.number
        merged = dict(group)
        merged.update(own)
        if "leaders" in merged:
            new.leaders = self.builder.leaders(merged["leaders"], node.line)
        units = {k: v for k, v in merged.items() if k in ("lead", "co", "resp", "prose")}
        if units:
            new.units = units
        if "time" in merged:
            new.time = merged["time"]
        return new

    def _skip_subtree(self, node: Node) -> None:
        title = compact(node.raw_label + node.title)
        if title:
            self.skipped_text.append((node.seq, node.line, title))
        for c in node.children:
            self._skip_subtree(c)

    def make_task(self, node: Node, ctx: Ctx, own: dict[str, str]) -> None:
        title, _ = split_trailing_parens(node.title)
        title = compact(title)
        parent = node.parent
        if node.style is None or (node.style == "seg" and (parent is None or parent.number is None)):
            number = None
        elif node.style == "seg" and not ctx.prefix:
            number = f"{parent.number}.{node.number}"  # sentence k of a heading-style paragraph
        elif node.style.startswith("dec") or not ctx.prefix:
            number = node.number
        else:
            number = f"{ctx.prefix}.{node.number}"
        leaders, roles = self.builder.leaders(own["leaders"], node.line) if "leaders" in own else (ctx.leaders or ([], []))
        units = {k: v for k, v in own.items() if k in ("lead", "co", "resp", "prose")}
        if units and self.carry:
            # A rule a parenthesis above carried forward with 下同.
            units["prose"] = f"{units['prose']}，{self.carry}" if "prose" in units else self.carry
        if "carry" in own:
            self.carry = own["carry"]
        units = units or dict(ctx.units or {})
        time_text = own.get("time", ctx.time)
        task = self.builder.build_task(
            number=number, section=ctx.section, subsection=ctx.subsection, title=title, leaders=leaders, roles=roles,
            units=units, time_text=time_text, line=node.line, where=f"第{node.line}行",
        )
        for c in node.children:
            self._skip_subtree(c)
        self.builder.add(task, style=node.style, parent_id=id(node.parent), seq=node.seq, where=f"第{node.line}行")

    def heading_ctx(self) -> Ctx:
        """The sections open at this point of the text, for a table placed under them."""
        ctx = Ctx()
        for n in self.stack[1:]:
            if n.style in HEADING_STYLES:
                title, _ = split_trailing_parens(n.title)
                heading = compact(n.raw_label + title)
                if ctx.section is None:
                    ctx.section = heading
                elif ctx.subsection is None:
                    ctx.subsection = heading
        return ctx
