"""`duban parse FILE [--format json|table]`: show what an import of FILE would store.

json prints exactly `Plan.to_dict()`; table prints a summary for a person. A file that
cannot be read or holds no plan prints one line of Chinese on stderr and exits 2.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from typing import TextIO

from .model import Plan
from .readers import ReadError

EXIT_OK = 0
EXIT_UNREADABLE = 2
_TITLE_WIDTH = 28


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _truncate(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width - 2:
            break
        out += ch
        used += w
    return out + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render_table(plan: Plan, out: TextIO) -> None:
    """A readable Chinese summary of a plan: header, counts, one line per task, warnings."""
    d = plan.to_dict()
    leaders = {n for t in plan.tasks for n in t.leaders}
    units = {u for t in plan.tasks for u in (*t.lead_units, *t.co_units)}
    print(f"方案名称：{d['title'] or '（未识别）'}", file=out)
    print(f"发文单位：{d['issuer'] or '（未识别）'}", file=out)
    if d["doc_number"]:
        print(f"文　　号：{d['doc_number']}", file=out)
    print(f"印发日期：{d['issued'] or '（未识别）'}　方案年度：{d['plan_year'] or '（未识别）'}", file=out)
    if d["default_deadline"]:
        print(f"默认完成时限：{d['default_deadline']}", file=out)
    print(
        f"共{len(plan.tasks)}项任务，{len(plan.sections)}个部分，{len(leaders)}位牵头领导，"
        f"{len(units)}个责任单位，{len(plan.warnings)}条提示",
        file=out,
    )
    section = object()
    for t in plan.tasks:
        if t.section != section:
            section = t.section
            print("", file=out)
            print(f"【{t.section or '未分部分'}】", file=out)
        number = t.number or "—"
        lead = "、".join(t.lead_units) or "（无）"
        co = "、".join(t.co_units)
        who = "、".join([*t.leaders, *(f"{r}（未写姓名）" for r in t.leader_roles)]) or "—"
        due = t.deadline.isoformat() if t.deadline else (t.deadline_text or "—")
        line = f"{_pad(number, 6)}{_pad(_truncate(t.title, _TITLE_WIDTH), _TITLE_WIDTH + 1)} 领导：{who}｜牵头：{lead}"
        if co:
            line += f"｜配合：{co}"
        line += f"｜时限：{due}"
        print(line, file=out)
    if plan.warnings:
        print("", file=out)
        print("提示：", file=out)
        for w in plan.warnings:
            print(f"  {w.message}", file=out)


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if len(args_in) > 1 and args_in[0] == "parse":
        args_in = args_in[1:]
    parser = argparse.ArgumentParser(prog="duban parse", description="解析重点工作分工方案文件并输出结果")
    parser.add_argument("file", help="方案文件（.txt .docx .pdf .xlsx .csv）")
    parser.add_argument("--format", choices=("json", "table"), default="json", help="输出格式（默认 json）")
    args = parser.parse_args(args_in)

    from . import parse_file

    try:
        plan = parse_file(args.file)
    except ReadError as exc:  # ParseError is a ReadError too
        print(str(exc), file=sys.stderr)
        return EXIT_UNREADABLE
    if args.format == "json":
        print(json.dumps(plan.to_dict(), ensure_ascii=False, indent=1))
    else:
        render_table(plan, sys.stdout)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `duban parse x --format table | head`
        pass
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
