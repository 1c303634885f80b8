"""Small text helpers shared by the field grammars (deadlines, targets, units).

Two representations of one field are used side by side:

* ``compact(text)`` — the text with all whitespace removed. This is what goes out
  (PLAN_FORMAT.md "Strings": full-width characters are kept as written).
* ``for_matching(compact_text)`` — the same string with full-width digits, Latin
  letters and a few ASCII-like punctuation marks folded to ASCII, character for
  character, so an index found in one is valid in the other. Regexes run on this one.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Zero-width characters come in from docx/pdf extraction and are not whitespace.
_ZW_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def compact(text: str | None) -> str:
    """Remove every whitespace character (and zero-width junk) from ``text``
    (PLAN_FORMAT.md, Strings)."""
    if not text:
        return ""
    return compact_cached(text)


@lru_cache(maxsize=16384)
def compact_cached(text: str) -> str:
    # Memoised: the grammar looks at each line's compact form several times.
    # str.split() splits on all Unicode whitespace, U+3000 included.
    out = "".join(text.split())
    return _ZW_RE.sub("", out) if _ZW_RE.search(out) else out


_FOLD = {0xFF10 + i: ord("0") + i for i in range(10)}  # ０-９
_FOLD.update({0xFF21 + i: ord("A") + i for i in range(26)})  # Ａ-Ｚ
_FOLD.update({0xFF41 + i: ord("a") + i for i in range(26)})  # ａ-ｚ
_FOLD.update(
    {
        ord("．"): ord("."),
        ord("／"): ord("/"),
        ord("－"): ord("-"),
        ord("％"): ord("%"),
        ord("＋"): ord("+"),
        ord("～"): ord("~"),
        ord("﹪"): ord("%"),
    }
)


_FOLDABLE_RE = re.compile("[" + "".join(chr(c) for c in _FOLD) + "]")


def for_matching(text: str) -> str:
    """Fold full-width digits/letters/number punctuation to ASCII, 1:1 in length."""
    if _FOLDABLE_RE.search(text) is None:  # the common case; translate() is slow
        return text
    return text.translate(_FOLD)


# What an office writes in a cell it leaves empty: a slash, a dash, 无.
EMPTY_CELL = frozenset(("/", "／", "\\", "-", "--", "－", "—", "——", "–", "─", "无", "暂无", "空", "/ ", "×"))


def is_empty_cell(text: str) -> bool:
    """A cell that says it is empty (/, —, 无), whitespace removed."""
    return len(text) <= 2 and text in EMPTY_CELL


OPEN_BRACKETS = "（(〈〔【[「『《{｛［"
CLOSE_BRACKETS = "）)〉〕】]」』》}｝］"
_OPEN_SET = frozenset(OPEN_BRACKETS)
_CLOSE_SET = frozenset(CLOSE_BRACKETS)


def _specials(separators: frozenset[str]) -> re.Pattern[str]:
    chars = "".join(sorted(separators)) + OPEN_BRACKETS + CLOSE_BRACKETS
    return re.compile("[" + re.escape(chars) + "]")


def _separator_re(separators: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(sorted(separators))) + "]")


class Separators(frozenset):
    """A set of separator characters for `split_top_level`, with its two regexes
    compiled once, when the module that splits on it is imported (like every other
    regex of the parser: compiling a character class of CJK characters costs about a
    millisecond, and the grammar splits on the same few sets all the time)."""

    specials_re: re.Pattern[str]
    split_re: re.Pattern[str]

    def __new__(cls, chars: str) -> Separators:
        self = super().__new__(cls, chars)
        self.specials_re = _specials(self)
        self.split_re = _separator_re(self)
        return self


_BRACKET_RE = re.compile("[" + re.escape(OPEN_BRACKETS + CLOSE_BRACKETS) + "]")


def split_top_level(text: str, separators: Separators) -> list[tuple[str, int]]:
    """Split ``text`` on any character in ``separators`` that is not inside brackets.

    Returns (piece, start offset) pairs, empty pieces included so offsets stay
    meaningful. An unbalanced closing bracket is ignored (depth never goes below 0);
    an unclosed opening bracket swallows the rest, which is what a reader would do.
    """
    if _BRACKET_RE.search(text) is None:
        # No brackets: a plain split, offsets from the piece lengths.
        out: list[tuple[str, int]] = []
        pos = 0
        for piece in separators.split_re.split(text):
            out.append((piece, pos))
            pos += len(piece) + 1
        return out
    pieces: list[tuple[str, int]] = []
    depth = 0
    start = 0
    # Visit only separators and brackets: far fewer than all characters.
    for m in separators.specials_re.finditer(text):
        ch = m.group()
        if ch in _OPEN_SET:
            depth += 1
        elif ch in _CLOSE_SET:
            if depth:
                depth -= 1
        elif depth == 0:
            i = m.start()
            pieces.append((text[start:i], start))
            start = i + 1
    pieces.append((text[start:], start))
    return pieces


def has_brackets(text: str) -> bool:
    return _BRACKET_RE.search(text) is not None


def bracket_depth_at_end(text: str, depth: int = 0) -> int:
    """How many brackets are still open at the end of ``text`` (starting at ``depth``)."""
    for ch in _BRACKET_RE.findall(text):
        if ch in _OPEN_SET:
            depth += 1
        elif depth:
            depth -= 1
    return depth


_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(s: str) -> int | None:
    """Arabic or small Chinese numeral to int: '12', '十二', '二十一', '三十', '二〇二六'.

    Four-character digit strings (二〇二六) read digit by digit, as years are written.
    Returns None when ``s`` is not a numeral this function knows.
    """
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if "十" not in s:
        if all(c in _CN_DIGITS for c in s):
            value = 0
            for c in s:
                value = value * 10 + _CN_DIGITS[c]
            return value
        return None
    tens_part, _, ones_part = s.partition("十")
    if tens_part and (len(tens_part) != 1 or tens_part not in _CN_DIGITS):
        return None
    tens = _CN_DIGITS[tens_part] if tens_part else 1
    if ones_part and (len(ones_part) != 1 or ones_part not in _CN_DIGITS):
        return None
    ones = _CN_DIGITS[ones_part] if ones_part else 0
    return tens * 10 + ones


class Affixes:
    """A fixed set of words to find at the start or end of a string.

    Cheaper than an anchored regex alternation (``(?:a|b|…)$`` makes the regex engine
    try every start position): a handful of slice-and-set lookups, longest first.
    """

    __slots__ = ("words", "lengths", "firsts", "lasts")

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in words if w)
        self.lengths = sorted({len(w) for w in self.words}, reverse=True)
        self.firsts = frozenset(w[0] for w in self.words)
        self.lasts = frozenset(w[-1] for w in self.words)

    def suffix(self, s: str) -> str | None:
        """The longest word ``s`` ends with, or None."""
        n = len(s)
        if not n or s[-1] not in self.lasts:
            return None
        for k in self.lengths:
            if k <= n and s[n - k:] in self.words:
                return s[n - k:]
        return None

    def prefix(self, s: str) -> str | None:
        """The longest word ``s`` starts with, or None."""
        n = len(s)
        if not n or s[0] not in self.firsts:
            return None
        for k in self.lengths:
            if k <= n and s[:k] in self.words:
                return s[:k]
        return None
