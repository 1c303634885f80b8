"""A notice sent to several units tracks each unit's reply: one unit's reply does not
answer for the others; each reply carries its own evidence files (the rules of report
attachments), is sealed, and is read by the office, leaders and its own unit only."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.audit.models import Event
from duban.rounds.tests.test_attachments import PDF
from duban.supervision import actions, permissions
from duban.supervision.models import EvidenceFile, Notice, NoticeReply

from .conftest import at

D = dt.date
NOW = at(D(2026, 11, 28))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def notice(task1, office, units):
    return actions.issue_notice(task1, actor=office, level=Notice.Level.NOTICE, units=[units["甲局"], units["丙局"]],
                                facts="进展滞后。", requirement="请书面回复。", reply_by=D(2026, 12, 5))


def page(client, user, notice):
    client.force_login(user)
    r = client.get(reverse("supervision:notice", args=[notice.pk]))
    assert r.status_code == 200
    return r.content.decode()


@pytest.mark.django_db
def test_one_units_reply_does_not_close_the_notice_for_the_others(client, notice, liaison_a, liaison_c, office):
    reply = actions.reply_notice(notice, actor=liaison_a, text="甲局已部署整改。")
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PARTLY and notice.get_status_display() == "部分回复"
    assert reply.unit == liaison_a.unit and reply.seal_state == "ok" and notice.seal_state == "ok"
    assert not permissions.can_reply(liaison_a, notice) and permissions.can_reply(liaison_c, notice)
    with pytest.raises(actions.ActionError, match="不能重复回复"):
        actions.reply_notice(notice, actor=liaison_a, text="再回复一次")
    html = page(client, liaison_c, notice)
    assert "提交回复" in html and "各单位回复（1/2）" in html

    actions.reply_notice(notice, actor=liaison_c, text="丙局配合到位。")
    notice.refresh_from_db()
    assert notice.status == Notice.Status.REPLIED and notice.seal_state == "ok"
    assert sorted(notice.replies.values_list("unit__name", "text")) == [("丙局", "丙局配合到位。"), ("甲局", "甲局已部署整改。")]
    assert Event.objects.filter(action="notice.reply").count() == 2
    html = page(client, office, notice)
    assert "各单位回复（2/2）" in html and "甲局已部署整改。" in html and "丙局配合到位。" in html


@pytest.mark.django_db
def test_a_unit_reads_its_own_reply_only(client, notice, liaison_a, liaison_c, leader):
    actions.reply_notice(notice, actor=liaison_a, text="甲局的内部情况说明。")
    html = page(client, liaison_c, notice)
    assert "甲局的内部情况说明。" not in html and "仅督查室和区领导可见" in html
    assert "甲局的内部情况说明。" in page(client, liaison_a, notice)
    assert "甲局的内部情况说明。" in page(client, leader, notice)


@pytest.mark.django_db
def test_the_office_sees_which_unit_is_late(client, notice, liaison_a, office):
    actions.reply_notice(notice, actor=liaison_a, text="已办理。")
    with time_machine.travel(at(D(2026, 12, 6)), tick=False):
        html = page(client, office, notice)
    row = html[html.index('id="notice-replies"'):]
    assert "逾期未回复" in row[row.index("丙局"):row.index("</tr>", row.index("丙局"))]


@pytest.mark.django_db
def test_closing_early_needs_a_reason(notice, liaison_a, office):
    actions.reply_notice(notice, actor=liaison_a, text="已办理。")
    with pytest.raises(actions.ActionError, match="丙局尚未回复：提前办结须填写办结意见"):
        actions.close_notice(notice, actor=office)
    actions.close_notice(notice, actor=office, note="丙局已当面汇报。")
    notice.refresh_from_db()
    assert notice.status == Notice.Status.CLOSED


@pytest.mark.django_db
def test_a_reply_carries_evidence_files_read_by_those_who_read_the_reply(client, notice, liaison_a, liaison_b,
                                                                           liaison_c, office):
    client.force_login(liaison_a)
    files = [SimpleUploadedFile("整改报告.pdf", PDF), SimpleUploadedFile("现场.txt", "现场照片说明".encode())]
    r = client.post(reverse("supervision:notice_reply", args=[notice.pk]), {"text": "已整改。", "files": files})
    assert r.status_code == 302
    reply = NoticeReply.objects.get()
    names = sorted(reply.files.values_list("original_name", flat=True))
    assert names == ["整改报告.pdf", "现场.txt"]
    f = reply.files.get(original_name="整改报告.pdf")
    assert f.content_type == "application/pdf" and f.file.name.startswith("evidence/") and "整改" not in f.file.name
    assert reply.seal_state == "ok"
    html = page(client, office, notice)
    assert reverse("supervision:evidence", args=[f.pk]) in html
    for user, code in ((office, 200), (liaison_a, 200), (liaison_c, 404), (liaison_b, 404)):
        client.force_login(user)
        r = client.get(reverse("supervision:evidence", args=[f.pk]))
        assert r.status_code == code, user
        if code == 200:
            assert b"".join(r.streaming_content) == PDF
            assert r["Content-Disposition"].startswith("attachment") and r["X-Content-Type-Options"] == "nosniff"
    assert Event.objects.filter(action="evidence.download").count() == 2
    # a change to the stored reply outside the application shows
    NoticeReply.objects.filter(pk=reply.pk).update(text="改过的回复")
    assert NoticeReply.objects.get(pk=reply.pk).seal_state == "broken"


@pytest.mark.django_db
def test_a_bad_file_refuses_the_reply_and_keeps_the_typed_text(client, notice, liaison_a):
    client.force_login(liaison_a)
    files = [SimpleUploadedFile("好的.pdf", PDF), SimpleUploadedFile("伪装.pdf", b"<html><script>x</script></html>")]
    r = client.post(reverse("supervision:notice_reply", args=[notice.pk]), {"text": "写了很久的回复。", "files": files})
    html = r.content.decode()
    assert r.status_code == 400 and "回复未提交：佐证材料有问题，未提交：文件“伪装.pdf”是网页或脚本文件" in html
    assert "写了很久的回复。" in html and "data-dirty" in html
    assert not NoticeReply.objects.exists() and not EvidenceFile.objects.exists()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.ISSUED


@pytest.mark.django_db
def test_too_many_files_are_refused(notice, liaison_a):
    with pytest.raises(actions.ActionError, match="最多上传 10 个文件"):
        actions.reply_notice(notice, actor=liaison_a, text="回复",
                             files=[(f"{i}.txt", b"x") for i in range(11)])
    assert not NoticeReply.objects.exists()


@pytest.mark.django_db
def test_the_api_lists_each_units_reply(client, notice, liaison_a, liaison_c, office):
    actions.reply_notice(notice, actor=liaison_a, text="甲局回复。", files=[("说明.txt", "说明".encode())])
    client.force_login(office)
    data = client.get(f"/api/v1/notices/{notice.pk}/").json()
    assert data["status"] == "partly"
    assert [(r["unit"]["name"], r["text"], [f["name"] for f in r["files"]]) for r in data["replies"]] == [
        ("甲局", "甲局回复。", ["说明.txt"])]
    client.force_login(liaison_c)
    assert client.get(f"/api/v1/notices/{notice.pk}/").json()["replies"] == []
