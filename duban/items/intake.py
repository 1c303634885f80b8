"""Items from a sheet (one template per kind), from meeting minutes or from a 交办单
(an order of the city or an inspection's feedback): read → preview →
confirm, like plan import. Reading never writes an item; the rows wait in an
IntakeBatch until the office confirms, and confirming creates every chosen row or
none (one transaction). Each problem names the row (or paragraph) and the column."""
from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from duban.audit.log import record
from duban.lib.xlsx import neutralise_formulas
from duban.org.models import Leader
from duban.plans.models import Category, Task
from planparser.readers import ReadError, read_document

from . import actions
from .forms import resolve_units
from .minutes import read_minutes
from .orders import read_order
from .models import AssignedItem, IntakeBatch, ItemDocument, Meeting, Proposal


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    kind: str = "text"  # text / date / int / units / leader / choice
    choices: tuple[tuple[str, str], ...] = ()
    note: str = ""


_UNITS_NOTE = "多个单位用顿号（、）分隔，须与单位名录一致（可用简称）"
SHEETS: dict[str, list[Column]] = {
    Category.INSTRUCTION: [
        Column("批示领导", "leader", True, "leader", note="区领导姓名"),
        Column("来文标题", "document_title", True),
        Column("批示内容", "instruction", True),
        Column("批示日期", "instructed_on", True, "date"),
        Column("收文日期", "received_on", True, "date"),
        Column("办理期限（工作日）", "workdays", False, "int", note="与完成时限二选一"),
        Column("完成时限", "deadline", False, "date"),
        Column("牵头单位", "lead_units", True, "units", note=_UNITS_NOTE),
        Column("配合单位", "co_units", False, "units", note=_UNITS_NOTE),
    ],
    Category.MEETING: [
        Column("会议名称", "meeting", True, note="如：区政府第12次常务会议"),
        Column("会议日期", "held_on", True, "date"),
        Column("议定事项", "text", True),
        Column("牵头单位", "lead_units", True, "units", note=_UNITS_NOTE),
        Column("配合单位", "co_units", False, "units", note=_UNITS_NOTE),
        Column("完成时限", "deadline", False, "date"),
    ],
    Category.PROPOSAL: [
        Column("类别", "kind", True, "choice", tuple((v, label) for v, label in Proposal.Kind.choices)),
        Column("编号", "number", True),
        Column("代表（委员）", "proposers", True),
        Column("案由", "title", True),
        Column("交办日期", "assigned_on", True, "date"),
        Column("主办单位", "lead_units", True, "units", note=_UNITS_NOTE),
        Column("协办单位", "co_units", False, "units", note=_UNITS_NOTE),
    ],
    Category.ASSIGNED: [
        Column("来源", "source", True, "choice", tuple(AssignedItem.Source.choices)),
        Column("交办机关", "issuer", True),
        Column("交办单文号", "doc_number", True),
        Column("收到日期", "received_on", True, "date"),
        Column("交办事项", "title", True),
        Column("问题描述", "problem"),
        Column("整改措施", "measures"),
        Column("完成时限", "deadline", False, "date"),
        Column("牵头单位", "lead_units", True, "units", note=_UNITS_NOTE),
        Column("配合单位", "co_units", False, "units", note=_UNITS_NOTE),
    ],
}
SHEET_KINDS = tuple(SHEETS)


class IntakeError(Exception):
    """The file cannot be read as this kind's sheet or as minutes (Chinese message)."""


# --- the template ---------------------------------------------------------------------------

def template_workbook(category: str) -> bytes:
    """The kind's sheet: the header row (required columns in bold), a note per column,
    lists for the choice columns, frozen header, one example row."""
    columns = SHEETS[category]
    wb = Workbook()
    ws = wb.active
    ws.title = Category(category).label[:31]
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header + ("*" if col.required else ""))
        cell.font = Font(bold=col.required)
        cell.alignment = Alignment(wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = 18 if col.kind != "text" else 30
        note = col.note or ("日期，如 2026-06-30" if col.kind == "date" else "")
        if col.choices:
            labels = ",".join(label for _, label in col.choices)
            dv = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=not col.required)
            dv.error, dv.errorTitle = f"请从列表中选择：{labels}", col.header
            ws.add_data_validation(dv)
            dv.add(f"{cell.column_letter}2:{cell.column_letter}1000")
            note = note or f"可选：{labels}"
        ws.cell(row=2, column=i, value=f"（{note}）" if note else "")
    neutralise_formulas(ws)  # the notes are the system's own, but every writer does it
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "1:1"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- reading a sheet ------------------------------------------------------------------------

