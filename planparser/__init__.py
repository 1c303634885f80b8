"""Duban's plan parser: a work-division plan (分工方案) file in, plain dataclasses out.

Pure Python: nothing here imports Django. Entry points: `parse_file(path) -> Plan`,
`parse_document(Document) -> Plan` for a document already read, and `clear_caches()`
to make the next parse run cold (the benchmark does).
"""
from __future__ import annotations

from pathlib import Path

from .grammar import ParseError, clear_caches, parse_document
from .model import Milestone, Plan, Section, Target, Task, Warning
from .readers import ReadError, read_document

__all__ = [
    "Milestone",
    "ParseError",
    "Plan",
    "ReadError",
    "Section",
    "Target",
    "Task",
    "Warning",
    "clear_caches",
    "parse_document",
    "parse_file",
    "read_document",
]


def parse_file(path: str | Path) -> Plan:
    """Read the file (container chosen by its content) and parse it; raise ReadError
    (ParseError when it holds no task) with one line of Chinese."""
    return parse_document(read_document(Path(path)))
