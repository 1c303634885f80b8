"""Evidence files: type by content, names never trusted, served only to those who may
see the report, as attachments with nosniff."""
from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.rounds.models import Attachment, Report
from duban.lib.uploads import UploadError, check_upload, clean_name



def real_pdf(text: str = "evidence") -> bytes:
    """A one-page PDF made by reportlab (uploads open a PDF to check it)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, text)
    c.save()
    return buf.getvalue()


PDF = real_pdf()


def zip_with(*members: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for m in members:
            zf.writestr(m, "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize("name, data, ext", [
    ("证明.pdf", PDF, ".pdf"),
    ("照片.JPG", b"\xff\xd8\xff\xe0" + b"0" * 20, ".jpg"),
    ("图.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, ".png"),
    ("说明.txt", "进展说明".encode("gb18030"), ".txt"),
    ("方案.docx", zip_with("[Content_Types].xml", "word/document.xml"), ".docx"),
    ("台账.xlsx", zip_with("[Content_Types].xml", "xl/workbook.xml"), ".xlsx"),
    ("伪装.txt", PDF, ".pdf"),  # the content decides, and the shown name follows it
])
def test_it_accepts_allowed_types_by_content(name, data, ext):
    kind, display = check_upload(data, name)
    assert kind.ext == ext and display.endswith(ext)


@pytest.mark.parametrize("name, data, message", [
    ("page.pdf", b"<!DOCTYPE html><script>alert(1)</script>", "网页或脚本"),
    ("x.svg", b"<svg onload=alert(1)>", "网页或脚本"),
    ("a.docx", zip_with("evil.sh"), "不是 Word"),
    ("a.docx", b"PK\x03\x04broken", "已损坏"),
    ("a.exe", b"MZ\x90\x00\x03\x00\x00\x00", "类型不受支持"),
    ("empty.txt", b"", "空文件"),
])
def test_it_refuses_other_content_with_a_chinese_message(name, data, message):
    with pytest.raises(UploadError, match=message):
        check_upload(data, name)


def test_it_refuses_files_over_the_cap(settings):
    settings.DUBAN_MAX_UPLOAD_BYTES = 10
    with pytest.raises(UploadError, match="过大"):
        check_upload(PDF, "big.pdf")


@pytest.mark.parametrize("raw, clean", [
    ("../../etc/passwd", "passwd"), ("..\\..\\win.ini", "win.ini"), (".htaccess", "htaccess"),
    ("a\x00b\nc.pdf", "abc.pdf"), ("", "附件"), ('x<y>"z.pdf', "x_y__z.pdf"),
])
def test_it_cleans_names_for_display(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.django_db
def test_it_stores_under_a_generated_name_and_serves_only_to_allowed_people(client, open_round, liaison_a, liaison_b,
                                                                            office):
    rnd = open_round()
    report = Report.objects.get(round=rnd, task__number="1", unit__name="甲局")
    client.force_login(liaison_a)
    upload = SimpleUploadedFile("../../证明材料.pdf", PDF, content_type="text/html")
    assert client.post(reverse("rounds:attach", args=[report.pk]), {"file": upload}).status_code == 302
    att = Attachment.objects.get()
    assert att.original_name == "证明材料.pdf" and att.content_type == "application/pdf"
    assert ".." not in att.file.name and "证明" not in att.file.name and att.file.name.startswith("reports/")
    for user, code in ((liaison_a, 200), (office, 200), (liaison_b, 404)):
        client.force_login(user)
        r = client.get(reverse("rounds:attachment", args=[att.pk]))
        assert r.status_code == code
        if code == 200:
            assert r["Content-Disposition"].startswith("attachment")
            assert r["X-Content-Type-Options"] == "nosniff" and r["Content-Type"] == "application/pdf"
            assert b"".join(r.streaming_content) == PDF
    client.force_login(liaison_b)
    assert client.post(reverse("rounds:detach", args=[att.pk])).status_code == 404


@pytest.mark.django_db
def test_it_refuses_a_script_upload_and_keeps_nothing(client, open_round, liaison_a):
    rnd = open_round()
    report = Report.objects.get(round=rnd, task__number="1", unit__name="甲局")
    client.force_login(liaison_a)
    upload = SimpleUploadedFile("report.pdf", b"<html><script>alert(1)</script></html>")
    r = client.post(reverse("rounds:attach", args=[report.pk]), {"file": upload}, follow=True)
    assert "网页或脚本" in r.content.decode() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_the_attachment_is_served_to_get_and_head_only(client, open_round, liaison_a):
    from duban.audit.models import Event

    rnd = open_round()
    report = Report.objects.get(round=rnd, task__number="1", unit__name="甲局")
    client.force_login(liaison_a)
    upload = SimpleUploadedFile("证明材料.pdf", PDF)
    assert client.post(reverse("rounds:attach", args=[report.pk]), {"file": upload}).status_code == 302
    url = reverse("rounds:attachment", args=[Attachment.objects.get().pk])
    assert client.head(url).status_code == 200
    events = Event.objects.count()
    r = client.post(url)
    assert r.status_code == 405 and r["Allow"] == "GET, HEAD"
    assert Event.objects.count() == events  # no download recorded
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
