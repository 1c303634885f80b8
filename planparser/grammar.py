"""Document grammar: a `Document` (lines and tables) in, a `Plan` out.

The grammar finds the plan's parts (title, issuer, date, sections, numbered items,
responsibility fields) and hands every field's text to `planparser.fields` to be
interpreted; it never reads a date, a target or a unit list itself.

Lines are read in one pass into a tree of numbered items. A numbering style (一、
（一） 1. （1） …) seen for the first time nests under the current item; a style
already open closes everything below it. After the pass, an item with responsible
children is a heading (a section, a subsection, or a parent item whose fields pass
down and whose number prefixes its children's: "n.k"); a leaf that carries a
responsibility assignment (its own or a heading's) is a task. Text that never
becomes a task is dropped, with a warning when it sits inside the task list.

Tables are read row by row against a header row; a category column is carried down
as the section, 同上 copies the cell above.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from . import fields as F
from .model import Plan, Section, Task, Warning
from .readers import Document, Line, ReadError, Row, Table

__all__ = ["ParseError", "parse_document"]


class ParseError(ReadError):
    """The file was read but holds no plan (no task at all). One line of Chinese."""

    _verb = "无法解析"


# --------------------------------------------------------------------------- text

_WS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_CN_NUM = "一二三四五六七八九十百零〇两"
_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


_ZW_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def compact(text: str | None) -> str:
    """The text with every whitespace character removed (PLAN_FORMAT.md, Strings)."""
    if not text:
        return ""
    return _compact(text)


@lru_cache(maxsize=16384)
def _compact(text: str) -> str:
    # Memoised: the grammar looks at each line's compact form several times.
    # str.split() splits on all Unicode whitespace, U+3000 included; zero-width
    # characters from docx/pdf extraction are not whitespace and are deleted.
    out = "".join(text.split())
    return _ZW_RE.sub("", out) if _ZW_RE.search(out) else out


def cn_value(s: str) -> int | None:
    """'12' → 12, '十二' → 12, '二十一' → 21, '一百零一' → 101; None when not a numeral."""
    if not s:
        return None
    s = s.translate(_FULLWIDTH_DIGITS)
    if s.isdigit():
        return int(s)
    if any(c not in _CN_DIGIT and c not in "十百" for c in s):
        return None
    total, cur = 0, 0
    for c in s:
        if c == "百":
            total += (cur or 1) * 100
            cur = 0
        elif c == "十":
            total += (cur or 1) * 10
            cur = 0
        else:
            cur = cur * 10 + _CN_DIGIT[c] if cur and "十" not in s and "百" not in s else _CN_DIGIT[c]
    return total + cur


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

# --------------------------------------------------------------------------- field calls
# The field functions are pure; plans repeat the same field texts (2026年12月31日 on
# every task), so their answers are memoised. `clear_caches()` empties them (the
# benchmark does, so that it times cold parses).


@lru_cache(maxsize=4096)
def _time_text(text: str) -> str | None:
    return F.find_time_text(text)


@lru_cache(maxsize=4096)
def _deadline(text: str, plan_year: int | None) -> F.Deadline:
    return F.parse_deadline(text, plan_year)


@lru_cache(maxsize=4096)
def _leader_names(text: str) -> tuple[str, ...]:
    return tuple(F.clean_leaders(text))


@lru_cache(maxsize=4096)
def _units(items: tuple[tuple[str, str], ...]) -> F.UnitSplit:
    return F.assign_units(dict(items))


@lru_cache(maxsize=8192)
def _split_parens_cached(text: str) -> tuple[str, tuple[str, ...]]:
    return _split_trailing_parens(text)


def clear_caches() -> None:
    for fn in (_compact, _time_text, _deadline, _leader_names, _units, _split_parens_cached, _match_label,
               _field_pairs):
        fn.cache_clear()


# --------------------------------------------------------------------------- labels
# Numbering labels, matched on the line with its whitespace removed. Each gives a
# style (used for nesting) and the number text (the label without brackets/punctuation).
_LABELS: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"^第([{_CN_NUM}\d]{{1,4}})(?:章|部分|篇)[、.．：:]?(.*)$")),
    ("article", re.compile(rf"^第([{_CN_NUM}\d]{{1,4}})条[、.．：:]?(.*)$")),
    ("pcn", re.compile(rf"^[（(]([{_CN_NUM}]{{1,4}})[）)][、.．]?(.*)$")),
    ("pnum", re.compile(r"^[（(]([0-9０-９]{1,3})[）)][、.．]?(.*)$")),
    ("circ", re.compile(r"^([\u2460-\u2473])[、.．]?(.*)$")),
    ("dec", re.compile(r"^((?:[1-9][0-9]{0,2})(?:[.．](?:[1-9][0-9]{0,2})){1,3})(?:[.．、\s]|(?=[^\d.．%％]))(.*)$")),
    ("num", re.compile(r"^([0-9０-９]{1,4})(?:[.．、](?![0-9０-９])|[)）])(.*)$")),
    ("cn", re.compile(rf"^([{_CN_NUM}]{{1,4}})[、.．](.*)$")),
]
# '1 农村供水保障': a bare number and a space before Chinese text (GB-style headings).
_BARE_NUM_RE = re.compile(r"^([0-9]{1,2})[ \u3000\t]+(?=[\u4e00-\u9fff])")
_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}
# Heading-like styles: name sections and subsections. The rest are items.
_HEADING_STYLES = {"chapter", "cn", "pcn", "dec1"}


@dataclass
class Label:
    style: str
    number: str
    value: int | None
    rest: str


_LABEL_FIRST = frozenset("第（(0123456789０１２３４５６７８９" + _CN_NUM + "".join(chr(0x2460 + i) for i in range(20)))


def _labels_for(ch: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Every label regex is anchored on a fixed first-character class: only try the
    # ones that can match a line starting with ch (in the same order).
    first = {
        "chapter": "第", "article": "第", "pcn": "（(", "pnum": "（(",
        "circ": "".join(chr(0x2460 + i) for i in range(20)), "dec": "123456789",
        "num": "0123456789０１２３４５６７８９", "cn": _CN_NUM,
    }
    return tuple((style, rx) for style, rx in _LABELS if ch in first[style])


_LABELS_BY_FIRST = {ch: _labels_for(ch) for ch in _LABEL_FIRST}


def match_label(text: str) -> Label | None:
    """The numbering label at the start of a (whitespace-free) line."""
    if not text or text[0] not in _LABEL_FIRST:
        return None
    return _match_label(text)


@lru_cache(maxsize=16384)
def _match_label(text: str) -> Label | None:
    # Memoised (the grammar asks about the same line several times); Labels are
    # never modified by callers.
    for style, rx in _LABELS_BY_FIRST[text[0]]:
        m = rx.match(text)
        if not m:
            continue
        number, rest = m[1], m[2]
        if style == "circ":
            return Label(style, str(_CIRCLED[number]), _CIRCLED[number], rest)
        number = number.translate(_FULLWIDTH_DIGITS).replace("．", ".")
        if style == "dec":
            value = int(number.rsplit(".", 1)[1])
            return Label(f"dec{number.count('.') + 1}", number, value, rest)
        if style == "cn" and rest[:1] in ("是", "要", "批", "些", "方面", "系列"):
            return None
        value = cn_value(number)
        if value is None:
            continue
        return Label(style, number, value, rest)
    return None


# Field labels, longest first so 主要责任单位 wins over 责任单位.
_FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "leaders": ("牵头区领导", "责任区领导", "分管区领导", "牵头市领导", "牵头县领导", "责任市领导", "责任县领导",
                "分管市领导", "分管县领导", "牵头领导", "责任领导", "分管领导", "联系领导", "包联领导", "主管领导",
                "区领导", "市领导", "县领导", "领导"),
    "lead": ("牵头责任单位", "牵头单位", "牵头部门", "主办单位", "主责单位", "主责部门"),
    "co": ("责任配合单位", "配合单位", "协办单位", "参与单位", "协同单位", "协助单位", "配合部门", "协办部门",
           "参与部门", "协同部门"),
    "resp": ("主要责任单位", "具体责任单位", "责任单位", "责任部门", "承办单位", "实施单位", "落实单位", "责任主体",
             "主体责任单位"),
    "time": ("完成时限", "完成时间", "完成期限", "时间节点", "时限要求", "时间要求", "进度安排", "时间安排", "完成时序",
             "截止时间", "时限"),
}
_LABEL_KEY: dict[str, str] = {w: k for k, ws in _FIELD_WORDS.items() for w in ws}
_LABEL_ALT = "|".join(sorted(_LABEL_KEY, key=len, reverse=True))
_FIELD_RE = re.compile(rf"(?:{_LABEL_ALT})[:：]")
_FIELD_START_RE = re.compile(rf"^[【\[〔]?(?P<w>{_LABEL_ALT})[】\]〕]?(?:[:：]|\s+(?=\S))")
_FIELD_NAME_RE = re.compile(rf"(?P<w>{_LABEL_ALT})[:：]")
_FIELD_FIRST = frozenset("【[〔" + "".join(w[0] for w in _LABEL_KEY))
_BRACKETED_LABEL_RE = re.compile(rf"^({_LABEL_ALT})[】\]〕]")
# A label whose characters PDF extraction spaced apart (责 任 单 位：), on raw text.
_SPACED_FIELD_RE = re.compile(
    r"(?:%s)\s*[:：]" % "|".join(r"\s*".join(map(re.escape, w)) for w in sorted(_LABEL_KEY, key=len, reverse=True))
)

_OPEN = "（(【〔［[〈"
_CLOSE = "）)】〕］]〉"
_ALL_OPEN = frozenset("（(〈〔【[「『《{｛［“‘")
_ALL_CLOSE = frozenset("）)〉〕】]」』》}｝］”’")
_PAIR = {")": "(", "）": "（", "】": "【", "〕": "〔", "］": "［", "]": "[", "〉": "〈"}

_ROLE_RE = re.compile(r"牵头|配合|负责|参与|协办|协同|协助|按职责|责任单位|主办|落实")
_TIME_WORD_RE = re.compile(r"前|底|末|完成|季度|上半年|下半年|年内|全年|持续|长期|常态|旬|\d+月|[一二三四五六七八九十]+月|年")
_UNIT_END_RE = re.compile(
    r"(?:委|局|办|府|处|会|心|部|院|司|镇|街道|乡|队|所|站|公司|集团|中心|银行|行|厅|室|组|社|馆|校|园|区|县|市|协|联|团|台|馆|科|庭|署|关|场)$"
)
_UNIT_SUFFIX_START_RE = re.compile(
    r"^(?:人民政府|政府|办事处|管委会|管理委员会|委员会|分局|有限公司|有限责任公司|公司|集团|中心|办公室|管理局|管理处|服务中心|[委局办处所队站部院])"
)
_SEPARATOR_END = tuple("、，,；;：:（(")
_TERMINAL_END = tuple("。！？!?")

# Noise.
_PAGE_NO_RES = [
    re.compile(r"^[—–\-－_~·•=\u2014\u2015]*[0-9０-９]{1,4}[—–\-－_~·•=\u2014\u2015]*$"),
    re.compile(r"^第[0-9０-９]{1,4}页[,，/／]?(?:共[0-9０-９]{1,4}页)?$"),
    re.compile(r"^共[0-9０-９]{1,4}页[,，/／]?第[0-9０-９]{1,4}页$"),
    re.compile(r"^[0-9]{1,4}/[0-9]{1,4}$"),
    re.compile(r"^(?i:page)[0-9]{1,4}(?:(?i:of)[0-9]{1,4})?$"),
    re.compile(r"^[—–\-－]?[（(]?[0-9]{1,4}[)）]?[—–\-－]?$"),
]
_PAGE_NO_RE = re.compile("|".join(f"(?:{rx.pattern})" for rx in _PAGE_NO_RES))
_DATE_TEXT = (
    r"(?:(?:19|20)[0-9]{2}|[〇零一二三四五六七八九]{4})年"
    r"(?:[0-9]{1,2}|[一二三四五六七八九十]{1,2})月"
    r"(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})日"
)
_DATE_ONLY_RE = re.compile(rf"^[（(]?(?P<d>{_DATE_TEXT})[)）]?$")
_DATE_FIND_RE = re.compile(
    r"(?P<y>(?:19|20)[0-9]{2}|[〇零一二三四五六七八九]{4})年(?P<m>[0-9]{1,2}|[一二三四五六七八九十]{1,2})月"
    r"(?P<d>[0-9]{1,2}|[一二三四五六七八九十]{1,3})日"
)
_SIGNED_DATE_RE = re.compile(rf"^(?P<org>.{{2,40}}?)(?P<d>{_DATE_TEXT})(?P<tail>印发|发布|印制)?$")
_CC_RE = re.compile(r"^(?:抄送|抄报|分送|主送|报送|发送)[:：]")
_CC_FIRST = frozenset("抄分主报发")
_DIGITS_RE = re.compile(r"[0-9０-９]+")
_HEADER_END_RE = re.compile(r"文件$|方案$|通知$|办公室$")
_PRINTED_RE = re.compile(rf"(?P<d>{_DATE_TEXT})(?:印发|印制)$")
_PUBLIC_RE = re.compile(r"^[（(](?:此件|本件|联系人|联系电话|此文)[^）)]{0,30}[)）]$")
_ATTACH_RE = re.compile(r"^附件[0-9一二三四五六七八九十]*[:：]?$|^附件[0-9一二三四五六七八九十]*[:：]?.{0,40}(?:方案|清单|表|计划)$")
_NOTICE_TITLE_RE = re.compile(r"关于印发(?P<t>.+?)的通知")
_DOCNO_RE = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【(（](?:19|20)[0-9]{2}[〕\]］】)）][0-9]{1,4}号")
_TITLE_WORD_RE = re.compile(
    r"(?:方案|计划|清单|要点|分工|任务|台账|安排|一览表|责任表|分解表|分工表|任务表|任务书|责任书|实施意见|目标)$"
)
_ORG_END_RE = re.compile(
    r"(?:办公室|办公厅|人民政府|政府|委员会|管委会|领导小组|局|委|厅|办|部|中心|督查室|处|公司|集团|街道办事处|办事处)$"
)
_YEAR_RE = re.compile(r"((?:19|20)[0-9]{2})年?")
_CN_YEAR_RE = re.compile(r"([〇零一二三四五六七八九]{4})年")
_DEFAULT_DEADLINE_RES = [
    re.compile(r"除[^，。；]{0,16}?(?:注明|标明|标注|明确|另有|单独|特别|列明|载明)[^，。；]{0,12}?(?:外|以外)[，,]?(?P<rest>[^。；]{1,40})"),
    re.compile(r"(?:以上|上述|各项|所有|本方案)?(?:任务|工作)(?:的)?完成时限(?:均|统一|一律)?(?:为|是|在)(?P<rest>[^。；，]{1,24})"),
]
_LEADER_GROUP_RE = re.compile(
    r"^(?:由)?(?P<who>[^，。；（(]{2,40}?)(?:同志)?(?:牵头|负责|分管|联系|主抓)(?:的|推进的|落实的|抓总的)?"
    r"(?:重点|主要)?(?:工作|任务|事项|项目)(?:任务|清单)?[（(]?(?:[0-9]+项)?[)）]?$"
)
_PERSON_TITLE_RE = re.compile(
    r"(?:常务副区长|常务副市长|常务副县长|副区长|副市长|副县长|区长|市长|县长|副书记|书记|副主任|主任|秘书长|"
    r"局长|部长|镇长|副镇长|乡长|常委|委员|同志|主席|副主席|检察长|院长|政委)"
)
_UNIT_WORD_RE = re.compile(r"(?:区|市|县|镇|街道|乡)?.{0,12}(?:委|局|办|府|处|管委会|中心|公司|集团|街道|镇|乡)$")
_HEADER_ROLE_RES: list[tuple[str, re.Pattern[str]]] = [
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
        r"任务|工作内容|工作事项|重点工作|事项|具体工作|工作措施|具体措施|主要内容|工作目标|项目名称|建设内容|内容|措施|名称")),
]
_SAME_AS_ABOVE = {"同上", "同上。", "〃", "\"", "”", "同前", "同上栏"}


# --------------------------------------------------------------------------- nodes


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
    seq: int = 0  # position in reading order across lines and tables


@dataclass
class _Ctx:
    """What a heading passes down to the items under it."""

    section: str | None = None
    subsection: str | None = None
    prefix: str | None = None
    leaders: list[str] | None = None
    units: dict[str, str] | None = None
    time: str | None = None
    in_section: bool = False


@dataclass
class _TaskDraft:
    task: Task
    style: str | None
    parent_id: int
    unit_text: dict[str, str]
    seq: int = 0
    where: str = ""


# --------------------------------------------------------------------------- helpers


def _strip_trailing_seps(text: str) -> str:
    return text.rstrip("；;，,、。 \u3000")


def _balanced_open(text: str) -> int:
    depth = 0
    for ch in text:
        if ch in _ALL_OPEN:
            depth += 1
        elif ch in _ALL_CLOSE and depth:
            depth -= 1
    return depth


def _find_outside_brackets(rx: re.Pattern[str], text: str) -> re.Match[str] | None:
    """First match of rx in text that does not start inside brackets."""
    for m in rx.finditer(text):
        if _balanced_open(text[: m.start()]) == 0:
            return m
    return None


def _split_top(text: str, seps: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _ALL_OPEN:
            depth += 1
        elif ch in _ALL_CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in seps:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _labelled_fields(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split 'prefix 牵头领导：A 责任单位：B' into the prefix and (key, value) pairs.
    Values run to the next label; trailing separators are trimmed."""
    matches = [m for m in _FIELD_NAME_RE.finditer(text) if _balanced_open(text[: m.start()]) == 0]
    if not matches:
        return text, []
    prefix = text[: matches[0].start()]
    out: list[tuple[str, str]] = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[m.end() : end]
        value = value.strip().rstrip("；;，,。 \u3000")
        out.append((_LABEL_KEY[m["w"]], value))
    return prefix, out


