"""Reads a PDF's lines back (pdfplumber) and finds the ones that break the Chinese
line-breaking rules: a line (or a table cell's line) starting with ，。：；”）、？！ or
ending with “（."""
from __future__ import annotations

import io

import pdfplumber

BAD_START = "，。：；”）、？！"
BAD_END = "“（"


def line_segments(pdf: bytes) -> list[str]:
    """Every printed line, cut where a gap wider than a character separates text (table
    cells, the issuer and the date on one line)."""
    out: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            rows: dict[int, list] = {}
            for c in page.chars:
                if c["text"].strip():
                    rows.setdefault(round(c["top"] / 3), []).append(c)
            for chars in rows.values():
                chars.sort(key=lambda c: c["x0"])
                seg = [chars[0]]
                for prev, c in zip(chars, chars[1:]):
                    if c["x0"] - prev["x1"] > 0.9 * c["size"]:
                        out.append("".join(x["text"] for x in seg))
                        seg = []
                    seg.append(c)
                out.append("".join(x["text"] for x in seg))
    return out


def broken_lines(pdf: bytes) -> list[str]:
    return [s for s in line_segments(pdf) if s[:1] in BAD_START or s[-1:] in BAD_END]
