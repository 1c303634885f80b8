"""Field-level grammar: deadlines, targets, unit lists, leader names.

Pure functions over one field's text. The document grammar (grammar.py) finds the
fields; this module interprets them. Every string handed in may still contain
whitespace; every string handed out has none (PLAN_FORMAT.md, "Strings").

OWNED BY: the fields work (deadlines.py / targets.py / units.py may split out of this
module; keep these names importable from planparser.fields).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .model import Milestone, Target


@dataclass
class Deadline:
    """What a time text means.

    kind: "dated" (one date), "phased" (two or more dated phases → milestones),
    "ongoing" (持续推进/长期坚持: no date), "none" (no time text at all),
    "unknown" (text present but no date could be read: the caller warns).
    """

    date: date | None
    kind: str
    milestones: list[Milestone] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # Chinese messages for warnings


def parse_deadline(text: str | None, plan_year: int | None) -> Deadline:
    """Interpret a 完成时限 text per PLAN_FORMAT.md (`deadline`, `milestones`)."""
    raise NotImplementedError


def find_time_text(text: str) -> str | None:
    """In an inline responsibility parenthesis part or a sentence, return the time
    part taken whole (e.g. '2026年6月底前' or '6月底前完成方案设计；12月底前完成主体施工'),
    or None when there is none."""
    raise NotImplementedError


def find_targets(title: str) -> list[Target]:
    """Quantitative targets in a task title per PLAN_FORMAT.md (`targets`)."""
    raise NotImplementedError


@dataclass
class UnitSplit:
    lead: list[str]
    co: list[str]
    problems: list[str] = field(default_factory=list)


def split_unit_list(text: str) -> list[str]:
    """Split one unit field on 、，,；; and line breaks, never inside brackets; strip role
    words and notes (牵头, 配合, 负责, 按职责分工负责, 等, trailing 。, （列第一位的为牵头单位，下同）).
    Keeps a '（牵头）' marker visible to the caller by returning it in the name? No: use
    `assign_units` for roles; this returns clean names only."""
    raise NotImplementedError


def assign_units(fields: dict[str, str]) -> UnitSplit:
    """Decide lead and co units from the responsibility fields of one task.

    `fields` maps a normalised label to its raw text: keys among "lead" (牵头单位),
    "co" (配合/参与/协办/协同单位), "resp" (责任单位/主要责任单位), "prose" (an unlabelled
    sentence or list such as 'A牵头，B、C配合' or a bare list). Precedence as in
    PLAN_FORMAT.md: 牵头单位 field; prose 牵头/分别牵头/配合/按职责分工负责; （牵头） marker;
    one plain list → first leads. Lead and co never overlap; at least one lead when any
    unit is named.
    """
    raise NotImplementedError


def clean_leaders(text: str) -> list[str]:
    """Person names from a leader field: split on 、，,；; and spaces between names
    (周  冲 is ONE name: padding inside a two-character name), strip titles (区长,
    副区长, 常务副区长, 书记, 主任 …); role-only mentions (分管副市长负责) give []."""
    raise NotImplementedError


def is_collective(unit: str) -> bool:
    """各部门, 各单位, 各镇街, 区直有关部门 … : a collective assignee."""
    raise NotImplementedError
