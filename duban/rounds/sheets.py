"""A unit's round sheet (调度报表): download, fill offline, upload back.

One row per report slot of the unit in the round, Chinese headers, frozen header row,
a drop-down list for the status. The upload is checked row by row and column by
column before anything is written (``import_round_sheet`` applies it all or nothing,
through the report actions). A sheet can be uploaded again as it was downloaded: rows of reports that
can no longer change (already submitted, waiting for the unit head, accepted) and rows
left empty are skipped and listed, not errors; rows whose content is what the system
already holds are not written again."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from django.core.exceptions import PermissionDenied
from django.db import transaction

from duban.audit.log import record
from duban.lib.uploads import XLSX, UploadError, check_upload
from duban.lib.xlsx import neutralise_formulas

from .actions import ActionError, save_report_draft, submit_report
from .models import ProgressStatus, Report, Round

COLUMNS = [
    # (header, width, report field or None)
    ("报告编号", 10, None),
    ("版本", 6, None),
    ("序号", 6, None),
    ("工作任务", 40, None),
    ("本单位角色", 10, None),
    ("推进状态", 10, "progress_status"),
    ("完成进度（%）", 10, "percent"),
    ("进展情况", 50, "progress"),
    ("存在问题", 30, "problems"),
    ("下一步计划", 30, "next_steps"),
    ("指标完成值", 30, None),
]
HEADERS = [c[0] for c in COLUMNS]
STATUS_BY_LABEL = {label: value for value, label in ProgressStatus.choices}
SHEET_TITLE = "调度报表"
# A unit has a few dozen report slots in a round; a sheet with far more rows is not ours.
MAX_ROWS = 5000


class SheetErrors(Exception):
    """Every problem found in an uploaded sheet, each a Chinese line naming row and column."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("；".join(errors))


def unit_reports(rnd: Round, unit_id: int):
    return (
        Report.objects.filter(round=rnd, unit_id=unit_id)
        .select_related("task").prefetch_related("task__targets", "actuals")
        .order_by("task__order")
    )


def _targets_cell(report: Report) -> str:
    actual = {a.target_id: a.value for a in report.actuals.all()}
    lines = []
    for t in report.task.targets.all():
        v = actual.get(t.pk)
        lines.append(f"{t}={'' if v is None else format(v.normalize(), 'f')}")
    return "\n".join(lines)


def build_round_sheet(rnd: Round, unit) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.append(HEADERS)
    head_fill = PatternFill("solid", fgColor="EEF1F6")
    for i, (_, width, _) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(i)].width = width
    for r in unit_reports(rnd, unit.pk):
        ws.append([
            r.pk, r.version, r.task.number, r.task.title, r.get_role_display(),
            r.get_progress_status_display() if r.progress_status else "", r.percent,
            r.progress, r.problems, r.next_steps, _targets_cell(r),
        ])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    neutralise_formulas(ws)  # people's text (progress, problems, task titles) is never a formula
    ws.freeze_panes = "A2"
    dv = DataValidation(type="list", formula1='"' + ",".join(ProgressStatus.labels) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="推进状态无效", error="请从下拉列表中选择推进状态")
    dv.add(f"F2:F{max(ws.max_row, 2)}")
    ws.add_data_validation(dv)
    pv = DataValidation(type="whole", operator="between", formula1="0", formula2="100", allow_blank=True,
                        showErrorMessage=True, errorTitle="完成进度无效", error="请填写 0 到 100 之间的整数")
    pv.add(f"G2:G{max(ws.max_row, 2)}")
    ws.add_data_validation(pv)
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class SheetRow:
    number: int
    report: Report
    version: int
    data: dict
    actuals: dict
    changed: bool = True  # differs from what the report holds now


@dataclass
class SkippedRow:
    """A row left alone, with the reason a person reads."""

    number: int
    report: Report
    reason: str

    def __str__(self) -> str:
        task = self.report.task
        return f"第{self.number}行（第{task.number}项 {task.title[:20]}）：{self.reason}"


@dataclass
class ParsedSheet:
    rows: list[SheetRow]
    skipped: list[SkippedRow]


def _norm_text(value: str) -> str:
    return "\n".join(line.rstrip() for line in (value or "").replace("\r\n", "\n").replace("\r", "\n").strip().split("\n"))