def _header_key(text: str) -> str:
    return (text or "").replace("*", "").replace(" ", "").replace("\u3000", "").replace("(", "（").replace(")", "）")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(category: str, data: bytes, name: str) -> list[dict]:
    """The sheet's rows as {key: text, "_row": n}; the header row is found among the
    first five rows; notes rows (（…）) and empty rows are skipped."""
    columns = SHEETS[category]
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or non-Excel file
        raise IntakeError(f"文件“{name}”不是有效的 Excel（.xlsx）文件，请使用下载的模板") from None
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wanted = {_header_key(c.header): c for c in columns}
    for index, row in enumerate(rows[:5]):
        found = {i: wanted[_header_key(_cell_text(v))] for i, v in enumerate(row) if _header_key(_cell_text(v)) in wanted}
        if len(found) >= 2:
            break
    else:
        raise IntakeError(f"文件“{name}”前 5 行中没有找到表头（应有：{'、'.join(c.header for c in columns)}），请使用下载的模板")
    missing = [c.header for c in columns if c.required and c not in found.values()]
    if missing:
        raise IntakeError(f"文件“{name}”缺少必填列：{'、'.join(missing)}")
    out = []
    for number, row in enumerate(rows[index + 1:], start=index + 2):
        values = {col.key: _cell_text(row[i]) if i < len(row) else "" for i, col in found.items()}
        if not any(values.values()) or all(v.startswith("（") or not v for v in values.values()):
            continue
        out.append({"_row": number, **values})
    if not out:
        raise IntakeError(f"文件“{name}”中没有填写任何事项")
    return out


def _date(text: str) -> dt.date | None:
    text = text.strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").replace("日", "")
    try:
        y, m, d = (int(p) for p in text.split("-")[:3])
        return dt.date(y, m, d)
    except (ValueError, TypeError):
        return None


def check_row(category: str, row: dict, *, where: str) -> tuple[dict, list[str]]:
    """The row's values typed (units and leaders looked up) and its problems, each
    naming `where` (第N行) and the column."""
    values, problems = {}, []
    for col in SHEETS[category]:
        text = (row.get(col.key) or "").strip()
        if not text:
            if col.required:
                problems.append(f"{where}“{col.header}”未填写")
            values[col.key] = [] if col.kind == "units" else None
            continue
        if col.kind == "date":
            values[col.key] = _date(text)
            if values[col.key] is None:
                problems.append(f"{where}“{col.header}”的“{text}”不是日期（如 2026-06-30）")
        elif col.kind == "int":
            values[col.key] = int(text) if text.isdigit() and 0 < int(text) <= 250 else None
            if values[col.key] is None:
                problems.append(f"{where}“{col.header}”应为 1 至 250 的整数，而不是“{text}”")
        elif col.kind == "units":
            units, unknown = resolve_units(text)
            values[col.key] = units
            if unknown:
                problems.append(f"{where}“{col.header}”中的{'、'.join(f'“{n}”' for n in unknown)}不在单位名录中")
        elif col.kind == "leader":
            values[col.key] = Leader.objects.filter(name=text.replace(" ", "")).first()
            if values[col.key] is None:
                problems.append(f"{where}“{col.header}”中的“{text}”不是已登记的区领导")
        elif col.kind == "choice":
            by_label = {label: v for v, label in col.choices} | {v: v for v, _ in col.choices}
            values[col.key] = by_label.get(text)
            if values[col.key] is None:
                problems.append(f"{where}“{col.header}”应为{'或'.join(label for _, label in col.choices)}，而不是“{text}”")
        else:
            values[col.key] = text
    if values.get("workdays") and values.get("deadline"):
        problems.append(f"{where}“办理期限（工作日）”与“完成时限”只填一项")
    both = {u.pk for u in values.get("lead_units") or []} & {u.pk for u in values.get("co_units") or []}
    if both:
        problems.append(f"{where}同一单位不能既是牵头单位又是配合单位")
    return values, problems


