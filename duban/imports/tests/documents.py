"""The seed plan (or an edited copy of its text) written into the containers offices
use, with the libraries offices' files come from: python-docx, reportlab, openpyxl.

Every builder takes the plan's text lines, so a test edits the text once (delete a
task, renumber, reword) and gets the same edit in every container."""
from __future__ import annotations

import re
from pathlib import Path

SEED = Path(__file__).resolve().parents[3] / "examples" / "daxing-2026-plan.txt"

_ITEM = re.compile(r"^(\d+)[.．、](.*)$")
_FIELD = re.compile(r"^(牵头领导|主要责任单位|完成时限)[:：](.*)$")
_SECTION = re.compile(r"^[一二三四五六七八九十]+、")


def seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").splitlines()


def write_txt(lines: list[str], path: Path) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_docx(lines: list[str], path: Path) -> Path:
    """One paragraph per line of the text, as a .docx saved from the .txt would be."""
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(path)
    return path


def _cid_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def write_pdf(lines: list[str], path: Path, *, per_line: int = 36) -> Path:
    """A text-layer PDF of the lines, long lines wrapped at the right margin as a
    typesetter would, with page numbers (— 3 —) at the foot of every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _cid_font()
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    page, y = 1, height - 72

    def foot():
        c.setFont(font, 9)
        c.drawCentredString(width / 2, 40, f"— {page} —")
        c.setFont(font, 12)

    foot()
    for line in lines:
        text = line.strip()
        for k in range(0, max(len(text), 1), per_line):
            if y < 72:
                c.showPage()
                page += 1
                y = height - 72
                foot()
            c.drawString(60, y, text[k:k + per_line])
            y -= 18
    c.showPage()
    c.save()
    return path


def plan_rows(lines: list[str]) -> tuple[str, list[list[str]]]:
    """The title and the task rows (section, number, title, leaders, units, deadline)
    of a plan written in the seed's layout."""
    title, rows, section = "", [], ""
    body = False
    for raw in lines:
        line = raw.strip()
        if not body:
            if line.endswith("分工方案") and not line.startswith(("关于", "《")):
                title, body = line, True
            continue
        if _SECTION.match(line):
            section = line
        elif m := _ITEM.match(line):
            rows.append([section, m.group(1), m.group(2), "", "", ""])
        elif (m := _FIELD.match(line)) and rows:
            rows[-1][{"牵头领导": 3, "主要责任单位": 4, "完成时限": 5}[m.group(1)]] = m.group(2).strip()
        elif rows and line and not rows[-1][5]:
            col = 4 if rows[-1][4] else 2  # a wrapped unit list, or a wrapped title
            rows[-1][col] += line
    return title, rows


def write_xlsx(lines: list[str], path: Path) -> Path:
    """The plan as a ledger sheet: a merged title row, a header row, one row a task,
    the section in a category column."""
    import openpyxl

    title, rows = plan_rows(lines)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务分工"
    ws.append([title])
    ws.merge_cells("A1:F1")
    ws.append(["类别", "序号", "重点工作", "牵头领导", "主要责任单位", "完成时限"])
    for row in rows:
        ws.append([row[0], int(row[1]), *row[2:]])
    wb.save(path)
    return path


def delete_task(lines: list[str], number: str) -> list[str]:
    """The text without task `number` (its item line and its field lines)."""
    out, skipping = [], False
    for line in lines:
        m = _ITEM.match(line.strip())
        if m:
            skipping = m.group(1) == number
        elif _SECTION.match(line.strip()):
            skipping = False
        if not skipping:
            out.append(line)
    return out


def renumber(lines: list[str]) -> list[str]:
    """Items numbered 1, 2, 3 … again in written order (after a deletion or an insertion)."""
    out, n = [], 0
    for line in lines:
        m = _ITEM.match(line.strip())
        if m:
            n += 1
            line = f"{n}.{m.group(2)}"
        out.append(line)
    return out


def insert_task(lines: list[str], after: str, task_lines: list[str]) -> list[str]:
    """`task_lines` (an item and its fields) inserted after task `after`'s block."""
    out, inside = [], False
    for line in lines:
        m = _ITEM.match(line.strip())
        if inside and (m or _SECTION.match(line.strip()) or not line.strip() or line.startswith("抄送")):
            out.extend(task_lines)
            inside = False
        if m and m.group(1) == after:
            inside = True
        out.append(line)
    if inside:  # the last task: its block runs to the end (the seed has no signature after it)
        out.extend(task_lines)
    return out


def replace_title(lines: list[str], number: str, title: str) -> list[str]:
    out = []
    for line in lines:
        m = _ITEM.match(line.strip())
        out.append(f"{number}.{title}" if m and m.group(1) == number else line)
    return out
