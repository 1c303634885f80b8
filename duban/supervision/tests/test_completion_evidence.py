"""A completion claim (办结申请) carries evidence files under the rules of report
attachments, and the office sees them beside the claim before it verifies (销号)."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.rounds.tests.test_attachments import PDF
from duban.supervision.models import CompletionRequest, EvidenceFile

from .conftest import at


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(at(dt.date(2026, 11, 28)), tick=False):
        yield


def claim(client, user, task, text, *files):
    client.force_login(user)
    return client.post(reverse("supervision:completion_new", args=[task.pk]), {"evidence": text, "files": list(files)})


@pytest.mark.django_db
def test_the_office_sees_the_claims_files_before_it_verifies(client, task1, liaison_a, office):
    r = claim(client, liaison_a, task1, "已全部完成，见验收报告。", SimpleUploadedFile("验收报告.pdf", PDF),
              SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20))
    assert r.status_code == 302
    req = CompletionRequest.objects.get()
    assert sorted(req.files.values_list("original_name", flat=True)) == ["现场.png", "验收报告.pdf"]
    client.force_login(office)
    html = client.get(reverse("supervision:task", args=[task1.pk])).content.decode()
    block = html[html.index(f'id="completion-{req.pk}"'):]
    files_at, verify_at = block.index("佐证材料（2）"), block.index("核验销号")
    assert files_at < verify_at  # the files are shown above the button that closes the task
    for f in req.files.all():
        assert reverse("supervision:evidence", args=[f.pk]) in block[:verify_at]
    pdf = req.files.get(original_name="验收报告.pdf")
    r = client.get(reverse("supervision:evidence", args=[pdf.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF


@pytest.mark.django_db
def test_a_bad_file_refuses_the_claim_and_keeps_the_typed_text(client, task1, liaison_a):
    r = claim(client, liaison_a, task1, "完成情况说明，写了很久。", SimpleUploadedFile("a.exe", b"MZ\x90\x00\x03\x00"))
    html = r.content.decode()
    assert r.status_code == 400 and "办结申请未提交：佐证材料有问题，未提交：文件“a.exe”的类型不受支持" in html
    assert "完成情况说明，写了很久。" in html and "data-dirty" in html
    assert not CompletionRequest.objects.exists() and not EvidenceFile.objects.exists()


@pytest.mark.django_db
def test_another_unit_of_the_task_does_not_get_the_files(client, task1, liaison_a, liaison_c, liaison_b):
    claim(client, liaison_a, task1, "已完成。", SimpleUploadedFile("内部材料.pdf", PDF))
    f = EvidenceFile.objects.get()
    for user in (liaison_c, liaison_b):  # 丙局 co-works on task 1; 乙局 has nothing to do with it
        client.force_login(user)
        assert client.get(reverse("supervision:evidence", args=[f.pk])).status_code == 404
    client.force_login(liaison_c)
    assert "内部材料.pdf" not in client.get(reverse("supervision:task", args=[task1.pk])).content.decode()