def _is_unit_list(text: str) -> bool:
    parts = [p for p in re.split(r"[、，,；;]", compact(text)) if p]
    if not parts:
        return False
    for p in parts:
        p = re.sub(r"[（(]牵头[)）]$", "", p)
        if not (_UNIT_END_RE.search(p) or F.is_collective(p)) or len(p) > 30:
            return False
    return True


_TIME_PHRASE_RE = re.compile(r"[\u4e00-\u9fff\d]{1,10}(?:以前|之前|前|底|末|以内|之内|内|期间|结束)")


def _is_time_phrase(text: str) -> bool:
    """A short phrase naming a time the date parser may not read (汛期前, 开学前): taken
    as the deadline as written, so the task is warned about it instead of losing it."""
    return bool(_TIME_PHRASE_RE.fullmatch(text) and not _UNIT_END_RE.search(text) and not _ROLE_RE.search(text))


def _is_units_and_time(c: str) -> bool:
    """（县水利局；汛期前）: unit lists and time phrases only, at least one of each."""
    parts = [p for p in _split_top(c, "；;，,") if p]
    units = [p for p in parts if _is_unit_list(p)]
    return bool(units) and len(units) < len(parts) and all(p in units or _is_time_phrase(p) for p in parts)


def _is_responsibility(content: str) -> bool:
    """Whether a trailing parenthesis assigns responsibility or time (not text like
    （PM2.5） or （2026—2028年））."""
    c = compact(content)
    if not c:
        return False
    if _FIELD_RE.search(c):
        return True
    if _ROLE_RE.search(c) and len(c) <= 200:
        return True
    if len(c) <= 40 and _TIME_WORD_RE.search(c) and re.search(r"前|底|末|完成|季度|半年|年内|全年|持续|长期|常态|旬", c):
        try:
            if _time_text(c):
                return True
        except NotImplementedError:
            pass
    return _is_unit_list(c) or _is_units_and_time(c)