def _same_content(report: Report, content: dict, actuals: dict) -> bool:
    """Whether the row says what the report already holds (text compared line by line,
    without trailing spaces or line-ending differences)."""
    if (content["progress_status"] or "") != (report.progress_status or "") or content["percent"] != report.percent:
        return False
    if any(_norm_text(content[f]) != _norm_text(getattr(report, f)) for f in ("progress", "problems", "next_steps")):
        return False
    stored = {a.target_id: a.value for a in report.actuals.all()}
    return all(stored.get(pk) == value for pk, value in actuals.items())


def _locked_reason(report: Report) -> str:
    if report.status == Report.Status.ACCEPTED:
        return "该报告已被采纳，不能再修改，本行未导入"
    if report.status == Report.Status.PENDING_APPROVAL:
        return "该报告已提交单位负责人审核，不能再修改，本行未导入（如需修改请由负责人退回）"
    return f"该报告{report.get_status_display()}，不能再修改，本行未导入（被退回后可再修改）"


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def parse_round_sheet(rnd: Round, user, data: bytes, name: str = "调度报表.xlsx") -> ParsedSheet:
    """Read and validate every row; raise SheetErrors listing all problems. Rows of
    reports that can no longer change come back in ``skipped``, whatever they hold.

    The file is checked as an upload first (type by content, zip-bomb and XML-entity
    limits: duban.lib.uploads) before openpyxl sees it, and read in read-only
    (streaming) mode with a row limit."""
    try:
        kind, display = check_upload(data, name)
    except UploadError as exc:
        raise SheetErrors([f"无法读取上传的文件：{exc}"]) from None
    if kind != XLSX:
        raise SheetErrors([f"无法读取上传的文件“{display}”：它不是 Excel（.xlsx）文件，请上传从本系统下载的 .xlsx 调度报表"])
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb[SHEET_TITLE] if SHEET_TITLE in wb.sheetnames else wb.worksheets[0]
        rows = []
        for values in ws.iter_rows(values_only=True):
            if len(rows) == MAX_ROWS + 1:
                raise SheetErrors([f"报表超过{MAX_ROWS}行，不是本系统下载的调度报表"])
            rows.append(values)
        wb.close()
    except SheetErrors:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise SheetErrors([f"无法读取上传的文件“{display}”，请上传从本系统下载的 .xlsx 调度报表"]) from None
    if not rows or [_text(v) for v in rows[0][: len(HEADERS)]] != HEADERS:
        raise SheetErrors([f"第1行：表头与本系统的调度报表不一致，应为：{'、'.join(HEADERS)}"])
    reports = {r.pk: r for r in unit_reports(rnd, user.unit_id)}
    errors: list[str] = []
    out: list[SheetRow] = []
    skipped: list[SkippedRow] = []
    seen: set[int] = set()
    for n, values in enumerate(rows[1:], start=2):
        values = list(values) + [None] * (len(HEADERS) - len(values))
        if all(_text(v) == "" for v in values):
            continue
        cell = dict(zip(HEADERS, values))
        row_errors: list[str] = []

        def err(col: str, msg: str) -> None:
            row_errors.append(f"第{n}行“{col}”列：{msg}")

        try:
            rid = int(cell["报告编号"])
        except (TypeError, ValueError):
            err("报告编号", "缺少或不是数字，请勿修改该列")
            errors.extend(row_errors)
            continue
        report = reports.get(rid)
        if report is None:
            err("报告编号", f"编号 {rid} 不是本单位在本次调度中的报告")
            errors.extend(row_errors)
            continue
        if rid in seen:
            err("报告编号", f"编号 {rid} 重复出现")
            errors.extend(row_errors)
            continue
        seen.add(rid)
        if report.status not in Report.EDITABLE:
            skipped.append(SkippedRow(n, report, _locked_reason(report)))
            continue
        try:
            version = int(cell["版本"])
        except (TypeError, ValueError):
            err("版本", "缺少或不是数字，请勿修改该列")
            version = -1
        status_text = _text(cell["推进状态"])
        status = STATUS_BY_LABEL.get(status_text, "")
        if status_text and not status:
            err("推进状态", f"“{status_text}”无效，应为{'、'.join(ProgressStatus.labels)}之一")
        percent = cell["完成进度（%）"]
        if _text(percent) != "":
            try:
                p = Decimal(_text(percent).rstrip("%"))
                if p != p.to_integral_value() or not 0 <= p <= 100:
                    raise InvalidOperation
                percent = int(p)
            except InvalidOperation:
                err("完成进度（%）", f"“{_text(percent)}”应为 0 到 100 之间的整数")
                percent = None
        else:
            percent = None
        targets = {str(t): t for t in report.task.targets.all()}
        actuals: dict[int, Decimal | None] = {}
        for line in _text(cell["指标完成值"]).splitlines():
            if not line.strip():
                continue
            name, eq, value = line.rpartition("=")
            if not eq:
                name, eq, value = line.rpartition("＝")
            name = name.strip()
            if not eq or name not in targets:
                err("指标完成值", f"“{line.strip()[:30]}”无法对应本任务的指标，格式应为“指标=数值”")
                continue
            value = value.strip().replace(",", "")
            if value == "":
                actuals[targets[name].pk] = None
                continue
            try:
                actuals[targets[name].pk] = Decimal(value)
            except InvalidOperation:
                err("指标完成值", f"“{name}”的完成值“{value}”不是数字")
        if row_errors:
            errors.extend(row_errors)
            continue
        content = {
            "progress_status": status, "percent": percent, "progress": _text(cell["进展情况"]),
            "problems": _text(cell["存在问题"]), "next_steps": _text(cell["下一步计划"]),
            "coordination": report.coordination,
        }
        changed = not _same_content(report, content, actuals)
        # Only a row that would overwrite something needs the version it was based on.
        if changed and version != -1 and version != report.version:
            errors.append(f"第{n}行“版本”列：下载报表后该报告已在系统中被修改，请重新下载报表后填写")
            continue
        out.append(SheetRow(n, report, version, content, actuals, changed=changed))
    if errors:
        raise SheetErrors(errors)
    if not out and not skipped:
        raise SheetErrors(["报表中没有可导入的行"])
    return ParsedSheet(out, skipped)