def create_one(category: str, values: dict, *, actor):
    """One item of `category` from checked values (check_row), as the API creates it."""
    return _create(category, values, actor, {})


def _create(category: str, v: dict, actor, meetings: dict):
    if category == Category.INSTRUCTION:
        return actions.create_instruction(
            actor=actor, leader=v["leader"], document_title=v["document_title"], instruction=v["instruction"],
            instructed_on=v["instructed_on"], received_on=v["received_on"], lead_units=v["lead_units"],
            co_units=v["co_units"], deadline=v["deadline"], workdays=v["workdays"])[0].task
    if category == Category.PROPOSAL:
        return actions.create_proposal(actor=actor, kind=v["kind"], number=v["number"], proposers=v["proposers"],
                                       title=v["title"], assigned_on=v["assigned_on"], lead_units=v["lead_units"],
                                       co_units=v["co_units"]).task
    if category == Category.ASSIGNED:
        return actions.create_assigned(actor=actor, source=v["source"], issuer=v["issuer"], doc_number=v["doc_number"],
                                       received_on=v["received_on"], title=v["title"], problem=v["problem"] or "",
                                       measures=v["measures"] or "", deadline=v["deadline"],
                                       lead_units=v["lead_units"], co_units=v["co_units"]).task
    key = (v["meeting"], v["held_on"])
    if key not in meetings:
        meetings[key] = Meeting.objects.filter(title=v["meeting"], held_on=v["held_on"]).first() or \
            actions.create_meeting(actor=actor, kind="topic" if "专题" in v["meeting"] else "standing",
                                   title=v["meeting"], held_on=v["held_on"])
    return actions.create_decision(meetings[key], actor=actor, text=v["text"], facts=actions.ItemFacts(
        title=v["text"], lead_units=v["lead_units"], co_units=v["co_units"], deadline=v["deadline"],
        deadline_text=f"{v['deadline']:%Y年%m月%d日}前" if v["deadline"] else "")).task


# --- the batch: preview, confirm -----------------------------------------------------------

def start_sheet(category: str, data: bytes, name: str, *, actor) -> IntakeBatch:
    rows = read_sheet(category, data, name)
    return IntakeBatch.objects.create(category=category, source_name=name[:200], rows=rows, created_by=actor)


def _read(data: bytes, name: str, what: str):
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in (".docx", ".txt", ".pdf") else ".docx"
    with tempfile.NamedTemporaryFile(suffix=suffix) as fh:
        fh.write(data)
        fh.flush()
        try:
            return read_document(fh.name)
        except ReadError as exc:
            raise IntakeError(f"无法读取{what}“{name}”：{exc.problem}") from None


def start_minutes(data: bytes, name: str, *, actor) -> IntakeBatch:
    minutes = read_minutes(_read(data, name, "会议纪要"))
    if not minutes.decisions:
        raise IntakeError(f"会议纪要“{name}”中没有读出议定事项：" + "；".join(minutes.warnings or ["未找到编号的议定事项"]))
    rows = []
    for d in minutes.decisions:
        rows.append({"_row": d.line, "_number": d.number, "_problems": d.problems, "text": d.text,
                     "lead_units": "、".join(d.lead_units), "co_units": "、".join(d.co_units),
                     "deadline": d.deadline.isoformat() if d.deadline else "", "deadline_text": d.deadline_text,
                     "workdays": d.workdays})
    meeting = {"title": minutes.meeting or minutes.title.replace("纪要", ""), "kind": minutes.kind,
               "held_on": minutes.held_on.isoformat() if minutes.held_on else "", "number": minutes.number,
               "chair": minutes.chair}
    return IntakeBatch.objects.create(category="minutes", source_name=name[:200], rows=rows, meeting=meeting,
                                      warnings=minutes.warnings, created_by=actor)


ORDER = "order"  # the batch category of a 交办单 (its header is kept in IntakeBatch.meeting)


