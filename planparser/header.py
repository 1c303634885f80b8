"""The document's header and furniture: what the plan is called, who issued it and
when, and the lines that are never part of it.

* Title: the plan a notice heading names (XX关于印发《…》的通知, wrapped over lines,
  after breadcrumbs, web-page metadata or a news intro; the whole of 《…》 only when
  the quotes wrap it), a document that is its own plan (国务院关于落实…分工的意见), or
  the last title-like line over the tasks (a news headline above it is not).
* Issuer and issue date: the signature (an org and a date, before the plan or at its
  end), else the 版记 line (XX办公室 2026年3月19日印发); 文号 (京政办发〔2026〕5号).
* Plan year: the title's, else the heading's over the tasks, else the issue date's.
* Default time: a notice sentence such as 除注明外，各项任务均须于12月底前完成.
* Furniture: page numbers (— 3 —, 第3页 共10页), a browser's print furniture (the
  page address, the date-and-time stamp), running headers and footers repeated
  on several pages, 抄送/印发 blocks, （此件公开发布）, 附件 labels.
"""
from __future__ import annotations

import re
from datetime import date

from .model import Plan
from .numbering import CN_DIGIT, cn_value, match_label
from .readers import Line
from .responsibility import (
    FIELD_FIRST,
    FIELD_RE,
    FIELD_START_RE,
    ORG_END_RE,
    TERMINAL_END,
    split_trailing_parens,
    time_text,
)

__all__ = [
    "ATTACH_RE",
    "CC_FIRST",
    "CC_RE",
    "DATE_ONLY_RE",
    "DEFAULT_DEADLINE_RES",
    "PRINTED_RE",
    "PUBLIC_RE",
    "SIGNED_DATE_RE",
    "TITLE_WORD_RE",
    "YEAR_RE",
    "default_time_in",
    "is_furniture",
    "read_header",
    "running_headers",
    "year_of",
]

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

# A browser's print furniture: the page address (or an ASCII piece of it with a
# slash or .htm, 10 characters at least) and the print stamp (date, then time).
_WEB_RE = re.compile(
    r"^(?:(?i:https?://|www\.)[\x21-\x7e]*"
    r"|(?=[\x21-\x7e]*[A-Za-z])(?=[\x21-\x7e]*(?:/|\.s?html?))[\x21-\x7e]{10,}"
    r"|(?:19|20)[0-9]{2}[/\-.][0-9]{1,2}[/\-.][0-9]{1,2}(?:上午|下午)?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:[AaPp][Mm])?.*)$"
)
_WEB_FIRST = frozenset("0123456789HhWw" + "".join(chr(c) for c in range(0x21, 0x7F)))

_DATE_TEXT = (
    r"(?:(?:19|20)[0-9]{2}|[〇零一二三四五六七八九]{4})年"
    r"(?:[0-9]{1,2}|[一二三四五六七八九十]{1,2})月"
    r"(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})日"
)

DATE_ONLY_RE = re.compile(rf"^[（(]?(?P<d>{_DATE_TEXT})[)）]?$")

_DATE_FIND_RE = re.compile(
    r"(?P<y>(?:19|20)[0-9]{2}|[〇零一二三四五六七八九]{4})年(?P<m>[0-9]{1,2}|[一二三四五六七八九十]{1,2})月"
    r"(?P<d>[0-9]{1,2}|[一二三四五六七八九十]{1,3})日"
)

SIGNED_DATE_RE = re.compile(rf"^(?P<org>.{{2,40}}?)(?P<d>{_DATE_TEXT})(?P<tail>印发|发布|印制)?$")

CC_RE = re.compile(r"^(?:抄送|抄报|分送|主送|报送|发送)[:：]")

CC_FIRST = frozenset("抄分主报发")

_DIGITS_RE = re.compile(r"[0-9０-９]+")

_HEADER_END_RE = re.compile(r"文件$|方案$|通知$|办公室$")

PRINTED_RE = re.compile(rf"(?P<d>{_DATE_TEXT})(?:印发|印制)$")

PUBLIC_RE = re.compile(r"^[（(](?:此件|本件|联系人|联系电话|此文)[^）)]{0,30}[)）]$")

ATTACH_RE = re.compile(r"^附件[0-9一二三四五六七八九十]*[:：]?$|^附件[0-9一二三四五六七八九十]*[:：]?.{0,40}(?:方案|清单|表|计划)$")

