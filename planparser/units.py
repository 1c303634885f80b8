"""Responsibility units: split a unit field into names and decide who leads.

Rules (PLAN_FORMAT.md `lead_units, co_units` is authoritative; choices where it is
silent are marked *):

* Split on 、 ， , ； ; 。 and line breaks, never inside brackets （）()〈〉〔〕【】.
  * A line break is NOT a split when the name visibly wraps: the next line starts with
  a bracket, a role word or an organisational suffix (人民政府, 办事处, 管委会, 委员会,
  分局, 中心 …), or the previous line does not end like a unit name (…局/委/办/府/处/
  会/心/部/院/所/队/司/镇/街/乡 …). So 北臧村镇⏎人民政府 stays one unit.
* Removed: role words 牵头, 分别牵头, 共同牵头, 牵头负责, 配合, 协助, 协办, 参与, 负责,
  分别负责, 按职责分工负责, a leading 由/请, a trailing 等 (also 等单位/等部门/等相关单位),
  a trailing 。, bracketed markers （牵头）（配合）and notes such as
  （列第一位的为牵头单位，下同）, and field labels such as 牵头单位： at the start.
* Collective units (各部门, 各单位, 各镇街, 区直有关部门, 各镇人民政府 …) stay as written;
  an elided prefix is not expanded (各镇人民政府、街道办事处 → 各镇人民政府, 街道办事处).
* Lead/co precedence: (1) a 牵头单位 field → all its units lead (unless marked
  配合 inside it), every other unit is co; (2) prose X牵头 / X、Y分别牵头 / 由X牵头
  lead, and 配合/协助/参与/负责/按职责分工负责 clauses are co, * as is whatever follows
  会同 (X会同Y → X leads, Y co); (3) a （牵头） marker leads wherever it stands *and
  is combined with (2) when both occur*; (4) otherwise the first unit of the plain
  list (责任单位, 主要责任单位, prose without roles) leads and the rest are co.
* * Only a 配合/参与/协办 field and no other unit: its first unit is promoted to lead
  and a problem is reported, so every task that names a unit has a lead.
* * No unit named at all: empty lists and no problem (the document grammar warns
  about a task with no unit; it knows the line).
* Lead and co never overlap; both are deduplicated in written order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ._text import Affixes, Separators, bracket_depth_at_end, compact, has_brackets, split_top_level

__all__ = ["UnitSplit", "assign_units", "can_end_name", "cut_inside_name", "is_collective", "split_unit_list", "starts_inside_name"]


@dataclass
class UnitSplit:
    lead: list[str]
    co: list[str]
    problems: list[str] = field(default_factory=list)


_LIST_SEPS = Separators("、，,；;。")
_CLAUSE_SEPS = Separators("，,；;。")
_LIST_SPLIT_RE = re.compile("[、，,；;。]")
_LINE_SPLIT_RE = re.compile(r"\r\n|[\r\n\u2028\u2029\v\f]")

_CONTINUATION_START_RE = re.compile(
    r"^(?:[）)〉〕】\]」』]|[（(〈〔【\[「『](?=[^）)〉〕】\]」』]{0,16}(?:牵头|配合|负责|协办|参与|主办|主责|下同|列第一|按职责))|"
    r"[镇乡]人民政府|[镇乡]政府|人民政府|政府|街道办事处|办事处|管委会|管理委员会|委员会|"
    r"分局|支队|大队|中队|中心|公司|集团|有限|办公室|事务局|服务局|局|委|办|处|所|院|站|队|和|"
    r"牵头|配合|负责|按职责|分别|共同|等|协助|协办|参与)"
)
_UNIT_END_CHARS = frozenset("局委办府处会心部院所队司行站馆厅室团校社组镇街道乡村区县市园场宫展资业群协联台科庭署关")
_LINE_END_SEPS = frozenset("、，,；;。：:")

# A bracket group holding a role marker or a note about roles.
_NOTE_RE = re.compile(
    r"[（(〔【\[][^（）()〔〕【】\[\]]*?"
    r"(?:牵头|配合|负责|下同|列第一|排名|排在|排序|参与|协办|协同|协助|主办|主责|为主|为准|按职责)"
    r"[^（）()〔〕【】\[\]]*?[）)〕】\]]"
)
_LEAD_MARK_RE = re.compile(r"^[（(〔【\[](?:牵头|牵头单位|主办|主责|主办单位|主责单位|牵头负责)[）)〕】\]]$")
_CO_MARK_RE = re.compile(r"^[（(〔【\[](?:配合|配合单位|协办|协办单位|参与|参与单位|协助)[）)〕】\]]$")
_LABEL_RE = re.compile(
    r"^(?:主要|具体)?(?:牵头|责任|配合|协办|参与|协同|协助|主办|主责)(?:单位|部门)[:：]"
)
_TRAILING = Affixes(
    [
        "按照职责分工负责", "按职责分工负责", "按职责分工落实", "按职责分工", "按职责负责",
        "分别牵头负责", "共同牵头负责", "牵头负责", "分别牵头", "共同牵头", "牵头", "分别负责",
        "共同负责", "负责落实", "负责", "抓好落实", "组织落实", "具体落实", "推动落实", "落实",
        "积极配合", "配合", "协助", "协办", "参与", "。", "．", ".",
        *(f"等{a}{b}" for a in ("", "有关", "相关") for b in ("", "单位", "部门")),
    ]
)
_LEADING = Affixes(["由", "请", "会同", "并由"])

# A field label written inside prose ("牵头单位：A；配合单位：B") and the role it gives.
_PROSE_LABEL_RE = re.compile(
    r"(?:主要|具体)?(牵头|责任|配合|协办|参与|协同|协助|主办|主责)(?:单位|部门)[:：]"
)
_LABEL_ROLES = {
    "牵头": "lead", "主办": "lead", "主责": "lead",
    "配合": "co", "协办": "co", "参与": "co", "协同": "co", "协助": "co",
    "责任": None,
}

# Role words that end a prose segment, and the role they give to it.
_ROLE_WORD_RE = re.compile(
    r"按照职责分工负责|按职责分工负责|按职责分工落实|按职责负责|分别牵头负责|共同牵头负责|牵头负责|"
    r"分别牵头|共同牵头|牵头|分别负责|共同负责|负责落实|负责|抓好落实|组织落实|具体落实|推动落实|落实|"
    r"积极配合|配合|协助|协办|参与|会同"
)


def _role_of(word: str) -> str:
    if "牵头" in word:
        return "lead"
    if word in ("配合", "积极配合", "协助", "协办", "参与"):
        return "co"
    if word == "会同":
        return "with"
    return "resp"  # 负责 / 按职责分工负责: co after a lead, else plain


_ITEM_SPLIT_RE = re.compile("[、，,；;。]")
# Characters that end unit names and also words inside them (市场, 城市, 社区, 城乡).
_INNER_END_CHARS = frozenset("场市区县乡镇村园展资业群宫")
# A unit name of its own starts with an administrative level or a collective word.
_NAME_START_CHARS = frozenset("省市区县州盟旗镇乡街村各国中全")
_COLLECTIVE_END_CHARS = frozenset("门位道业构街镇乡")


def starts_inside_name(line: str) -> bool:
    """Whether a line starts with the rest of a unit name or a role word (人民政府、…;
    办事处; 牵头，…), so it cannot start a unit list of its own."""
    return _CONTINUATION_START_RE.match(compact(line)) is not None


def can_end_name(name: str) -> bool:
    """Whether a unit-list item can be a whole name as it stands (区财政局, 北臧村镇,
    各部门, 区委), not one a line break cut (区园林绿, 各乡镇人, 各乡, 县)."""
    name = compact(name)
    if not name:
        return False
    if name[-1] not in _UNIT_END_CHARS:
        return is_collective(name) and name[-1] in _COLLECTIVE_END_CHARS
    if name[-1] in _INNER_END_CHARS and re.search("[和与及]", name):
        return False  # 县住房和城乡: 城乡 inside a name, not a place
    return len(name) > 2 or name[-1] in "委办府局院"  # 区委, 团委 are names; 各乡, 县 are not


def cut_inside_name(before: str, after: str) -> bool:
    """Whether a line break between `before` (a unit list so far) and `after` (the next
    line) falls inside a name rather than between two names: the list ends with a
    separator or an open bracket; the next line starts with the rest of a name
    (人民政府, 办事处, 分局, 镇人民政府 …) or a role word; or the last item cannot be a
    whole name (区园林绿, 各乡镇人, 县住房和城乡), or ends in a character that also ends
    words inside names (县市场 / 监管局, 县城市 / 管理局) and the next line does not start
    a name of its own (县…, 区…, 各…)."""
    before, after = compact(before), compact(after)
    if not before or not after:
        return True
    if before[-1] in _LINE_END_SEPS or bracket_depth_at_end(before) or _CONTINUATION_START_RE.match(after):
        return True
    last = _ITEM_SPLIT_RE.split(before)[-1]
    if not can_end_name(last):
        return True
    if last[-1] in _INNER_END_CHARS and len(last) > 2:
        first = _ITEM_SPLIT_RE.split(after, maxsplit=1)[0]
        return first[:1] not in _NAME_START_CHARS
    return False


def _join_lines(text: str) -> str:
    """Join the lines of a unit field, turning a line break into 、 only where it
    separates two units (see `cut_inside_name`)."""
    if _LINE_SPLIT_RE.search(text) is None:
        return compact(text)
    lines = [c for c in (compact(ln) for ln in _LINE_SPLIT_RE.split(text)) if c]
    if not lines:
        return ""
    out = lines[0]
    for ln in lines[1:]:
        out += ln if cut_inside_name(out, ln) else "、" + ln
    return out


def _clean_name(piece: str) -> tuple[str, str | None]:
    """Clean one list item. Returns (name, marker) where marker is "lead"/"co" when a
    （牵头）/（配合） marker was attached, else None."""
    marker: str | None = None
    if "：" in piece or ":" in piece:
        piece = _LABEL_RE.sub("", piece)
    if has_brackets(piece):
        for m in _NOTE_RE.finditer(piece):
            if _LEAD_MARK_RE.match(m.group(0)):
                marker = "lead"
            elif _CO_MARK_RE.match(m.group(0)) and marker is None:
                marker = "co"
        piece = _NOTE_RE.sub("", piece)
    for _ in range(4):
        changed = False
        lead_word = _LEADING.prefix(piece)
        if lead_word and len(lead_word) < len(piece):
            piece = piece[len(lead_word):]
            changed = True
        trail = _TRAILING.suffix(piece)
        if trail:
            piece = piece[: len(piece) - len(trail)]
            changed = True
        if not changed:
            break
    return piece, marker


def _split_items(text: str) -> list[tuple[str, str | None]]:
    """(clean name, marker) for every non-empty item of a unit list."""
    joined = _join_lines(text)
    items = []
    for piece, _ in split_top_level(joined, _LIST_SEPS):
        name, marker = _clean_name(piece)
        if name:
            items.append((name, marker))
    return items


def split_unit_list(text: str) -> list[str]:
    """Split one unit field on 、，,；; and line breaks, never inside brackets; strip role
    words and notes (牵头, 配合, 负责, 按职责分工负责, 等, trailing 。, （列第一位的为牵头单位，下同）).

    Returns clean names only, deduplicated in written order; roles are decided by
    `assign_units`.
    """
    if not text:
        return []
    return list(_split_unit_list_cached(text))


@lru_cache(maxsize=4096)
def _split_unit_list_cached(text: str) -> tuple[str, ...]:
    return tuple(_dedupe(name for name, _ in _split_items(text)))


def _dedupe(names) -> list[str]:  # type: ignore[no-untyped-def]
    seen: set[str] = set()
    out: list[str] = []
    for n in names:
        if n and n not in seen:
            seen.add(n)
            out.append(n)
    return out


def _prose_roles(text: str) -> list[tuple[str, str]]:
    """(name, role) for a prose or list text. role is one of lead (X牵头), mark
    (（牵头）), co (配合…, （配合）, after 会同), resp (负责…) or plain."""
    joined = _join_lines(text)
    result: list[tuple[str, str]] = []
    if (
        _ROLE_WORD_RE.search(joined) is None
        and _PROSE_LABEL_RE.search(joined) is None
        and not has_brackets(joined)
    ):
        # The common case, a bare list: no roles to read, one split is enough.
        for piece in _LIST_SPLIT_RE.split(joined):
            name, _ = _clean_name(piece)
            if name:
                result.append((name, "plain"))
        return result
    label_role: str | None = None  # set by a label (牵头单位：…) until the next label
    for clause, _ in split_top_level(joined, _CLAUSE_SEPS):
        if not clause:
            continue
        lm = _PROSE_LABEL_RE.match(clause)
        if lm:
            label_role = _LABEL_ROLES.get(lm.group(1))
            clause = clause[lm.end():]
        # Role words outside brackets cut the clause into segments; each segment takes
        # the role of the word that ends it (会同 gives "co" to what follows).
        segments: list[tuple[str, str]] = []
        pos = 0
        after_with = False
        bracketed = has_brackets(clause)
        depth, depth_pos = 0, 0
        for m in _ROLE_WORD_RE.finditer(clause):
            if bracketed:
                # Track the bracket depth incrementally (a rescan per word is quadratic).
                depth = bracket_depth_at_end(clause[depth_pos:m.start()], depth)
                depth_pos = m.start()
                if depth:
                    continue
            seg = clause[pos:m.start()]
            role = _role_of(m.group(0))
            if role == "with":
                segments.append((seg, "co" if after_with else "plain"))
                after_with = True
            else:
                segments.append((seg, "co" if after_with and role != "lead" else role))
                after_with = False
            pos = m.end()
        segments.append((clause[pos:], "co" if after_with else "plain"))
        for seg, role in segments:
            for piece, _ in split_top_level(seg, _LIST_SEPS):
                name, marker = _clean_name(piece)
                if not name:
                    continue
                if marker == "lead":
                    result.append((name, "mark"))
                elif marker == "co":
                    result.append((name, "co"))
                elif label_role is not None and role in ("plain", "resp"):
                    result.append((name, label_role))
                else:
                    result.append((name, role))
    return _promote_with(result, joined)


def _promote_with(items: list[tuple[str, str]], text: str) -> list[tuple[str, str]]:
    """X会同Y with no 牵头 anywhere: X leads (it convenes), Y is co."""
    if "会同" not in text or any(r in ("lead", "mark") for _, r in items):
        return items
    out = []
    first_co = next((i for i, (_, r) in enumerate(items) if r == "co"), None)
    for i, (name, role) in enumerate(items):
        if first_co is not None and i < first_co and role == "plain":
            role = "lead"
        out.append((name, role))
    return out


def assign_units(fields: dict[str, str]) -> UnitSplit:
    """Decide lead and co units from the responsibility fields of one task.

    `fields` maps a normalised label to its raw text: keys among "lead" (牵头单位),
    "co" (配合/参与/协办/协同单位), "resp" (责任单位/主要责任单位), "prose" (an unlabelled
    sentence or list such as 'A牵头，B、C配合' or a bare list). Precedence as in
    PLAN_FORMAT.md: 牵头单位 field; prose 牵头/分别牵头/配合/按职责分工负责; （牵头） marker;
    one plain list → first leads. Lead and co never overlap; at least one lead when any
    unit is named. Unknown keys are read like "co".
    """
    key = tuple((k, v) for k, v in (fields or {}).items() if v)
    r = _assign_units_cached(key)
    return UnitSplit(list(r.lead), list(r.co), list(r.problems))


@lru_cache(maxsize=4096)
def _assign_units_cached(items: tuple[tuple[str, str], ...]) -> UnitSplit:
    fields = {k: v for k, v in items if compact(v)}
    lead: list[str] = []
    co: list[str] = []
    problems: list[str] = []

    co_field_names: list[str] = []
    for key, value in fields.items():
        if key not in ("lead", "resp", "prose"):
            co_field_names.extend(n for n, _ in _prose_roles(value))

    lead_items = _prose_roles(fields["lead"]) if "lead" in fields else []
    if lead_items:
        for name, role in lead_items:
            (co if role == "co" else lead).append(name)
        for key in ("resp", "prose"):
            if key in fields:
                co.extend(n for n, _ in _prose_roles(fields[key]))
        co.extend(co_field_names)
    else:
        items: list[tuple[str, str]] = []
        for key in ("resp", "prose"):
            if key in fields:
                items.extend(_prose_roles(fields[key]))
        explicit = [n for n, r in items if r in ("lead", "mark")]
        if explicit:
            lead = explicit
            co = [n for n, r in items if r not in ("lead", "mark")]
        else:
            plain = [n for n, r in items if r in ("plain", "resp")]
            if plain:
                lead = plain[:1]
            co = [n for n, r in items if n not in lead]
        co.extend(co_field_names)
    if not lead and co:
        lead = co[:1]
        co = co[1:]
        problems.append(f"未写明牵头单位，以“{lead[0]}”为牵头单位")

    lead = _dedupe(lead)
    lead_set = set(lead)
    co = [n for n in _dedupe(co) if n not in lead_set]
    return UnitSplit(lead, co, problems)


_COLLECTIVE_RE = re.compile(
    r"^(?:各|全体|所有)"
    r"|(?:有关|相关|各|其他|其它)(?:部门|单位|委办局|镇街|街镇|乡镇|镇|街道|成员单位|责任单位|企业|机构)"
    r"|^(?:区|市|县|省|州)直(?:各|有关|相关)?(?:部门|单位|机关)"
    r"|成员单位$"
    r"|^(?:镇|乡|乡镇|镇街|街乡|街镇|街道)?(?:人民政府|街道办事处|办事处|政府)$"
    r"|^(?:镇街|街镇|乡镇|街乡)$"
)


@lru_cache(maxsize=4096)
def is_collective(unit: str) -> bool:
    """各部门, 各单位, 各镇街, 区直有关部门 … : a collective assignee.

    Also bare generic names left by an elided 各 (街道办事处, 镇人民政府, 乡镇) and
    anything naming 有关/相关 departments or 成员单位.
    """
    name = compact(unit)
    if not name:
        return False
    return bool(_COLLECTIVE_RE.search(name))