def start_order(data: bytes, name: str, *, actor, today: dt.date) -> IntakeBatch:
    """Reads a 交办单 (.docx, .pdf, .txt) into a batch waiting for the preview."""
    doc = _read(data, name, "交办单")
    order = read_order(doc)
    if not order.items:
        raise IntakeError(f"交办单“{name}”中没有读出交办事项：" + "；".join(order.warnings or ["未找到交办事项"]))
    rows = [{"_row": i + 1, "_number": item.number, "_where": item.where, "_problems": item.problems,
             "_guesses": item.guesses, "title": item.title, "problem": item.problem, "measures": item.measures,
             "lead_units": "、".join(item.lead_units), "co_units": "、".join(item.co_units),
             "deadline": item.deadline.isoformat() if item.deadline else "", "deadline_text": item.deadline_text}
            for i, item in enumerate(order.items)]
    guesses = list(order.guesses)
    received = order.issued_on
    if received is None:
        received = today
        guesses.append("文中没有成文日期，收到日期暂按今天填写，请核对")
    else:
        guesses.append("收到日期暂按成文日期填写，请按实际收文日期核对")
    header = {"issuer": order.issuer, "doc_number": order.doc_number, "title": order.title,
              "received_on": received.isoformat(), "source": order.source}
    earlier = AssignedItem.objects.filter(doc_number=order.doc_number).count() if order.doc_number else 0
    warnings = list(doc.warnings) + list(order.warnings)
    if earlier:
        warnings.append(f"文号为“{order.doc_number}”的交办事项已导入过 {earlier} 项，请确认不是重复导入")
    batch = IntakeBatch(category=ORDER, source_name=name[:200], rows=rows, meeting=header,
                        warnings=warnings + [f"推断：{g}" for g in guesses], created_by=actor)
    batch.source_file.save(name, ContentFile(data), save=False)
    batch.save()
    return batch


def _check_order_row(row: dict, where: str) -> tuple[dict, list[str]]:
    problems = []
    lead, unknown_lead = resolve_units(row.get("lead_units", ""))
    co, unknown_co = resolve_units(row.get("co_units", ""))
    for names, label in ((unknown_lead, "责任（牵头）单位"), (unknown_co, "配合单位")):
        if names:
            problems.append(f"{where}{label}{'、'.join(f'“{n}”' for n in names)}不在单位名录中")
    deadline = None
    if row.get("deadline"):
        deadline = _date(row["deadline"])
        if deadline is None:
            problems.append(f"{where}完成时限“{row['deadline']}”不是日期（如 2026-06-30）")
    return {"title": row.get("title") or "", "problem": row.get("problem") or "", "measures": row.get("measures") or "",
            "lead_units": lead, "co_units": [u for u in co if u not in lead], "deadline": deadline,
            "deadline_text": row.get("deadline_text") or ""}, problems


@dataclass
class PreviewRow:
    index: int
    where: str
    row: dict
    values: dict
    problems: list[str]


def preview(batch: IntakeBatch) -> list[PreviewRow]:
    out = []
    for i, row in enumerate(batch.rows):
        if batch.category == "minutes":
            where = f"第{row['_row']}段（{row['_number']}）"
            values, problems = _check_decision(row, where)
            problems = list(row.get("_problems") or []) + problems
        elif batch.category == ORDER:
            where = row.get("_where") or f"第{row['_row']}项"
            values, problems = _check_order_row(row, where)
            # The reader's own problems (no unit, no item) stand until the row is corrected.
            problems = [p for p in (row.get("_problems") or []) if not (values["lead_units"] and "单位" in p)
                        and not (values["title"] and "事项" in p)] + problems
        else:
            where = f"第{row['_row']}行"
            values, problems = check_row(batch.category, row, where=where)
        out.append(PreviewRow(i, where, row, values, problems))
    return out


def _check_decision(row: dict, where: str) -> tuple[dict, list[str]]:
    problems = []
    lead, unknown_lead = resolve_units(row.get("lead_units", ""))
    co, unknown_co = resolve_units(row.get("co_units", ""))
    for names, label in ((unknown_lead, "牵头单位"), (unknown_co, "配合单位")):
        if names:
            problems.append(f"{where}{label}{'、'.join(f'“{n}”' for n in names)}不在单位名录中")
    deadline = _date(row["deadline"]) if row.get("deadline") else None
    return {"text": row["text"], "lead_units": lead, "co_units": [u for u in co if u not in lead],
            "deadline": deadline, "deadline_text": row.get("deadline_text") or "", "workdays": row.get("workdays")}, problems