_NOTICE_TITLE_RE = re.compile(r"关于(?:印发|转发|下达)(?P<t>.+?)的通知")

# A plan that is itself the document: 国务院关于落实《政府工作报告》重点工作分工的意见.
_OPINION_TITLE_RE = re.compile(r"(?P<t>关于(?:落实|贯彻落实|做好|推进|分解落实).+?(?:分工|任务|工作)的(?:意见|通知|方案))$")

_YEAR_LINE_RE = re.compile(r"^[（(](?:19|20)[0-9]{2}(?:[—\-－~～至到](?:19|20)?[0-9]{2,4})?年(?:度)?[)）]$")

# What may stand before a notice heading on its line: a label (标题：) or 文件.
_NOTICE_BEFORE_RE = re.compile(r"^[\u4e00-\u9fff]{1,6}[:：]|文件$")

_QUOTES_RE = re.compile(r"[《》〈〉“”\"]")

_DOCNO_RE = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【(（](?:19|20)[0-9]{2}[〕\]］】)）][0-9]{1,4}号")

TITLE_WORD_RE = re.compile(
    r"(?:方案|计划|清单|要点|分工|分解|任务|台账|安排|一览表|责任表|分解表|分工表|任务表|任务书|责任书|实施意见|目标|意见)$"
)

YEAR_RE = re.compile(r"((?:19|20)[0-9]{2})年?")

_CN_YEAR_RE = re.compile(r"([〇零一二三四五六七八九]{4})年")

DEFAULT_DEADLINE_RES = [
    re.compile(r"除[^，。；]{0,16}?(?:注明|标明|标注|明确|另有|单独|特别|列明|载明)[^，。；]{0,12}?(?:外|以外)[，,]?(?P<rest>[^。；]{1,40})"),
    re.compile(r"(?:以上|上述|各项|所有|本方案)?(?:任务|工作)(?:的)?完成时限(?:均|统一|一律)?(?:为|是|在)(?P<rest>[^。；，]{1,24})"),
]


def _notice_named(m: re.Match[str]) -> str:
    """The title a notice heading names (see `_Parser._notice_title`)."""
    t = m["t"]
    if not t.startswith("关于") and t[:1] in "《“\"" and t[-1:] in "》”\"" and t.count("《") <= 1:
        t = t[1:-1]
    return t


def _plain_title(text: str) -> str:
    """A title without its quotation marks, to compare a notice's title with the
    heading over the tasks (〈政府工作报告〉 and 《政府工作报告》 are the same title)."""
    return _QUOTES_RE.sub("", text)


