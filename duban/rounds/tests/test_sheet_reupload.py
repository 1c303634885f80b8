"""The round sheet can be uploaded again as it was downloaded: rows of reports that can
no longer change (submitted, waiting for the unit head, accepted) and rows left empty
are skipped and listed, not a reason to refuse the whole file; rows that say what the
system already holds are not written again."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from duban.audit.models import Event
from duban.rounds import actions
from duban.rounds.models import Report


def download(client, rnd) -> bytes:
    r = client.get(reverse("rounds:sheet", args=[rnd.pk]))
    assert r.status_code == 200
    return r.content


def upload(client, rnd, data: bytes, submit=False):
    f = SimpleUploadedFile("报表.xlsx", data)
    return client.post(reverse("rounds:sheet_upload", args=[rnd.pk]), {"file": f, "submit": "on" if submit else ""},
                       follow=True)


def filled(data: bytes, **by_task) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for row in wb.active.iter_rows(min_row=2):
        if row[2].value in by_task:
            row[5].value, row[6].value, row[7].value = "推进中", 40, by_task[row[2].value]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def rnd(open_round):
    return open_round()


@pytest.fixture
def reports(rnd, liaison_a):
    return {r.task.number: r for r in Report.objects.filter(round=rnd, unit=liaison_a.unit).select_related("task")}


@pytest.mark.django_db
def test_the_same_file_can_be_uploaded_again_after_it_was_submitted(client, rnd, liaison_a, reports):
    client.force_login(liaison_a)
    sheet = filled(download(client, rnd), **{"1": "任务1进展。", "2": "任务2进展。"})
    r = upload(client, rnd, sheet, submit=True)
    assert r.status_code == 200 and "报送 2 份" in r.content.decode()
    versions = {n: Report.objects.get(pk=rep.pk).version for n, rep in reports.items()}

    r = upload(client, rnd, sheet, submit=True)  # the very same file, again
    page = r.content.decode()
    assert r.status_code == 200 and "未导入任何内容" not in page
    assert 'id="sheet-skipped"' in page and "以下 2 行未导入" in page
    assert "第2行（第1项" in page and "该报告已报送，不能再修改，本行未导入" in page
    assert {n: Report.objects.get(pk=rep.pk).version for n, rep in reports.items()} == versions
    assert Report.objects.get(pk=reports["1"].pk).versions.count() == 1  # not submitted twice


@pytest.mark.django_db
def test_locked_rows_are_listed_and_the_others_imported(client, rnd, liaison_a, office, reports):
    client.force_login(liaison_a)
    sheet = download(client, rnd)  # both rows still drafts here
    one = reports["1"]
    one = actions.save_report_draft(one, actor=liaison_a, data={"progress_status": "in_progress", "progress": "网上报的。"},
                                    version=one.version)
    actions.accept_report(actions.submit_report(one, actor=liaison_a), actor=office)

    page = upload(client, rnd, filled(sheet, **{"1": "表格里改的。", "2": "任务2表格进展。"})).content.decode()
    assert "已导入 1 份报告的修改" in page
    assert "第2行（第1项" in page and "该报告已被采纳，不能再修改，本行未导入" in page
    assert Report.objects.get(pk=one.pk).progress == "网上报的。"
    assert Report.objects.get(pk=reports["2"].pk).progress == "任务2表格进展。"
    event = Event.objects.filter(action="round.import_sheet").latest("id")
    assert "1 行未导入" in event.summary and "已被采纳" in event.summary


@pytest.mark.django_db
def test_rows_waiting_for_the_unit_head_are_skipped_with_the_way_to_change_them(client, open_round, liaison_a):
    rnd = open_round(requires_head_approval=True)
    client.force_login(liaison_a)
    sheet = filled(download(client, rnd), **{"1": "任务1进展。", "2": "任务2进展。"})
    upload(client, rnd, sheet, submit=True)
    assert set(Report.objects.filter(round=rnd, unit=liaison_a.unit).values_list("status", flat=True)) == {
        "pending_approval"}
    page = upload(client, rnd, sheet).content.decode()
    assert "已提交单位负责人审核，不能再修改，本行未导入（如需修改请由负责人退回）" in page


@pytest.mark.django_db
def test_an_untouched_sheet_with_submit_skips_the_empty_rows(client, rnd, liaison_a, reports):
    client.force_login(liaison_a)
    sheet = filled(download(client, rnd), **{"2": "只填了任务2。"})
    page = upload(client, rnd, sheet, submit=True).content.decode()
    assert "报送 1 份" in page and "未填写，本行未报送" in page and "第1项" in page
    assert Report.objects.get(pk=reports["1"].pk).status == "draft"
    assert Report.objects.get(pk=reports["2"].pk).status == "submitted"


@pytest.mark.django_db
def test_unchanged_rows_are_not_written_again(client, rnd, liaison_a, reports):
    client.force_login(liaison_a)
    two = reports["2"]
    actions.save_report_draft(two, actor=liaison_a, data={"progress_status": "in_progress", "percent": 40,
                                                         "progress": "第一行\r\n第二行  "}, version=two.version)
    sheet = download(client, rnd)
    saves = Event.objects.filter(action="report.save").count()
    r = upload(client, rnd, sheet)
    page = r.content.decode()
    assert r.redirect_chain and "2 行与系统中一致，未重复保存" in page
    assert Event.objects.filter(action="report.save").count() == saves


@pytest.mark.django_db
def test_a_real_error_still_refuses_everything(client, rnd, liaison_a, office, reports):
    client.force_login(liaison_a)
    sheet = download(client, rnd)
    one = reports["1"]
    one = actions.save_report_draft(one, actor=liaison_a, data={"progress_status": "in_progress", "progress": "网上报的。"},
                                    version=one.version)
    actions.submit_report(one, actor=liaison_a)
    wb = load_workbook(io.BytesIO(filled(sheet, **{"2": "任务2进展。"})))
    wb.active["G3"] = 150  # row 3 is task 2 (sorted by task order)
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(client, rnd, buf.getvalue())
    page = r.content.decode()
    assert r.status_code == 400 and "未导入任何内容" in page and "第3行“完成进度（%）”列" in page
    assert Report.objects.get(pk=reports["2"].pk).progress == ""