def split_trailing_parens(text: str) -> tuple[str, list[str]]:
    title, contents = _split_parens_cached(text)
    return title, list(contents)


def _split_trailing_parens(text: str) -> tuple[str, tuple[str, ...]]:
    """Cut responsibility parentheses off the end of a task text.

    Returns the title (a final 。 kept when written) and the parentheses' contents in
    written order. Brackets that belong to the text stay.
    """
    contents: list[str] = []
    title = text
    had_stop = False
    while True:
        body = title.rstrip()
        tail = ""
        while body and body[-1] in "。；;，,":
            tail = body[-1] + tail
            body = body[:-1]
        if not body or body[-1] not in _CLOSE:
            break
        close = body[-1]
        want = _PAIR.get(close)
        depth, start = 0, -1
        for i in range(len(body) - 1, -1, -1):
            ch = body[i]
            if ch in _CLOSE:
                depth += 1
            elif ch in _OPEN:
                depth -= 1
                if depth == 0:
                    start = i
                    break
        if start < 0 or (want and body[start] not in (want, "（", "(")):
            break
        inner = body[start + 1 : -1]
        if not _is_responsibility(inner):
            break
        contents.insert(0, inner)
        if "。" in tail:
            had_stop = True
        title = body[:start]
    if contents:
        title = title.rstrip("；;，, ")
        if had_stop and not title.endswith("。"):
            title += "。"
    return title, tuple(contents)


