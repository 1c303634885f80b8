"""Uploading or removing evidence from the report page replaces only the evidence block
(htmx), so what the liaison typed in the report form stays; the page's report form
warns before it is left unsaved (data-unsaved-warning, duban/static/duban/unsaved.js)."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.rounds.models import Attachment, Report

from .test_attachments import PDF

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def report(open_round):
    return Report.objects.get(round=open_round(), task__number="1", unit__name="甲局")


@pytest.mark.django_db
def test_it_answers_an_htmx_upload_with_the_evidence_block_only(client, report, liaison_a):
    client.force_login(liaison_a)
    r = client.post(reverse("rounds:attach", args=[report.pk]), {"file": SimpleUploadedFile("证明.pdf", PDF)}, **HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="attachments"' in html and "已上传“证明.pdf”" in html and "证明.pdf</a>" in html
    assert "<html" not in html and 'id="report-form"' not in html  # a fragment, not the page
    assert Attachment.objects.filter(report=report).count() == 1


@pytest.mark.django_db
def test_a_refused_htmx_upload_says_why_in_place_and_keeps_nothing(client, report, liaison_a):
    client.force_login(liaison_a)
    upload = SimpleUploadedFile("伪装.pdf", b"<html><script>alert(1)</script></html>")
    r = client.post(reverse("rounds:attach", args=[report.pk]), {"file": upload}, **HTMX)
    html = r.content.decode()
    assert r.status_code == 200 and 'role="alert"' in html and "未上传：文件“伪装.pdf”是网页或脚本文件" in html
    assert not Attachment.objects.exists()
    r = client.post(reverse("rounds:attach", args=[report.pk]), {}, **HTMX)
    assert "请选择要上传的文件" in r.content.decode()


@pytest.mark.django_db
def test_an_htmx_removal_answers_in_place(client, report, liaison_a):
    client.force_login(liaison_a)
    client.post(reverse("rounds:attach", args=[report.pk]), {"file": SimpleUploadedFile("证明.pdf", PDF)}, **HTMX)
    att = Attachment.objects.get()
    r = client.post(reverse("rounds:detach", args=[att.pk]), **HTMX)
    html = r.content.decode()
    assert r.status_code == 200 and "已移除“证明.pdf”" in html and "证明.pdf</a>" not in html
    att.refresh_from_db()
    assert att.removed_at is not None


@pytest.mark.django_db
def test_the_upload_never_touches_the_report_text(client, report, liaison_a):
    client.force_login(liaison_a)
    client.post(reverse("rounds:report", args=[report.pk]),
                {"version": report.version, "action": "save", "progress": "已保存的进展"})
    report.refresh_from_db()
    version = report.version
    client.post(reverse("rounds:attach", args=[report.pk]), {"file": SimpleUploadedFile("证明.pdf", PDF)}, **HTMX)
    report.refresh_from_db()
    # the form's hidden version still matches, so saving the typed text afterwards works
    assert report.progress == "已保存的进展" and report.version == version


@pytest.mark.django_db
def test_the_report_page_wires_the_upload_in_place_and_the_leave_warning(client, report, liaison_a):
    client.force_login(liaison_a)
    html = client.get(reverse("rounds:report", args=[report.pk])).content.decode()
    assert "data-unsaved-warning" in html and "duban/unsaved" in html
    assert f'hx-post="{reverse("rounds:attach", args=[report.pk])}"' in html and 'hx-target="#attachments"' in html
    # A form shown back with input that was not saved counts as unsaved from the start.
    r = client.post(reverse("rounds:report", args=[report.pk]),
                    {"version": report.version, "action": "save", "percent": "250", "progress": "未保存的进展"})
    html = r.content.decode()
    assert r.status_code == 400 and "未保存的进展" in html and "data-dirty" in html
