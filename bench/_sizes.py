"""How a figure's name says the size a benchmark actually ran (issue 17: `_5k_` in a
`--quick` run, never the full size's name)."""
from __future__ import annotations


def size_name(n: int) -> str:
    """100000 → "100k", 1000000 → "1000k", 5000 → "5k", 1234 → "1234"."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)
