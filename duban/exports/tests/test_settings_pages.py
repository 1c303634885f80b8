"""The office's document settings pages: templates (download, upload, preview,
publish, restore), 文号 patterns and ledger layouts; office only; nothing changes on
a refused upload."""
from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from duban.audit.models import Event
from duban.conftest import PASSWORD
from duban.documents.builtin import builtin_template
from duban.documents.models import LedgerLayout, PublishedTemplate, TemplateVersion


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def with_letterhead(text: str) -> bytes:
    """The built-in 督办通知单 with a letterhead paragraph put first, as an office edits it."""
    doc = Document(io.BytesIO(builtin_template("notice_notice")))
    doc.paragraphs[0].insert_paragraph_before(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def upload(client, data: bytes, name="督办通知单.docx"):
    f = io.BytesIO(data)
    f.name = name
    return client.post(reverse("docsettings:template_upload", args=["notice_notice"]), {"file": f, "note": "换红头"})


@pytest.mark.django_db
def test_the_pages_are_for_the_office_only(client, plan, office, leader, liaison_a):
    for user in (leader, liaison_a):
        c = signed_in(client, user)
        for name, args in (("docsettings:index", []), ("docsettings:template", ["briefing"]),
                           ("docsettings:ledger_layouts", [])):
            assert c.get(reverse(name, args=args)).status_code == 403
        c.logout()
    c = signed_in(client, office)
    page = c.get(reverse("docsettings:index"))
    assert page.status_code == 200
    text = page.content.decode()
    for words in ("督办通知单", "延期批复", "办结销号通知", "督查通报", "领导调度会材料", "年度工作总结", "督办〔{年}〕{序号}号"):
        assert words in text
    assert "None" not in text


@pytest.mark.django_db
def test_it_uploads_previews_publishes_and_restores_a_template(client, plan, office):
    c = signed_in(client, office)
    detail = c.get(reverse("docsettings:template", args=["notice_notice"])).content.decode()
    assert "{{任务名称}}" in detail and "{{逾期天数}}" in detail and "行.进展情况" in detail
    current = c.get(reverse("docsettings:template_download", args=["notice_notice"]))
    assert Document(io.BytesIO(current.content)).paragraphs[0].text == "{{标题}}"

    response = upload(c, with_letterhead("某某区人民政府督查室（红头）"))
    assert response.status_code == 302
    version = TemplateVersion.objects.get(kind="notice_notice")
    assert version.number == 1 and version.note == "换红头" and "任务" in version.placeholders

    task = plan.tasks.get(number="1")
    preview = c.get(reverse("docsettings:template_preview", args=["notice_notice"]),
                    {"subject": task.pk, "version": "1", "format": "docx"})
    texts = [p.text for p in Document(io.BytesIO(preview.content)).paragraphs]
    assert texts[:2] == ["某某区人民政府督查室（红头）", "督办通知单"]
    assert "任务：第1项：全年新增市场主体不少于2000家。" in texts
    pdf = c.get(reverse("docsettings:template_preview", args=["notice_notice"]),
                {"subject": task.pk, "version": "1", "format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    assert not PublishedTemplate.objects.exists()  # a preview publishes nothing

    c.post(reverse("docsettings:template_publish", args=["notice_notice", 1]))
    assert PublishedTemplate.objects.get(kind="notice_notice").version == version
    c.post(reverse("docsettings:template_builtin", args=["notice_notice"]))
    assert not PublishedTemplate.objects.exists() and TemplateVersion.objects.count() == 1
    actions = list(Event.objects.filter(action__startswith="template.").order_by("pk").values_list("action", flat=True))
    assert actions == ["template.download", "template.upload", "template.preview", "template.preview",
                       "template.publish", "template.restore_builtin"]


@pytest.mark.django_db
def test_a_refused_template_says_where_and_why_and_changes_nothing(client, plan, office):
    c = signed_in(client, office)
    response = upload(c, with_letterhead("{{红头单位}}督查室"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "模板未通过检查，没有保存" in text
    assert "正文第1段（“{{红头单位}}督查室”）：未知的占位符“红头单位”" in text
    assert not TemplateVersion.objects.exists()
    assert Event.objects.filter(action="template.refuse").count() == 1


@pytest.mark.django_db
def test_it_saves_a_number_pattern_and_refuses_a_bad_one(client, plan, office):
    c = signed_in(client, office)
    c.post(reverse("docsettings:number_pattern"), {"kind": "notice", "pattern": "区督〔{年}〕{序号:3}号"})
    page = c.get(reverse("docsettings:index")).content.decode()
    assert "区督〔2026〕001号" in page or "区督〔20" in page
    response = c.post(reverse("docsettings:number_pattern"), {"kind": "notice", "pattern": "区督{序号}号"}, follow=True)
    assert "须包含{年}" in response.content.decode()


@pytest.mark.django_db
def test_the_ledger_uses_the_offices_default_layout(client, plan, office):
    c = signed_in(client, office)
    post = {"name": "月报台账", "is_default": "1",
            "col-title-on": "1", "col-title-order": "2", "col-title-title": "重点任务", "col-title-width": "50",
            "col-number-on": "1", "col-number-order": "1", "col-number-title": "", "col-number-width": "6",
            "col-status-on": "1", "col-status-order": "3", "col-status-title": "亮灯", "col-status-width": "12"}
    assert c.post(reverse("docsettings:ledger_layout_new"), post).status_code == 302
    layout = LedgerLayout.objects.get()
    assert [col["title"] for col in layout.columns] == ["序号", "重点任务", "亮灯"]
    wb = load_workbook(io.BytesIO(c.get(reverse("exports:ledger_xlsx")).content))
    ws = wb.active
    assert [cell.value for cell in ws[3]] == ["序号", "重点任务", "亮灯"]
    assert ws.column_dimensions["B"].width == 50
    bad = dict(post, **{"col-title-width": "500"})
    response = c.post(reverse("docsettings:ledger_layout", args=[layout.pk]), bad)
    assert response.status_code == 400 and "列宽须在3到80之间" in response.content.decode()
    layout.refresh_from_db()
    assert layout.columns[1]["width"] == 50
