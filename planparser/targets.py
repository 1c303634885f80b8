"""Quantitative targets in a task title (PLAN_FORMAT.md `targets`).

A target is an Arabic number followed by a unit of measure, optionally with
万/亿 in between and comparator words around it. The rules, including the ones the
spec leaves open:

* **What counts.** Any Arabic number (full-width digits fine; 1,000 thousands
  separators fine; decimals fine) directly followed by a known unit: a measure word
  (个 家 项 条 处 名 人 户 场 篇 支 所 座 套 件 台 …), a physical unit (平方米
  平方公里 亩 公顷 公里 吨 千瓦 …), a time unit (天 小时 分钟 个月 个工作日), money
  (元 美元 with 万/亿/万亿), %, ‰, 个百分点 or 倍, and rates or concentrations written
  with a slash (35微克/立方米, 2立方米/秒, 4.5张/千人). Bare counts written as plain
  quantities ARE targets with comparator "=": 等3个重点项目, 市场路等89个城市更新项目,
  9条道路, 10个合作平台, 1480处, 布局4处, 2项制度创新成果, 2平方公里 — a supervisor tracks
  them like any other figure.
* **What does not count.** Numbers without a unit (版本号 3.0政策, 2.0版, 12345热线);
  numbers glued to Latin letters, '+', '-', '.', '×', '/' or '第' (R4一期, M19二期, S6,
  PM2.5, 5G, “1+N”, 7×24小时, 第3批); years, months and days (年/月/日 are not
  units: 2026年, 10月1日); anything inside quotation or title marks (“…”, 「…」,
  《…》, ‘…’): those are names (“人才20条”); Chinese numerals (三城一区, 第四次,
  两个维护, 一厅一基地) are never read, because in these documents they almost always
  belong to slogans and names.
* **Multipliers.** 万/亿/万亿 before a counting or physical unit are multiplied out
  (3.3万家 → 33000 家, 90万平方米 → 900000 平方米); before a currency they stay in the
  unit (450亿元 → 450 亿元, 5000万元 → 5000 万元). A multiplier with no unit after it
  keeps the multiplier as unit (突破100亿 → 100 亿).
* **Comparators.** Before the number: 不少于/不低于/至少/不小于 → ">="; 突破/超过/超/逾/
  高于/多于/大于 → ">"; 不超过/不高于/不多于/不大于/低于/少于/小于/控制在 → "<=";
  约/大约/近/接近 → "~". After the unit: 以上/及以上 → ">="; 以内/之内/以下 (and 内
  after a time unit) → "<="; 左右 → "~". 余/多 between number and unit (4500余户) →
  ">". An explicit comparator before the number wins, then one after, then 余/多,
  then 控制在; otherwise "=".
* **Ranges** (3-5个, 3至5个) give the lower bound with ">=".
* **Direction.** 增长/下降/提高/降低 … are not encoded in the value (下降5% → 5 %), but
  they are kept in ``text`` together with 达到, e.g. "增长5%以上", "达到100%".
* ``value`` is an int when whole, else a float; ``text`` is the target as written
  (whitespace removed), from its first comparator/direction word to its last
  comparator word.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from ._text import compact, for_matching
from .model import Target

__all__ = ["find_targets"]

_CURRENCIES = ("美元", "港元", "欧元", "日元", "元")
_TIME_UNITS = frozenset({"天", "小时", "分钟", "个月", "个工作日", "工作日"})

# Longest first so 平方公里 wins over 公里, 人次 over 人, 个月 over 个.
_UNIT_WORDS = sorted(
    [
        # Rates and concentrations first (35微克/立方米, 2立方米/秒).
        "微克/立方米", "毫克/立方米", "毫克/升", "立方米/秒", "立方米/日", "吨/日", "吨/天",
        "千克/亩", "公斤/亩", "元/平方米", "元/吨", "元/人", "人/万人", "张/千人", "床/千人",
        "平方公里", "平方千米", "平方米", "平米", "立方米", "公顷", "亩", "公里", "千米",
        "延米", "毫米", "厘米", "米", "千瓦时", "千瓦", "兆瓦", "吨标准煤", "吨标煤", "吨", "千克", "公斤",
        "标准箱", "标箱", "人次", "家次", "架次", "车次", "辆次", "班次", "户次", "场次",
        "个工作日", "工作日", "个百分点", "个月", "小时", "分钟", "天",
        "台套", "个", "家", "项", "条", "处", "名", "人", "户", "套", "间", "座", "所", "支",
        "场", "篇", "次", "件", "台", "辆", "架", "艘", "只", "头", "株", "棵", "批", "类",
        "种", "宗", "份", "本", "部", "款", "门", "列", "趟", "对", "组", "队", "位", "栋",
        "幢", "盏", "根", "口", "段", "块", "张", "床", "册", "首", "幅", "倍", "所",
        "MW", "GW", "kW", "KW", "km", "TEU",
        *_CURRENCIES,
    ],
    key=len,
    reverse=True,
)
# Single characters that begin ordinary words when followed by these.
_UNIT_STOP = {
    "人": "民才员们口均",
    "家": "庭乡园居电具",
    "场": "所景馆地景站",
    "条": "例件款线",
    "台": "账阶湾风",
    "处": "理置罚室级长",
    "所": "有属在以得",
    "名": "单称义誉牌列",
    "批": "准复示",
    "次": "年日月",
    "座": "谈",
    "套": "餐",
    "门": "户诊槛类",
    "部": "门分署长",
    "对": "接外于标",
    "组": "织建成",
    "队": "伍",
    "位": "于置",
    "份": "额",
    "本": "地级市区",
    "头": "部",
    "口": "岸径",
    "段": "落",
    "块": "地",
    "张": "贴",
    "种": "植养类子",
    "类": "型似",
    "件": "事",
    "首": "批次个家",
    "列": "入为",
    "个": "人体案性",
    "项": "目",
}


def _unit_alternation() -> str:
    parts = []
    for u in _UNIT_WORDS:
        stop = _UNIT_STOP.get(u)
        parts.append(re.escape(u) + (f"(?![{stop}])" if stop else ""))
    return "|".join(parts)


_NUM = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?"
# What may not stand right before a target's number (checked in Python: a pattern
# that starts with a plain digit class lets the regex engine skip ahead fast).
_DIGIT_RE = re.compile(r"[0-9]")
_BAD_BEFORE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+-_/×*#№第~")
_TARGET_RE = re.compile(
    r"(?=\d)"  # lets the engine skip non-digits quickly
    rf"(?P<num>{_NUM})"
    rf"(?:(?P<rng>[-—~至到])(?P<num2>{_NUM}))?"
    r"(?P<mult1>万亿|亿|万)?"
    r"(?P<more>余|多)?"
    r"(?P<mult2>万亿|亿|万)?"
    rf"(?P<unit>%|‰|{_unit_alternation()})?"
    r"(?P<suf>及以上|以上|之上|以内|之内|以下|之下|左右|内)?"
)

_GE_WORDS = ("不少于", "不低于", "至少", "不小于", "不下于")
_GT_WORDS = ("突破", "超过", "超", "逾", "多于", "高于", "大于")
_LE_WORDS = ("不超过", "不高于", "不多于", "不大于", "低于", "少于", "小于", "控制在")
_APPROX_WORDS = ("约", "大约", "近", "接近")
_TEXT_WORDS = (
    "达到", "达", "增长", "下降", "提高", "提升", "降低", "减少", "增加", "压减", "压降",
    "缩减", "增幅", "降幅",
)
_PREFIX_CMP = {w: ">=" for w in _GE_WORDS}
_PREFIX_CMP.update({w: ">" for w in _GT_WORDS})
_PREFIX_CMP.update({w: "<=" for w in _LE_WORDS})
_PREFIX_CMP.update({w: "~" for w in _APPROX_WORDS})

_GUARDED = {  # words that are only comparators when not the end of a longer word
    "约": "节制签预合条公契",
    "达": "发到下传表抵通送",
    "近": "最临附就接将",
    "超": "高",
    "高于": "不",
    "低于": "不",
    "少于": "不",
    "多于": "不",
    "大于": "不",
    "小于": "不",
}


def _prefix_alternation() -> str:
    words = sorted({*_PREFIX_CMP, *_TEXT_WORDS}, key=len, reverse=True)
    parts = []
    for w in words:
        guard = _GUARDED.get(w)
        parts.append((f"(?<![{guard}])" if guard else "") + re.escape(w))
    return "|".join(parts)


_PREFIX_WORD_RE = re.compile(_prefix_alternation())


def _reversed_prefix_alternation() -> str:
    """The prefix words spelled backwards, guards turned into lookaheads, so the
    words before a number are one anchored match on the reversed text (an
    end-anchored search would retry the whole alternation at every position)."""
    words = sorted({*_PREFIX_CMP, *_TEXT_WORDS}, key=len, reverse=True)
    parts = []
    for w in words:
        guard = _GUARDED.get(w)
        parts.append(re.escape(w[::-1]) + (f"(?![{guard}])" if guard else ""))
    return "|".join(parts)


_REV_PREFIX_RE = re.compile(rf"(?:{_reversed_prefix_alternation()}){{1,3}}")
# A comparator may stand before a short verb: 至少建成3个, 不少于新增5家 (rare but seen).
_GAP_VERBS = (
    "建成", "完成", "新增", "新建", "培育", "引进", "实现", "打造", "建设", "开展", "举办", "推出",
    "落地", "签约", "吸引", "提供", "形成", "改造", "治理", "认定", "服务", "带动", "开通",
    "招引", "组织", "发布", "培训", "创建",
)
_GAP_PREFIX_RE = re.compile(
    "(?:" + "|".join(sorted((*_GE_WORDS, *_GT_WORDS, "大约", "接近", "不超过"), key=len,
                            reverse=True))
    + ")(?:" + "|".join(_GAP_VERBS) + ")$"
)
_PREFIX_WINDOW = 12

_SUFFIX_CMP = {
    "及以上": ">=", "以上": ">=", "之上": ">=",
    "以内": "<=", "之内": "<=", "以下": "<=", "之下": "<=", "内": "<=",
    "左右": "~",
}
_MULT = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "万亿": Decimal(10**12)}
_QUOTES = {"“": "”", "「": "」", "《": "》", "‘": "’", "『": "』", "〈": "〉", '"': '"'}


_QUOTE_CHARS_RE = re.compile("[" + re.escape("".join(_QUOTES) + "".join(_QUOTES.values())) + "]")


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every quoted or title-marked stretch, outermost only."""
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _QUOTE_CHARS_RE.search(text, pos)
        if m is None:
            break
        i = m.start()
        close = _QUOTES.get(text[i])
        if close is None:  # a stray closing mark
            pos = i + 1
            continue
        j = text.find(close, i + 1)
        if j == -1:  # unbalanced: not a quote
            pos = i + 1
            continue
        spans.append((i, j + 1))
        pos = j + 1
    return spans


