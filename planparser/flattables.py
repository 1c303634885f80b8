"""Tables flattened to text: found among a document's lines and rebuilt as tables.

A table copied out of a web page or a PDF, or typed into a .txt, loses its grid.
Three shapes come back, each recognised by a header row of the same words a real
table uses (序号 / 重点工作 / 责任领导 / 责任单位 / 完成时限 and their variants,
`planparser.tables.cell_role`), wherever the header stands (after a long notice, an
附件 line or page metadata):

* pipe rows: ``| 序号 | 重点工作 | … |`` (markdown or a web copy), with or without the
  outer pipes, with or without a ``|---|`` rule;
* tab-separated rows (a sheet pasted into a .txt or into Word);
* one cell per line: 序号 / 重点工作 / 责任领导 / 责任单位 / 完成时限, then 1 / text /
  name / units / 全年 …, a cell possibly ending with ``|``, blank lines between cells,
  the header repeated on every page.

For one cell per line, rows start at the next number of the 序号 column (or, with no
such column, at the next task text), a heading line (一、… （一）…) between rows is a
section row, and the cells of a row are placed on the columns by what they say (a
list of units, a time, a person's name, a sentence): an empty cell leaves no line
behind, a long cell may wrap over several. The rebuilt `Table` replaces those lines;
the table grammar reads it like any other table. Everything else stays lines.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import combinations

from . import fields as F
from ._text import EMPTY_CELL, compact, is_empty_cell
from .header import DATE_ONLY_RE
from .numbering import HEADING_STYLES, match_label
from .readers import Line, Row, Table
from .responsibility import UNIT_END_RE
from .tables import SAME_AS_ABOVE, cell_role, header_roles

__all__ = ["recover_tables"]

_PIPES = "|｜"
_SPLIT_RES = {sep: re.compile(f"[{re.escape(sep)}]") for sep in ("\t", _PIPES)}
_RULE_RE = re.compile(r"^[\s|｜:：\-—–=+]+$")
# Header cells with no role that still belong to a header row (their column is not read).
_OTHER_HEADER_RE = re.compile(
    r"^(?:备注|说明|进展情况|工作进展|推进情况|完成情况|目标值|指标值|分值|权重|考核方式|督办方式|联系人|责任人|"
    r"具体责任人|联系电话|计划投资|总投资|年度投资|建设规模|建设性质|起止年限|所属区域|项目地点|工作目标|目标任务)$"
)
_NUMBER_RE = re.compile(r"^([0-9０-９]{1,4})[.．、]?$")
_END_RE = re.compile(r"^(?:抄送|抄报|分送|主送|印发|附件[0-9一二三四五六七八九十]*)")
_ORG_END_RE = re.compile(r"(?:办公室|办公厅|人民政府|委员会|管委会|督查室)$")
_NAME_ITEM_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_ORG_WORD_RE = re.compile(r"局|委|办|府|院|厅|中心|政府|街道|单位|部门")
_HEADING_FIRST = frozenset("第（(一二三四五六七八九十")
_TITLE_START_RE = re.compile(r"^(?:常务|副|分管|协管|联系|主管|[省市区县州]长|[省市区县]委)")
_TIMEISH_RE = re.compile(r"[年月日季旬底前内末]|持续|长期|常态|半年")
_DIGIT_RE = re.compile(r"[0-9０-９]")
_NOT_IN_UNIT_RE = re.compile(r"[。！？!?0-9０-９%％]")  # a sentence end or a figure: no unit list
# A unit name of its own starts with an administrative level, a collective word or a
# place; 理局 does not.
_NAME_START = frozenset("省市区县州盟旗镇乡街村各国中全")
_SENTENCE_PUNCT_RE = re.compile(r"[。，,；;：:！？]")
# The common Chinese surnames (a cell of 2-4 characters starting with one reads as a
# name; 度任务 does not).
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝满"
) | frozenset("欧阳 司马 诸葛 上官 东方 皇甫 令狐 慕容 夏侯 宇文 司徒 公孙 尉迟 端木 独孤 南宫 西门 呼延".split())
_TRAILING_ETC_RE = re.compile(r"(?:等(?:有关|相关)?(?:单位|部门)?|牵头|配合|负责)$")


def _cell(text: str) -> str:
    """A cell's text: whitespace and the pipes that framed it removed."""
    return compact(text).strip(_PIPES)


