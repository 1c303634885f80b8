"""Reads the decisions (议定事项) of meeting minutes (会议纪要): pure Python, no Django.

Minutes of a 区政府常务会议 or 专题会议 are written the same way across offices:

    区政府常务会议纪要
    〔2026〕12号
    5月18日，区长王某主持召开区政府第12次常务会议。会议议定以下事项：
    一、关于《区老旧小区改造实施方案》的事项
    会议听取了区住房城乡建设委的汇报。会议原则同意该方案。由区住房城乡建设委牵头，
    区财政局、区发展改革委配合，于6月底前完成项目立项。
    二、……
    出席：……  列席：……

Each numbered part (一、 / （一） / 1.) after the opening paragraph is one decision:
its heading and body joined. Its units come from the responsibility clause (由X牵头，
Y配合 / X负责 / X会同Y), its deadline from the time words (于6月底前, 年底前, 10个工作日内),
read with the plan parser's deadline and unit-list functions. A decision without a
lead unit, or with no decision at all, is reported with its paragraph number, never
guessed.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from planparser.deadlines import find_time_text, parse_deadline
from planparser.numbering import cn_value
from planparser.readers import Document, Line, Table
from planparser.units import split_unit_list

_HEAD = re.compile(r"^\s*(?:[（(]([一二三四五六七八九十]{1,3})[）)]|([一二三四五六七八九十]{1,3})、|(\d{1,2})[.．、])\s*")
_MEETING = re.compile(r"(区政府(?:第[一二三四五六七八九十百\d]+次)?常务会议|[^，。,；;]{0,30}?专题会议|区长办公会议)")
_MEETING_DAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_NUMBER = re.compile(r"^[〔\[(（]\s*(\d{4})\s*[〕\])）]\s*(\d+)\s*号$")
_YEAR = re.compile(r"(20\d{2})年")
_END = re.compile(r"^(出席|参加|列席|请假|记录|抄送|分送|发送|主送|印发)[:：]?")
_WORKDAYS = re.compile(r"(\d{1,3}|[一二三四五六七八九十]{1,3})个工作日内")
# 由X牵头(负责)，Y配合 / X牵头 / X负责 / X会同Y
_LEAD = re.compile(r"(?:由|请)?([^，。；,;：:]{2,80}?)(?:牵头|负责|主办|抓好落实|抓紧落实)")
_CO = re.compile(r"[，,；;]\s*([^，。；,;：:]{2,80}?)(?:等单位|等部门)?(?:配合|协助|协办|参与)")
_WITH = re.compile(r"(?:由)?([^，。；,;：:]{2,40}?)会同([^，。；,;：:]{2,80}?)(?:负责|研究|抓紧|做好|推进|落实|，|。)")
_UNIT_HINT = re.compile(r"(局|委|办|院|中心|街道|镇|乡|公司|集团|队|部|所|会|站|处|署|室)$")


@dataclass
class Decision:
    number: str  # as written: 一 / （一） / 1
    text: str
    lead_units: list[str]
    co_units: list[str]
    deadline: dt.date | None
    deadline_text: str
    workdays: int | None
    line: int
    problems: list[str] = field(default_factory=list)


@dataclass
class Minutes:
    title: str = ""
    kind: str = "standing"  # standing / topic / other (duban.items.Meeting.Kind)
    meeting: str = ""
    held_on: dt.date | None = None
    number: str = ""
    chair: str = ""
    decisions: list[Decision] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _lines(doc: Document) -> list[Line]:
    out: list[Line] = []
    for block in doc.blocks:
        if isinstance(block, Line):
            if block.text.strip():
                out.append(block)
        elif isinstance(block, Table):  # minutes in a table: each row's cells as one paragraph
            for row in block.rows:
                text = "".join(c for c in row.cells if c).strip()
                if text:
                    out.append(Line(text, row.number))
    return out


def _units(text: str) -> list[str]:
    names = []
    for name in split_unit_list(text):
        name = re.sub(r"^(由|请|会议要求|会议同意|要求|同意)", "", name).strip()
        if name and _UNIT_HINT.search(name) and name not in names:
            names.append(name)
    return names


def read_responsibility(text: str) -> tuple[list[str], list[str]]:
    """Lead and co units written in one decision (names as written)."""
    lead: list[str] = []
    co: list[str] = []
    with_ = _WITH.search(text)
    if with_ and "牵头" not in text:
        lead, co = _units(with_.group(1)), _units(with_.group(2))
    else:
        for sentence in re.split(r"[。；;]", text):
            for m in _LEAD.finditer(sentence):
                found = _units(m.group(1))
                if not found:
                    continue
                lead += [u for u in found if u not in lead]
                rest = sentence[m.end():]
                nxt = _LEAD.search(rest)
                for c in _CO.finditer(rest[: nxt.start()] if nxt else rest):
                    co += [u for u in _units(c.group(1)) if u not in co and u not in lead]
    return lead, co


def _deadline(text: str, year: int | None) -> tuple[dt.date | None, str, int | None]:
    wd = _WORKDAYS.search(text)
    if wd:
        value = int(wd.group(1)) if wd.group(1).isdigit() else cn_value(wd.group(1))
        return None, wd.group(0), value
    time_text = find_time_text(text) or ""
    if not time_text:
        return None, "", None
    parsed = parse_deadline(time_text, year)
    return parsed.date, time_text[:300], None


def read_minutes(doc: Document) -> Minutes:
    lines = _lines(doc)
    out = Minutes()
    if not lines:
        out.warnings.append("文件中没有文字内容")
        return out
    year = None
    start = 0
    for i, line in enumerate(lines[:12]):
        text = line.text.strip().replace(" ", "")
        if not out.title and "纪要" in text and len(text) <= 40:
            out.title = text
            out.kind = "topic" if "专题" in text else ("standing" if "常务" in text else "other")
        m = _NUMBER.match(text)
        if m:
            out.number = f"〔{m.group(1)}〕{m.group(2)}号"
            year = year or int(m.group(1))
        y = _YEAR.search(text)
        if y and year is None:
            year = int(y.group(1))
    for i, line in enumerate(lines):
        flat = re.sub(r"[ \u3000]", "", line.text)
        if not (_MEETING.search(flat) and ("主持" in flat or "召开" in flat)):
            continue
        start = i + 1
        called = re.search(r"召开(?:了)?([^，。,；;]{0,40}?(?:常务会议|专题会议|办公会议|会议))", flat)
        out.meeting = (called.group(1) if called else _MEETING.search(flat).group(1)).strip("，。 ")
        day = _MEETING_DAY.search(flat)
        if day:
            y = int(day.group(1)) if day.group(1) else year
            if y is None:
                out.warnings.append(f"第{line.number}段：会议日期没有年份，也未从文号读出年份，请在预览中填写")
            else:
                try:
                    out.held_on = dt.date(y, int(day.group(2)), int(day.group(3)))
                    year = year or y
                except ValueError:
                    out.warnings.append(f"第{line.number}段：会议日期“{day.group(0)}”不是有效日期")
        chair = re.search(r"(?:常务副区长|副区长|区长|书记|秘书长|副主任|主任)([\u4e00-\u9fff]{2,3}?)(?:同志)?主持", flat)
        if chair:
            out.chair = chair.group(1)
        break
    if not out.meeting:
        out.warnings.append("未找到“主持召开……会议”一句，会议名称和日期请在预览中填写")
    if year is None and out.held_on:
        year = out.held_on.year

    current: list[Line] = []
    numbered: list[tuple[str, list[Line]]] = []
    for line in lines[start:]:
        text = line.text.strip()
        if _END.match(text.replace(" ", "")):
            break
        head = _HEAD.match(text)
        if head:
            if current:
                numbered.append((label, current))
            label = next(g for g in head.groups() if g)
            current = [Line(text[head.end():], line.number)]
        elif current:
            current.append(line)
    if current:
        numbered.append((label, current))
    if not numbered:
        out.warnings.append("未找到编号的议定事项（一、二、……）；请检查纪要格式，或逐条手工录入")
    for label, part in numbered:
        pieces = [p.text.strip() for p in part if p.text.strip()]
        # A heading line (关于……的事项) ends a sentence of its own.
        text = "".join(piece if piece[-1] in "。；;：:，," or j == len(pieces) - 1 else piece + "。"
                       for j, piece in enumerate(pieces))
        lead, co = read_responsibility(text)
        deadline, deadline_text, workdays = _deadline(text, year)
        d = Decision(number=label, text=text, lead_units=lead, co_units=co, deadline=deadline,
                     deadline_text=deadline_text, workdays=workdays, line=part[0].number)
        if not lead:
            d.problems.append(f"第{d.line}段（{label}）：未写明牵头（负责）单位")
        if not deadline and not workdays:
            if deadline_text:
                d.problems.append(f"第{d.line}段（{label}）：时限“{deadline_text}”无法换算为日期，请核对")
        out.decisions.append(d)
    return out