def parse_paren(content: str) -> dict[str, str]:
    """Fields of one responsibility parenthesis: labelled parts, time clauses, and the
    rest as prose ('区发改委牵头，区财政局配合')."""
    out: dict[str, str] = {}
    prose: list[str] = []
    times: list[str] = []

    def add(key: str, value: str) -> None:
        if value:
            out[key] = f"{out[key]}、{value}" if key in out and key != "time" else (
                f"{out[key]}；{value}" if key in out else value)

    for part in _split_top(content, "；;"):
        if not part.strip():
            continue
        prefix, labelled = _labelled_fields(part)
        if labelled:
            for key, value in labelled:
                add(key, value)
            if compact(prefix):
                prose.append(prefix.rstrip("，,、 "))
            continue
        clauses = _split_top(part, "，,")
        for clause in clauses:
            cc = compact(clause)
            if not cc:
                continue
            t = None
            if _TIME_WORD_RE.search(cc):
                try:
                    t = _time_text(cc)
                except NotImplementedError:
                    t = None
            if t and not _ROLE_RE.search(cc.replace(t, "")):
                times.append(t)
            elif t:
                # 'A牵头，6月底前完成' in one clause without a comma: split the time off.
                times.append(t)
                prose.append(cc.replace(t, "").rstrip("，,"))
            elif _is_time_phrase(cc) and not _is_unit_list(cc):
                times.append(cc)  # a time the date parser cannot read: kept, and warned about
            else:
                prose.append(cc)
    if times:
        add("time", "；".join(times))
    if prose:
        add("prose", "，".join(p for p in prose if p))
    return out


def _join_field(prev: str, new: str, key: str, wrapped: bool | None) -> str:
    """Append a continuation line to a field value: directly for a wrap, with a line
    break where the writer started a new line (unit lists split there)."""
    if not prev or prev.endswith(_SEPARATOR_END):
        return prev + new
    if key in ("time",) or wrapped:
        return prev + new
    if key == "leaders":
        return prev + "\n" + new
    if _UNIT_SUFFIX_START_RE.match(new):
        return prev + new
    last = re.split(r"[、，,；;\n]", prev)[-1]
    if wrapped is False or _UNIT_END_RE.search(last):
        return prev + "\n" + new
    return prev + new


def _looks_like_continuation(node: Node, key: str, text: str, wrapped: bool | None) -> bool:
    """Whether a plain line goes on with the field value written above it."""
    prev = node.fields.get(key, "")
    if not prev.strip():
        return True
    if wrapped:
        return True
    if _FIELD_RE.search(text):
        return False
    if prev.rstrip().endswith(_SEPARATOR_END):
        return len(text) <= 120
    if text.endswith(_TERMINAL_END) or len(text) > 60:
        return False
    if key == "time":
        return bool(_TIME_WORD_RE.search(text)) and len(text) <= 40
    if key == "leaders":
        return len(text) <= 12 and not _ORG_END_RE.search(text)
    if wrapped is False:
        return False
    return True


def _parse_date(m: re.Match[str]) -> date | None:
    y, mo, d = m["y"], m["m"], m["d"]
    year = int(y) if y.isdigit() else int("".join(str(_CN_DIGIT.get(c, 0)) for c in y))
    month, day = cn_value(mo), cn_value(d)
    if month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _number_key(number: str | None) -> int | None:
    if not number:
        return None
    last = number.rsplit(".", 1)[-1]
    return cn_value(last)


@lru_cache(maxsize=8192)
def _field_pairs(text: str) -> tuple[tuple[str, str], ...]:
    """The (key, value) pairs of a field line (its stripped raw text). Memoised: plans
    repeat the same field lines (完成时限：2026年12月底前)."""
    # Keep spaces inside values for leader names (周  冲 vs 张三 李四).
    ct = compact(text)
    m = _FIELD_START_RE.match(ct)
    if m and not _FIELD_NAME_RE.match(ct):
        # '牵头领导 张三': a label followed by whitespace instead of a colon.
        word = m["w"]
        idx = text.find(word[-1]) + 1 if word else 0
        text = word + "：" + text[idx:].lstrip()
    if text[:1] in "【[〔":
        text = _BRACKETED_LABEL_RE.sub(r"\1", text.lstrip("【[〔"))
    # Values keep their inner spaces (周  冲 is one name, 张三 李四 two).
    return tuple(_split_raw_fields(text, ct.count("：") + ct.count(":")))


def _split_raw_fields(text: str, colons: int) -> list[tuple[str, str]]:
    matches = list(_FIELD_NAME_RE.finditer(text))
    named = True
    if len(matches) < colons and len(matches) < len(_FIELD_NAME_RE.findall(compact(text))):
        # A label spaced apart by PDF extraction (责 任 单 位：).
        matches = list(_SPACED_FIELD_RE.finditer(text))
        named = False
    out: list[tuple[str, str]] = []
    n = len(matches)
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < n else len(text)
        word = m["w"] if named else compact(m[0]).rstrip(":：")
        value = text[m.end() : end].strip().rstrip("；;，,。 \u3000")
        out.append((_LABEL_KEY[word], value))
    return out


