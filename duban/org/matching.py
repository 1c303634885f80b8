"""Finding the unit a spelling means: exact name, recorded alias, or a guess said aloud.

Plans abbreviate unit names (区发改委 for 区发展改革委). A spelling that is neither a
known name nor an alias is matched to an existing unit only when exactly one unit's
name contains it as an ordered subsequence with the same first and last character;
the caller reports every such guess.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Match:
    name: str  # the spelling in the document
    canonical: str  # the unit it is taken to be
    guessed: bool  # True when matched by similarity, not by name or alias


def _is_abbreviation(short: str, full: str) -> bool:
    if len(short) < 3 or len(short) >= len(full) or short[0] != full[0] or short[-1] != full[-1]:
        return False
    pos = 0
    for ch in short:
        pos = full.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def match_names(names: list[str], known: dict[str, str]) -> list[Match]:
    """Resolve each spelling against `known` (name or alias → canonical name) and
    against the other spellings in `names`. The longer spelling is canonical."""
    pool = sorted(set(known.values()) | set(names), key=len, reverse=True)
    out = []
    for name in names:
        if name in known:
            out.append(Match(name, known[name], False))
            continue
        candidates = [full for full in pool if _is_abbreviation(name, full)]
        if len(candidates) == 1:
            out.append(Match(name, known.get(candidates[0], candidates[0]), True))
        else:
            out.append(Match(name, name, False))
    return out
