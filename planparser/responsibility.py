"""Responsibility fields and parentheses: who leads, who helps, and by when.

The labels that open a field (牵头领导： 责任单位： 完成时限： and their variants, with
full- or half-width colons, bracketed or spaced apart by PDF extraction), fields
written inline (…牵头单位：A；配合单位：B), the responsibility parentheses at the end
of a task text (（区发改委牵头，区财政局配合，6月底前完成）) and in the middle of a
paragraph whose sentences each close with one (分工意见), and whether a line goes on
with the field written above it. What a field's text means (dates, unit lists,
names) is `planparser.fields`' business; this module only finds and cuts the fields.

A field's value is handed on with the keys "leaders", "lead" (牵头单位), "co" (配合/
协办/参与单位), "resp" (责任单位), "prose" (an unlabelled sentence: A牵头，B配合),
"time", and from a parenthesis "carry" (the clause before 下同, for the parentheses
after it).
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import fields as F
from ._text import compact

__all__ = [
    "CLOSE",
    "FIELD_FIRST",
    "FIELD_NAME_RE",
    "FIELD_RE",
    "FIELD_START_RE",
    "LABEL_KEY",
    "ORG_END_RE",
    "OTHER_LABEL_RE",
    "SEPARATOR_END",
    "TERMINAL_END",
    "UNIT_END_RE",
    "UNIT_KEYS",
    "balanced_open",
    "continues_field",
    "field_pairs",
    "find_outside_brackets",
    "heading_fields",
    "item_fields",
    "join_field",
    "labelled_fields",
    "leader_group",
    "own_fields",
    "parse_paren",
    "sentences",
    "split_trailing_parens",
    "strip_trailing_seps",
    "time_text",
]

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

LABEL_KEY: dict[str, str] = {w: k for k, ws in _FIELD_WORDS.items() for w in ws}

_LABEL_ALT = "|".join(sorted(LABEL_KEY, key=len, reverse=True))

FIELD_RE = re.compile(rf"(?:{_LABEL_ALT})[:：]")

FIELD_START_RE = re.compile(rf"^[【\[〔]?(?P<w>{_LABEL_ALT})[】\]〕]?(?:[:：]|\s+(?=\S))")

FIELD_NAME_RE = re.compile(rf"(?P<w>{_LABEL_ALT})[:：]")

FIELD_FIRST = frozenset("【[〔" + "".join(w[0] for w in LABEL_KEY))

_BRACKETED_LABEL_RE = re.compile(rf"^({_LABEL_ALT})[】\]〕]")

# A label whose characters PDF extraction spaced apart (责 任 单 位：), on raw text.
_SPACED_FIELD_RE = re.compile(
    r"(?:%s)\s*[:：]" % "|".join(r"\s*".join(map(re.escape, w)) for w in sorted(LABEL_KEY, key=len, reverse=True))
)

_OPEN = "（(【〔［[〈"

CLOSE = "）)】〕］]〉"

_ALL_OPEN = frozenset("（(〈〔【[「『《{｛［“‘")

_ALL_CLOSE = frozenset("）)〉〕】]」』》}｝］”’")

_PAIR = {")": "(", "）": "（", "】": "【", "〕": "〔", "］": "［", "]": "[", "〉": "〈"}

_ROLE_RE = re.compile(r"牵头|配合|负责|参与|协办|协同|协助|按职责|责任单位|主办|落实")

_TIME_WORD_RE = re.compile(r"前|底|末|完成|季度|上半年|下半年|年内|全年|持续|长期|常态|旬|\d+月|[一二三四五六七八九十]+月|年")

UNIT_END_RE = re.compile(
    r"(?:委|局|办|府|处|会|心|部|院|司|镇|街道|乡|队|所|站|公司|集团|中心|银行|(?<![试暂施执运进先同旅推实])行|厅|室|组|社|馆|校|"
    r"园|区|县|市|协|联|团|台|馆|科|庭|署|关|场)$"
)

SEPARATOR_END = tuple("、，,；;：:（(")

TERMINAL_END = tuple("。！？!?")

ORG_END_RE = re.compile(
    r"(?:办公室|办公厅|人民政府|政府|委员会|管委会|领导小组|局|委|厅|办|部|中心|督查室|处|公司|集团|街道办事处|办事处|国务院)$"
)

_LEADER_GROUP_RE = re.compile(
    r"^(?:由)?(?P<who>[^，。；（(]{2,40}?)(?:同志)?(?:牵头|负责|分管|联系|主抓)(?:的|推进的|落实的|抓总的)?"
    r"(?:重点|主要)?(?:工作|任务|事项|项目)(?:任务|清单)?(?:[（(](?:共|计)?[0-9一二三四五六七八九十]+(?:项|个)?[)）])?$"
)

_PERSON_TITLE_RE = re.compile(
    r"(?:常务副(?:区|市|县|省|州|旗)长|副(?:区|市|县|省|州|旗)长|(?:区|市|县|省|州|旗|盟)长|副书记|书记|副主任|主任|秘书长|"
    r"局长|部长|镇长|副镇长|乡长|常委|委员|同志|主席|副主席|检察长|院长|政委)"
)

_LIST_SEP_RE = re.compile(r"[、，,；;]")

_FIRST_ITEM_RE = re.compile(r"[、，,；;（(]")

_LEAD_MARK_RE = re.compile(r"[（(]牵头[)）]$")

_DUE_WORD_RE = re.compile(r"前|底|末|完成|季度|半年|年内|全年|持续|长期|常态|旬")

_NAME_SEP_RE = re.compile(r"[、和及与]")

_WHO_SEP_RE = re.compile(r"[、，,和及与]")

_TIME_PHRASE_RE = re.compile(r"[\u4e00-\u9fff\d]{1,10}(?:以前|之前|前|底|末|以内|之内|内|期间|结束)")

# A paragraph's short first sentence, its heading: 推动消费扩容提质。深入实施…

_ORDER_NOTE_RE = re.compile(r"列(?:在)?第一位|排(?:在|名)?第一位|排名第一|第一位(?:的)?(?:为|是)|列首位|排序第一")

_CARRY_RE = re.compile(r"(?:以下|下)同|以下(?:均|各项)?同|不再(?:一一)?列出")

_LEADER_CLAUSE_END_RE = re.compile(r"(?:分别|共同)?(?:负责|牵头|抓总|联系|统筹)$")

UNIT_KEYS = frozenset(("lead", "co", "resp", "prose"))

# A labelled line that is not a responsibility field (责任人：…, 备注：…): never a unit.
OTHER_LABEL_RE = re.compile(r"^[【\[〔]?(?P<w>[\u4e00-\u9fff]{2,8})[】\]〕]?[:：]")


@lru_cache(maxsize=4096)
def time_text(text: str) -> str | None:
    return F.find_time_text(text)


@lru_cache(maxsize=8192)
def _split_parens_cached(text: str) -> tuple[str, tuple[str, ...]]:
    return _split_trailing_parens(text)


def strip_trailing_seps(text: str) -> str:
    return text.rstrip("；;，,、。 \u3000")


def balanced_open(text: str) -> int:
    depth = 0
    for ch in text:
        if ch in _ALL_OPEN:
            depth += 1
        elif ch in _ALL_CLOSE and depth:
            depth -= 1
    return depth


def find_outside_brackets(rx: re.Pattern[str], text: str) -> re.Match[str] | None:
    """First match of rx in text that does not start inside brackets."""
    for m in rx.finditer(text):
        if balanced_open(text[: m.start()]) == 0:
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


def labelled_fields(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split 'prefix 牵头领导：A 责任单位：B' into the prefix and (key, value) pairs.
    Values run to the next label; trailing separators are trimmed."""
    matches = [m for m in FIELD_NAME_RE.finditer(text) if balanced_open(text[: m.start()]) == 0]
    if not matches:
        return text, []
    prefix = text[: matches[0].start()]
    out: list[tuple[str, str]] = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[m.end() : end]
        value = value.strip().rstrip("；;，,。 \u3000")
        out.append((LABEL_KEY[m["w"]], value))
    return prefix, out


