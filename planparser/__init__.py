"""Duban's plan parser: a work-division plan (分工方案) file in, plain dataclasses out.

Pure Python: nothing here imports Django. Entry point: `parse_file(path) -> Plan`.
"""
from __future__ import annotations

from pathlib import Path

from .model import Milestone, Plan, Section, Target, Task, Warning
from .readers import ReadError

__all__ = ["parse_file", "Plan", "Section", "Task", "Milestone", "Target", "Warning", "ReadError"]


def parse_file(path: str | Path) -> Plan:
    from .grammar import parse_document
    from .readers import read_document

    return parse_document(read_document(Path(path)))
