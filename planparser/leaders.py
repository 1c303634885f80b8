"""Leader names from a 牵头领导 / 责任领导 / 分管领导 field.

Rules (PLAN_FORMAT.md `leaders`; choices where it is silent are marked *):

* Split on 、 ， , ； ; / and line breaks. Within one item, whitespace is ambiguous:
  it pads a two-character name (周  冲, 周　冲) or separates two names (郭文杰 张晓晟).
  * Whitespace-separated chunks are read left to right: two single characters in a
  row are one padded name (周 冲 → 周冲); a compound surname followed by a chunk of
  one or two characters is one name (欧阳 修 → 欧阳修); every other chunk is a name of
  its own (张晓晟 周  冲 → 张晓晟, 周冲; 刘洋 王伟 → 刘洋, 王伟).
* Bracketed remarks are dropped (郭文杰（常务副区长） → 郭文杰).
* Office titles are stripped at either end, repeatedly (常务副区长郭文杰, 郭文杰副区长,
  XX区长, 郭文杰同志 → the name); a trailing 牵头/负责/分管/联系 is dropped too.
* What is left must look like a person's name: 2–4 characters (* up to 20 when it
  contains a middle dot, for names such as 阿依古丽·买买提), CJK or Latin letters,
  with no role word (分管, 领导, 相关, 有关, 主要, 各, 部门, 单位 …). Otherwise the item is a
  role-only mention and gives nothing (分管副市长负责, 分管区领导 → []).
* * A single surname left after stripping (王区长 → 王) is not a name and is dropped;
  ``surname_only_mentions`` lists such items so the grammar can say so.
* Names are deduplicated in written order.
* ``leader_roles`` lists the role-only items (常务副区长, 分管副省长, 协管副秘书长,
  区政府分管领导) as written, padding and a trailing 负责/牵头 removed, so they are
  kept (PLAN_FORMAT.md `leader_roles`) instead of dropped.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ._text import Affixes, Separators, compact, split_top_level

__all__ = ["clean_leaders", "leader_roles", "surname_only_mentions"]

_ITEM_SEPS = Separators("、，,；;/／")
_LINE_RE = re.compile(r"[\r\n\u2028\u2029\v\f]+")
_SPACE_RE = re.compile(r"[ \t\u3000\u00a0\u2002-\u200b\u202f\u205f\ufeff]+")
_BRACKETS_RE = re.compile(r"[（(〔【\[][^（）()〔〕【】\[\]]*[）)〕】\]]")

_TITLES = sorted(
    {
        *(
            f"{pre}{lvl}{t}"
            for pre in ("常务副", "副", "")
            for lvl in ("区", "市", "县", "省", "州", "镇", "乡", "旗")
            for t in ("长",)
        ),
        *(
            f"{lvl}委{t}"
            for lvl in ("区", "市", "县", "省", "州", "镇", "乡", "党")
            for t in ("书记", "副书记", "常委")
        ),
        "区委常委", "市委常委", "县委常委", "常委", "副书记", "书记", "第一书记",
        "常务副主任", "副主任", "主任", "副部长", "部长", "副局长", "局长", "副秘书长", "秘书长",
        "副主席", "主席", "副院长", "院长", "检察长", "政委", "副处长", "处长", "副科长", "科长",
        "主任委员", "委员", "同志", "总经理", "副总经理", "董事长", "副董事长", "总工程师",
        "巡视员", "副巡视员", "一级巡视员", "二级巡视员", "调研员", "督察长", "监察专员",
        "区政协主席", "区人大常委会主任", "区长助理", "市长助理", "党组书记", "党组成员",
    },
    key=len,
    reverse=True,
)
_TITLE_SUFFIXES = Affixes([*_TITLES, "牵头", "负责", "分管", "联系"])
_TITLE_PREFIXES = Affixes([*_TITLES, "兼"])
_ROLE_WORDS_RE = re.compile(
    r"分管|协管|主管|包联|挂点|挂联|领导|相关|有关|主要|负责|部门|单位|牵头|同上|各|政府|办公|委员会|人大|政协|待定"
)
_NAME_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbfA-Za-zＡ-Ｚａ-ｚ×＊*]{2,4}")
_PLAIN_NAME_RE = re.compile(r"[\u4e00-\u9fff]{2,4}")
_NAME_PART = r"[\u4e00-\u9fff\u3400-\u4dbfA-Za-z]+"
_DOT_NAME_RE = re.compile(rf"{_NAME_PART}(?:[·•．・]{_NAME_PART})+")
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 令狐 慕容 夏侯 长孙 宇文 司徒 公孙 尉迟 端木 独孤 "
    "南宫 西门 呼延 万俟 轩辕 澹台 申屠 太史 闻人 赫连 钟离 宗政 濮阳 淳于 单于".split()
)


def _strip_titles(name: str) -> str:
    """Strip office titles at both ends until nothing changes ('' when only titles)."""
    for _ in range(8):
        changed = False
        pre = _TITLE_PREFIXES.prefix(name)
        if pre:
            name = name[len(pre):]
            changed = True
        suf = _TITLE_SUFFIXES.suffix(name)
        if suf:
            name = name[: len(name) - len(suf)]
            changed = True
        if not changed or not name:
            break
    return name


def _is_name(name: str) -> bool:
    if _ROLE_WORDS_RE.search(name):
        return False
    return bool(_NAME_RE.fullmatch(name) or (len(name) <= 20 and _DOT_NAME_RE.fullmatch(name)))


def _chunks_to_names(chunks: list[str]) -> list[str]:
    """Group whitespace-separated chunks of one item into names (module docstring)."""
    names: list[str] = []
    i = 0
    while i < len(chunks):
        c = chunks[i]
        nxt = chunks[i + 1] if i + 1 < len(chunks) else None
        if nxt is not None and len(c) == 1 and len(nxt) == 1:
            names.append(c + nxt)
            i += 2
        elif nxt is not None and c in _COMPOUND_SURNAMES and len(nxt) <= 2:
            names.append(c + nxt)
            i += 2
        else:
            names.append(c)
            i += 1
    return names


def clean_leaders(text: str | None) -> list[str]:
    """Person names from a leader field: split on 、，,；; and spaces between names
    (周  冲 is ONE name: padding inside a two-character name), strip titles (区长,
    副区长, 常务副区长, 书记, 主任 …); role-only mentions (分管副市长负责) give [].

    Never raises. Fresh list each call (results are memoised).
    """
    if not text:
        return []
    return list(_clean_leaders_cached(text))


@lru_cache(maxsize=4096)
def _clean_leaders_cached(text: str) -> tuple[str, ...]:
    flat = _LINE_RE.sub("、", text)
    out: list[str] = []
    seen: set[str] = set()
    for item, _ in split_top_level(flat, _ITEM_SEPS):
        if (
            _PLAIN_NAME_RE.fullmatch(item)
            and _TITLE_SUFFIXES.suffix(item) is None
            and _TITLE_PREFIXES.prefix(item) is None
            and _ROLE_WORDS_RE.search(item) is None
        ):
            # The common case: a bare 2-4 character name.
            if item not in seen:
                seen.add(item)
                out.append(item)
            continue
        item = _BRACKETS_RE.sub("", item).strip(" \t\u3000。.")
        chunks = [c for c in _SPACE_RE.split(item) if c]
        if not chunks:
            continue
        # Titles may be written as their own chunk (郭文杰 副区长): strip per chunk first.
        stripped = [_strip_titles(compact(c)) for c in chunks]
        stripped = [c for c in stripped if c]
        for cand in _chunks_to_names(stripped):
            cand = _strip_titles(cand)
            if _is_name(cand) and cand not in seen:
                seen.add(cand)
                out.append(cand)
    return tuple(out)


_SURNAME_RE = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=4096)
def surname_only_mentions(text: str | None) -> tuple[str, ...]:
    """The items of a leader field that name a person by surname and title only
    (李副市长, 王区长): dropped by clean_leaders, as no name can be read from them."""
    if not text:
        return ()
    out: list[str] = []
    for item, _ in split_top_level(_LINE_RE.sub("、", text), _ITEM_SEPS):
        item = compact(_BRACKETS_RE.sub("", item).strip(" \t\u3000。."))
        if not item or _ROLE_WORDS_RE.search(item):
            continue
        rest = _strip_titles(item)
        if rest != item and _SURNAME_RE.fullmatch(rest) and item not in out:
            out.append(item)
    return tuple(out)


_ROLE_PREFIXES = Affixes(["分管", "协管", "联系", "主管", "包联", "挂点", "挂联"])
_ROLE_TRAILING = Affixes(["分别负责", "共同负责", "牵头负责", "负责", "牵头", "联系", "同志"])
_LEADER_WORD_RE = re.compile(r"^(?:[省市区县州镇乡]政府)?(?:分管|协管|联系|主管)?(?:[省市区县州镇乡])?(?:政府)?领导$")


@lru_cache(maxsize=4096)
def leader_roles(text: str | None) -> tuple[str, ...]:
    """The items of a leader field (or of a 负责 clause) that name a role and no
    person: 常务副区长, 分管副省长、协管副秘书长负责 → 分管副省长, 协管副秘书长;
    区政府分管领导. A surname with a title (李副市长) is not a role."""
    if not text:
        return ()
    out: list[str] = []
    for item, _ in split_top_level(_LINE_RE.sub("、", text), _ITEM_SEPS):
        item = compact(_BRACKETS_RE.sub("", item).strip(" \t\u3000。."))
        for _ in range(2):
            trail = _ROLE_TRAILING.suffix(item)
            if trail and len(trail) < len(item):
                item = item[: len(item) - len(trail)]
        if not item or item in out:
            continue
        core = item
        pre = _ROLE_PREFIXES.prefix(core)
        if pre and len(pre) < len(core):
            core = core[len(pre):]
        if _strip_titles(core) == "" or _LEADER_WORD_RE.match(item):
            out.append(item)
    return tuple(out)
