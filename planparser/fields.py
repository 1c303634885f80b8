"""Field-level grammar: deadlines, targets, unit lists, leader names.

Pure functions over one field's text. The document grammar (`responsibility.py`,
`tree.py`, `tables.py`) finds the fields; this module interprets them. Every string
handed in may still contain whitespace; every string handed out has none
(PLAN_FORMAT.md, "Strings"). None of these functions raises on any input: what cannot
be read is reported in a ``problems`` list (Chinese, for warnings) or yields nothing.

The implementation lives in four modules, each with its rules in its docstring:

* `planparser.deadlines` — `Deadline`, `parse_deadline`, `find_time_text`;
* `planparser.targets`   — `find_targets`;
* `planparser.units`     — `UnitSplit`, `split_unit_list`, `assign_units`, `is_collective`,
  `can_end_name`, `cut_inside_name`, `starts_inside_name`;
* `planparser.leaders`   — `clean_leaders`, `leader_roles`, `surname_only_mentions`.

OWNED BY: the fields work.
"""
from __future__ import annotations

from .deadlines import Deadline, find_time_text, parse_deadline
from .leaders import clean_leaders, leader_roles, surname_only_mentions
from .model import Milestone, Target
from .targets import find_targets
from .units import UnitSplit, assign_units, can_end_name, cut_inside_name, is_collective, split_unit_list, starts_inside_name

__all__ = [
    "Deadline",
    "Milestone",
    "Target",
    "UnitSplit",
    "assign_units",
    "can_end_name",
    "clean_leaders",
    "cut_inside_name",
    "leader_roles",
    "surname_only_mentions",
    "find_targets",
    "find_time_text",
    "is_collective",
    "parse_deadline",
    "split_unit_list",
    "starts_inside_name",
]