def _parse_date(m: re.Match[str]) -> date | None:
    y, mo, d = m["y"], m["m"], m["d"]
    year = int(y) if y.isdigit() else int("".join(str(CN_DIGIT.get(c, 0)) for c in y))
    month, day = cn_value(mo), cn_value(d)
    if month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_header(plan: Plan, ctexts: list[str], skip: set[int], limit: int | None = None
                ) -> tuple[int, set[int], str | None]:
    """Find title, issuer, date, 文号 and plan year (set on `plan`) and where the plan
    body starts, on the lines' whitespace-free texts; `skip` are running headers,
    `limit` the first line under a table (the header stands above it). Returns the
    index of the first body line, the indexes of lines to drop as noise, and the
    default time a notice sentence gives (除注明外均须于12月底前完成), if any."""
    texts = [t if i not in skip and not is_furniture(t) else "" for i, t in enumerate(ctexts)]
    nonblank = [i for i, t in enumerate(texts) if t]
    drop: set[int] = set()
    first_field = next(
        (i for i in nonblank if FIELD_START_RE.match(texts[i]) or FIELD_RE.search(texts[i])), len(texts)
    )
    if limit is not None:
        first_field = min(first_field, limit)
    head_idx = [i for i in nonblank if i < first_field]

    # 关于印发《…》的通知, possibly wrapped over several lines, possibly after a
    # news-style intro or page metadata.
    notice_title, notice_lines, notice_org = _notice_title(texts, head_idx)
    notice_end = notice_lines[-1] if notice_lines else -1
    drop.update(notice_lines)
    if notice_org:
        plan.issuer = notice_org

    # 文号
    for i in nonblank[:40] + nonblank[-10:]:
        m = _DOCNO_RE.search(texts[i])
        if m:
            plan.doc_number = m[0]
            if len(texts[i]) <= len(m[0]) + 4:
                drop.add(i)
            break

    # Signature: the first date-only line before the task list, and the org above it.
    date_idx = None
    for i in nonblank:
        if i >= first_field and notice_title is None:
            break
        m = DATE_ONLY_RE.match(texts[i])
        if m:
            date_idx = i
            break
        sm = SIGNED_DATE_RE.match(texts[i])
        if sm and ORG_END_RE.search(sm["org"]) and not sm["tail"]:
            date_idx = i
            break
    if date_idx is None:
        # A plan without a notice signs at its end.
        for i in reversed(nonblank[-8:]):
            if DATE_ONLY_RE.match(texts[i]) or (
                (sm := SIGNED_DATE_RE.match(texts[i])) and ORG_END_RE.search(sm["org"]) and not sm["tail"]
            ):
                date_idx = i
                break
    if date_idx is not None:
        dm = _DATE_FIND_RE.search(texts[date_idx])
        if dm:
            plan.issued = _parse_date(dm)
        drop.add(date_idx)
        sm = SIGNED_DATE_RE.match(texts[date_idx])
        org = sm["org"] if sm and not DATE_ONLY_RE.match(texts[date_idx]) else None
        if org is None:
            prev = [i for i in nonblank if i < date_idx]
            if prev and ORG_END_RE.search(texts[prev[-1]]) and len(texts[prev[-1]]) <= 40:
                org = texts[prev[-1]]
                drop.add(prev[-1])
        if org:
            plan.issuer = org
    # Fallback: the 版记 line 'XX办公室 2026年3月19日印发'.
    if plan.issued is None or plan.issuer is None:
        for i in reversed(nonblank[-12:]):
            m = PRINTED_RE.search(texts[i])
            if m:
                dm = _DATE_FIND_RE.search(m["d"])
                if plan.issued is None and dm:
                    plan.issued = _parse_date(dm)
                org = texts[i][: m.start()]
                if plan.issuer is None and org and ORG_END_RE.search(org):
                    plan.issuer = org
                break

    # Title and body start.
    body_start = 0
    title: str | None = notice_title
    title_idx: list[int] = []
    heading_title: str | None = None  # the heading over the tasks, under a notice
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
            want, tt, tn = _plain_title(notice_title), _plain_title(t), _plain_title(t + nxt)
            if tt == want or tn == want or (len(tt) >= 6 and tt in want and tn.startswith(want)):
                title_idx = [i] if tt == want else [i, candidates[pos + 1]]
                heading_title = t if tt == want else t + nxt
                break
            if heading_title is None and len(t) <= 60 and not t.endswith(TERMINAL_END) and TITLE_WORD_RE.search(t):
                heading_title = t
            continue
        if title_idx and split_trailing_parens(t)[1]:
            break  # a paragraph task: the list has begun
        if len(t) > 60 or t.endswith(TERMINAL_END) or (title_idx and i <= title_idx[-1]) or ATTACH_RE.match(t):
            continue
        # The last title-like line before the tasks is the heading over them; an
        # earlier one is a news headline or a web page's metadata.
        if TITLE_WORD_RE.search(t):
            title, title_idx = t, [i]
        elif nxt and len(t) + len(nxt) <= 70 and TITLE_WORD_RE.search(nxt) and not match_label(nxt):
            title, title_idx = t + nxt, [i, candidates[pos + 1]]
    if title_idx:
        # A year standing under the title in brackets is part of it: …清单 / （2026年）.
        after = [i for i in nonblank if i > title_idx[-1]][:1]
        if title is not None and after and _YEAR_LINE_RE.match(texts[after[0]]) and not year_of(title):
            title += texts[after[0]]
            title_idx.append(after[0])
        body_start = title_idx[-1] + 1
        drop.update(title_idx)
    elif notice_title is not None and date_idx is not None and date_idx < first_field and (
        sum(1 for i in nonblank if i > date_idx) >= 3
    ):
        body_start = date_idx + 1  # the notice signs, then the plan follows it
    if notice_title is not None and body_start == 0:
        body_start = notice_end + 1
    plan.title = title
    plan.plan_year = year_of(title) or year_of(heading_title)
    if plan.plan_year is None and plan.issued:
        plan.plan_year = plan.issued.year

    # Default deadline: a notice sentence such as 除注明外均须于12月底前完成, perhaps
    # broken over two lines.
    default_time = None
    for pos, i in enumerate(nonblank):
        if i > first_field and i >= body_start or default_time is not None:
            break
        nxt = texts[nonblank[pos + 1]] if pos + 1 < len(nonblank) else ""
        default_time = default_time_in(texts[i] + nxt[:24])
    return body_start, drop, default_time


