"""Reads a 交办单 (an order from the city or higher, or the feedback of an inspection
with its 整改 list): pure Python, no Django.

Offices write them in three layouts, all read here:

- a letter: the issuing office, the title, 文号 (京政督办〔2026〕12号), the addressee,
  an opening, then numbered parts (一、 / （一） / 1.), each a problem with labelled
  lines (问题：… 整改措施：… 责任单位：… 完成时限：…) or a plain paragraph (“请区城管委
  牵头，区交通委配合，于6月30日前完成整改”), then a closing request, the signature and
  the date;
- a table of problems: one row per item under a header row (序号, 问题, 整改措施,
  责任单位 or 牵头单位/配合单位, 完成时限);
- a form (交办单 proper): a two-column table of labels and values (交办单位, 文号,
  交办事项, 问题描述, 办理要求, 责任单位, 办理时限) holding one item.

What the reader had to assume is said (``guesses``, per item and for the document),
and what it could not read is a problem naming the paragraph or row; nothing is made
up: a part without a responsible unit has no unit.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from planparser.deadlines import find_time_text, parse_deadline
from planparser.readers import Document, Line, Table

from .minutes import _HEAD, _units, read_responsibility

# 京政督办〔2026〕12号, 市督查室[2026]3号, 京督（2026）5号
_DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,12})\s*[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]\s*第?(\d{1,5})\s*号")
_ISSUER = re.compile(r"^[\u4e00-\u9fff（）()]{3,30}(?:督查室|督查组|督查办公室|督查局|人民政府|政府办公厅|政府办公室|办公厅|办公室|督办室|委员会|巡视组|巡察组|检查组|局|厅|委)$")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_INSPECTION = re.compile(r"督查发现|检查发现|暗访|巡查发现|督查反馈|反馈问题|整改台账|问题清单|发现的问题")
_END = re.compile(r"^(联系人|联系电话|附件|抄送|抄报|印发|主送)[:：]?")
_CLOSING = re.compile(r"^(请|以上|上述|各单位|你区|你单位).{0,60}(报送|报告|反馈|上报|报市|书面报)")

LABELS = {
    "problem": ("存在问题", "问题描述", "问题表现", "具体问题", "主要问题", "反馈问题", "问题"),
    "measures": ("整改措施", "整改要求", "办理要求", "工作要求", "落实要求", "具体措施", "措施", "要求"),
    "lead": ("责任单位", "牵头单位", "主办单位", "承办单位", "责任部门", "牵头部门"),
    "co": ("配合单位", "协办单位", "配合部门"),
    "deadline": ("完成时限", "整改时限", "办结时限", "办理时限", "完成时间", "整改期限", "办理期限", "时限"),
    "title": ("交办事项", "事项名称", "督办事项", "事项", "标题", "问题名称"),
    "issuer": ("交办单位", "交办机关", "交办部门", "来文单位", "发文单位"),
    "number": ("文号", "交办单号", "交办文号", "编号", "督办编号"),
    "date": ("交办日期", "交办时间", "发文日期", "成文日期"),
}
_LABELLED = re.compile(
    r"^\s*(?:\d{1,2}[.．、]|[（(][一二三四五六七八九十\d]{1,3}[）)])?\s*("
    + "|".join(sorted({w for ws in LABELS.values() for w in ws}, key=len, reverse=True))
    + r")\s*[:：]\s*(.*)$")


def _label_key(word: str) -> str | None:
    word = re.sub(r"[\s\u3000*＊:：]", "", word or "")
    for key, words in LABELS.items():
        if word in words:
            return key
    for key, words in LABELS.items():  # 整改措施及要求, 问题（事项）描述
        if any(word.startswith(w) for w in words if len(w) >= 2):
            return key
    return None


@dataclass
class OrderItem:
    number: str  # as written (一 / （一） / 1 / the table's 序号)
    title: str
    problem: str
    measures: str
    lead_units: list[str]
    co_units: list[str]
    deadline: dt.date | None
    deadline_text: str
    where: str  # 第N段 / 表格第N行
    guesses: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Order:
    title: str = ""
    issuer: str = ""
    doc_number: str = ""
    issued_on: dt.date | None = None
    source: str = "assigned"  # assigned / inspection (duban.items.AssignedItem.Source)
    items: list[OrderItem] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _flat(text: str) -> str:
    return re.sub(r"[ \u3000\t]+", "", text or "").strip()


def _cn_date(m: re.Match) -> dt.date | None:
    def small(s: str) -> int:
        if s == "十":
            return 10
        if s.startswith("十"):
            return 10 + _CN_DIGITS[s[1]]
        if s.endswith("十"):
            return _CN_DIGITS[s[0]] * 10
        if "十" in s:
            return _CN_DIGITS[s[0]] * 10 + _CN_DIGITS[s[2]]
        return _CN_DIGITS[s]

    try:
        return dt.date(int("".join(str(_CN_DIGITS[c]) for c in m.group(1))), small(m.group(2)), small(m.group(3)))
    except (KeyError, ValueError, IndexError):
        return None


def find_date(text: str) -> dt.date | None:
    flat = _flat(text)
    m = _DATE.search(flat)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    m = _CN_DATE.search(flat)
    return _cn_date(m) if m else None


def is_date_line(flat: str) -> bool:
    """A line that is only a date (the date under a signature)."""
    return bool(_DATE.fullmatch(flat) or _CN_DATE.fullmatch(flat))


def doc_number(text: str) -> str:
    m = _DOC_NUMBER.search(_flat(text))
    return f"{m.group(1)}〔{m.group(2)}〕{int(m.group(3))}号" if m else ""


def _deadline(text: str, year: int | None) -> tuple[dt.date | None, str]:
    text = _flat(text)
    if not text:
        return None, ""
    time_text = find_time_text(text) or text
    parsed = parse_deadline(time_text, year)
    return parsed.date, time_text[:300]


def _responsible(value: str, where: str, guesses: list[str]) -> tuple[list[str], list[str]]:
    """Units written after 责任单位：— with their roles when written (X牵头，Y配合), else
    the first named is taken as the lead (the usual rule: 排在首位的为牵头单位)."""
    lead, co = read_responsibility(value)
    if lead:
        return lead, co
    names = _units(value)
    if len(names) > 1:
        guesses.append(f"{where}：责任单位“{'、'.join(names)}”未写明牵头和配合，按排列顺序以{names[0]}为牵头单位、"
                       "其余为配合单位，请核对")
        return names[:1], names[1:]
    return names, []


def _first_sentence(text: str, limit: int = 80) -> str:
    m = re.match(r"(.+?[。；;])", text)
    s = m.group(1) if m else text
    return s if len(s) <= limit else s[:limit] + "…"


def _finish(item: OrderItem, year: int | None, *, text_for_units: str = "", text_for_deadline: str = "") -> OrderItem:
    """Fills what labels did not give from the whole text, and records the problems."""
    if not item.lead_units and text_for_units:
        item.lead_units, item.co_units = read_responsibility(text_for_units)
    if not item.deadline and not item.deadline_text and text_for_deadline:
        found = find_time_text(_flat(text_for_deadline))
        if found:
            item.deadline, item.deadline_text = _deadline(found, year)
    if not item.title:
        source = item.problem or item.measures
        item.title = _first_sentence(source)
        if item.title and item.title != source:
            item.guesses.append(f"{item.where}：没有单列的事项名称，取问题描述的第一句作为事项名称")
    if not item.title:
        item.problems.append(f"{item.where}：没有读出交办事项或问题")
    if not item.lead_units:
        item.problems.append(f"{item.where}：未写明责任（牵头）单位")
    if item.deadline_text and item.deadline is None:
        item.guesses.append(f"{item.where}：时限“{item.deadline_text}”无法换算为日期，未设完成时限，可在预览中填写")
    return item


# --- the three layouts ------------------------------------------------------------------------

def _lines(doc: Document) -> list[Line]:
    return [b for b in doc.blocks if isinstance(b, Line) and b.text.strip()]


def _tables(doc: Document) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table) and b.rows]


def _read_header(lines: list[Line], order: Order) -> int:
    """Issuer, title, number and date from the lines before the first numbered part;
    returns the index of the first line after the opening (the salutation and the
    sentence that introduces the items)."""
    year = None
    start = 0
    for i, line in enumerate(lines):
        flat = _flat(line.text)
        if _HEAD.match(line.text.strip()) and i > 0:
            break
        labelled = _LABELLED.match(flat)
        key = _label_key(labelled.group(1)) if labelled else None
        if key == "issuer" and labelled.group(2):
            order.issuer = labelled.group(2).strip()
        elif key == "number" and doc_number(labelled.group(2)):
            order.doc_number = doc_number(labelled.group(2))
        if not order.doc_number and doc_number(flat):
            order.doc_number = doc_number(flat)
        if not order.issuer and _ISSUER.match(flat) and i < 4:
            order.issuer = flat
        if not order.title and not labelled and len(flat) <= 60 and ("交办" in flat or "督办" in flat or flat.startswith("关于")) \
                and not _DOC_NUMBER.search(flat) and not flat.endswith(("：", ":")):
            order.title = flat
        if order.issued_on is None and i < 6:
            d = find_date(flat) if len(flat) <= 30 else None
            if d:
                order.issued_on = d
        start = i + 1
    del year
    return start


def _signature(lines: list[Line], order: Order) -> None:
    """The issuer and the date signed at the end (a line of an office's name, a date line)."""
    tail = [_flat(l.text) for l in lines[-6:]]
    for j, flat in enumerate(tail):
        if order.issued_on is None and is_date_line(flat):
            order.issued_on = find_date(flat)
        if not order.issuer and _ISSUER.match(flat):
            order.issuer = flat


def _part_item(label: str, number: int, pieces: list[str], year: int | None) -> OrderItem:
    """One numbered part (or the one item of an unnumbered letter): labelled lines, or a
    heading and a plain paragraph."""
    where = f"第{number}段（{label}）"
    item = OrderItem(number=label, title="", problem="", measures="", lead_units=[], co_units=[], deadline=None,
                     deadline_text="", where=where)
    plain: list[str] = []
    key_of_last = None
    if not any(_LABELLED.match(_flat(p)) for p in pieces):
        # No labels: a heading line (关于……的问题) if the first line is one, then the body.
        first = _flat(pieces[0])
        heading = (len(pieces) > 1 and len(first) <= 40 and not re.search(r"牵头|负责|配合|前完成", first)
                   and (first.startswith("关于") or first.endswith(("问题", "事项", "情况", "：", ":"))))
        body = "".join(pieces[1:] if heading else pieces)
        item.title = first.rstrip("：:") if heading else ""
        pieces = [pieces[0], body] if heading else ["", body]
    for j, piece in enumerate(pieces):
        if not piece:
            continue
        m = _LABELLED.match(_flat(piece))
        key = _label_key(m.group(1)) if m else None
        if key is None:
            if key_of_last in ("problem", "measures"):
                setattr(item, key_of_last, getattr(item, key_of_last) + piece)
            elif j == 0:
                item.title = piece.rstrip("：:")
            else:
                plain.append(piece)
            continue
        value = m.group(2).strip()
        key_of_last = key
        if key == "problem":
            item.problem = value
        elif key == "measures":
            item.measures = value
        elif key == "lead":
            item.lead_units, item.co_units = _responsible(value, where, item.guesses)
        elif key == "co":
            item.co_units = [u for u in _units(value) if u not in item.lead_units]
        elif key == "deadline":
            item.deadline, item.deadline_text = _deadline(value, year)
        elif key == "title":
            item.title = value
    body = "".join(plain)
    if body and not item.problem and not item.measures:
        # An unlabelled paragraph: the problem and what is asked, with its units and time.
        item.measures = body
    if item.title and not item.problem and not item.measures and len(item.title) > 60:
        item.problem, item.title = item.title, ""
    whole = "".join(pieces)
    return _finish(item, year, text_for_units=body or whole, text_for_deadline=body or whole)


def _read_parts(lines: list[Line], start: int, order: Order, year: int | None) -> list[OrderItem]:
    """The numbered parts of a letter: the first numbering style met is the items'
    (一、 for problems with 1. measures under them is one item each)."""
    parts: list[tuple[str, int, list[str]]] = []
    style = None
    for line in lines[start:]:
        text = line.text.strip()
        flat = _flat(text)
        if _END.match(flat) or (_ISSUER.match(flat) and parts) or (is_date_line(flat) and parts):
            break
        head = _HEAD.match(text)
        this_style = None
        if head:
            this_style = 0 if head.group(1) else (1 if head.group(2) else 2)
        if head and (style is None or this_style == style) and not _LABELLED.match(flat):
            style = this_style
            label = next(g for g in head.groups() if g)
            parts.append((label, line.number, [text[head.end():].strip()]))
            continue
        if parts:
            if _CLOSING.match(flat) and not re.search(r"牵头|负责", flat):
                order.guesses.append(f"第{line.number}段“{_first_sentence(flat, 40)}”视为对全部事项的总体要求，"
                                     "未计入最后一项")
                break
            parts[-1][2].append(text)
    return [_part_item(label, number, pieces, year) for label, number, pieces in parts]


def _single(lines: list[Line], order: Order, year: int | None) -> list[OrderItem]:
    """A letter of one item with no numbering: its labelled lines (问题：… 责任单位：…)
    from the first to the closing, signature or end."""
    first = None
    for i, line in enumerate(lines):
        m = _LABELLED.match(_flat(line.text))
        if m and _label_key(m.group(1)) in ("problem", "measures", "title", "lead", "deadline"):
            first = i
            break
    if first is None:
        return []
    pieces = []
    for line in lines[first:]:
        flat = _flat(line.text)
        if _END.match(flat) or _ISSUER.match(flat) or is_date_line(flat):
            break
        if _CLOSING.match(flat) and not re.search(r"牵头|负责", flat):
            order.guesses.append(f"第{line.number}段“{_first_sentence(flat, 40)}”视为总体要求，未计入交办事项")
            break
        pieces.append(line.text.strip())
    return [_part_item("1", lines[first].number, pieces, year)]


_COLUMNS = {
    "number": ("序号", "编号", "问题编号"),
}


def _column_key(cell: str) -> str | None:
    flat = re.sub(r"[\s\u3000*＊]", "", cell or "")
    if flat in _COLUMNS["number"]:
        return "number"
    return _label_key(flat)


def _read_table_items(table: Table, year: int | None) -> list[OrderItem] | None:
    """A table with a header row of known columns: one item a row (None: not such a table)."""
    for h, row in enumerate(table.rows[:3]):
        keys = [_column_key(c) for c in row.cells]
        if sum(1 for k in keys if k in ("problem", "measures", "title")) >= 1 and \
                sum(1 for k in keys if k in ("lead", "deadline")) >= 1:
            break
    else:
        return None
    items = []
    for row in table.rows[h + 1:]:
        cells = {}
        for key, value in zip(keys, row.cells):
            if key and value and value.strip() and key not in cells:
                cells[key] = value.strip()
        if not any(cells.get(k) for k in ("problem", "measures", "title", "lead")):
            continue
        items.append(_item_from_fields(cells, cells.get("number", str(len(items) + 1)),
                                       f"{table.name or '表格'}第{row.number}行", year))
    return items


def _item_from_fields(fields: dict[str, str], number: str, where: str, year: int | None) -> OrderItem:
    """One item from its labelled fields (a table row's cells, or a form's values)."""
    item = OrderItem(number=number, title=fields.get("title", ""), problem=fields.get("problem", ""),
                     measures=fields.get("measures", ""), lead_units=[], co_units=[], deadline=None,
                     deadline_text="", where=where)
    if fields.get("lead"):
        item.lead_units, item.co_units = _responsible(fields["lead"], where, item.guesses)
    if fields.get("co"):
        item.co_units = [u for u in _units(fields["co"]) if u not in item.lead_units]
    if fields.get("deadline"):
        item.deadline, item.deadline_text = _deadline(fields["deadline"], year)
    return _finish(item, year, text_for_units=item.measures, text_for_deadline=item.measures)


def _read_form(table: Table, order: Order, year: int | None) -> OrderItem | None:
    """A form table: label | value (| label | value) rows, one item."""
    values: dict[str, str] = {}
    for row in table.rows:
        cells = [c.strip() for c in row.cells]
        for k in range(0, len(cells) - 1, 2):
            key = _label_key(cells[k])
            if key and cells[k + 1] and key not in values:
                values[key] = cells[k + 1]
    if not (values.get("title") or values.get("problem")) or not (values.keys() & {"lead", "deadline", "measures"}):
        return None
    if values.get("issuer"):
        order.issuer = order.issuer or _flat(values["issuer"])
    if values.get("number"):
        order.doc_number = order.doc_number or doc_number(values["number"]) or _flat(values["number"])
    if values.get("date"):
        order.issued_on = order.issued_on or find_date(values["date"])
    year = year or (order.issued_on.year if order.issued_on else None)
    return _item_from_fields(values, "1", table.name or "交办单表格", year)


def read_order(doc: Document) -> Order:
    order = Order()
    lines = _lines(doc)
    tables = _tables(doc)
    if not lines and not tables:
        order.warnings.append("文件中没有文字内容")
        return order
    start = _read_header(lines, order) if lines else 0
    _signature(lines, order)
    year = None
    m = _DOC_NUMBER.search(order.doc_number)
    if m:
        year = int(m.group(2))
    elif order.issued_on:
        year = order.issued_on.year

    for table in tables:
        found = _read_table_items(table, year)
        if found:
            order.items += found
            continue
        item = _read_form(table, order, year)
        if item:
            order.items.append(item)
    if not order.items and lines:
        order.items = _read_parts(lines, start, order, year) or _single(lines, order, year)
    if year is None and order.doc_number:
        m = _DOC_NUMBER.search(order.doc_number)
        year = int(m.group(2)) if m else None

    text = "".join(_flat(l.text) for l in lines) + "".join(
        _flat(c) for t in tables for r in t.rows for c in r.cells)
    hit = _INSPECTION.search(text)
    if hit:
        order.source = "inspection"
        order.guesses.append(f"文中有“{hit.group(0)}”字样，来源按“督查反馈问题”填写，请核对")
    if not order.doc_number:
        order.warnings.append("未读出交办单文号（如 京政督办〔2026〕12号），请在预览中填写")
    if not order.issuer:
        order.warnings.append("未读出交办机关，请在预览中填写")
    if order.issued_on is None:
        order.warnings.append("未读出成文日期，收到日期请在预览中填写")
    if not order.items:
        order.warnings.append("未找到交办事项：既没有编号的事项（一、二、……），也没有含“问题”“责任单位”等表头的表格")
    return order
