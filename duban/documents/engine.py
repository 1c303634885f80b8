"""Filling a .docx template with docxtpl, and checking a template before it is taken.

``fill(template, context)`` renders in Jinja's sandbox with autoescaping (a task
title with ``<`` or ``&`` stays text); a value with line breaks becomes one paragraph
per line, each with the template paragraph's format (first-line indent, font), as the
built-in layout writes them.

``check(template, kind)`` refuses, with where (段落, 表格单元格, 页眉/页脚) and why in
Chinese: a file that is not a .docx, full-width braces, a tag opened and not closed in
its paragraph, a block (for/if) without its end, a tag Jinja cannot read, a name that
is not a placeholder of the kind, an attribute that is not a column of the table
looped over, any call or filter outside a short list; and finally a trial fill with
the kind's example values must succeed. Nothing is stored by a check.
"""
from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from .kinds import Kind

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NEWLINE = "\ue000"  # a line break inside a value, turned into a new paragraph after rendering
ALLOWED_FILTERS = frozenset({"default", "length", "join", "trim", "first", "last", "upper", "lower", "replace"})
LOOP_ATTRS = frozenset({"index", "index0", "first", "last", "length", "revindex"})
MAX_SUBJECT = 80


class TemplateRefused(Exception):
    """The template cannot be used; `problems` are Chinese lines saying where and why."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=True, keep_trailing_newline=True)
    env.filters = {k: v for k, v in env.filters.items() if k in ALLOWED_FILTERS}
    return env


# --- filling -------------------------------------------------------------------------------

def _prepared(value):
    """Context values as the template sees them: text with its line breaks marked
    (split into paragraphs after rendering), rows of tables alike."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\n", NEWLINE)
    if isinstance(value, dict):
        return {k: _prepared(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_prepared(v) for v in value]
    if value is None:
        return ""
    return value


def fill(template: bytes, context: dict) -> bytes:
    """The template filled with `context` (Chinese placeholder names), as .docx bytes."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(template))
    tpl.render(_prepared(context), environment(), autoescape=True)
    doc = tpl.docx
    for part_element in _part_elements(doc):
        split_marked_paragraphs(part_element)
    doc.core_properties.title = (doc.core_properties.title or "").replace(NEWLINE, " ")
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _part_elements(doc) -> list:
    parts = [doc.element.body]
    for section in doc.sections:
        for hf in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                   section.even_page_header, section.even_page_footer):
            if not hf.is_linked_to_previous:
                parts.append(hf._element)
    return parts


def split_marked_paragraphs(root) -> None:
    """Every paragraph whose text holds NEWLINE becomes one paragraph per line, each
    keeping the paragraph's properties and the run's format."""
    for p in list(root.iter(W + "p")):
        while True:
            hit = _first_mark(p)
            if hit is None:
                break
            run, t = hit
            if run.getparent() is not p:  # inside a hyperlink or a field: a line break is enough
                before, _, after = t.text.partition(NEWLINE)
                t.text = before
                br = etree.Element(W + "br")
                t.addnext(br)
                tail = etree.Element(W + "t")
                tail.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                tail.text = after
                br.addnext(tail)
                continue
            r_index, t_index = list(p).index(run), list(run).index(t)
            second = copy.deepcopy(p)
            before, _, after = t.text.partition(NEWLINE)
            # The first paragraph ends at the mark.
            t.text = before
            for el in list(run)[t_index + 1:]:
                run.remove(el)
            for el in list(p)[r_index + 1:]:
                p.remove(el)
            # The second starts after it.
            run2 = list(second)[r_index]
            t2 = list(run2)[t_index]
            t2.text = after
            t2.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            for el in list(run2)[:t_index]:
                if el.tag != W + "rPr":
                    run2.remove(el)
            for el in list(second)[:r_index]:
                if el.tag != W + "pPr":
                    second.remove(el)
            p.addnext(second)
            p = second


def _first_mark(p):
    for t in p.iter(W + "t"):
        if t.text and NEWLINE in t.text:
            run = t.getparent()
            return run, t
    return None


# --- checking ------------------------------------------------------------------------------

@dataclass
class Place:
    """A paragraph of the template and where it is, as the office would find it in Word."""

    where: str
    text: str

    def label(self) -> str:
        shown = self.text.strip()
        if len(shown) > 30:
            shown = shown[:29] + "…"
        return f"{self.where}（“{shown}”）" if shown else self.where


def _paragraph_text(p) -> str:
    out = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        out.append(el.text or "" if el.tag == W + "t" else " ")
    return "".join(out)


def places(template: bytes) -> list[Place]:
    """The template's paragraphs in reading order: the body (第N段, or 第N个表格第R行第C列),
    then headers and footers."""
    from docx import Document

    doc = Document(io.BytesIO(template))
    out: list[Place] = []
    body = doc.element.body
    para_no = table_no = 0
    for child in body:
        if child.tag == W + "p":
            para_no += 1
            out.append(Place(f"正文第{para_no}段", _paragraph_text(child)))
        elif child.tag == W + "tbl":
            table_no += 1
            for r, tr in enumerate(child.iter(W + "tr"), start=1):
                for c, tc in enumerate(tr.iter(W + "tc"), start=1):
                    for p in tc.iter(W + "p"):
                        out.append(Place(f"第{table_no}个表格第{r}行第{c}列", _paragraph_text(p)))
    seen = set()
    for n, section in enumerate(doc.sections, start=1):
        for label, hf in (("页眉", section.header), ("页脚", section.footer),
                          ("首页页眉", section.first_page_header), ("首页页脚", section.first_page_footer),
                          ("偶数页页眉", section.even_page_header), ("偶数页页脚", section.even_page_footer)):
            if hf.is_linked_to_previous or id(hf.part) in seen:
                continue
            seen.add(id(hf.part))
            where = label if len(doc.sections) == 1 else f"第{n}节{label}"
            for k, p in enumerate(hf._element.iter(W + "p"), start=1):
                out.append(Place(f"{where}第{k}段", _paragraph_text(p)))
    return out


TAG = re.compile(r"\{\{-?(.*?)-?\}\}|\{%-?(.*?)-?%\}|\{#.*?#\}", re.S)
BLOCK = re.compile(r"^\s*(?:(p|tr|tc|r)\s+)?(for|endfor|if|elif|else|endif)\b")
OPENERS = {"for": "endfor", "if": "endif"}
LEVELS = {"p": "段落", "tr": "表格行", "tc": "表格列", "r": "文字"}


def _strip_level(inner: str) -> tuple[str | None, str]:
    m = re.match(r"\s*(p|tr|tc|r)\s+", inner)
    if m and not re.match(r"\s*(p|tr|tc|r)\s*$", inner):
        return m.group(1), inner[m.end():]
    return None, inner


def _jinja_source(texts: list[str]) -> str:
    """One line per paragraph, docxtpl's p/tr/tc/r prefixes taken out: what Jinja parses
    (its line numbers are the paragraphs' positions)."""
    lines = []
    for text in texts:
        def plain(m: re.Match) -> str:
            whole = m.group(0)
            if whole.startswith("{#"):
                return ""
            if whole.startswith("{{"):
                _, inner = _strip_level(m.group(1))
                return "{{" + inner + "}}"
            _, inner = _strip_level(m.group(2))
            return "{%" + inner + "%}"
        lines.append(TAG.sub(plain, text.replace("\n", " ")))
    return "\n".join(lines)


_MESSAGES = [
    (r"unexpected end of template", "标记没有结束（缺少 {% endfor %} 或 {% endif %}，或 {{ }} 不完整）"),
    (r"Encountered unknown tag '(\w+)'", "无法识别的标记“{0}”"),
    (r"expected token '(.+?)', got '(.+?)'", "标记写法有误：此处应为“{0}”，实为“{1}”"),
    (r"unexpected '(.+?)'", "标记写法有误：多余的“{0}”"),
    (r"unexpected char '(.+?)'", "标记中有不能使用的字符“{0}”"),
]


def _translate(message: str) -> str:
    for pattern, chinese in _MESSAGES:
        m = re.search(pattern, message, re.I)
        if m:
            return chinese.format(*m.groups())
    return "标记写法有误，Word 无法按模板填充"


def check(template: bytes, kind: Kind) -> list[str]:
    """The template's problems for `kind`, each saying where and why; [] when it can be used."""
    if not zipfile.is_zipfile(io.BytesIO(template)):
        return ["文件不是 Word 文档（.docx）。如为 .doc 或 .wps 格式，请在 Word 或 WPS 中“另存为”.docx 后再上传"]
    try:
        found = places(template)
    except Exception:  # noqa: BLE001 - any unreadable package
        return ["文件无法作为 Word 文档（.docx）打开，请用 Word 或 WPS 重新保存后再上传"]
    problems: list[str] = []
    stack: list[tuple[str, Place]] = []
    for place in found:
        text = place.text
        if re.search(r"｛\s*｛|｝\s*｝|｛\s*[％%]|[％%]\s*｝|\{\s*％|％\s*\}", text):
            problems.append(f"{place.label()}：占位符须用半角花括号和百分号，如 {{{{任务名称}}}}")
            continue
        if text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}"):
            problems.append(f"{place.label()}：“{{{{”与“}}}}”或“{{%”与“%}}”没有成对出现，标记须在同一段内写完")
            continue
        for m in TAG.finditer(text):
            if m.group(1) is not None and _strip_level(m.group(1))[0]:
                problems.append(f"{place.label()}：不支持“{{{{{_strip_level(m.group(1))[0]} …}}}}”的写法，"
                                f"占位符请直接写成 {{{{任务名称}}}} 的形式")
            if m.group(2) is None:
                continue
            level, inner = _strip_level(m.group(2))
            b = BLOCK.match(m.group(2))
            if not b:
                continue
            word = b.group(2)
            if level in ("tr", "tc") and "表格" not in place.where:
                problems.append(f"{place.label()}：{{%{level} … %}} 只能写在表格里")
            if word in OPENERS:
                stack.append((word, place))
            elif word in ("elif", "else"):
                if not stack or stack[-1][0] != "if":
                    problems.append(f"{place.label()}：“{word}”前面没有对应的 {{% if %}}")
            else:
                opener = "for" if word == "endfor" else "if"
                if not stack or stack[-1][0] != opener:
                    problems.append(f"{place.label()}：“{word}”前面没有对应的 {{% {opener} %}}")
                else:
                    stack.pop()
    for word, place in stack:
        problems.append(f"{place.label()}：{{% {word} %}} 没有对应的 {{% {OPENERS[word]} %}}")
    if problems:
        return problems

    source = _jinja_source([p.text for p in found])
    env = environment()
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        where = found[exc.lineno - 1].label() if exc.lineno and 0 < exc.lineno <= len(found) else "模板"
        return [f"{where}：{_translate(exc.message or '')}"]
    problems += _check_names(ast, kind, found)
    if problems:
        return problems
    try:
        fill(template, kind.sample())
    except Exception as exc:  # noqa: BLE001 - whatever stops a fill stops the template
        return [f"模板无法填充：{_translate(str(exc))}（请检查表格行标记 {{%tr %}} 是否各占一行）"]
    return []


def used_names(template: bytes, kind: Kind) -> list[str]:
    """The placeholder names of `kind` a (checked) template uses, in order of first use."""
    found = places(template)
    ast = environment().parse(_jinja_source([p.text for p in found]))
    names: list[str] = []
    for node in ast.find_all(nodes.Name):
        if node.ctx == "load" and node.name in kind.names and node.name not in names:
            names.append(node.name)
    return names


def _check_names(ast, kind: Kind, found: list[Place]) -> list[str]:
    problems: list[str] = []

    def where(node) -> str:
        n = getattr(node, "lineno", 0)
        return found[n - 1].label() if 0 < n <= len(found) else "模板"

    def visit(node, loops: dict[str, str]) -> None:
        if isinstance(node, nodes.For):
            visit(node.iter, loops)
            inner = dict(loops)
            table = node.iter.name if isinstance(node.iter, nodes.Name) else None
            if isinstance(node.target, nodes.Name):
                if table is None or kind.table(table) is None:
                    shown = table or "此处"
                    problems.append(f"{where(node)}：“{shown}”不是表格占位符，不能逐行填写（可用的表格："
                                    f"{'、'.join(t.name for t in kind.tables) or '无'}）")
                inner[node.target.name] = table or ""
            else:
                problems.append(f"{where(node)}：for 后面只能写一个行变量名，如 {{% for 行 in 报告 %}}")
            inner["loop"] = "loop"
            for child in node.body + node.else_:
                visit(child, inner)
            if node.test is not None:
                visit(node.test, inner)
            return
        if isinstance(node, nodes.Getattr) or isinstance(node, nodes.Getitem):
            base = node.node
            attr = node.attr if isinstance(node, nodes.Getattr) else (
                node.arg.value if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) else None)
            if isinstance(base, nodes.Name) and base.name in loops and attr is not None:
                if base.name == "loop" and loops.get("loop") == "loop":
                    if attr not in LOOP_ATTRS:
                        problems.append(f"{where(node)}：loop 没有“{attr}”，可用 loop.index（第几行）")
                    return
                table = kind.table(loops[base.name])
                if table is not None and attr not in {c.name for c in table.columns}:
                    problems.append(f"{where(node)}：表格“{table.name}”没有“{attr}”一列（可用的列："
                                    f"{'、'.join(c.name for c in table.columns)}）")
                return
            problems.append(f"{where(node)}：不支持这种写法，请只使用右侧列出的占位符")
            return
        if isinstance(node, nodes.Name):
            if node.ctx == "load" and node.name not in loops and node.name not in kind.names:
                problems.append(f"{where(node)}：未知的占位符“{node.name}”（{kind.name}可用的占位符见右侧列表）")
            return
        if isinstance(node, nodes.Filter):
            if node.name not in ALLOWED_FILTERS:
                problems.append(f"{where(node)}：不支持过滤器“{node.name}”")
        if isinstance(node, (nodes.Call, nodes.Macro, nodes.CallBlock, nodes.Import, nodes.FromImport, nodes.Include,
                             nodes.Extends, nodes.Block, nodes.Assign, nodes.AssignBlock, nodes.With)):
            problems.append(f"{where(node)}：模板中不能使用函数、宏、赋值或引用其他文件")
            return
        for child in node.iter_child_nodes():
            visit(child, loops)

    visit(ast, {})
    # One message per place and reason is enough.
    return list(dict.fromkeys(problems))
