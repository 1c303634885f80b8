"""Plain dataclasses the parser returns. No Django here, ever.

The JSON shape is specified in ../shared/PLAN_FORMAT.md (copied in docs/PLAN_FORMAT.md);
`Plan.to_dict()` produces exactly that shape.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass
class Target:
    """A quantitative target found in a task title (增长5%以上 → 5, "%", ">=")."""

    value: float | int
    unit: str
    comparator: str  # one of ">=", ">", "<=", "~", "="
    text: str  # as written, whitespace removed


@dataclass
class Milestone:
    """One dated phase of a phased deadline (3月底前完成方案设计 → 03-31, 完成方案设计)."""

    date: date
    text: str


@dataclass
class Warning:
    """Something the parser guessed at or could not place. `line` is a 1-based line
    number for text containers, or the sheet row for tables."""

    line: int | None
    message: str  # Chinese, for the user


@dataclass
class Section:
    title: str


@dataclass
class Task:
    number: str | None
    section: str | None
    subsection: str | None
    title: str
    leaders: list[str] = field(default_factory=list)
    # Leader roles written without a name (常务副区长, 分管副省长), in written order; the
    # import lets the office map each to the person who holds it.
    leader_roles: list[str] = field(default_factory=list)
    lead_units: list[str] = field(default_factory=list)
    co_units: list[str] = field(default_factory=list)
    deadline: date | None = None
    deadline_text: str | None = None
    milestones: list[Milestone] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    line: int | None = None  # where the task starts in the source (not in the JSON)


@dataclass
class Plan:
    title: str | None
    issuer: str | None
    issued: date | None
    plan_year: int | None
    default_deadline: date | None
    sections: list[Section] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    doc_number: str | None = None  # 文号 such as 京兴政办发〔2026〕5号, when written (extra JSON key)

    def to_dict(self) -> dict:
        """The JSON object of PLAN_FORMAT.md (dates as YYYY-MM-DD)."""

        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "title": self.title,
            "issuer": self.issuer,
            "issued": iso(self.issued),
            "doc_number": self.doc_number,
            "plan_year": self.plan_year,
            "default_deadline": iso(self.default_deadline),
            "sections": [asdict(s) for s in self.sections],
            "tasks": [
                {
                    "number": t.number,
                    "section": t.section,
                    "subsection": t.subsection,
                    "title": t.title,
                    "leaders": list(t.leaders),
                    "leader_roles": list(t.leader_roles),
                    "lead_units": list(t.lead_units),
                    "co_units": list(t.co_units),
                    "deadline": iso(t.deadline),
                    "deadline_text": t.deadline_text,
                    "milestones": [{"date": iso(m.date), "text": m.text} for m in t.milestones],
                    "targets": [asdict(x) for x in t.targets],
                }
                for t in self.tasks
            ],
            "warnings": [asdict(w) for w in self.warnings],
        }