def _is_unit_list(text: str) -> bool:
    parts = [p for p in _LIST_SEP_RE.split(compact(text)) if p]
    if not parts:
        return False
    for p in parts:
        p = _LEAD_MARK_RE.sub("", p)
        if not (UNIT_END_RE.search(p) or F.is_collective(p)) or len(p) > 30:
            return False
    return True


def _is_time_phrase(text: str) -> bool:
    """A short phrase naming a time the date parser may not read (汛期前, 开学前): taken
    as the deadline as written, so the task is warned about it instead of losing it."""
    return bool(_TIME_PHRASE_RE.fullmatch(text) and not UNIT_END_RE.search(text) and not _ROLE_RE.search(text))


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
    if FIELD_RE.search(c):
        return True
    if _ROLE_RE.search(c) and len(c) <= 200:
        return True
    if len(c) <= 40 and _TIME_WORD_RE.search(c) and _DUE_WORD_RE.search(c):
        try:
            if time_text(c):
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
        if not body or body[-1] not in CLOSE:
            break
        close = body[-1]
        want = _PAIR.get(close)
        depth, start = 0, -1
        for i in range(len(body) - 1, -1, -1):
            ch = body[i]
            if ch in CLOSE:
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
    """Fields of one responsibility parenthesis: labelled parts, time clauses, leader
    clauses (分管副省长、协管副秘书长负责; 郭文杰副区长负责), and the rest as prose
    ('区发改委牵头，区财政局配合'). A note on roles (列第一位的为牵头部门，其他部门按职责
    分工负责) is no unit; the clause before 下同 is returned as "carry" (it applies to
    the parentheses after this one)."""
    out: dict[str, str] = {}
    prose: list[str] = []
    times: list[str] = []

    def add(key: str, value: str) -> None:
        if value:
            out[key] = f"{out[key]}、{value}" if key in out and key != "time" else (
                f"{out[key]}；{value}" if key in out else value)

    for part in _split_top(content, "；;。"):
        if not part.strip():
            continue
        if _ORDER_NOTE_RE.search(compact(part)):
            continue  # 列第一位的为牵头部门，其他部门按职责分工负责，下同: the default rule
        clauses = [c for c in _split_top(part, "，,") if compact(c)]
        if clauses and _CARRY_RE.fullmatch(compact(clauses[-1])):
            clauses.pop()
            if clauses and not FIELD_RE.search(compact(clauses[-1])):
                out["carry"] = compact(clauses[-1])
            part = "，".join(clauses)
            if not compact(part):
                continue
        prefix, labelled = labelled_fields(part)
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
            who = _leader_clause(cc)
            if who:
                add("leaders", who)
                continue
            t = None
            if _TIME_WORD_RE.search(cc):
                try:
                    t = time_text(cc)
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


