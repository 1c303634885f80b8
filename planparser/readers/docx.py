"""Word (.docx): paragraphs and tables in body order.

Read from the document XML (loaded through python-docx) rather than python-docx's
high-level objects, for three reasons: body order of paragraphs and tables, merged
cells (a horizontal span keeps its text in its first grid column, a vertical span
repeats its text down), and Word's automatic numbering, whose labels (1. （一） …)
are not in the text and are rebuilt here from numbering.xml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import Document, Line, ReadError, Row, Table, log, open_zip_checked


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = {f"{W}delText", f"{W}instrText", f"{W}pPr", f"{W}rPr", f"{W}txbxContent", MC_FALLBACK,
         f"{W}footnoteReference", f"{W}endnoteReference", f"{W}commentReference"}
_PLACEHOLDER = re.compile(r"%([1-9])")

_CN_DIGITS = "〇一二三四五六七八九"


def _chinese_counting(n: int) -> str:
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _CN_DIGITS[rest] if rest < 10 else _chinese_counting(rest) if rest >= 20 else "一" + _chinese_counting(rest))
        return _CN_DIGITS[n // 100] + "百" + tail
    return str(n)


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographTraditional",
               "taiwaneseCounting", "taiwaneseCountingThousand"):
        return _chinese_counting(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt in ("lowerRoman", "upperRoman"):
        vals = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
        out, k = "", n
        for v, s in vals:
            while k >= v:
                out, k = out + s, k - v
        return out.upper() if fmt == "upperRoman" else out
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class _Numbering:
    """Word list numbering: num id → abstract levels; counters per abstract list."""

    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    num_to_abstract: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)
    style_num: dict[str, tuple[str, int]] = field(default_factory=dict)
    counters: dict[str, list[int]] = field(default_factory=dict)

    def label(self, num_id: str, ilvl: int) -> str:
        abs_id = self.num_to_abstract.get(num_id)
        if abs_id is None or num_id == "0":
            return ""
        levels = self.abstract.get(abs_id, {})
        lvl = levels.get(ilvl)
        if lvl is None:
            return ""
        key = abs_id
        counts = self.counters.setdefault(key, [0] * 9)
        if counts[ilvl] == 0:
            counts[ilvl] = self.overrides.get(num_id, {}).get(ilvl, lvl.start)
        else:
            counts[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        if lvl.fmt in ("bullet", "none"):
            return ""

        def sub(m: re.Match[str]) -> str:
            k = int(m[1]) - 1
            lv = levels.get(k, _Level())
            value = counts[k] if counts[k] else lv.start
            return _format_number(value, lv.fmt)

        return _PLACEHOLDER.sub(sub, lvl.text)


def _val(el: Any, default: str | None = None) -> str | None:
    if el is None:
        return default
    return el.get(f"{W}val", default)


def _load_numbering(root: Any, styles: Any) -> _Numbering:
    numbering = _Numbering()
    if root is not None:
        for an in root.iter(f"{W}abstractNum"):
            levels: dict[int, _Level] = {}
            for lvl in an.iter(f"{W}lvl"):
                try:
                    ilvl = int(lvl.get(f"{W}ilvl", "0"))
                    start = int(_val(lvl.find(f"{W}start"), "1") or 1)
                except ValueError:
                    continue
                levels[ilvl] = _Level(
                    fmt=_val(lvl.find(f"{W}numFmt"), "decimal") or "decimal",
                    text=_val(lvl.find(f"{W}lvlText"), "") or "",
                    start=start,
                )
            numbering.abstract[an.get(f"{W}abstractNumId", "")] = levels
        for num in root.iter(f"{W}num"):
            num_id = num.get(f"{W}numId", "")
            numbering.num_to_abstract[num_id] = _val(num.find(f"{W}abstractNumId"), "") or ""
            for ov in num.iter(f"{W}lvlOverride"):
                so = ov.find(f"{W}startOverride")
                if so is not None:
                    try:
                        numbering.overrides.setdefault(num_id, {})[int(ov.get(f"{W}ilvl", "0"))] = int(_val(so, "1") or 1)
                    except ValueError:
                        pass
    if styles is not None:
        based: dict[str, str] = {}
        direct: dict[str, tuple[str, int]] = {}
        for st in styles.iter(f"{W}style"):
            sid = st.get(f"{W}styleId", "")
            b = st.find(f"{W}basedOn")
            if b is not None:
                based[sid] = _val(b, "") or ""
            numpr = st.find(f"{W}pPr/{W}numPr")
            if numpr is not None:
                num_id = _val(numpr.find(f"{W}numId"))
                ilvl = int(_val(numpr.find(f"{W}ilvl"), "0") or 0)
                if num_id:
                    direct[sid] = (num_id, ilvl)
        for sid in list(based) + list(direct):
            cur, seen = sid, set()
            while cur and cur not in direct and cur not in seen:
                seen.add(cur)
                cur = based.get(cur, "")
            if cur in direct:
                numbering.style_num[sid] = direct[cur]
    return numbering


class _Walker:
    def __init__(self, numbering: _Numbering) -> None:
        self.numbering = numbering
        self.blocks: list[Line | Table] = []
        self.para_no = 0
        self.table_no = 0

    def para_text(self, p: Any) -> str:
        parts: list[str] = []
        label = ""
        ppr = p.find(f"{W}pPr")
        if ppr is not None:
            numpr = ppr.find(f"{W}numPr")
            num_id, ilvl = None, 0
            style = _val(ppr.find(f"{W}pStyle"))
            if style and style in self.numbering.style_num:
                num_id, ilvl = self.numbering.style_num[style]
            if numpr is not None:
                num_id = _val(numpr.find(f"{W}numId"), num_id)
                try:
                    ilvl = int(_val(numpr.find(f"{W}ilvl"), str(ilvl)) or 0)
                except ValueError:
                    ilvl = 0
            if num_id:
                label = self.numbering.label(num_id, min(max(ilvl, 0), 8))
        self._collect(p, parts)
        return label + "".join(parts)

    def _collect(self, el: Any, parts: list[str]) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP:
                continue
            if tag == f"{W}t":
                parts.append(child.text or "")
            elif tag == f"{W}tab":
                parts.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
            elif tag == f"{W}noBreakHyphen":
                parts.append("-")
            else:
                self._collect(child, parts)

    def body(self, container: Any) -> None:
        for child in container:
            if child.tag == f"{W}p":
                self.para_no += 1
                text = self.para_text(child)
                lines = text.split("\n")
                for i, piece in enumerate(lines):
                    # A soft line break (Shift+Enter) may be a width break: unknown.
                    wrapped = False if i == len(lines) - 1 else None
                    self.blocks.append(Line(piece, self.para_no, wrapped=wrapped))
            elif child.tag == f"{W}tbl":
                self.table(child)
            elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}ins", f"{W}smartTag"):
                self.body(child)

    def cell_text(self, tc: Any) -> str:
        texts: list[str] = []
        for el in tc.iter():
            if el.tag == f"{W}p":
                # Nested tables' paragraphs are reached too: their text joins the cell.
                texts.append(self.para_text(el))
        return "\n".join(t for t in texts if t.strip())

    def table(self, tbl: Any) -> None:
        self.table_no += 1
        rows: list[Row] = []
        above: dict[int, str] = {}
        for r_no, tr in enumerate(tbl.findall(f"{W}tr"), start=1):
            cells: list[str] = []
            trpr = tr.find(f"{W}trPr")
            before = 0
            if trpr is not None:
                try:
                    before = int(_val(trpr.find(f"{W}gridBefore"), "0") or 0)
                except ValueError:
                    before = 0
            cells.extend([""] * before)
            for tc in _row_cells(tr):
                tcpr = tc.find(f"{W}tcPr")
                span = 1
                vmerge = None
                if tcpr is not None:
                    try:
                        span = max(1, int(_val(tcpr.find(f"{W}gridSpan"), "1") or 1))
                    except ValueError:
                        span = 1
                    vm = tcpr.find(f"{W}vMerge")
                    if vm is not None:
                        vmerge = _val(vm, "continue")
                col = len(cells)
                if vmerge == "continue":
                    text = above.get(col, "")
                else:
                    text = self.cell_text(tc)
                cells.append(text)
                cells.extend([""] * (span - 1))
            for c, text in enumerate(cells):
                above[c] = text
            rows.append(Row(cells=cells, number=r_no))
        if rows:
            self.blocks.append(Table(rows=rows, name=f"表格{self.table_no}"))


def _row_cells(tr: Any) -> list[Any]:
    """The row's own cells (not those of nested tables), through content controls."""
    out: list[Any] = []
    for child in tr:
        if child.tag == f"{W}tc":
            out.append(child)
        elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            out.extend(_row_cells(child))
    return out


def read_docx(path: Path) -> Document:
    import docx  # why: python-docx opens the Word package and parses its parts with lxml

    with open_zip_checked(path):
        pass  # integrity and zip-bomb limits before python-docx inflates anything
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many types for a damaged package
        log.warning("python-docx could not open %s", path.name, exc_info=True)
        raise ReadError(path, f"Word文件已损坏或格式不正确（{type(exc).__name__}）") from None
    part = document.part
    numbering_xml = styles_xml = None
    try:
        numbering_xml = part.numbering_part.element
    except (NotImplementedError, KeyError, AttributeError, ValueError):
        numbering_xml = None
    try:
        styles_xml = part.styles.element
    except (NotImplementedError, KeyError, AttributeError, ValueError):
        styles_xml = None
    numbering = _load_numbering(numbering_xml, styles_xml)
    body = document.element.body
    walker = _Walker(numbering)
    walker.body(body)
    if not any((isinstance(b, Line) and b.text.strip()) or isinstance(b, Table) for b in walker.blocks):
        raise ReadError(path, "Word文件中没有任何文字")
    return Document(blocks=walker.blocks)
