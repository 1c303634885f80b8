"""Numbering labels: the 一、 （一） 1. （1） ① 第一章 第一条 that open items.

A label is matched on a line with its whitespace removed and gives a style (used to
nest items: a style seen for the first time nests under the current item, one
already open closes back to it), the number as written without brackets or
punctuation, and its value. `HEADING_STYLES` name sections and subsections; `RANK`
is the customary order of styles in an official document (一、 over （一） over 1.
over （1） over ①).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["BARE_NUM_RE", "HEADING_STYLES", "RANK", "Label", "cn_value", "match_label"]

CN_NUM = "一二三四五六七八九十百零〇两"
CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

def cn_value(s: str) -> int | None:
    """'12' → 12, '十二' → 12, '二十一' → 21, '一百零一' → 101; None when not a numeral."""
    if not s:
        return None
    s = s.translate(FULLWIDTH_DIGITS)
    if s.isdigit():
        return int(s)
    if any(c not in CN_DIGIT and c not in "十百" for c in s):
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
            cur = cur * 10 + CN_DIGIT[c] if cur and "十" not in s and "百" not in s else CN_DIGIT[c]
    return total + cur



# Numbering labels, matched on the line with its whitespace removed. Each gives a
# style (used for nesting) and the number text (the label without brackets/punctuation).
_LABELS: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"^第([{CN_NUM}\d]{{1,4}})(?:章|部分|篇)[、.．：:]?(.*)$")),
    ("article", re.compile(rf"^第([{CN_NUM}\d]{{1,4}})条[、.．：:]?(.*)$")),
    ("pcn", re.compile(rf"^[（(]([{CN_NUM}]{{1,4}})[）)][、.．]?(.*)$")),
    ("pnum", re.compile(r"^[（(]([0-9０-９]{1,3})[）)][、.．]?(.*)$")),
    ("circ", re.compile(r"^([\u2460-\u2473])[、.．]?(.*)$")),
    ("dec", re.compile(r"^((?:[1-9][0-9]{0,2})(?:[.．](?:[1-9][0-9]{0,2})){1,3})(?:[.．、\s]|(?=[^\d.．%％]))(.*)$")),
    ("num", re.compile(r"^([0-9０-９]{1,4})(?:[.．、](?![0-9０-９])|[)）])(.*)$")),
    ("cn", re.compile(rf"^([{CN_NUM}]{{1,4}})[、.．](.*)$")),
]
# '1 农村供水保障': a bare number and a space before Chinese text (GB-style headings).
BARE_NUM_RE = re.compile(r"^([0-9]{1,2})[ \u3000\t]+(?=[\u4e00-\u9fff])")
_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}
# Heading-like styles: name sections and subsections. The rest are items.
HEADING_STYLES = {"chapter", "cn", "pcn", "dec1"}
# The customary order of numbering styles in an official document (一、 over （一）
# over 1. over （1） over ①), for closing finished items when a higher style returns.
RANK = {"chapter": 0, "cn": 1, "pcn": 2, "num": 3, "article": 3, "pnum": 4, "circ": 5}


@dataclass
class Label:
    style: str
    number: str
    value: int | None
    rest: str


_LABEL_FIRST = frozenset("第（(0123456789０１２３４５６７８９" + CN_NUM + "".join(chr(0x2460 + i) for i in range(20)))


def _labels_for(ch: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Every label regex is anchored on a fixed first-character class: only try the
    # ones that can match a line starting with ch (in the same order).
    first = {
        "chapter": "第", "article": "第", "pcn": "（(", "pnum": "（(",
        "circ": "".join(chr(0x2460 + i) for i in range(20)), "dec": "123456789",
        "num": "0123456789０１２３４５６７８９", "cn": CN_NUM,
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
        number = number.translate(FULLWIDTH_DIGITS).replace("．", ".")
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
