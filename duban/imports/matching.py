"""Which stored task a task of a revised document is: pairing by what tasks are.

A revision renumbers tasks, inserts and drops some, rewords titles, and a parser
glitch may add a bogus task or lose a section heading. None of that may detach a
task's history, so identity is never one key scheme for the whole plan. Each stored
task is scored against each parsed task:

- the number and the section, where both agree (同序号);
- the title's text similarity (rapidfuzz's normalised Indel ratio, character-based,
  which suits Chinese, where there are no words to split on);
- the overlap of the units and of the leaders (Jaccard).

Pairs below a threshold are never matched (that task is added or withdrawn), and the
remaining pairs are chosen by one global assignment (scipy's linear_sum_assignment,
maximising the total score), so a renumbered plan pairs every task with its own
text rather than with whatever now carries its old number. Each pair says why:
同序号, 同标题 or 标题相似 N%.

rapidfuzz rather than difflib: `cdist` scores every stored × parsed pair in C++ at
once (a 2,000-task plan is 4 million pairs; difflib's SequenceMatcher would take
minutes), and its ratio is the same measure difflib's `ratio()` computes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from rapidfuzz import fuzz, process
from scipy.optimize import linear_sum_assignment

# Title similarity at which two tasks are the same task whatever else differs.
TITLE_ALONE = 0.6
# Combined score (title, units, leaders) at which two tasks are the same task.
COMBINED = 0.55
# The same, for two tasks with the same number in the same section.
COMBINED_SAME_NUMBER = 0.4
# Weights of the combined score.
W_TITLE, W_UNITS, W_LEADERS = 0.7, 0.15, 0.15

SAME_NUMBER = "同序号"
SAME_TITLE = "同标题"

_SPACE = re.compile(r"\s+")
_TRAILING = "。；;，,.、 "
_NUMERAL = re.compile(r"^[（(]?([一二三四五六七八九十百零〇]+|\d+)[、.．）)]")


def normalise_title(title: str | None) -> str:
    """The title compared: no whitespace, no closing punctuation (a final 。 comes and
    goes between containers)."""
    return _SPACE.sub("", title or "").rstrip(_TRAILING)


def section_key(section: str | None) -> str:
    """A section is the same section when its numeral is (一、 keeps meaning 一、 when
    the heading is reworded); without a numeral, its whole text."""
    text = _SPACE.sub("", section or "")
    m = _NUMERAL.match(text)
    return m.group(1) if m else text


@dataclass(frozen=True)
class Side:
    """What the matcher looks at in a task, stored or parsed."""

    number: str | None
    section: str | None
    title: str
    units: tuple[str, ...] = ()
    leaders: tuple[str, ...] = ()
    withdrawn: bool = False  # a stored task a previous revision withdrew


@dataclass(frozen=True)
class Pair:
    stored: int  # index into the stored sequence
    parsed: int  # index into the parsed sequence
    reason: str  # 同序号 / 同标题 / 标题相似 N%
    similarity: float  # title similarity, 0..1


@dataclass
class Matching:
    pairs: list[Pair]
    unmatched_stored: list[int]  # to be withdrawn
    unmatched_parsed: list[int]  # to be added


def _reason(same_number: bool, same_title: bool, similarity: float) -> str:
    if same_number:
        return SAME_NUMBER
    if same_title:
        return SAME_TITLE
    return f"标题相似 {int(similarity * 100)}%"


def _jaccard(left: list[tuple[str, ...]], right: list[tuple[str, ...]]) -> np.ndarray:
    """Jaccard overlap of every left × right pair of name sets (1 when both are empty),
    as one matrix product of incidence matrices."""
    vocabulary: dict[str, int] = {}
    for names in (*left, *right):
        for name in names:
            vocabulary.setdefault(name, len(vocabulary))

    def incidence(rows):
        m = np.zeros((len(rows), max(len(vocabulary), 1)), dtype=np.float32)
        for i, names in enumerate(rows):
            for name in set(names):
                m[i, vocabulary[name]] = 1.0
        return m

    a, b = incidence(left), incidence(right)
    common = a @ b.T
    union = a.sum(axis=1)[:, None] + b.sum(axis=1)[None, :] - common
    return np.where(union > 0, common / np.maximum(union, 1), 1.0).astype(np.float32)


def match_tasks(stored: Sequence[Side], parsed: Sequence[Side]) -> Matching:
    """Pair stored tasks with parsed ones; see the module docstring."""
    titles_s = [normalise_title(s.title) for s in stored]
    titles_p = [normalise_title(p.title) for p in parsed]
    sections_s = [section_key(s.section) for s in stored]
    sections_p = [section_key(p.section) for p in parsed]
    pairs: list[Pair] = []

    # Tasks identical in number, section and title are the same task: no score can beat
    # that pairing. Taken first (when unique on both sides) so an unchanged plan costs
    # one dictionary, and the assignment below only sees what really moved.
    def exact(i, side, titles, sections):
        return (side.number or "", sections[i], titles[i])

    by_key: dict[tuple, list[int]] = {}
    for j, p in enumerate(parsed):
        by_key.setdefault(exact(j, p, titles_p, sections_p), []).append(j)
    stored_keys: dict[tuple, list[int]] = {}
    for i, s in enumerate(stored):
        if not s.withdrawn:
            stored_keys.setdefault(exact(i, s, titles_s, sections_s), []).append(i)
    taken_s, taken_p = set(), set()
    for key, rows in stored_keys.items():
        cols = by_key.get(key, [])
        if len(rows) == 1 and len(cols) == 1:
            i, j = rows[0], cols[0]
            pairs.append(Pair(i, j, SAME_NUMBER if key[0] else SAME_TITLE, 1.0))
            taken_s.add(i)
            taken_p.add(j)

    rest_s = [i for i in range(len(stored)) if i not in taken_s]
    rest_p = [j for j in range(len(parsed)) if j not in taken_p]
    if rest_s and rest_p:
        pairs += _assign(stored, parsed, rest_s, rest_p, titles_s, titles_p, sections_s, sections_p)
    matched_s = {p.stored for p in pairs}
    matched_p = {p.parsed for p in pairs}
    pairs.sort(key=lambda p: p.parsed)
    return Matching(
        pairs,
        [i for i in range(len(stored)) if i not in matched_s],
        [j for j in range(len(parsed)) if j not in matched_p],
    )


def _assign(stored, parsed, rest_s, rest_p, titles_s, titles_p, sections_s, sections_p) -> list[Pair]:
    title = process.cdist([titles_s[i] for i in rest_s], [titles_p[j] for j in rest_p],
                          scorer=fuzz.ratio, dtype=np.float32) / 100.0
    units = _jaccard([stored[i].units for i in rest_s], [parsed[j].units for j in rest_p])
    leaders = _jaccard([stored[i].leaders for i in rest_s], [parsed[j].leaders for j in rest_p])
    combined = W_TITLE * title + W_UNITS * units + W_LEADERS * leaders

    numbers_s = np.array([stored[i].number or "" for i in rest_s], dtype=object)
    numbers_p = np.array([parsed[j].number or "" for j in rest_p], dtype=object)
    secs_s = np.array([sections_s[i] for i in rest_s], dtype=object)
    secs_p = np.array([sections_p[j] for j in rest_p], dtype=object)
    same_section = secs_s[:, None] == secs_p[None, :]
    same_number = (numbers_s[:, None] == numbers_p[None, :]) & (numbers_s != "")[:, None] & same_section

    eligible = (title >= TITLE_ALONE) | (combined >= COMBINED) | (same_number & (combined >= COMBINED_SAME_NUMBER))
    withdrawn = np.array([stored[i].withdrawn for i in rest_s])[:, None]
    # Among eligible pairs: the closest text first, then number and section agreeing;
    # an active task before one a previous revision withdrew.
    score = combined + 0.3 * same_number + 0.05 * same_section - 0.02 * withdrawn
    # Ineligible pairs cost what leaving both unmatched costs (0): with as many columns
    # as rows (scipy transposes as needed) an optimal full assignment restricted to
    # eligible pairs is an optimal matching.
    cost = np.where(eligible, -score, 0.0)
    rows, cols = linear_sum_assignment(cost)
    out = []
    for r, c in zip(rows, cols):
        if not eligible[r, c]:
            continue
        i, j = rest_s[r], rest_p[c]
        sim = float(title[r, c])
        out.append(Pair(i, j, _reason(bool(same_number[r, c]), titles_s[i] == titles_p[j], sim), sim))
    return out