class ConfirmRefused(Exception):
    pass


@transaction.atomic
def confirm(batch: IntakeBatch, *, actor, chosen: set[int] | None = None, meeting: dict | None = None) -> list:
    """Creates the items of the batch (for minutes: the chosen decisions, under the
    meeting as the office corrected it), all in one transaction."""
    if IntakeBatch.objects.filter(pk=batch.pk, status=IntakeBatch.Status.PENDING).update(
            status=IntakeBatch.Status.APPLIED) != 1:
        raise ConfirmRefused("该批次已导入或已取消")
    rows = preview(batch)
    if batch.category in ("minutes", ORDER):
        rows = [r for r in rows if chosen is None or r.index in chosen]
        if not rows:
            raise ConfirmRefused("请至少勾选一条" + ("议定事项" if batch.category == "minutes" else "交办事项"))
    bad = [p for r in rows for p in r.problems]
    if bad:
        raise ConfirmRefused("以下问题须先更正：" + "；".join(bad[:10]) + ("……" if len(bad) > 10 else ""))
    created, meetings = [], {}
    if batch.category == "minutes":
        m = meeting or batch.meeting
        held_on = _date(m.get("held_on") or "")
        if not (m.get("title") or "").strip() or held_on is None:
            raise ConfirmRefused("请填写会议名称和会议日期")
        mt = actions.create_meeting(actor=actor, kind=m.get("kind") or "standing", title=m["title"], held_on=held_on,
                                    chair=m.get("chair") or "", minutes_number=m.get("number") or "")
        for r in rows:
            v = r.values
            deadline, text = v["deadline"], v["deadline_text"]
            if deadline is None and v["workdays"]:
                deadline = actions.workday_deadline(held_on, int(v["workdays"])).date
            decision = actions.create_decision(mt, actor=actor, text=v["text"], facts=actions.ItemFacts(
                title=v["text"], lead_units=v["lead_units"], co_units=v["co_units"], deadline=deadline,
                deadline_text=text))
            created.append(decision.task)
    elif batch.category == ORDER:
        h = meeting or batch.meeting
        received = _date(h.get("received_on") or "")
        missing = [label for key, label in (("issuer", "交办机关"), ("doc_number", "交办单文号")) if not (h.get(key) or "").strip()]
        if received is None:
            missing.append("收到日期")
        if missing:
            raise ConfirmRefused("请填写" + "、".join(missing))
        kind = h.get("source") if h.get("source") in AssignedItem.Source.values else AssignedItem.Source.ASSIGNED
        source = None
        if batch.source_file:
            with batch.source_file.open("rb") as fh:
                source = fh.read()
        for r in rows:
            v = r.values
            try:
                item = actions.create_assigned(
                    actor=actor, source=kind, issuer=h["issuer"].strip(), doc_number=h["doc_number"].strip(),
                    received_on=received, title=v["title"], problem=v["problem"], measures=v["measures"],
                    deadline=v["deadline"], lead_units=v["lead_units"], co_units=v["co_units"])
            except actions.ItemError as exc:
                raise ConfirmRefused(f"{r.where}：{exc}") from None
            if source is not None:  # the 交办单 itself, kept with each item (private storage)
                actions.attach_document(item.task, actor=actor, purpose=ItemDocument.Purpose.ORDER, data=source,
                                        name=batch.source_name)
            if v["deadline"] is None and v["deadline_text"]:
                Task.objects.filter(pk=item.task_id).update(deadline_text=v["deadline_text"][:300])
            created.append(item.task)
    else:
        for r in rows:
            try:
                created.append(_create(batch.category, r.values, actor, meetings))
            except actions.ItemError as exc:
                raise ConfirmRefused(f"{r.where}：{exc}") from None
    record("item.intake", actor=actor, obj=batch, summary=f"从“{batch.source_name}”导入 {len(created)} 项督办事项")
    return created


def cancel(batch: IntakeBatch) -> bool:
    return IntakeBatch.objects.filter(pk=batch.pk, status=IntakeBatch.Status.PENDING).update(
        status=IntakeBatch.Status.CANCELLED) == 1
