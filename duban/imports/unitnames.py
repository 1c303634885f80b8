"""Reading a unit list whose names share a suffix: 江岸、江汉、汉阳、武昌区人民政府.

The parser keeps such a list as written (four items, PLAN_FORMAT.md); the import
reads the bare items as full names (江岸区人民政府 …): matched to an existing unit,
or created as a guessed name the preview shows. A unit named 江岸 is never made.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from planparser.fields import is_collective

# Administrative levels a shared suffix starts with (武昌|区人民政府, 黄村|镇人民政府).
_LEVELS = ("街道", "区", "县", "市", "镇", "乡", "旗")
# Endings of a complete unit name; a bare item has none (or ends in a level: 朝阳区、海淀区人民政府).
_UNIT_ENDINGS = (
    "局", "委", "办", "院", "府", "处", "中心", "公司", "集团", "会", "所", "站", "队", "部", "厅", "社", "馆", "团",
    "室", "组", "行", "校", "园", "台", "署", "司", "科", "庭", "监狱", "医院", "大学", "学校", "小组", "发展",
)
_BARE_MAX = 5  # place names are short: 江岸, 西红门, 经济开发


@dataclass(frozen=True)
class SuffixGuess:
    written: str  # as the list wrote it: 江岸
    read: str  # as the import reads it: 江岸区人民政府
    known: bool  # an existing unit (or alias) has that name


def _is_bare(name: str, is_known: Callable[[str], bool]) -> bool:
    if is_known(name) or is_collective(name) or len(name) > _BARE_MAX or len(name) < 2:
        return False
    return name.endswith(_LEVELS) or not name.endswith(_UNIT_ENDINGS)


def _join(bare: str, suffix: str) -> str:
    """江岸 + 区人民政府; 朝阳区 + 区人民政府 → 朝阳区人民政府 (the overlap written once)."""
    for k in range(min(len(bare), len(suffix)), 0, -1):
        if bare.endswith(suffix[:k]):
            return bare + suffix[k:]
    return bare + suffix


def _suffixes(full: str) -> list[str]:
    """Shared suffixes `full` may carry, most likely first: from an administrative
    level after a short place name (武昌|区人民政府)."""
    out = []
    for p in range(1, min(len(full), _BARE_MAX + 1)):
        if full[p:].startswith(_LEVELS):
            out.append(full[p:])
    return out


def read_unit_list(names: list[str], is_known: Callable[[str], bool]) -> tuple[list[str], list[SuffixGuess]]:
    """The list with every bare item before a full name read with that name's suffix,
    and the guesses made. An expansion that is a known unit is taken through any tail
    of the full name (发改、财政、商务局 → 发改局 when 发改局 exists); a new name only
    from an administrative level (区人民政府, 镇人民政府, 街道办事处)."""
    out = list(names)
    guesses: list[SuffixGuess] = []
    i = 0
    while i < len(names):
        if not _is_bare(names[i], is_known):
            i += 1
            continue
        run_end = i
        while run_end < len(names) and _is_bare(names[run_end], is_known):
            run_end += 1
        if run_end == len(names):  # nothing after the bare items to share a suffix with
            break
        full = names[run_end]
        tails = [full[p:] for p in range(1, len(full))]
        level_tails = _suffixes(full)
        for k in range(i, run_end):
            bare = names[k]
            read = next((_join(bare, t) for t in tails if is_known(_join(bare, t))), None)
            if read is None and level_tails:
                read = _join(bare, level_tails[0])
            if read is not None and read != bare:
                out[k] = read
                guesses.append(SuffixGuess(bare, read, is_known(read)))
        i = run_end + 1
    return out, guesses
