"""Intake from a sheet and from meeting minutes: the template, upload → preview →
confirm, problems named by row and column, nothing written before confirmation and
nothing at all when a row is wrong."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document as Docx
from openpyxl import load_workbook

from duban.conftest import PASSWORD
from duban.items.models import AssignedItem, InstructionItem, IntakeBatch, Meeting, MeetingDecision, Proposal
from duban.items.tests.test_minutes import STANDING
from duban.plans.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_client(client, office, units, leader):
    assert client.login(username=office.username, password=PASSWORD)
    return client


def _filled(office_client, category, rows) -> bytes:
    """The downloaded template with `rows` written under its header and notes row."""
    response = office_client.get(reverse("items:intake_template", args=[category]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.active
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(client, category, data, name="事项.xlsx"):
    return client.post(reverse("items:intake_upload", args=[category]), {"file": SimpleUploadedFile(name, data)})


def test_the_template_has_the_kinds_columns_with_required_ones_marked(office_client):
    response = office_client.get(reverse("items:intake_template", args=["proposal"]))
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[1]] == ["类别*", "编号*", "代表（委员）*", "案由*", "交办日期*", "主办单位*", "协办单位"]
    assert ws.freeze_panes == "A3"
    assert "人大代表建议" in ws.data_validations.dataValidation[0].formula1


def test_it_imports_proposals_from_the_sheet_after_preview(office_client):
    data = _filled(office_client, "proposal", [
        ["人大代表建议", "101", "张三、李四", "关于增设公交线路的建议", dt.date(2026, 3, 20), "甲局", "丙局"],
        ["政协委员提案", "35", "王五", "关于加强社区养老服务的提案", "2026-03-25", "乙局", ""],
    ])
    response = _upload(office_client, "proposal", data)
    batch = IntakeBatch.objects.get()
    assert response["Location"] == reverse("items:intake_preview", args=[batch.pk])
    page = office_client.get(response["Location"]).content.decode()
    assert "关于增设公交线路的建议" in page and "可导入" in page
    assert not Proposal.objects.exists()  # nothing before confirmation
    response = office_client.post(reverse("items:intake_preview", args=[batch.pk]), {"action": "confirm"})
    assert response.status_code == 302
    first, second = Proposal.objects.order_by("number")
    assert (first.number, first.kind, first.reply_due) == ("101", "suggestion", dt.date(2026, 6, 20))
    assert [u.name for u in first.task.co_units()] == ["丙局"]
    assert second.kind == "proposal" and second.task.plan.title == "2026年建议提案"
    # A confirmed batch cannot be applied twice.
    again = office_client.post(reverse("items:intake_preview", args=[batch.pk]), {"action": "confirm"})
    assert again.status_code == 404 and Proposal.objects.count() == 2


def test_a_wrong_row_is_named_and_nothing_is_imported(office_client):
    data = _filled(office_client, "assigned", [
        ["上级交办", "市政府办公室", "市政办交〔2026〕5号", "2026-04-01", "落实河长制", "", "", "2026-06-30", "甲局", ""],
        ["督查反馈问题", "市督查室", "市督〔2026〕9号", "2026-13-01", "垃圾分类不到位", "", "", "", "不存在局", ""],
    ])
    _upload(office_client, "assigned", data)
    batch = IntakeBatch.objects.get()
    page = office_client.get(reverse("items:intake_preview", args=[batch.pk])).content.decode()
    assert "第4行“收到日期”的“2026-13-01”不是日期" in page
    assert "第4行“牵头单位”中的“不存在局”不在单位名录中" in page
    response = office_client.post(reverse("items:intake_preview", args=[batch.pk]), {"action": "confirm"})
    assert response.status_code == 400 and "须先更正" in response.content.decode()
    assert not AssignedItem.objects.exists() and not Task.objects.exclude(plan__category="plan").exists()
    assert IntakeBatch.objects.get().status == "pending"


def test_it_refuses_a_sheet_without_the_kinds_columns(office_client):
    data = _filled(office_client, "proposal", [["人大代表建议", "1", "张三", "建议", "2026-03-20", "甲局", ""]])
    response = _upload(office_client, "instruction", data)
    assert response.status_code == 400
    assert "缺少必填列" in response.content.decode() or "没有找到表头" in response.content.decode()
    response = _upload(office_client, "instruction", b"not a workbook", name="x.xlsx")
    assert response.status_code == 400 and not IntakeBatch.objects.exists()


def test_it_imports_instructions_with_working_day_deadlines(office_client):
    data = _filled(office_client, "instruction", [
        ["李明", "关于防汛工作的报告", "请甲局抓紧落实", "2026-06-01", "2026-06-02", 3, "", "甲局", "乙局"],
    ])
    _upload(office_client, "instruction", data)
    office_client.post(reverse("items:intake_preview", args=[IntakeBatch.objects.get().pk]), {"action": "confirm"})
    item = InstructionItem.objects.get()
    # 06-03, 06-04, 06-05 (Dragon Boat Festival 2026 is 06-19).
    assert item.task.deadline == dt.date(2026, 6, 5) and item.workdays == 3


def test_it_reads_meeting_minutes_and_imports_the_chosen_decisions(office_client, units, tmp_path):
    from duban.org.models import Unit

    for name in ("区住房城乡建设委", "区财政局", "区发展改革委", "区教委", "区应急局"):
        Unit.objects.create(name=name)
    doc = Docx()
    for p in STANDING:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    response = _upload(office_client, "minutes", buf.getvalue(), name="第12次常务会议纪要.docx")
    batch = IntakeBatch.objects.get()
    assert response.status_code == 302 and batch.meeting["title"] == "区政府第12次常务会议"
    page = office_client.get(reverse("items:intake_preview", args=[batch.pk])).content.decode()
    assert "未写明牵头（负责）单位" in page and 'value="2026-05-18"' in page
    # Choosing the decision without a unit is refused, and nothing is written.
    response = office_client.post(reverse("items:intake_preview", args=[batch.pk]),
                                  {"action": "confirm", "row": ["0", "3"], "title": "区政府第12次常务会议",
                                   "held_on": "2026-05-18", "kind": "standing"})
    assert response.status_code == 400 and not Meeting.objects.exists()
    response = office_client.post(reverse("items:intake_preview", args=[batch.pk]),
                                  {"action": "confirm", "row": ["0", "1", "2"], "title": "区政府第12次常务会议",
                                   "held_on": "2026-05-18", "kind": "standing", "number": "〔2026〕12号"})
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.minutes_number == "〔2026〕12号" and meeting.section.title == "区政府第12次常务会议"
    decisions = list(MeetingDecision.objects.order_by("task__order"))
    assert len(decisions) == 3
    assert [u.name for u in decisions[0].task.lead_units()] == ["区住房城乡建设委"]
    assert decisions[0].task.deadline == dt.date(2026, 6, 30)
    # "10个工作日内" counted from the meeting day: 05-19 … 06-01.
    assert decisions[2].task.deadline == dt.date(2026, 6, 1)
    assert decisions[0].task.section_id == meeting.section_id


def test_cancel_writes_nothing(office_client):
    data = _filled(office_client, "proposal", [["人大代表建议", "7", "张三", "建议", "2026-03-20", "甲局", ""]])
    _upload(office_client, "proposal", data)
    batch = IntakeBatch.objects.get()
    office_client.post(reverse("items:intake_preview", args=[batch.pk]), {"action": "cancel"})
    assert IntakeBatch.objects.get().status == "cancelled" and not Proposal.objects.exists()