# --- applying an uploaded sheet ------------------------------------------------------

@dataclass
class SheetResult:
    """What an uploaded sheet did: rows saved (changed), reports submitted, rows that
    held what the system already had, and rows left alone with the reason."""

    saved: list = field(default_factory=list)
    submitted: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # SkippedRow


@transaction.atomic
def import_round_sheet(rnd: Round, *, actor, data: bytes, submit: bool = False,
                       name: str = "调度报表.xlsx") -> SheetResult:
    """Apply an uploaded round sheet: every row is validated first; any error and
    nothing changes (SheetErrors lists them per row and column, in Chinese). Rows of
    reports that can no longer change are left alone and listed (``skipped``), so the
    sheet as downloaded can always be uploaded again; a row that says what the report
    already holds is not written again (and, with `submit`, is submitted as it is)."""
    if not (actor.is_unit_person and rnd.is_open):
        raise PermissionDenied("只有本单位人员可以在调度进行中上传报表")
    parsed = parse_round_sheet(rnd, actor, data, name)  # raises SheetErrors
    result = SheetResult(skipped=list(parsed.skipped))
    errors = []
    for row in parsed.rows:
        try:
            report = row.report
            if row.changed:
                report = save_report_draft(report, actor=actor, data=row.data, version=row.version,
                                           actuals=row.actuals)
                result.saved.append(report)
            else:
                result.unchanged.append(report)
            if submit:
                if not row.changed and not report.progress_status and not report.progress.strip():
                    result.skipped.append(SkippedRow(row.number, report, "未填写，本行未报送"))
                    continue
                report = submit_report(report, actor=actor)
                result.submitted.append(report)
        except ActionError as exc:
            errors.append(f"第{row.number}行：{exc}")
    if errors:
        raise SheetErrors(errors)
    result.skipped.sort(key=lambda r: r.number)
    summary = f"{actor.unit}上传调度报表：更新 {len(result.saved)} 份报告"
    if submit:
        summary += f"，报送 {len(result.submitted)} 份"
    if result.skipped:
        summary += f"，{len(result.skipped)} 行未导入（{'；'.join(str(r) for r in result.skipped)[:500]}）"
    record("round.import_sheet", actor=actor, obj=rnd, summary=summary)
    return result