def _notice_title(texts: list[str], head_idx: list[int]) -> tuple[str | None, list[int], str | None]:
    """The plan title named by a notice heading (XX关于印发《…》的通知, or the
    document's own 关于…的意见), the lines it spans and the org written before it.

    A heading standing on its own lines wins over the same words inside a
    sentence (a news intro: …印发了《关于印发…的通知》，全文如下。). The title is
    what the notice names: the whole of 《…》 when the quotes wrap it, else the
    text as written, so 关于印发2025年《政府工作报告》重点工作分工方案的通知 gives
    2025年《政府工作报告》重点工作分工方案, never the quoted report name.
    """
    window = head_idx[:60]
    fallback: tuple[str | None, list[int], str | None] = (None, [], None)
    for pos, first in enumerate(window):
        if "关于" not in texts[first] and not (pos + 1 < len(window) and "关于" in texts[first] + texts[window[pos + 1]][:2]):
            continue
        joined = ""
        for k in range(pos, min(pos + 4, len(window))):
            joined += texts[window[k]]
            m = _NOTICE_TITLE_RE.search(joined) or _OPINION_TITLE_RE.search(joined)
            if not m:
                continue
            before = _NOTICE_BEFORE_RE.sub("", joined[: m.start()])  # 标题：…
            standalone = m.end() >= len(joined) - 1 and (
                not before or (ORG_END_RE.search(before) is not None and len(before) <= 40)
            )
            title = _notice_named(m)
            lines = window[pos : k + 1]
            if standalone:
                return title, lines, before or None
            if fallback[0] is None:
                fallback = (title, [], None)
            break
    return fallback


def year_of(title: str | None) -> int | None:
    """The year a title names (2026年…, 二〇二六年…), or None."""
    if not title:
        return None
    m = YEAR_RE.search(title)
    if m:
        return int(m[1])
    m = _CN_YEAR_RE.search(title)
    if m:
        return int("".join(str(CN_DIGIT[c]) for c in m[1]))
    return None


def default_time_in(text: str) -> str | None:
    """The time a notice sentence gives every task that writes none (除注明外，各项任务
    均须于12月底前完成 → 12月底前), or None."""
    for rx in DEFAULT_DEADLINE_RES:
        m = rx.search(text)
        if not m:
            continue
        t = time_text(m["rest"])
        if t:
            return t
    return None


def running_headers(lines: list[Line], ctexts: list[str], paged_only: bool = False) -> set[int]:
    """Indexes of running headers/footers: short lines repeated at the top or bottom
    of several pages (digits ignored), or (unless `paged_only`) repeated often in
    unpaged text."""
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
                if len(t) > 50 or (t[:1] in FIELD_FIRST and FIELD_START_RE.match(t)):
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
    if paged_only:
        return out
    counts: dict[str, list[int]] = {}
    for i, t in enumerate(ctexts):
        if not t or len(t) > 50 or (t[0] in FIELD_FIRST and FIELD_START_RE.match(t)) or match_label(t):
            continue
        k = _DIGITS_RE.sub("#", t)
        if "#" in k or _HEADER_END_RE.search(k):
            counts.setdefault(k, []).append(i)
    for k, idxs in counts.items():
        if len(idxs) >= 3:
            out.update(idxs)
    return out


def is_furniture(t: str) -> bool:
    """Page furniture on a whitespace-free line: a page number (— 3 —, 第3页 共10页,
    3/10, Page 3), or what a browser prints on every page of a web page: the address
    (https://…/t20250318_123.html 1/3, or a piece of it a narrow page wrapped) and the
    date-and-time stamp line (2025/3/18 09:12 关于印发…的通知_县政府文件_…)."""
    if len(t) <= 16 and _PAGE_NO_RE.match(t) is not None:
        return True
    return t[:1] in _WEB_FIRST and _WEB_RE.match(t) is not None