# --------------------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.warnings: list[Warning] = []
        self._warned_mentions: set[tuple[int | None, str]] = set()
        self.plan = Plan(title=None, issuer=None, issued=None, plan_year=None, default_deadline=None)
        self.root = Node(style="root", number=None, value=None, line=0)
        self.stack: list[Node] = [self.root]
        self.current: Node | None = None
        self.in_cc = False
        self.tasks: list[_TaskDraft] = []
        self.table_tasks_after: list[tuple[int, list[_TaskDraft]]] = []
        self.seen_field = False
        self.first_task_line: int | None = None
        self.skipped_text: list[tuple[int, int, str]] = []  # (seq, line, text)
        self.numbered: list[tuple[str | None, int | None, int, int | None, str | None, str, int]] = []
        self.forced_year: int | None = None
        self.default_time: str | None = None
        self.seq = 0
        self._memo: dict[int, bool] = {}
        self._own_cache: dict[int, dict[str, str]] = {}
        self._group_cache: dict[int, dict[str, str]] = {}

    # ------------------------------------------------------------------ header
    def header(self, ctexts: list[str], skip: set[int]) -> tuple[int, set[int]]:
        """Find title, issuer, date, 文号 and where the plan body starts (on the lines'
        whitespace-free texts). Returns the index of the first body line and the
        indexes of lines to drop as noise."""
        texts = [t if i not in skip and not self.is_page_number(t) else "" for i, t in enumerate(ctexts)]
        nonblank = [i for i, t in enumerate(texts) if t]
        drop: set[int] = set()
        first_field = next(
            (i for i in nonblank if _FIELD_START_RE.match(texts[i]) or _FIELD_RE.search(texts[i])), len(texts)
        )
        head_idx = [i for i in nonblank if i < first_field]

        # 关于印发《…》的通知, possibly wrapped over the first lines.
        notice_title: str | None = None
        notice_end = -1
        for k in range(min(8, len(head_idx))):
            joined = "".join(texts[i] for i in head_idx[: k + 1])
            m = _NOTICE_TITLE_RE.search(joined)
            if m:
                t = m["t"]
                if "《" in t and "》" in t:
                    t = t[t.index("《") + 1 : t.rindex("》")]
                notice_title = t.strip("《》“”\"")
                notice_end = head_idx[k]
                # The org header before 关于 (e.g. 北京市大兴区人民政府办公室).
                before = joined[: m.start()]
                if before:
                    before = re.sub(r"文件$", "", before)
                    if _ORG_END_RE.search(before) and len(before) <= 40:
                        self.plan.issuer = before
                for i in head_idx[: k + 1]:
                    drop.add(i)
                break

        # 文号
        for i in nonblank[:40] + nonblank[-10:]:
            m = _DOCNO_RE.search(texts[i])
            if m:
                self.plan.doc_number = m[0]
                if len(texts[i]) <= len(m[0]) + 4:
                    drop.add(i)
                break

        # Signature: the first date-only line before the task list, and the org above it.
        date_idx = None
        for i in nonblank:
            if i >= first_field and notice_title is None:
                break
            m = _DATE_ONLY_RE.match(texts[i])
            if m:
                date_idx = i
                break
            sm = _SIGNED_DATE_RE.match(texts[i])
            if sm and _ORG_END_RE.search(sm["org"]) and not sm["tail"]:
                date_idx = i
                break
        if date_idx is None:
            # A plan without a notice signs at its end.
            for i in reversed(nonblank[-8:]):
                if _DATE_ONLY_RE.match(texts[i]) or (
                    (sm := _SIGNED_DATE_RE.match(texts[i])) and _ORG_END_RE.search(sm["org"]) and not sm["tail"]
                ):
                    date_idx = i
                    break
        if date_idx is not None:
            dm = _DATE_FIND_RE.search(texts[date_idx])
            if dm:
                self.plan.issued = _parse_date(dm)
            drop.add(date_idx)
            sm = _SIGNED_DATE_RE.match(texts[date_idx])
            org = sm["org"] if sm and not _DATE_ONLY_RE.match(texts[date_idx]) else None
            if org is None:
                prev = [i for i in nonblank if i < date_idx]
                if prev and _ORG_END_RE.search(texts[prev[-1]]) and len(texts[prev[-1]]) <= 40:
                    org = texts[prev[-1]]
                    drop.add(prev[-1])
            if org:
                self.plan.issuer = org
        # Fallback: the 版记 line 'XX办公室 2026年3月19日印发'.
        if self.plan.issued is None or self.plan.issuer is None:
            for i in reversed(nonblank[-12:]):
                m = _PRINTED_RE.search(texts[i])
                if m:
                    dm = _DATE_FIND_RE.search(m["d"])
                    if self.plan.issued is None and dm:
                        self.plan.issued = _parse_date(dm)
                    org = texts[i][: m.start()]
                    if self.plan.issuer is None and org and _ORG_END_RE.search(org):
                        self.plan.issuer = org
                    break

        # Title and body start.
        body_start = 0
        title: str | None = notice_title
        title_idx: list[int] = []
        search_from = notice_end + 1 if notice_title else 0
        candidates = [i for i in nonblank if search_from <= i < first_field]
        for pos, i in enumerate(candidates):
            t = texts[i]
            if match_label(t) or _PAGE_NO_RES[0].match(t):
                if notice_title is None:
                    break  # the task list began before any title line
                continue
            nxt = texts[candidates[pos + 1]] if pos + 1 < len(candidates) else ""
            if notice_title is not None:
                if t == notice_title or (t + nxt) == notice_title or (
                    len(t) >= 6 and t in notice_title and (t + nxt).startswith(notice_title)
                ):
                    title_idx = [i] if t == notice_title else [i, candidates[pos + 1]]
                    break
                continue
            if len(t) > 60 or t.endswith(_TERMINAL_END):
                continue
            if _TITLE_WORD_RE.search(t):
                title, title_idx = t, [i]
                break
            if nxt and len(t) + len(nxt) <= 70 and _TITLE_WORD_RE.search(nxt) and not match_label(nxt):
                title, title_idx = t + nxt, [i, candidates[pos + 1]]
                break
        if title_idx:
            body_start = title_idx[-1] + 1
            drop.update(title_idx)
        elif notice_title is not None and date_idx is not None and date_idx < first_field:
            body_start = date_idx + 1
        if notice_title is not None and body_start == 0:
            body_start = notice_end + 1
        self.plan.title = title
        self.plan.plan_year = self._year_of(title)
        if self.plan.plan_year is None and self.plan.issued:
            self.plan.plan_year = self.plan.issued.year

        # Default deadline: a notice sentence such as 除注明外均须于12月底前完成.
        for i in nonblank:
            if i > first_field and i >= body_start:
                break
            self._default_deadline_from(texts[i])
        return body_start, drop

    @staticmethod
    def _year_of(title: str | None) -> int | None:
        if not title:
            return None
        m = _YEAR_RE.search(title)
        if m:
            return int(m[1])
        m = _CN_YEAR_RE.search(title)
        if m:
            return int("".join(str(_CN_DIGIT[c]) for c in m[1]))
        return None

    def _default_deadline_from(self, text: str) -> None:
        if self.default_time is not None:
            return
        for rx in _DEFAULT_DEADLINE_RES:
            m = rx.search(text)
            if not m:
                continue
            t = _time_text(m["rest"])
            if t:
                self.default_time = t
                return

    # ------------------------------------------------------------------ noise
    def running_headers(self, lines: list[Line], ctexts: list[str]) -> set[int]:
        """Indexes of running headers/footers: short lines repeated at the top or bottom
        of several pages (digits ignored), or repeated often in unpaged text."""
        keys: dict[str, set[int]] = {}
        by_page: dict[int, list[int]] = {}
        for i, ln in enumerate(lines):
            if ln.page is not None and ctexts[i]:
                by_page.setdefault(ln.page, []).append(i)
        out: set[int] = set()
        if by_page:
            for page, idxs in by_page.items():
                for i in idxs[:2] + idxs[-2:]:
                    t = ctexts[i]
                    if len(t) > 50 or (t[:1] in _FIELD_FIRST and _FIELD_START_RE.match(t)):
                        continue
                    keys.setdefault(_DIGITS_RE.sub("#", t), set()).add(page)
            repeated = {k for k, pages in keys.items() if len(pages) >= 2}
            if repeated:
                for page, idxs in by_page.items():
                    for i in set(idxs[:2] + idxs[-2:]):
                        t = ctexts[i]
                        if _DIGITS_RE.sub("#", t) in repeated and not match_label(t):
                            out.add(i)
            return out
        counts: dict[str, list[int]] = {}
        for i, t in enumerate(ctexts):
            if not t or len(t) > 50 or (t[0] in _FIELD_FIRST and _FIELD_START_RE.match(t)) or match_label(t):
                continue
            k = _DIGITS_RE.sub("#", t)
            if "#" in k or _HEADER_END_RE.search(k):
                counts.setdefault(k, []).append(i)
        for k, idxs in counts.items():
            if len(idxs) >= 3:
                out.update(idxs)
        return out

    @staticmethod
    def is_page_number(t: str) -> bool:
        return len(t) <= 16 and _PAGE_NO_RE.match(t) is not None

    # ------------------------------------------------------------------ lines
    def feed_line(self, ln: Line, t: str | None = None) -> None:
        raw = ln.text.strip()
        if t is None:
            t = compact(raw)
        if not t:
            return
        if len(t) <= 16 and _PAGE_NO_RE.match(t) is not None:
            return
        c0 = t[0]
        # Cheap prechecks: each regex below needs a fixed first character or substring.
        printed = t.endswith(("印发", "印制")) and _PRINTED_RE.search(t) is not None
        if printed or (c0 in _CC_FIRST and _CC_RE.match(t)):
            self.in_cc = not t.endswith("。") and not printed
            return
        fm = _FIELD_START_RE.match(t) if c0 in _FIELD_FIRST else None
        if self.in_cc:
            if match_label(t) or fm:
                self.in_cc = False
            else:
                if t.endswith("。"):
                    self.in_cc = False
                return
        if (c0 in "（(" and _PUBLIC_RE.match(t)) or (c0 == "附" and _ATTACH_RE.match(t)):
            return
        if ("除" in t or "完成时限" in t) and any(rx.search(t) for rx in _DEFAULT_DEADLINE_RES) and not match_label(t):
            self._default_deadline_from(t)
            return
        if "年" in t and "日" in t:
            if _DATE_ONLY_RE.match(t):
                node = self.current
                if node is not None and node.last_field == "time" and not node.fields.get("time", "").strip():
                    node.fields["time"] = t
                return
            sm = _SIGNED_DATE_RE.match(t)
            if sm and _ORG_END_RE.search(sm["org"]) and not _FIELD_RE.search(t) and not match_label(t):
                return

        if fm:
            self.field_line(raw, ln)
            return
        lab = match_label(t)
        if lab is None:
            bm = _BARE_NUM_RE.match(raw)
            if bm:
                lab = Label("dec1", bm[1], int(bm[1]), compact(raw[bm.end():]))
        if lab is not None and not self._label_is_wrap(lab, t, ln):
            self.open_item(lab, t, ln)
            return
        self.plain_line(raw, t, ln)

    def _label_is_wrap(self, lab: Label, t: str, ln: Line) -> bool:
        """A line that only looks numbered because a wrap put a number at its start."""
        node = self.current
        if node is None or node.closed:
            return False
        if node.last_field is None and node.last_wrapped and node.title and not node.title.endswith(_TERMINAL_END):
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
        # Close back to an open item of the same style (a sibling), else nest.
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].style == lab.style:
                del self.stack[depth:]
                break
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
        m = _find_outside_brackets(_FIELD_NAME_RE, text)
        if m is not None:
            prefix, labelled = _labelled_fields(text)
            node.title += compact(prefix)
            for key, value in labelled:
                self.set_field(node, key, value)
            return
        node.title += text
        if text.endswith(tuple(_CLOSE)) or text.endswith(("）。", ")。", "）；", "）;")):
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
        self.seen_field = True

    def field_line(self, raw: str, ln: Line) -> None:
        node = self.current
        if node is None:
            node = self.stack[-1]
            if node is self.root:
                # Fields before any item: an unnumbered paragraph-less task cannot exist.
                node = self.new_paragraph(ln)
        node.last_wrapped = ln.wrapped
        for key, value in _field_pairs(raw.strip()):
            self.set_field(node, key, value)

    def new_paragraph(self, ln: Line) -> Node:
        top = self.stack[-1]
        if top is not self.root and top.style not in _HEADING_STYLES and (top.fields or top.closed):
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
            if _looks_like_continuation(node, key, t, node.last_wrapped):
                value = raw.strip() if key == "leaders" else t
                node.fields[key] = _join_field(node.fields.get(key, ""), value, key, node.last_wrapped)
                node.last_wrapped = ln.wrapped
                return
            node = self.new_paragraph(ln)
            self.add_text(node, t, ln)
            return
        if node.closed:
            node = self.new_paragraph(ln)
            self.add_text(node, t, ln)
            return
        if node.style in _HEADING_STYLES:
            title = node.title
            cont = node.last_wrapped is True or _balanced_open(title) > 0 or title.endswith(_SEPARATOR_END)
            if not cont:
                node = self.new_paragraph(ln)
                self.add_text(node, t, ln)
                return
        elif node.style is None:
            title = node.title
            cont = node.last_wrapped is True or (
                node.last_wrapped is None and not title.endswith(_TERMINAL_END)
            ) or _balanced_open(title) > 0
            if not cont:
                node = self.new_paragraph(ln)
                self.add_text(node, t, ln)
                return
        self.add_text(node, t, ln)

    # ------------------------------------------------------------------ tree → tasks
    def finish_tree(self) -> None:
        self._walk(self.root, _Ctx(), depth=0)

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
        out = {k: v for k, v in node.fields.items() if compact(v)}
        _, contents = split_trailing_parens(node.title)
        for c in contents:
            for k, v in parse_paren(c).items():
                if k in out:
                    out[k] = out[k] + ("；" if k == "time" else "、") + v
                else:
                    out[k] = v
        return out

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
        """A leader-group (or unit-group) heading: 一、郭文杰副区长牵头重点工作."""
        if node.style not in _HEADING_STYLES:
            return {}
        title, _ = split_trailing_parens(node.title)
        m = _LEADER_GROUP_RE.match(title)
        if not m:
            return {}
        who = m["who"]
        if _PERSON_TITLE_RE.search(who):
            return {"leaders": who}
        parts = [p for p in re.split(r"[、，,和及与]", who) if p]
        if parts and all(2 <= len(p) <= 4 and not _UNIT_END_RE.search(p) for p in parts):
            return {"leaders": who}
        return {"prose": who + "牵头"}

    def _walk(self, node: Node, ctx: _Ctx, depth: int) -> None:
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
                if child.style is not None and child.style not in _HEADING_STYLES:
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
            if is_task and child.style in _HEADING_STYLES and not own and not inherited and group:
                is_task = False
            if is_task:
                self.make_task(child, ctx, own)
            else:
                self._skip_subtree(child)

    def _descend(self, node: Node, ctx: _Ctx, own: dict[str, str], group: dict[str, str]) -> _Ctx:
        title, _ = split_trailing_parens(node.title)
        heading = compact(node.raw_label + title)
        new = _Ctx(section=ctx.section, subsection=ctx.subsection, prefix=ctx.prefix, leaders=ctx.leaders,
                   units=ctx.units, time=ctx.time, in_section=ctx.in_section)
        if node.style in _HEADING_STYLES:
            if ctx.section is None or not ctx.in_section:
                new.section, new.subsection, new.in_section = heading, None, True
                self._section(heading, node.line)
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
            new.leaders = self._leaders(merged["leaders"], node.line)
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

    def _section(self, title: str, line: int) -> None:
        if not self.plan.sections or self.plan.sections[-1].title != title:
            if all(s.title != title for s in self.plan.sections):
                self.plan.sections.append(Section(title=title))

    def _leaders(self, text: str, line: int | None) -> list[str]:
        for mention in F.surname_only_mentions(text):
            if (line, mention) not in self._warned_mentions:
                self._warned_mentions.add((line, mention))
                self.warnings.append(Warning(line=line, message=(
                    f"第{line}行：领导“{mention}”只写了姓氏和职务，无法确定姓名，未作为牵头领导导入" if line else
                    f"领导“{mention}”只写了姓氏和职务，无法确定姓名，未作为牵头领导导入")))
        return [compact(n) for n in _leader_names(text) if compact(n)]

    def skipped(self, line: int, text: str, where: str | None = None) -> None:
        short = text if len(text) <= 20 else text[:20] + "…"
        where = where or f"第{line}行"
        self.warnings.append(Warning(line=line, message=f"{where}：“{short}”没有责任分工，未作为任务导入"))

    def make_task(self, node: Node, ctx: _Ctx, own: dict[str, str]) -> None:
        title, _ = split_trailing_parens(node.title)
        title = compact(title)
        if node.style is None:
            number = None
        elif node.style.startswith("dec") or not ctx.prefix:
            number = node.number
        else:
            number = f"{ctx.prefix}.{node.number}"
        leaders = self._leaders(own["leaders"], node.line) if "leaders" in own else list(ctx.leaders or [])
        units = {k: v for k, v in own.items() if k in ("lead", "co", "resp", "prose")} or dict(ctx.units or {})
        time_text = own.get("time", ctx.time)
        task = self.build_task(
            number=number, section=ctx.section, subsection=ctx.subsection, title=title, leaders=leaders,
            units=units, time_text=time_text, line=node.line, where=f"第{node.line}行",
        )
        if self.first_task_line is None:
            self.first_task_line = node.line
        for c in node.children:
            self._skip_subtree(c)
        self.tasks.append(_TaskDraft(task=task, style=node.style, parent_id=id(node.parent), unit_text=units,
                                     seq=node.seq, where=f"第{node.line}行"))

    def build_task(self, *, number: str | None, section: str | None, subsection: str | None, title: str,
                   leaders: list[str], units: dict[str, str], time_text: str | None, line: int | None,
                   where: str) -> Task:
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
        task = Task(number=number, section=section, subsection=subsection, title=title, leaders=leaders,
                    lead_units=lead, co_units=co, deadline_text=deadline_text, line=line)
        if deadline_text:
            dl = _deadline(deadline_text, plan_year)
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

    # ------------------------------------------------------------------ tables
    def feed_table(self, table: Table) -> None:
        st = self.table_state
        rows = table.rows
        header_at = None
        roles: list[str | None] = []
        for i, row in enumerate(rows[:8]):
            r = self._header_roles(row.cells)
            if r is not None:
                header_at, roles = i, r
                break
        if header_at is None:
            if st is not None and st["width"] == max((len(r.cells) for r in rows), default=0):
                header_at, roles = -1, st["roles"]
            else:
                # Not a task table: read its cells as lines.
                for row in rows:
                    seen: set[str] = set()
                    for c in row.cells:
                        if compact(c) and c not in seen:
                            seen.add(c)
                            for piece in c.split("\n"):
                                self.feed_line(Line(piece, row.number, wrapped=None))
                return
        else:
            # Title rows above the header.
            for row in rows[:header_at]:
                cells = [compact(c) for c in row.cells if compact(c)]
                if len(set(cells)) == 1 and self.plan.title is None and _TITLE_WORD_RE.search(cells[0]):
                    self.plan.title = cells[0]
                    if self.plan.plan_year is None:
                        self.plan.plan_year = self._year_of(cells[0]) or (self.plan.issued.year if self.plan.issued else None)
                elif len(set(cells)) == 1:
                    self._default_deadline_from(cells[0])
            # A second header row (责任单位 over 牵头单位 | 配合单位).
            if header_at + 1 < len(rows):
                sub = self._header_roles(rows[header_at + 1].cells, loose=True)
                if sub is not None:
                    roles = [s or r for r, s in zip(roles + [None] * (len(sub) - len(roles)), sub)]
                    header_at += 1
            if self.plan.plan_year is None and self.plan.issued is not None:
                self.plan.plan_year = self.plan.issued.year
            if self.plan.title is None and table.name and _TITLE_WORD_RE.search(compact(table.name)):
                self.plan.title = compact(table.name)
                self.plan.plan_year = self.plan.plan_year or self._year_of(self.plan.title)
            st = {"roles": roles, "width": max(len(r.cells) for r in rows), "category": None, "sub": None,
                  "prev": {}, "last_no": None, "header": [compact(c) for c in rows[header_at].cells]}
            self.table_state = st
        if self.current is not None:
            self.current = None
        where_prefix = f"工作表“{table.name}”" if table.name and not table.name.startswith(("表格", "第")) else (table.name or "")
        line_ctx = self._line_ctx()
        for row in rows[header_at + 1 :]:
            self.seq += 1
            self.table_row(row, st, where_prefix, line_ctx)

    def _line_ctx(self) -> _Ctx:
        """Section context of the line grammar, for a table placed under a heading."""
        ctx = _Ctx()
        for n in self.stack[1:]:
            if n.style in _HEADING_STYLES:
                title, _ = split_trailing_parens(n.title)
                heading = compact(n.raw_label + title)
                if ctx.section is None:
                    ctx.section = heading
                elif ctx.subsection is None:
                    ctx.subsection = heading
        return ctx

    @staticmethod
    def _header_roles(cells: list[str], loose: bool = False) -> list[str | None] | None:
        roles: list[str | None] = []
        for c in cells:
            t = compact(c).replace("*", "").replace("＊", "")
            t = re.sub(r"[（(][^）)]*[)）]$", "", t) or t
            role = None
            if t and len(t) <= 16:
                for name, rx in _HEADER_ROLE_RES:
                    if rx.search(t):
                        role = name
                        break
            roles.append(role)
        found = [r for r in roles if r]
        if loose:
            return roles if found and all(not compact(c) or r for c, r in zip(cells, roles)) else None
        if len(found) >= 2 and ("task" in found or sum(r in ("lead", "co", "resp", "time", "leaders") for r in found) >= 2):
            if "task" not in found:
                return None
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
        return None

    def table_row(self, row: Row, st: dict, where_prefix: str, line_ctx: _Ctx) -> None:
        roles: list[str | None] = st["roles"]
        cells = list(row.cells) + [""] * max(0, len(roles) - len(row.cells))
        if [compact(c) for c in cells[: len(st["header"])]] == st["header"]:
            return  # a header repeated on a new page
        values: dict[str, str] = {}
        prev: dict[str, str] = st["prev"]
        for role, cell in zip(roles, cells):
            if role is None:
                continue
            c = cell.strip()
            if compact(c) in _SAME_AS_ABOVE:
                c = prev.get(role, "")
            if role in values and c:
                values[role] = values[role] + "\n" + c
            elif c or role not in values:
                values[role] = c
        nonempty = [compact(c) for c in cells if compact(c)]
        where = f"{where_prefix}第{row.number}行"
        if not nonempty:
            return
        title_raw = values.get("task", "")
        has_fields = any(compact(values.get(k, "")) for k in ("leaders", "lead", "co", "resp", "time"))
        # A section row: one value spread over the row (merged) or standing alone.
        if len(set(nonempty)) == 1 and not has_fields:
            text = nonempty[0]
            lab = match_label(text)
            is_cat_col = compact(values.get("category", "")) == text or compact(values.get("number", "")) == text
            if (lab and lab.style in _HEADING_STYLES) or is_cat_col or len(nonempty) > 1 or not compact(title_raw):
                if lab and lab.style == "pcn" and st["category"] is not None:
                    st["sub"] = text
                else:
                    st["category"], st["sub"] = text, None
                    st["last_no"] = None
                return
        cat = compact(values.get("category", ""))
        if cat:
            if cat != st["category"]:
                st["category"], st["sub"], st["last_no"] = cat, None, st["last_no"]
        sub = compact(values.get("sub", ""))
        if sub:
            st["sub"] = sub
        if not compact(title_raw):
            self.warnings.append(Warning(line=row.number, message=f"{where}：没有工作任务内容，已跳过"))
            return
        for role in ("task", "leaders", "lead", "co", "resp", "time", "number", "category", "sub"):
            if role in values:
                prev[role] = values[role]
        # Inline fields inside the task cell count too.
        node = Node(style=None, number=None, value=None, line=row.number)
        for piece in title_raw.split("\n"):
            self.add_text(node, compact(piece), Line(piece, row.number))
        own = self._own_fields(node)
        title, _ = split_trailing_parens(node.title)
        number_raw = compact(values.get("number", ""))
        number = None
        if number_raw:
            lab = match_label(number_raw + ("" if number_raw.endswith(("、", ".", "．", "）", ")")) else "."))
            number = lab.number if lab else number_raw.strip("、.．（）()")
        leaders_text = values.get("leaders") or own.get("leaders")
        leaders = self._leaders(leaders_text, row.number) if leaders_text and leaders_text.strip() else list(line_ctx.leaders or [])
        units = {k: values[k] for k in ("lead", "co", "resp") if compact(values.get(k, ""))}
        for k in ("lead", "co", "resp", "prose"):
            if k in own and k not in units:
                units[k] = own[k]
        time_text = values.get("time") if compact(values.get("time", "")) else own.get("time")
        section = st["category"] if st["category"] is not None else line_ctx.section
        subsection = st["sub"] if st["category"] is not None else (st["sub"] or line_ctx.subsection)
        task = self.build_task(number=number, section=section, subsection=subsection, title=compact(title),
                               leaders=leaders, units=units, time_text=time_text, line=row.number, where=where)
        if section:
            self._section(section, row.number)
        if self.first_task_line is None:
            self.first_task_line = row.number
        self.tasks.append(_TaskDraft(task=task, style="table", parent_id=id(st) ^ hash(section), unit_text=units,
                                     seq=self.seq, where=where))

    table_state: dict | None = None

    # ------------------------------------------------------------------ checks
    def check_numbering(self) -> None:
        """Warn on a gap or a repeat in each numbering style's sequence. Numbering may
        continue across headings or restart at 1 under a new one."""
        entries = list(self.numbered)
        for d in self.tasks:
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

    # ------------------------------------------------------------------ driver
    def run(self) -> Plan:
        blocks = self.doc.blocks
        lines_only = [b for b in blocks if isinstance(b, Line)]
        ctexts = [compact(ln.text) for ln in lines_only]
        headers = self.running_headers(lines_only, ctexts)
        body_start, drop = self.header(ctexts, headers)
        if self.forced_year is not None and self.plan.plan_year is None:
            self.plan.plan_year = self.forced_year
        for t in self.doc.warnings:
            self.warnings.append(Warning(line=None, message=t))
        if self.default_time is not None:
            dl = _deadline(self.default_time, self.plan.plan_year)
            self.plan.default_deadline = dl.date
        li = 0
        for block in blocks:
            self.seq += 1
            if isinstance(block, Line):
                idx = li
                li += 1
                if idx < body_start or idx in drop or idx in headers:
                    continue
                self.feed_line(block, ctexts[idx])
            else:
                self.feed_table(block)
        if self.forced_year is not None and self.plan.plan_year is None:
            self.plan.plan_year = self.forced_year
        self.finish_tree()
        self.tasks.sort(key=lambda d: d.seq)  # reading order across lines and tables
        self.check_numbering()
        if self.tasks:
            lo, hi = self.tasks[0].seq, self.tasks[-1].seq
            for seq, line, text in self.skipped_text:
                if lo < seq < hi:
                    self.skipped(line, text)
        plan = self.plan
        plan.tasks = [d.task for d in self.tasks]
        used = {t.section for t in plan.tasks if t.section}
        plan.sections = [s for s in plan.sections if s.title in used]
        plan.warnings = sorted(self.warnings, key=lambda w: (w.line is not None, w.line or 0))
        for attr in ("title", "issuer", "doc_number"):
            value = getattr(plan, attr)
            if value is not None:
                setattr(plan, attr, compact(value) or None)
        if not plan.tasks:
            raise ParseError(self.doc.source, "没有找到任何带责任分工的任务（请确认文件是重点工作分工方案）")
        return plan


def parse_document(doc: Document) -> Plan:
    """Turn a read document into a Plan; raise ParseError when it holds no task.

    When neither the title nor a signature gives the plan's year, the year most
    deadlines write is taken (with a warning) so that 年底前 or 6月底前 can be dated.
    """
    plan = _Parser(doc).run()
    if plan.plan_year is None:
        counts: dict[int, int] = {}
        for t in plan.tasks:
            for m in _YEAR_RE.finditer(t.deadline_text or ""):
                counts[int(m[1])] = counts.get(int(m[1]), 0) + 1
        if counts:
            year = max(counts, key=lambda y: (counts[y], -y))
            parser = _Parser(doc)
            parser.forced_year = year
            plan = parser.run()
            plan.warnings.insert(0, Warning(line=None, message=f"方案未写明年度，按完成时限中最常见的年份{year}年确定"))
    return plan
