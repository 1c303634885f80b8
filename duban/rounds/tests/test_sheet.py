"""The round sheet: download, fill offline, upload; every row checked, all or nothing."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from duban.rounds.models import Report
from duban.rounds.sheets import HEADERS


def download(client, rnd):
    r = client.get(reverse("rounds:sheet", args=[rnd.pk]))
    assert r.status_code == 200
    return load_workbook(io.BytesIO(r.content))


def upload(client, rnd, wb, submit=False):
    buf = io.BytesIO()
    wb.save(buf)
    f = SimpleUploadedFile("报表.xlsx", buf.getvalue())
    return client.post(reverse("rounds:sheet_upload", args=[rnd.pk]), {"file": f, "submit": "on" if submit else ""})


@pytest.fixture
def rnd(open_round):
    return open_round()


@pytest.mark.django_db
def test_it_gives_a_unit_its_own_rows_with_frozen_chinese_headers(client, rnd, liaison_a):
    client.force_login(liaison_a)
    ws = download(client, rnd).active
    assert [c.value for c in ws[1]] == HEADERS and ws.freeze_panes == "A2"
    assert sorted(row[2] for row in ws.iter_rows(min_row=2, values_only=True)) == ["1", "2"]
    assert any("未启动" in (dv.formula1 or "") for dv in ws.data_validations.dataValidation)
    assert "不少于2000家=" in ws["K2"].value or "不少于2000家=" in ws["K3"].value


@pytest.mark.django_db
def test_it_imports_and_submits_every_row(client, rnd, liaison_a):
    client.force_login(liaison_a)
    wb = download(client, rnd)
    ws = wb.active
    for row in ws.iter_rows(min_row=2):
        row[5].value, row[6].value, row[7].value = "推进中", 40, f"任务{row[2].value}进展。"
        if row[2].value == "1":
            row[10].value = "不少于2000家=1234"
    r = upload(client, rnd, wb, submit=True)
    assert r.status_code == 302
    reports = Report.objects.filter(round=rnd, unit=liaison_a.unit)
    assert all(r.status == "submitted" and r.percent == 40 for r in reports)
    assert reports.get(task__number="1").actuals.get().value == 1234


@pytest.mark.django_db
def test_it_lists_every_bad_row_in_chinese_and_changes_nothing(client, rnd, liaison_a):
    client.force_login(liaison_a)
    wb = download(client, rnd)
    ws = wb.active
    ws["F2"], ws["G2"], ws["H2"] = "推进中", 50, "好的一行。"
    ws["F3"], ws["G3"] = "差不多", 150
    ws.append([999999, 1, "9", "别人的任务"])
    r = upload(client, rnd, wb)
    assert r.status_code == 400
    page = r.content.decode()
    assert "未导入任何内容" in page
    assert "第3行“推进状态”列：“差不多”无效" in page and "第3行“完成进度（%）”列" in page
    assert "第4行“报告编号”列：编号 999999 不是本单位在本次调度中的报告" in page
    assert not Report.objects.filter(round=rnd, progress__gt="").exists()


@pytest.mark.django_db
def test_it_refuses_a_sheet_made_before_someone_saved_online(client, rnd, liaison_a):
    from duban.rounds import actions

    client.force_login(liaison_a)
    wb = download(client, rnd)
    report = Report.objects.get(round=rnd, task__number="1", unit=liaison_a.unit)
    actions.save_report_draft(report, actor=liaison_a, data={"progress": "网上填的。"}, version=report.version)
    for row in wb.active.iter_rows(min_row=2):
        row[7].value = "表格填的。"
    page = upload(client, rnd, wb).content.decode()
    assert "下载报表后该报告已在系统中被修改" in page
    report.refresh_from_db()
    assert report.progress == "网上填的。"


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_not_a_sheet(client, rnd, liaison_a):
    client.force_login(liaison_a)
    f = SimpleUploadedFile("报表.xlsx", b"not a zip")
    r = client.post(reverse("rounds:sheet_upload", args=[rnd.pk]), {"file": f})
    assert r.status_code == 400 and "无法读取上传的文件" in r.content.decode()