# --------------------------------------------------------------------------- cell kinds
# What a cell's text looks like, each question answered once per text (memoised) and
# only when asked: most rows are placed by their cheap answers.

_PART_SPLIT_RE = re.compile(r"[、，,；;]")
_MARKERS = EMPTY_CELL | SAME_AS_ABOVE  # cells that stand for another cell, or for none
_LONG_ROLES = frozenset(("task", "lead", "co", "resp", None))  # columns whose cells may wrap over lines
_TAIL_BRACKET_RE = re.compile(r"[（(][^）)]*[)）]$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _number(text: str) -> int | None:
    """A bare serial number (12, 12、, １２)."""
    m = _NUMBER_RE.match(text) if len(text) <= 5 else None
    return int(m[1].translate(_FULLWIDTH)) if m else None


@lru_cache(maxsize=16384)
def _heading(text: str) -> bool:
    """一、… （一）… 第一章…: a section heading."""
    if text[:1] not in _HEADING_FIRST:
        return False
    lab = match_label(text)
    return lab is not None and lab.style in HEADING_STYLES and lab.style != "dec1" and len(lab.rest) >= 2


@lru_cache(maxsize=16384)
def _units(text: str) -> bool:
    """A list of unit names or collectives (区发改委、区财政局等)."""
    if len(text) > 160 or _NOT_IN_UNIT_RE.search(text):
        return False
    parts = [_TRAILING_ETC_RE.sub("", p) for p in _PART_SPLIT_RE.split(text) if p]
    return bool(parts) and all(
        len(p) <= 30 and UNIT_END_RE.search(_TAIL_BRACKET_RE.sub("", p)) is not None and F.can_end_name(p)
        or F.is_collective(p) and F.can_end_name(p)
        for p in parts
    )


@lru_cache(maxsize=16384)
def _time(text: str) -> bool:
    """A time (2026年6月底前, 年底前, 持续推进, 3月完成方案；9月完工) and little else."""
    if len(text) > 60 or not _TIMEISH_RE.search(text):
        return False
    found = F.find_time_text(text)
    if found and _ORG_WORD_RE.search(found):
        return False  # 和改革局、县水利局2026年6月底前: units before the time
    # 年内完成投资48亿元 names a time but is a target: task text, not a time cell.
    return bool(found) and len(found) * 2 >= len(text) and not F.find_targets(text)


@lru_cache(maxsize=16384)
def _names(text: str) -> bool:
    """Person names or leader roles (周冲、郭文杰; 常务副区长)."""
    if len(text) > 40 or _SENTENCE_PUNCT_RE.search(text) is not None:
        return False
    parts = [p for p in _PART_SPLIT_RE.split(text) if p]
    if not parts or _units(text):
        return False
    return all(_looks_like_name(p) for p in parts) or bool(F.leader_roles(text))


def _name_shaped(text: str) -> bool:
    """Two to four Chinese characters (or such items separated by 、) that are no
    unit, collective, time or role word: most likely a person's name."""
    parts = [p for p in _PART_SPLIT_RE.split(text) if p]
    return bool(parts) and len(text) <= 20 and all(
        _NAME_ITEM_RE.match(p) and p[0] not in _NAME_START and not UNIT_END_RE.search(p) and not F.is_collective(p)
        and not _TIMEISH_RE.search(p) and not _ORG_WORD_RE.search(p) for p in parts
    )


def _sentence(text: str) -> bool:
    """Task text: long enough, and not a list of units (whole, or cut after its last
    separator: 各乡镇人民政府、县水), a time or names."""
    if len(text) < 8 or _units(text) or _names(text) or _time(text):
        return False
    if len(text) <= 14 and text[0] in _NAME_START and not _SENTENCE_PUNCT_RE.search(text) and (
        not _DIGIT_RE.search(text)
    ):
        return False  # 县住房和城乡建设: a unit name cut by a line break
    head, sep, tail = text.rpartition("、")
    return not (sep and len(tail) <= 14 and not _NOT_IN_UNIT_RE.search(tail) and _units(head))


def _looks_like_name(item: str) -> bool:
    """周冲, 郭文杰副区长: a person's name (titles stripped) starting with a common surname."""
    if not (item[:1] in _SURNAMES or item[:2] in _SURNAMES) and not _TITLE_START_RE.match(item):
        return False
    names = F.clean_leaders(item)
    name = names[0] if len(names) == 1 else item
    return bool(_NAME_ITEM_RE.match(name)) and (name[0] in _SURNAMES or name[:2] in _SURNAMES)


@lru_cache(maxsize=65536)
def _fit(role: str | None, texts: tuple[str, ...]) -> float:
    """How well `texts` (one or more lines) fill a column of this role."""
    if len(texts) == 1 and (is_empty_cell(texts[0]) or texts[0] in SAME_AS_ABOVE):
        # A cell written as empty (/, —, 无) or as 同上: any column but the task's, on
        # its own line.
        return -4.0 if role == "task" else 1.0
    if not _MARKERS.isdisjoint(texts):
        return -8.0
    if not texts:
        # A task cell is never empty; a lead unit rarely is (of 牵头单位 | 配合单位 with
        # one list written, the list leads).
        return -4.0 if role == "task" else (-0.3 if role in ("lead", "resp") else 0.0)
    # Each further line costs, less when the line before it stops mid-sentence.
    extra = 0.0 if len(texts) == 1 else sum(
        1.5 if texts[i - 1].endswith(("。", "；", ";")) else 0.15 for i in range(1, len(texts))
    )
    if role == "task":
        length = sum(len(t) for t in texts)
        if len(texts) == 1:
            sentence = _sentence(texts[0])
            timed = not sentence and _time(texts[0])
        else:  # lines of one cell: a sentence unless every line is a list, a time or names
            listy = [_units(t) or _time(t) or _names(t) for t in texts]
            sentence = length >= 8 and not all(listy)
            timed = False
            extra += sum(1.0 for t in texts[1:] if _units(t) or _time(t))
        return (2.5 + min(length / 40, 0.5) if sentence else (0.5 if length >= 4 and not timed else -2.0)) - extra
    if role in ("lead", "co", "resp"):
        text = _join_units(texts) if len(texts) > 1 else texts[0]
        extra = 0.1 * (len(texts) - 1)
        first = _PART_SPLIT_RE.split(texts[0], maxsplit=1)[0]
        if F.starts_inside_name(texts[0]):
            extra += 4.0  # 人民政府、…: the rest of the cell before
        elif len(first) <= 2 and first[:1] not in _NAME_START:
            extra += 1.5  # 理局: likewise, most likely
        if len(texts) > 1 and _units(text) and any(not F.can_end_name(_PART_SPLIT_RE.split(t)[-1]) for t in texts[:-1]):
            extra -= 1.0  # the lines complete a name a line break cut (城关镇人 / 民政府)
        if _units(text):
            return 3.0 - extra
        # A short name the unit test does not know (大兴发展) may still be a unit; a
        # sentence or a figure is not.
        plain = 4 <= len(text) <= 12 and not (_SENTENCE_PUNCT_RE.search(text) or _DIGIT_RE.search(text))
        return (0.3 if plain and not (_time(text) or _names(text)) else -2.5) - extra
    if len(texts) > 2:
        return -6.0  # names, a time, a category: one or two lines
    text = "".join(texts)
    if role == "leaders":
        # A name whose surname is not among the common ones (禤伟) still has a name's shape.
        # Just above an empty cell: a unit name a line break cut (县自 / 然资源局) reads
        # better joined.
        score = 3.0 if _names(text) else (0.2 if _name_shaped(text) else -3.0)
    elif role == "time":
        score = 3.0 if _time(text) else -2.5
    elif role in ("category", "sub"):
        score = 1.0 if len(text) <= 24 and not (_units(text) or _time(text) or _names(text)) else -1.5
    elif role == "number":
        score = 3.0 if _number(text) is not None else -4.0
    else:
        score = 0.0 if len(text) <= 60 else -1.0
    return score - extra


def _align(roles: Sequence[str | None], texts: tuple[str, ...]) -> list[list[str]]:
    """Place a row's cell lines on its columns, in order, each column taking a run of
    consecutive lines (none for an empty cell): the placement whose cells read most
    like their columns."""
    n, w = len(texts), len(roles)
    if n == w and all(_fit(r, (t,)) >= 2 or r is None for r, t in zip(roles, texts)):
        return [[t] for t in texts]  # one line per cell, each plainly where it belongs
    if 0 < n < w and n >= w - 2:
        quick = _one_line_cells(roles, texts)
        if quick is not None:
            return quick
    forced = _forced_cells(roles, texts)
    if forced is not None:
        return forced
    neg = float("-inf")
    best = [[neg] * (w + 1) for _ in range(n + 1)]
    back = [[0] * (w + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    spans = {(s, i): texts[s:i] for i in range(n + 1) for s in range(max(0, i - 6), i + 1)}
    for j in range(1, w + 1):
        role = roles[j - 1]
        span = 6 if role in _LONG_ROLES else 2  # names, a time or a category: one or two lines
        prev = [best[s][j - 1] for s in range(n + 1)]
        # The columns left can take at most 6 lines each.
        for i in range(max(0, n - 6 * (w - j)), min(n, 6 * j) + 1):
            top = neg
            arg = i
            for s in range(max(0, i - span), i + 1):
                b = prev[s]
                if b == neg:
                    continue
                v = b + _fit(role, spans[s, i])
                if v > top:
                    top, arg = v, s
            best[i][j], back[i][j] = top, arg
    cells: list[list[str]] = [[] for _ in range(w)]
    i = n
    for j in range(w, 0, -1):
        s = back[i][j]
        cells[j - 1] = list(texts[s:i])
        i = s
    return cells


def _one_line_cells(roles: Sequence[str | None], texts: tuple[str, ...]) -> list[list[str]] | None:
    """A row with one or two empty cells whose every line plainly belongs to some
    column (fits it with 2 or more): the best placement of one line per cell, or None
    when some line fits no column plainly (the full alignment decides)."""
    n, w = len(texts), len(roles)
    best, best_cols = float("-inf"), None
    for cols in combinations(range(w), n):
        score = 0.0
        for t, c in zip(texts, cols):
            role = roles[c]
            f = _fit(role, (t,))
            if role is not None and f < 2:
                break
            score += f
        else:
            for c in range(w):
                if c not in cols:
                    score += _fit(roles[c], ())
            if score > best:
                best, best_cols = score, cols
    if best_cols is None:
        return None
    cells: list[list[str]] = [[] for _ in range(w)]
    for t, c in zip(texts, best_cols):
        cells[c] = [t]
    return cells


def _forced_cells(roles: Sequence[str | None], texts: tuple[str, ...]) -> list[list[str]] | None:
    """A row whose every line plainly belongs to exactly one column (fits it with 2 or
    more, and no other), those columns in order: each column takes its lines, when
    the lines of each cell read as one cell too. None otherwise."""
    cols: list[int] = []
    for t in texts:
        plain = [c for c, role in enumerate(roles) if role is not None and _fit(role, (t,)) >= 2]
        if len(plain) != 1 or (cols and plain[0] < cols[-1]):
            return None
        cols.append(plain[0])
    cells: list[list[str]] = [[] for _ in range(len(roles))]
    for t, c in zip(texts, cols):
        cells[c].append(t)
    for c, lines in enumerate(cells):
        if len(lines) > 1 and (roles[c] not in _LONG_ROLES or _fit(roles[c], tuple(lines)) < 2):
            return None
    return cells


def _join_units(texts: Sequence[str]) -> str:
    """Lines of one unit cell as one list: joined directly where a name was cut (天 /
    通苑北街道) or after a separator, with 、 between whole names."""
    out = texts[0]
    for t in texts[1:]:
        out += t if F.cut_inside_name(out, t) else "、" + t
    return out


def _join_cell(role: str | None, texts: list[str]) -> str:
    if len(texts) == 1 and is_empty_cell(texts[0]):
        return ""
    if role in ("lead", "co", "resp", "leaders"):
        return "\n".join(texts)
    return "".join(texts)


# --------------------------------------------------------------------------- finding tables


def recover_tables(blocks: Sequence[Line | Table], is_noise: Callable[[str], bool],
                   furniture: frozenset[int] = frozenset()) -> list[Line | Table]:
    """`blocks` with every flattened task table among its lines rebuilt as a Table.
    `is_noise(text)` says whether a line is page furniture (a page number, a web
    page's address) that may stand between cells; a bare number is never furniture
    here (it is a serial). `furniture` holds the ids of further lines that are
    (running headers and footers)."""
    def noise(ln: Line, text: str) -> bool:
        return id(ln) in furniture or not _NUMBER_RE.match(text) and is_noise(text)

    out: list[Line | Table] = []
    run: list[Line] = []
    for block in blocks:
        if isinstance(block, Line):
            run.append(block)
            continue
        out.extend(_recover_run(run, noise))
        run = []
        out.append(block)
    out.extend(_recover_run(run, noise))
    return out


def _recover_run(lines: list[Line], is_noise: Callable[[Line, str], bool]) -> list[Line | Table]:
    if not lines or not any(_could_be_header(ln.text) for ln in lines):
        return list(lines)
    starts = [k for k, ln in enumerate(lines) if _may_start_table(ln.text)]
    out: list[Line | Table] = []
    k = 0
    while k < len(lines):
        nxt = next((s for s in starts if s >= k), None)
        if nxt is None:
            out.extend(lines[k:])
            break
        if nxt > k:
            out.extend(lines[k:nxt])  # no table can start before a header-like line
            k = nxt
        found = _table_at(lines, k, is_noise)
        if found is None:
            out.append(lines[k])
            k += 1
            continue
        table, end = found
        out.append(table)
        k = end
    return out


def _could_be_header(text: str) -> bool:
    c = _cell(text)
    return bool(c) and (cell_role(c) == "task" or ("|" in text or "｜" in text or "\t" in text) and len(c) <= 200)


def _may_start_table(text: str) -> bool:
    """A line a table's header may start at (what `_table_at` reads further)."""
    if "\t" in text or "|" in text or "｜" in text:
        return True
    c = _cell(text)
    return bool(c) and (cell_role(c) is not None or c.startswith("序号"))


def _split_cells(text: str, sep: str) -> list[str]:
    # Leading and trailing tabs are empty cells (a row whose first cells are empty).
    cells = _SPLIT_RES[sep].split(text.strip(" \r\n\u3000") if sep == "\t" else text.strip())
    if sep in _PIPES and cells and not compact(cells[0]):
        cells = cells[1:]
    if sep in _PIPES and cells and not compact(cells[-1]):
        cells = cells[:-1]
    return [compact(c) for c in cells]


def _table_at(lines: list[Line], k: int, is_noise: Callable[[Line, str], bool]) -> tuple[Table, int] | None:
    raw = lines[k].text
    delimited = "\t" in raw or "|" in raw or "｜" in raw
    for sep in ("\t", _PIPES) if delimited else ():
        if any(ch in raw for ch in sep):
            cells = _split_cells(raw, sep)
            roles = header_roles(cells) if len(cells) >= 2 else None
            if roles is not None:
                return _delimited(lines, k, sep, cells, is_noise)
    if cell_role(_cell(raw)) is None and not _cell(raw).startswith("序号"):
        return None
    header = _stacked_header(lines, k)
    if header is None:
        return None
    cells, roles, end = header
    return _stacked(lines, k, end, cells, roles, is_noise)


# --------------------------------------------------------------------------- delimited rows


def _delimited(lines: list[Line], k: int, sep: str, header: list[str],
               is_noise: Callable[[Line, str], bool]) -> tuple[Table, int]:
    """Rows split on `sep` from the header at line k on; a heading line between them
    is a section row; page furniture and a repeated header are skipped."""
    rows = [Row(cells=header, number=lines[k].number)]
    end = k + 1
    j = k
    while j + 1 < len(lines):
        j += 1
        raw = lines[j].text
        c = _cell(raw)
        if not c or _RULE_RE.match(raw) or is_noise(lines[j], c):
            end = j + 1
            continue
        if any(ch in raw for ch in sep):
            at = j
            if sep == "\t" and raw.count('"') % 2:
                # A sheet pasted as text quotes a cell holding line breaks: "区财政局
                # 区自然资源局" goes on over the next lines until its closing quote.
                quoted, j = _quoted_row(lines, j)
                cells = quoted if quoted is not None else _split_cells(raw, sep)
            else:
                cells = _split_cells(raw, sep)
            if cells == header:
                end = j + 1
                continue  # the header repeated on a new page
            rows.append(Row(cells=cells, number=lines[at].number))
            end = j + 1
            continue
        if _heading(c):
            rows.append(Row(cells=[c] + [""] * (len(header) - 1), number=lines[j].number))
            end = j + 1
            continue
        break
    return Table(rows=rows), end


def _quoted_row(lines: list[Line], j: int) -> tuple[list[str] | None, int]:
    """The tab-separated row starting at line j whose quoted cell goes on over the
    next lines (at most 12): its cells (a cell's line breaks kept) and the index of
    its last line; (None, j) when no closing quote comes."""
    text = lines[j].text
    m = j
    while text.count('"') % 2 and m + 1 < len(lines) and m - j < 12:
        m += 1
        text += "\n" + lines[m].text
    if text.count('"') % 2:
        return None, j
    cells = next(csv.reader([text], delimiter="\t"))
    return ["\n".join(p for p in (compact(x) for x in cell.split("\n")) if p) for cell in cells], m


# --------------------------------------------------------------------------- one cell per line


def _stacked_header(lines: list[Line], k: int) -> tuple[list[str], list[str | None], int] | None:
    """Header cells standing one per line from line k: (cells, roles, index after)."""
    cells: list[str] = []
    j = k
    while j < len(lines):
        c = _cell(lines[j].text)
        if not c:
            j += 1
            continue
        if len(c) > 12 or (cell_role(c) is None and not _OTHER_HEADER_RE.match(c)):
            break
        if c in cells:
            break
        cells.append(c)
        j += 1
    if len(cells) < 3:
        return None
    roles = header_roles(cells)
    if roles is None or not any(r in ("lead", "co", "resp", "leaders", "time") for r in roles):
        return None
    return cells, roles, j


def _stacked(lines: list[Line], k: int, start: int, header: list[str], roles: list[str | None],
             is_noise: Callable[[Line, str], bool]) -> tuple[Table, int]:
    tokens: list[tuple[str, int]] = []  # (cell text, line index)
    j = start
    width = len(header)
    in_row = 0  # lines read since the last serial number (a row is full at `width`)
    while j < len(lines):
        c = _cell(lines[j].text)
        if not c or is_noise(lines[j], c):
            j += 1
            continue
        if c == header[0] and _is_header_repeat(lines, j, header):
            j = _skip_header(lines, j, header)
            continue
        if _END_RE.match(c):
            break
        if _ORG_END_RE.search(c) and len(c) <= 30 and not _SENTENCE_PUNCT_RE.search(c) and "、" not in c and (
            not F.is_collective(c)
        ) and (in_row >= width or roles[0] != "number") and _next_is_date(lines, j, header):
            break  # the signature under a full last row (an org and a date, no row after them)
        tokens.append((c, j))
        in_row = 1 if _number(c) is not None else in_row + 1
        j += 1
    end = j
    rows, used = _stacked_rows(tokens, roles)
    if used < len(tokens):
        end = tokens[used][1]
    table_rows = [Row(cells=list(header), number=lines[k].number)]
    for kind, cells, at in rows:
        number = lines[at].number
        if kind == "section":
            table_rows.append(Row(cells=[cells[0]] + [""] * (width - 1), number=number))
        else:
            table_rows.append(Row(cells=cells, number=number))
    return Table(rows=table_rows), end


def _is_header_repeat(lines: list[Line], j: int, header: list[str]) -> bool:
    got: list[str] = []
    while j < len(lines) and len(got) < min(3, len(header)):
        c = _cell(lines[j].text)
        if c:
            got.append(c)
        j += 1
    return got == header[: len(got)]


def _skip_header(lines: list[Line], j: int, header: list[str]) -> int:
    seen = 0
    while j < len(lines) and seen < len(header):
        c = _cell(lines[j].text)
        if c:
            if c != header[seen]:
                break
            seen += 1
        j += 1
    return j


def _next_is_date(lines: list[Line], j: int, header: list[str]) -> bool:
    """Whether the line after j is a date and no row follows it (a serial number, task
    text, or the header repeated on a new page past a page mark)."""
    seen = [c for c in (_cell(ln.text) for ln in lines[j + 1 : j + 8]) if c][:4]
    if not seen or not DATE_ONLY_RE.match(seen[0]):
        return False
    return not any(_NUMBER_RE.match(c) or c == header[0] or _sentence(c) for c in seen[1:])


def _stacked_rows(tokens: list[tuple[str, int]], roles: list[str | None]) -> tuple[list, int]:
    """Rows from the cell lines: [("row", cells, line index) | ("section", [text], line
    index)], and how many tokens were used (the table ends before the rest)."""
    numbered = roles[0] == "number"
    rest_roles = roles[1:] if numbered else roles
    rows: list[tuple[str, list[str], int]] = []
    groups: list[tuple[str, list[str], int]] = []  # ("row"|"section", texts, line index)
    last_no: int | None = None
    after_section = True
    used = 0
    for i, (text, at) in enumerate(tokens):
        number = _number(text)
        cur = groups[-1] if groups and groups[-1][0] == "row" else None
        if numbered and number is not None and (
            last_no is None or number == last_no + 1 or (number == 1 and after_section)
        ):
            groups.append(("row", [text], at))
            last_no, after_section = number, False
        elif _heading(text) and (cur is None or len(cur[1]) > 1):
            groups.append(("section", [text], at))
            after_section = True
        elif not numbered and _sentence(text) and (cur is None or _starts_row(cur[1])):
            groups.append(("row", [text], at))
        elif cur is not None:
            cur[1].append(text)
        elif groups and (numbered or _open_brackets("".join(groups[-1][1])) or len(text) <= 10):
            groups[-1][1].append(text)  # a heading wrapped over lines
        elif groups:
            break  # text after a section row that starts no row: the table has ended
        else:
            continue  # a note above the first row (单位：万元)
        used = i + 1
    for kind_, texts, at in groups:
        if kind_ == "section":
            rows.append((kind_, ["".join(texts)], at))
            continue
        body = texts[1:] if numbered else texts
        placed = _align(rest_roles, tuple(body))
        cells = [_join_cell(r, c) for r, c in zip(rest_roles, placed)]
        rows.append(("row", ([texts[0]] if numbered else []) + cells, at))
    return rows, used


def _starts_row(texts: list[str]) -> bool:
    """With no 序号 column: whether a sentence after the lines `texts` of the row being
    read starts the next row. It does once the row has its task text, unless the
    row's last line is that text stopping mid-sentence (a wrapped cell goes on)."""
    if not any(_sentence(t) for t in texts):
        return False
    last = texts[-1]
    return not (_sentence(last) and not last.endswith(("。", "！", "？", "；", ";", "）", ")")))


def _open_brackets(text: str) -> int:
    return sum(text.count(c) for c in "（(") - sum(text.count(c) for c in "）)")
