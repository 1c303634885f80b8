"""The documents of a decision, downloaded from the task page: 延期批复 once an extension
is decided, 办结销号通知 once a completion is verified — a real .docx (read back with
python-docx) and a PDF, numbered from the office's sequences, and refused to another
unit."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from duban.supervision import actions
from duban.supervision.models import TaskClosure

from .conftest import at

pytestmark = pytest.mark.django_db
D = dt.date


def _text(docx_bytes: bytes) -> str:
    doc = Document(io.BytesIO(docx_bytes))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _links(client, task) -> str:
    return client.get(reverse("supervision:task", args=[task.pk])).content.decode()


def test_an_approved_extension_gives_a_reply_to_download(client, task1, office, liaison_a, liaison_b):
    with time_machine.travel(at(D(2026, 12, 1)), tick=False):
        req = actions.request_extension(task1, actor=liaison_a, new_deadline=D(2027, 1, 15), reason="征地手续未完成")
        url = reverse("supervision:extension_document", args=[req.pk])
        client.force_login(office)
        assert client.get(url).status_code == 404  # not decided yet: nothing to download
        actions.decide_extension(req, actor=office, approve=True, note="同意延期")
        req.refresh_from_db()
        assert req.reply_number

        client.force_login(liaison_a)
        assert url in _links(client, task1)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
        text = _text(response.content)
        assert req.reply_number in text
        assert task1.title[:12] in text
        assert re.search(r"2027\s*年\s*1\s*月\s*15\s*日|2027-01-15", text), text  # the new deadline
        assert "{{" not in text and "{%" not in text  # every placeholder filled

        pdf = client.get(url + "?format=pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

        client.force_login(liaison_b)  # 乙局 has nothing to do with task 1
        assert client.get(url).status_code == 404


def test_a_verified_completion_gives_a_closure_notice_to_download(client, task1, office, liaison_a, liaison_b):
    with time_machine.travel(at(D(2026, 12, 1)), tick=False):
        claim = actions.claim_completion(task1, actor=liaison_a, evidence="项目已竣工验收")
        actions.verify_completion(claim, actor=office)
        closure = TaskClosure.objects.get(task=task1)
        assert closure.number
        url = reverse("supervision:closure_document", args=[closure.pk])

        client.force_login(office)
        assert url in _links(client, task1)
        response = client.get(url)
        assert response.status_code == 200
        text = _text(response.content)
        assert closure.number in text and task1.title[:12] in text
        assert "{{" not in text and "{%" not in text
        assert client.get(url + "?format=pdf").content.startswith(b"%PDF")

        client.force_login(liaison_b)
        assert client.get(url).status_code == 404
