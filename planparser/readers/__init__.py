"""Readers: one per container, each turns a file into a `Document`.

A Document is the file's content in reading order: text lines (from .txt, .docx
paragraphs, .pdf text layer) and tables (from .docx tables, .xlsx sheets, .csv). The
grammar never knows which container it came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Union


class ReadError(Exception):
    """The file cannot be read at all. str(err) is one line of Chinese naming the file
    and the problem; the CLI prints it and exits with status 2."""


@dataclass
class Line:
    text: str
    number: int  # 1-based line (or paragraph) number in the source


@dataclass
class Row:
    cells: list[str]
    number: int  # 1-based row number in its sheet/table


@dataclass
class Table:
    rows: list[Row]
    name: str | None = None  # sheet name, or "表格1" for a docx table


@dataclass
class Document:
    blocks: list[Union[Line, Table]] = field(default_factory=list)


class Reader(Protocol):
    def read(self, path: Path) -> Document: ...


def read_document(path: Path) -> Document:
    """Pick the reader by the file's content (magic bytes), not its name; raise
    ReadError for unreadable, empty, encrypted or wrong-type files."""
    raise NotImplementedError