def _parse_number(digits: str, mult: str | None) -> int | float:
    """'3.3' with 万 → 33000; int when whole, else float (exact decimal arithmetic)."""
    if mult is None and "." not in digits:
        return int(digits)
    value = Decimal(digits)
    if mult:
        value *= _MULT[mult]
    return int(value) if value == value.to_integral_value() else float(value)


def _prefix_comparator(prefix: str) -> tuple[str | None, str | None]:
    """(comparator from words before the number, or None; 控制在 marker)."""
    found: str | None = None
    control = None
    for w in _PREFIX_WORD_RE.findall(prefix):
        cmp = _PREFIX_CMP.get(w)
        if w == "控制在":
            control = "<="
        elif cmp is not None:
            found = cmp
    return found, control


def find_targets(title: str) -> list[Target]:
    """Quantitative targets in a task title per PLAN_FORMAT.md (`targets`).

    Never raises; returns [] when there is nothing to track. Fresh objects each call.
    """
    cached = _find_targets_cached(title or "")
    return [Target(t.value, t.unit, t.comparator, t.text) for t in cached]


@lru_cache(maxsize=4096)
def _find_targets_cached(title: str) -> tuple[Target, ...]:
    raw = compact(title)
    if not raw:
        return ()
    norm = for_matching(raw)
    if _DIGIT_RE.search(norm) is None:  # most titles: nothing to do
        return ()
    quoted = _quoted_spans(norm) if _QUOTE_CHARS_RE.search(norm) else []
    targets: list[Target] = []
    for m in _TARGET_RE.finditer(norm):
        start, end = m.span()
        if start and norm[start - 1] in _BAD_BEFORE:
            continue
        if quoted and any(a < start < b for a, b in quoted):
            continue
        unit = m.group("unit")
        mult = m.group("mult2") or m.group("mult1")
        if not unit and not mult:
            continue
        suf = m.group("suf")
        if suf == "内" and unit not in _TIME_UNITS:
            end -= 1
            suf = None
        digits = m.group("num").replace(",", "")
        number: int | float
        if unit is None:
            unit = mult or ""
            number = _parse_number(digits, None)
        elif unit in _CURRENCIES:
            unit = (mult or "") + unit
            number = _parse_number(digits, None)
        else:
            number = _parse_number(digits, mult)

        window_start = max(0, start - _PREFIX_WINDOW)
        pm = _REV_PREFIX_RE.match(norm[window_start:start][::-1])
        text_start = start - pm.end() if pm else start
        pre_cmp, control = (
            _prefix_comparator(norm[text_start:start]) if pm else (None, None)
        )
        if pre_cmp is None:
            gm = _GAP_PREFIX_RE.search(norm, window_start, text_start)
            if gm:
                pre_cmp, _ = _prefix_comparator(gm.group(0))
                text_start = gm.start()

        if pre_cmp is not None:
            comparator = pre_cmp
        elif suf is not None:
            comparator = _SUFFIX_CMP[suf]
        elif m.group("more"):
            comparator = ">"
        elif control is not None:
            comparator = control
        elif m.group("num2") is not None:
            comparator = ">="
        else:
            comparator = "="
        targets.append(Target(number, unit, comparator, raw[text_start:end]))
    return tuple(targets)
