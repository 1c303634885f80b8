"""Realistic data for the backup tests, and exact pictures of the database and the files
to compare before and after."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from django.apps import apps
from django.utils import timezone


def pdf_bytes(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def png_bytes(seed: int) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (32, 24), (seed * 40 % 256, 120, 200))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build(password: str) -> dict:
    """The seed plan, accounts, a round with submitted reports and their versions,
    attachments (real PDF, PNG and XLSX files), actual figures, a coordination item,
    milestones, notices, an extension request, an instruction, a pending import batch,
    status rules, and audit events, some of them archived into an audit archive file."""
    import time_machine
    from django.core.files.base import ContentFile

    from duban.accounts.models import User
    from duban.audit.archive import archive_events
    from duban.audit.log import record
    from duban.org.models import Leader, Unit
    from duban.imports.models import ImportBatch
    from duban.rounds import actions as rounds
    from duban.rounds.models import ProgressStatus, Report
    from duban.supervision import actions as sup
    from duban.supervision.models import Notice
    from duban.web.demo import load_demo_round, load_seed_plan
    from duban.workplans import actions as wp

    with time_machine.travel(timezone.now() - dt.timedelta(days=200), tick=False):
        record("test.old_event", summary="早于保存期的记录")
    archive_events(180)  # an audit archive file in DATA_DIR/audit-archive

    plan = load_seed_plan()
    rnd = load_demo_round()

    def person(username, role, **kw):
        u = User(username=username, role=role, full_name=username, **kw)
        u.set_password(password)
        u.save()
        return u

    office = person("office1", "office")
    unit = Unit.objects.filter(is_collective=False, assignments__role="lead").order_by("pk").first()
    liaison = person("liaison1", "liaison", unit=unit)
    leader_row = Leader.objects.order_by("pk").first()
    leader = person("leader1", "leader", leader=leader_row)

    # A report of the unit still open for editing: saved, with figures and files, submitted.
    report = (Report.objects.filter(round=rnd, unit=unit, status=Report.Status.DRAFT)
              .select_related("task", "round").order_by("pk").first())
    task = report.task
    other = Unit.objects.exclude(pk=unit.pk).filter(is_collective=False).order_by("pk").first()
    report = rounds.save_report_draft(report, actor=liaison, version=report.version, data={
        "progress_status": ProgressStatus.IN_PROGRESS, "percent": 45, "progress": "完成项目立项和资金申请。",
        "problems": "征地进度偏慢。", "next_steps": "下月完成招标。",
        "coordination": [{"to": f"unit:{other.pk}", "text": "请协助办理用地手续。"}],
    })
    for i, (name, data) in enumerate([("进展报告.pdf", pdf_bytes("progress report 2026")),
                                      ("现场照片.png", png_bytes(3)),
                                      ("台账.xlsx", xlsx_bytes([["序号", "任务"], [1, "立项"]]))]):
        rounds.add_attachment(report, actor=liaison, name=name, data=data)
    report = rounds.submit_report(report, actor=liaison, version=report.version)

    m = wp.add_milestone(task, actor=liaison, title="完成招标", due=dt.date(2026, 12, 20), unit=unit, owner="张三")
    wp.complete_milestone(m, actor=liaison, version=m.version, done_on=timezone.localdate(), evidence="招标公告已发布")
    wp.add_milestone(task, actor=liaison, title="开工建设", due=dt.date(2027, 3, 31), unit=unit)

    notice = sup.issue_notice(task, actor=office, level=Notice.Level.REMINDER, units=[unit],
                              facts="进展滞后。", requirement="请加快推进。",
                              reply_by=timezone.localdate() + dt.timedelta(days=5))
    sup.reply_notice(notice, actor=liaison, text="已召开专题会议推进。")
    sup.write_instruction(task, actor=leader, text="请抓紧推进，确保按期完成。")
    sup.update_status_rules(actor=office, values={"yellow_days_before": 10})

    batch = ImportBatch(original_name="修订版.txt", sha256="0" * 64, created_by=office)
    batch.file.save("revised.txt", ContentFile("2026年修订方案\n".encode()), save=True)
    return {"plan": plan, "round": rnd, "report": report, "task": task, "unit": unit, "office": office,
            "liaison": liaison, "leader": leader}


def models_in_db():
    seen = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        seen.setdefault(model._meta.db_table, model)
    return seen


def db_picture() -> dict[str, list[tuple]]:
    """Every row of every model's table, ordered by primary key, every field."""
    return {table: list(model._base_manager.order_by("pk").values_list())
            for table, model in sorted(models_in_db().items())}


def files_picture(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
