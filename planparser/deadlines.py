"""Time texts: 完成时限 / 完成时间 / 时间节点 → a date, phases, or "ongoing".

Rules (PLAN_FORMAT.md "deadline_text, deadline, milestones" is authoritative; the
points below are the choices made where it is silent):

* A time text is scanned for *date expressions*, left to right:
  full dates (2026年6月30日, 2026.6.30, 2026-06-30, 2026/6/30, 20260630, 6月30日,
  十二月三十一日); months (2026年6月, 6月底, 6月末, 6月份, 2026.6, 十二月底) → last day;
  6月上旬/初 → 10th, 6月中旬 → 20th, 6月中 → 15th, 6月下旬 → last day;
  年底/年末/年内/全年/年度内 → Dec 31, 年中 → Jun 30; 上半年 → Jun 30, 下半年 → Dec 31;
  一季度/第一季度/1季度/一季度末/Q1 … → quarter end; a bare year (2026年, 2026—2027年)
  → Dec 31 of that (last) year. "YYYY年前" is read as Dec 31 of YYYY (official
  usage "2027年前建成" means "by 2027").
* A trailing 前/以前/之前/内/为止 and any action word after the date (开工, 完成,
  投入使用) do not change the date.
* A missing year takes the nearest year written earlier in the same text, else the
  plan year; 今年/本年/当年 are that year, 明年/次年/来年 the next one. With no year
  anywhere and no plan year the date is unknown (a problem is reported).
* Two date expressions joined only by a range connector (—, -, ~, 至, 到, 起至) are
  one range and give its end (2026年3月—6月 → 06-30; 11月至次年3月 likewise); an end
  month earlier than the start month without its own year rolls into the next year.
* Date expressions right after 每/每年/每月/每季度 are recurring report dates, not
  deadlines, and are skipped (每月10日前报送进度；12月底前完成 → 12-31).
* Two or more remaining date expressions → kind "phased": date = the latest one,
  milestones in written order, each with the clause after its date (up to the next
  date, separators trimmed); when nothing follows a date the clause before it is
  used, and failing that the date as written.
* No date but an open-ended or recurring word (持续推进, 长期坚持, 长期, 常态化, 持续,
  每年, 每季度, 按月, 定期, 逐年 …) → kind "ongoing", date None.
* Empty text or a placeholder (无, —, -, /, 暂无) → kind "none".
* Anything else → kind "unknown" with a Chinese problem message.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from ._text import Separators, compact, cn_number, for_matching, split_top_level
from .model import Milestone

__all__ = ["Deadline", "parse_deadline", "find_time_text"]


@dataclass
class Deadline:
    """What a time text means.

    kind: "dated" (one date), "phased" (two or more dated phases → milestones),
    "ongoing" (持续推进/长期坚持: no date), "none" (no time text at all),
    "unknown" (text present but no date could be read: the caller warns).
    """

    date: date | None
    kind: str
    milestones: list[Milestone] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # Chinese messages for warnings


# --------------------------------------------------------------------------- regex

_Y = r"(?:(?:19|20|21)\d{2}|[〇零一二三四五六七八九]{4})"
_REL = r"(?:今|本|当|明|次|来)"
# Arabic month/day must not continue a longer number; Chinese months must not follow
# another numeral or a word that makes "一月" part of something else (统一月度, 每一月).
_M = (
    r"(?:(?<!\d)(?:1[0-2]|0?[1-9])"
    r"|(?<![〇零一二三四五六七八九十两第统每逐单个])(?:十[一二]|十|[一二三四五六七八九]))"
)
_D = (
    r"(?:(?:3[01]|[12]\d|0?[1-9])(?!\d)"
    r"|(?:三十一|三十|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]))"
)
_RANGE = r"(?:起|开始)?(?:[—–\-~]{1,2}|至|到)"

_DATE_RE = re.compile(
    # Fast reject: every date expression starts with one of these characters and has
    # one of 年 月 季 Q . / - within its first few characters (or is 8 digits). Without
    # this, each digit or Chinese numeral in the text tries every alternative below.
    r"(?=[0-9〇零一二三四五六七八九十今本当明次来上下第全年Qq])"
    r"(?=[^，,；;。]{0,9}?[年月季Qq./\-]|\d{8})"
    "(?:"
    # 2026.6.30 2026-06-30 2026/6/30
    r"(?P<F1>(?<!\d)(?P<f1y>(?:19|20|21)\d{2})[./\-](?P<f1m>1[0-2]|0?[1-9])[./\-]"
    r"(?P<f1d>3[01]|[12]\d|0?[1-9])(?!\d)[日号]?)"
    # 20260630
    r"|(?P<F2>(?<!\d)(?P<f2y>(?:19|20|21)\d{2})(?P<f2m>0[1-9]|1[0-2])"
    r"(?P<f2d>0[1-9]|[12]\d|3[01])(?!\d))"
    # [2026年]6月30日
    rf"|(?P<F3>(?:(?P<f3y>{_Y})年|(?P<f3r>{_REL})年)?(?P<f3m>{_M})月(?P<f3d>{_D})[日号])"
    # [2026年][3月—]6月[底|末|上旬|…] (after F3 so 6月30日 is read whole)
    rf"|(?P<M>(?:(?P<my>{_Y})年|(?P<mr>{_REL})年)?"
    rf"(?:(?P<m0>{_M})月?份?(?:底|末|初)?{_RANGE})?"
    rf"(?P<m>{_M})月份?(?P<ms>底|末|上旬|中旬|下旬|初|中)?)"
    # 2026.6 2026-06
    r"|(?P<YM>(?<!\d)(?P<ymy>(?:19|20|21)\d{2})[./\-](?P<ymm>1[0-2]|0?[1-9])(?![\d.]))"
    # [2026年]上半年 / 下半年
    rf"|(?P<H>(?:(?P<hy>{_Y})年|(?P<hr>{_REL})年)?(?P<h>[上下])半年(?:底|末)?)"
    # [2026年][第]一季度[末]
    rf"|(?P<Q>(?:(?P<qy>{_Y})年|(?P<qr>{_REL})年)?第?(?P<q>[一二三四1-4])季(?:度(?:末|底)?|末|底))"
    r"|(?P<QQ>(?<![A-Za-z])(?:(?P<qqy>(?:19|20|21)\d{2})年?)?[Qq](?P<qq>[1-4])(?!\d))"
    # [2026]年底 / 年末 / 年内 / 年中 / 年度内
    rf"|(?P<E>(?:(?:(?P<ey>{_Y})|(?P<er>{_REL}))年?"
    r"|(?<![\d〇零一二三四五六七八九十两几多数每近半]))年度?(?P<e>底|末|内|中))"
    # [2026年]全年
    rf"|(?P<W>(?:(?P<wy>{_Y})年|(?P<wr>{_REL})年)?全年)"
    # [2026—]2027年
    rf"|(?P<Y>(?:(?P<y0>{_Y})年?{_RANGE})?(?P<yy>{_Y})年)"
    ")"
    r"(?P<tail>以前|之前|前|以内|之内|内|为止|止)?"
)

_RANGE_ONLY_RE = re.compile(rf"{_RANGE}")
_RECURRING_BEFORE_RE = re.compile(r"每(?:个)?(?:年|月|季度?|半年|周|旬)?(?:的)?$")
_ONGOING_RE = re.compile(
    r"持续|长期|常态|每年|每月|每季|每半年|每周|按月|按季|按年|定期|逐年|动态推进|久久为功|不定期"
)
_PLACEHOLDER_RE = re.compile(r"^(?:无|暂无|无要求|不限|/|—+|-+|－+|─+|空|略|\\|——)?$")
_CLAUSE_TRIM = "，,；;、。：:．.\u3000 （）()"
_SEPARATORS = Separators("，,；;。")
_LABEL_RE = re.compile(r"^(?:完成时限|完成时间|时间节点|时间要求|完成期限|办结时限|时限|时间)[:：]")
_ROLE_IN_PREFIX_RE = re.compile(r"牵头|配合|负责|单位|领导|部门|[:：]")
_ONGOING_CLAUSE_RE = re.compile(
    r"(?:年内|全年)?"
    r"(?:持续推进|长期坚持|长期推进|长期|常态化推进|常态化开展|常态化|持续开展|持续实施|持续|"
    r"动态推进|逐年推进|每年|定期|按月|按季度?|久久为功)"
    r"(?:推进|开展|实施|落实|坚持)?"
)


@dataclass
class _Hit:
    start: int
    end: int
    date: date | None
    explicit_year: bool
    problem: str | None = None


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _resolve_year(
    explicit: str | None, rel: str | None, ctx_year: int | None
) -> tuple[int | None, bool]:
    """(year, explicit?) for a date expression: written year, relative word, or context."""
    if explicit:
        return cn_number(explicit), True
    if rel:
        if ctx_year is None:
            return None, False
        return (ctx_year + 1 if rel in "明次来" else ctx_year), False
    return ctx_year, False


def _hit_from_match(m: re.Match[str], ctx_year: int | None) -> _Hit:
    """Turn one date-expression match into a date (or a problem)."""
    g = m.group
    written = m.group(0)
    year: int | None
    explicit = False
    try:
        if g("F1") is not None:
            year, explicit = int(g("f1y")), True
            month, day = int(g("f1m")), int(g("f1d"))
        elif g("F2") is not None:
            year, explicit = int(g("f2y")), True
            month, day = int(g("f2m")), int(g("f2d"))
        elif g("F3") is not None:
            year, explicit = _resolve_year(g("f3y"), g("f3r"), ctx_year)
            month, day = cn_number(g("f3m")) or 0, cn_number(g("f3d")) or 0
        elif g("YM") is not None:
            year, explicit = int(g("ymy")), True
            month = int(g("ymm"))
            day = -1  # last day
        elif g("H") is not None:
            year, explicit = _resolve_year(g("hy"), g("hr"), ctx_year)
            month, day = (6, 30) if g("h") == "上" else (12, 31)
        elif g("Q") is not None or g("QQ") is not None:
            if g("Q") is not None:
                year, explicit = _resolve_year(g("qy"), g("qr"), ctx_year)
                q = cn_number(g("q")) or 0
            else:
                year, explicit = _resolve_year(g("qqy"), None, ctx_year)
                q = int(g("qq"))
            month, day = q * 3, -1
        elif g("E") is not None:
            year, explicit = _resolve_year(g("ey"), g("er"), ctx_year)
            month, day = (6, 30) if g("e") == "中" else (12, 31)
        elif g("W") is not None:
            year, explicit = _resolve_year(g("wy"), g("wr"), ctx_year)
            month, day = 12, 31
        elif g("M") is not None:
            year, explicit = _resolve_year(g("my"), g("mr"), ctx_year)
            month = cn_number(g("m")) or 0
            suffix = g("ms") or ""
            day = {"上旬": 10, "初": 10, "中旬": 20, "中": 15}.get(suffix, -1)
            m0 = g("m0")
            if m0 is not None and year is not None and (cn_number(m0) or 0) > month:
                year += 1  # 11月—3月: the range runs into the next year
        else:  # "Y"
            year, explicit = _resolve_year(g("yy"), None, ctx_year)
            month, day = 12, 31
    except (TypeError, ValueError):  # pragma: no cover - regex guarantees numerals
        return _Hit(m.start(), m.end(), None, False, f"无法识别完成时限中的日期“{written}”")
    if year is None:
        return _Hit(
            m.start(), m.end(), None, False,
            f"完成时限“{written}”未写年份，且方案年份未知，无法确定日期",
        )
    try:
        if day == -1:
            day = _last_day(year, month)
        return _Hit(m.start(), m.end(), date(year, month, day), explicit)
    except ValueError:
        return _Hit(m.start(), m.end(), None, explicit, f"完成时限中的日期“{written}”不存在")


def _scan(norm: str, plan_year: int | None) -> list[_Hit]:
    """All non-recurring date expressions in ``norm``, ranges merged to their end."""
    hits: list[_Hit] = []
    ctx_year = plan_year
    for m in _DATE_RE.finditer(norm):
        if _RECURRING_BEFORE_RE.search(norm, max(0, m.start() - 5), m.start()):
            continue
        hit = _hit_from_match(m, ctx_year)
        if hit.explicit_year and hit.date is not None:
            ctx_year = hit.date.year
        if hits:
            prev = hits[-1]
            between = norm[prev.end:hit.start]
            if _RANGE_ONLY_RE.fullmatch(between):
                # A range: keep its end; an end earlier than the start rolls a year.
                if (
                    prev.date and hit.date and hit.date < prev.date and not hit.explicit_year
                ):
                    try:
                        hit.date = hit.date.replace(year=hit.date.year + 1)
                    except ValueError:  # 2月29日
                        hit.date = date(hit.date.year + 1, 2, 28)
                hit.start = prev.start
                hits[-1] = hit
                continue
        hits.append(hit)
    return hits


def _clause_after(text: str, start: int, end: int) -> str:
    return text[start:end].strip(_CLAUSE_TRIM)


def _clause_before(text: str, start: int, floor: int) -> str:
    chunk = text[floor:start]
    for sep in "；;，,。":
        cut = chunk.rfind(sep)
        if cut != -1 and cut != len(chunk) - 1:
            chunk = chunk[cut + 1:]
    return chunk.strip(_CLAUSE_TRIM)


def parse_deadline(text: str | None, plan_year: int | None) -> Deadline:
    """Interpret a 完成时限 text per PLAN_FORMAT.md (`deadline`, `milestones`).

    Never raises; whatever cannot be read is reported in ``problems`` (Chinese).
    Results are memoised (plans repeat the same time text many times); the caller
    always gets fresh objects it may change.
    """
    d = _parse_deadline_cached(text or "", plan_year)
    return Deadline(
        d.date, d.kind, [Milestone(m.date, m.text) for m in d.milestones], list(d.problems)
    )


@lru_cache(maxsize=4096)
def _parse_deadline_cached(text: str, plan_year: int | None) -> Deadline:
    raw = compact(text)
    norm = for_matching(raw)
    if _PLACEHOLDER_RE.match(norm):
        return Deadline(None, "none")
    hits = _scan(norm, plan_year)
    problems = [h.problem for h in hits if h.problem]
    dated = [h for h in hits if h.date is not None]
    if not dated:
        if problems:
            return Deadline(None, "unknown", [], problems)
        if _ONGOING_RE.search(norm):
            return Deadline(None, "ongoing")
        return Deadline(None, "unknown", [], [f"无法识别完成时限“{raw}”"])
    if len(dated) == 1:
        return Deadline(dated[0].date, "dated", [], problems)
    milestones: list[Milestone] = []
    for i, hit in enumerate(dated):
        nxt = dated[i + 1].start if i + 1 < len(dated) else len(raw)
        after = raw[hit.end:nxt]
        if i + 1 < len(dated) and after.endswith(("：", ":")):
            # "完成设计：6月底前；完成施工：12月底前" — the words before the next date
            # label that date, not this one.
            cut = max(after.rfind(sep) for sep in "；;，,。")
            nxt = hit.end + max(cut, 0)
        label = _clause_after(raw, hit.end, nxt)
        if not label:
            floor = dated[i - 1].end if i else 0
            label = _clause_before(raw, hit.start, floor) or raw[hit.start:hit.end]
        assert hit.date is not None
        milestones.append(Milestone(hit.date, label))
    latest = max(h.date for h in dated if h.date is not None)
    return Deadline(latest, "phased", milestones, problems)


def _has_date(norm_piece: str) -> bool:
    return _DATE_RE.search(norm_piece) is not None


@lru_cache(maxsize=4096)
def find_time_text(text: str) -> str | None:
    """In an inline responsibility parenthesis part or a sentence, return the time
    part taken whole (e.g. '2026年6月底前' or '6月底前完成方案设计；12月底前完成主体施工'),
    or None when there is none.

    The text is cut into clauses at ，,；;。 (outside brackets). The time part runs
    from the first clause holding a date expression to the last one, unless a clause
    in between carries a label or role word (牵头/配合/单位/：), which ends it. A clause
    that is only an open-ended phrase (持续推进, 长期坚持, 常态化推进 …) is a time part
    too. A leading label (完成时限：) is dropped, and so is text before the date in
    the first clause when it names units or roles (区发改委牵头2026年6月底前完成).
    """
    raw = compact(text)
    if not raw:
        return None
    norm = for_matching(raw)
    clauses = [(p, s) for p, s in split_top_level(norm, _SEPARATORS)]
    first = last = -1
    for i, (piece, _start) in enumerate(clauses):
        body = _LABEL_RE.sub("", piece)
        is_time = _has_date(body) or bool(_ONGOING_CLAUSE_RE.fullmatch(body))
        if is_time:
            if first == -1:
                first = last = i
            else:
                gap = clauses[last + 1:i]
                if any(_ROLE_IN_PREFIX_RE.search(p) for p, _ in gap):
                    break
                last = i
        elif first != -1 and _ROLE_IN_PREFIX_RE.search(piece):
            break
    if first == -1:
        return None
    start = clauses[first][1]
    end = clauses[last][1] + len(clauses[last][0])
    label = _LABEL_RE.match(norm, start)
    if label:
        start = label.end()
    m = _DATE_RE.search(norm, start, end)
    if m is not None and m.start() > start:
        prefix = norm[start:m.start()]
        if _ROLE_IN_PREFIX_RE.search(prefix):
            start = m.start()
    result = raw[start:end].rstrip("。")
    return result or None