def _leader_clause(clause: str) -> str | None:
    """The leaders of a parenthesis clause that names only leaders (分管副省长、协管副秘书
    长负责; 郭文杰副区长负责), without its role word; None for any other clause."""
    core = _LEADER_CLAUSE_END_RE.sub("", clause)
    items = [p for p in _NAME_SEP_RE.split(core) if p]
    if not items or len(core) > 40:
        return None
    for item in items:
        if F.leader_roles(item):
            continue
        if _PERSON_TITLE_RE.search(item) and F.clean_leaders(item) and not UNIT_END_RE.search(item):
            continue
        return None
    return core


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph closed each by its own responsibility parenthesis
    (…政策。（省商务厅牵头，年内）培育…。（省商务厅负责）): the paragraph cut after every
    such parenthesis that more text follows. [] when there is none."""
    cuts: list[int] = []
    depth, start = 0, -1
    n = len(text)
    for i, ch in enumerate(text):
        if ch in _ALL_OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _ALL_CLOSE and depth:
            depth -= 1
            if depth or text[start] not in _OPEN:
                continue
            end = i + 1
            while end < n and text[end] in "。；;":
                end += 1
            if end >= n or not compact(text[end:]):
                continue
            if text[end] in _OPEN:
                continue  # another parenthesis of the same sentence follows: （…）（分管副省长负责）
            before = text[:start].rstrip()
            sentence_end = before.endswith(("。", "；", ";", "！", "？")) or text[i + 1 : i + 2] in ("。", "；", ";")
            inner = text[start + 1 : i]
            if sentence_end and _is_responsibility(inner) and (_ROLE_RE.search(inner) or FIELD_RE.search(inner)
                                                               or before.endswith("。")):
                cuts.append(end)
    if not cuts:
        return []
    out, last = [], 0
    for c in cuts:
        out.append(text[last:c])
        last = c
    if compact(text[last:]):
        out.append(text[last:])
    return out


def join_field(prev: str, new: str, key: str, wrapped: bool | None) -> str:
    """Append a continuation line to a field value: directly for a wrap or after a
    separator, else with a line break (a unit list splits there only where the break
    falls between two names: `fields.cut_inside_name`; a leader list always)."""
    if not prev or prev.endswith(SEPARATOR_END) or key == "time" or wrapped:
        return prev + new
    return prev + "\n" + new


def _continues_units(prev: str, text: str) -> bool:
    """Whether a line goes on with the unit list above it, judged by what it says (a
    paragraph end in Word or a short PDF line does not end a unit list: offices
    break lines by hand): the list was cut after a separator or inside a name, the
    line starts with the rest of a name (人民政府、…), or the line is itself a list
    of units."""
    prev = compact(prev)
    if not prev or prev.endswith(SEPARATOR_END) or balanced_open(prev) > 0 or F.starts_inside_name(text):
        return True
    if F.cut_inside_name(prev, text):
        # 区园林绿 / 化局: the two pieces make a name.
        whole = _LIST_SEP_RE.split(prev)[-1] + _FIRST_ITEM_RE.split(text, maxsplit=1)[0]
        return bool(UNIT_END_RE.search(whole)) and len(whole) <= 30
    return _is_unit_list(text)


def continues_field(prev: str, key: str, text: str, wrapped: bool | None) -> bool:
    """Whether a plain line `text` goes on with the value `prev` of field `key` written
    above it. Only a width wrap the container reports (a PDF line reaching the
    margin) is taken on trust; everything else is judged by content, the same in
    every container."""
    if not prev.strip():
        return not OTHER_LABEL_RE.match(text)
    if wrapped:
        return True
    if FIELD_RE.search(text) or OTHER_LABEL_RE.match(text):
        return False
    if key in UNIT_KEYS:
        return len(text) <= 120 and _continues_units(prev, text)
    if prev.rstrip().endswith(SEPARATOR_END):
        return len(text) <= 120
    if text.endswith(TERMINAL_END) or len(text) > 60:
        return False
    if key == "time":
        return bool(_TIME_WORD_RE.search(text)) and len(text) <= 40
    if key == "leaders":
        return len(text) <= 12 and not ORG_END_RE.search(text)
    return True


def leader_group(title: str) -> dict[str, str]:
    """The leaders (or units) a leader-group heading names: 一、郭文杰副区长牵头重点工作."""
    m = _LEADER_GROUP_RE.match(title)
    if not m:
        return {}
    who = m["who"]
    if _PERSON_TITLE_RE.search(who):
        return {"leaders": who}
    parts = [p for p in _WHO_SEP_RE.split(who) if p]
    if parts and all(2 <= len(p) <= 4 and not UNIT_END_RE.search(p) for p in parts):
        return {"leaders": who}
    return {"prose": who + "牵头"}


def heading_fields(text: str) -> tuple[str, dict[str, str]]:
    """A heading row's title and the fields it passes to the rows under it: its
    responsibility parentheses (一、…工作目标（牵头领导：A、B）) and a leader-group
    wording (二、郭文杰副区长牵头重点工作)."""
    title, contents = split_trailing_parens(text)
    fields = dict(leader_group(compact(title)))
    for c in contents:
        fields.update(parse_paren(c))
    return compact(title) or text, fields


@lru_cache(maxsize=8192)
def field_pairs(text: str) -> tuple[tuple[str, str], ...]:
    """The (key, value) pairs of a field line (its stripped raw text). Memoised: plans
    repeat the same field lines (完成时限：2026年12月底前)."""
    # Keep spaces inside values for leader names (周  冲 vs 张三 李四).
    ct = compact(text)
    m = FIELD_START_RE.match(ct)
    if m and not FIELD_NAME_RE.match(ct):
        # '牵头领导 张三': a label followed by whitespace instead of a colon.
        word = m["w"]
        idx = text.find(word[-1]) + 1 if word else 0
        text = word + "：" + text[idx:].lstrip()
    if text[:1] in "【[〔":
        text = _BRACKETED_LABEL_RE.sub(r"\1", text.lstrip("【[〔"))
    # Values keep their inner spaces (周  冲 is one name, 张三 李四 two).
    return tuple(_split_raw_fields(text, ct.count("：") + ct.count(":")))


def _split_raw_fields(text: str, colons: int) -> list[tuple[str, str]]:
    matches = list(FIELD_NAME_RE.finditer(text))
    named = True
    if len(matches) < colons and len(matches) < len(FIELD_NAME_RE.findall(compact(text))):
        # A label spaced apart by PDF extraction (责 任 单 位：).
        matches = list(_SPACED_FIELD_RE.finditer(text))
        named = False
    out: list[tuple[str, str]] = []
    n = len(matches)
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < n else len(text)
        word = m["w"] if named else compact(m[0]).rstrip(":：")
        # A trailing separator stays until the item is complete: it says the value
        # goes on on the next line (完成时限：上半年完成前期工作；).
        value = text[m.end() : end].strip()
        out.append((LABEL_KEY[word], value))
    return out


def item_fields(pieces: list[str]) -> tuple[str, dict[str, str]]:
    """An item's text (its lines or a table cell's paragraphs) cut into its title and
    its fields: labelled fields written inline (…牵头单位：A；完成时限：6月底前) and its
    trailing responsibility parentheses. The title is whitespace-free, without them."""
    title = ""
    fields: dict[str, str] = {}
    for piece in pieces:
        text = compact(piece)
        if find_outside_brackets(FIELD_NAME_RE, text) is not None:
            prefix, labelled = labelled_fields(text)
            title += compact(prefix)
            for key, value in labelled:
                value = value.strip()
                if value:
                    sep = "；" if key == "time" else "、"
                    fields[key] = f"{fields[key]}{sep}{value}" if fields.get(key) else value
            continue
        title += text
    return own_fields(title, fields)


def own_fields(title: str, fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The title without its trailing responsibility parentheses, and the fields of
    an item: its labelled fields (trailing separators dropped) and those parentheses'."""
    out = {k: strip_trailing_seps(v) for k, v in fields.items() if strip_trailing_seps(compact(v))}
    title, contents = split_trailing_parens(title)
    for c in contents:
        for k, v in parse_paren(c).items():
            if k in out:
                out[k] = out[k] + ("；" if k == "time" else "、") + v
            else:
                out[k] = v
    return title, out
