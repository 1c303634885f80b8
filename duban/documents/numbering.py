"""文号: the office's pattern per numbered kind, and a sequence per kind and year.

A pattern is text with {年} (the year) and {序号} (the sequence number; {序号:3} pads
it to three digits, 001), e.g. 督办〔{年}〕{序号}号 or 区督查〔{年}〕第{序号:3}号. Both
are required: the number of a document must be unique, and sequences start again
each year.

The sequence is a counter row per (kind, year) bumped with a conditional UPDATE
(``WHERE last = seen``), retried when another writer came first: race-free on SQLite
and PostgreSQL alike, inside the caller's transaction, so a rolled-back document gives
its number back.
"""
from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import DocumentCounter, NumberPattern

NUMBERED = {  # kind → (what is numbered, default pattern)
    "notice": ("督办单（催办、督办、约谈）", "督办〔{年}〕{序号}号"),
    "extension": ("延期批复", "延期批复〔{年}〕{序号}号"),
    "closure": ("办结销号通知", "销号〔{年}〕{序号}号"),
}
FIELD = re.compile(r"\{([^{}]*)\}")
MAX_LENGTH = 60


class NumberingError(Exception):
    """A refused pattern or a sequence that stayed busy; the message is Chinese."""


def pattern(kind: str) -> str:
    row = NumberPattern.objects.filter(kind=kind).first()
    return row.pattern if row else NUMBERED[kind][1]


def validate_pattern(text: str) -> str:
    """The pattern cleaned, or NumberingError saying what is wrong."""
    text = (text or "").strip().replace("｛", "{").replace("｝", "}").replace("：", ":")
    if not text:
        raise NumberingError("请填写文号格式")
    if len(text) > MAX_LENGTH:
        raise NumberingError(f"文号格式不能超过{MAX_LENGTH}个字")
    if text.count("{") != text.count("}"):
        raise NumberingError("花括号没有成对出现")
    seen = set()
    for m in FIELD.finditer(text):
        name = m.group(1).strip()
        if name == "年":
            seen.add("年")
        elif re.fullmatch(r"序号(:[1-6])?", name):
            seen.add("序号")
        else:
            raise NumberingError(f"无法识别的“{{{m.group(1)}}}”：只能使用 {{年}}、{{序号}} 或 {{序号:3}}（补足三位）")
    missing = [f"{{{n}}}" for n in ("年", "序号") if n not in seen]
    if missing:
        raise NumberingError(f"文号格式须包含{'和'.join(missing)}，每年的文号才不会重复")
    return text


def format_number(pattern_text: str, year: int, seq: int) -> str:
    def one(m: re.Match) -> str:
        name = m.group(1).strip()
        if name == "年":
            return str(year)
        width = int(name.partition(":")[2] or 0)
        return str(seq).zfill(width)

    return FIELD.sub(one, pattern_text)


def next_seq(kind: str, year: int) -> int:
    """The next sequence number of `kind` in `year`."""
    if not DocumentCounter.objects.filter(kind=kind, year=year).exists():
        try:
            with transaction.atomic():
                DocumentCounter.objects.create(kind=kind, year=year)
        except IntegrityError:
            pass  # another writer made it first
    for _ in range(50):
        seen = DocumentCounter.objects.filter(kind=kind, year=year).values_list("last", flat=True).get()
        if DocumentCounter.objects.filter(kind=kind, year=year, last=seen).update(last=F("last") + 1) == 1:
            return seen + 1
    raise NumberingError("编号繁忙，请稍后重试")


def take_number(kind: str, year: int) -> tuple[int, str]:
    """(sequence, 文号) for a new document of `kind` in `year`."""
    seq = next_seq(kind, year)
    return seq, format_number(pattern(kind), year, seq)
