"""The import web flow: upload, preview with warnings, confirm; and `duban import`."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.conftest import PASSWORD
from duban.org.models import Leader, Unit
from duban.imports.models import ImportBatch
from duban.plans.models import Plan, Task

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[3] / "examples" / "daxing-2026-plan.txt"

SMALL_PLAN = """测试县人民政府办公室关于印发《2026年测试县重点工作任务分工》的通知
各乡镇人民政府，县政府各部门：
现将《2026年测试县重点工作任务分工》印发给你们，请认真贯彻落实。
测试县人民政府办公室
2026年2月10日
2026年测试县重点工作任务分工
一、产业发展
1.新建标准化厂房不少于5万平方米。
牵头领导：赵一
主要责任单位：县工信局、县住建局
完成时限：2026年10月底前
2.推进文旅融合发展。
牵头领导：钱二
主要责任单位：县文旅局
完成时限：持续推进
二、民生保障
3.新增城镇就业3000人以上。
牵头领导：孙三
主要责任单位：县人社局
完成时限：2026年12月31日
"""


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _upload(client, name: str, data: bytes):
    return client.post(reverse("imports:upload"), {"file": SimpleUploadedFile(name, data)})


def test_it_uploads_previews_and_confirms_a_plan(client, office):
    _login(client, office)
    response = _upload(client, "测试县.txt", SMALL_PLAN.encode("gb18030"))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:preview", args=[batch.pk])
    assert not Plan.objects.exists()  # nothing written before confirmation

    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert "新建标准化厂房不少于5万平方米。" in html and "县工信局" in html and "3</b>项任务" in html

    done = client.post(response["Location"], {"action": "confirm"})
    plan = Plan.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("plans:detail", args=[plan.pk])
    assert plan.tasks.count() == 3 and plan.title == "2026年测试县重点工作任务分工"
    batch.refresh_from_db()
    assert batch.status == "applied" and batch.plan == plan


def test_it_refuses_a_file_it_cannot_read_and_changes_nothing(client, office):
    _login(client, office)
    response = _upload(client, "plan.docx", b"\x89PNG\r\n\x1a\n not a document at all")
    assert response.status_code == 200
    assert "plan.docx" in response.content.decode()
    assert not Plan.objects.exists() and not ImportBatch.objects.exists()


def test_it_refuses_an_unsupported_type(client, office):
    _login(client, office)
    response = _upload(client, "plan.exe", b"MZ....")
    assert "类型不受支持" in response.content.decode() and not ImportBatch.objects.exists()


def test_it_keeps_the_import_page_for_the_office(client, liaison_a, leader):
    for user in (liaison_a, leader):
        _login(client, user)
        assert client.get(reverse("imports:upload")).status_code == 403
        assert _upload(client, "x.txt", SMALL_PLAN.encode()).status_code == 403
    assert not ImportBatch.objects.exists()


def test_it_cancels_without_writing(client, office):
    _login(client, office)
    url = _upload(client, "a.txt", SMALL_PLAN.encode())["Location"]
    client.post(url, {"action": "cancel"})
    assert ImportBatch.objects.get().status == "cancelled" and not Plan.objects.exists()


def test_it_imports_the_seed_from_the_command_line_once(capsys):
    call_command("import", str(SEED))
    plan = Plan.objects.get()
    assert plan.tasks.count() == 101 and plan.sections.count() == 8
    assert Leader.objects.count() == 13
    assert Unit.objects.count() == 57
    assert set(Unit.objects.filter(is_collective=True).values_list("name", flat=True)) == {"各部门", "各单位"}
    task76 = plan.tasks.get(number="76")
    assert [u.name for u in task76.co_units()][1] == "北臧村镇人民政府"
    assert [l.name for l in plan.tasks.get(number="3").ordered_leaders()] == ["周冲"]
    counts = (Task.objects.count(), Unit.objects.count())
    call_command("import", str(SEED))
    assert "未做任何修改" in capsys.readouterr().out
    assert (Task.objects.count(), Unit.objects.count()) == counts and Plan.objects.get().revision == 1


def test_it_exits_with_status_2_on_an_unreadable_file(tmp_path, capsys):
    bad = tmp_path / "empty.docx"
    bad.write_bytes(b"")
    with pytest.raises(SystemExit) as err:
        call_command("import", str(bad))
    lines = capsys.readouterr().err.strip().splitlines()
    assert err.value.code == 2 and len(lines) == 1 and "empty.docx" in lines[0] and "空" in lines[0]
    assert not Plan.objects.exists()


def test_the_command_line_refuses_a_sheet_with_xml_entity_declarations(tmp_path, capsys):
    """`duban import` goes through the same container checks as the web upload
    (duban.imports.preview.check_plan_file): a .xlsx carrying a DTD ("billion laughs")
    is refused before any reader opens it, and nothing is imported."""
    from planparser.tests.conftest import build_xlsx

    from duban.security.tests.test_hostile_files import _with_dtd

    good = build_xlsx(tmp_path / "台账.xlsx")
    hostile = tmp_path / "恶意台账.xlsx"
    hostile.write_bytes(_with_dtd(good.read_bytes(), "xl/worksheets/sheet1.xml", b"<is><t>"))
    with pytest.raises(SystemExit) as err:
        call_command("import", str(hostile))
    lines = capsys.readouterr().err.strip().splitlines()
    assert err.value.code == 2 and len(lines) == 1, lines
    assert "恶意台账.xlsx" in lines[0] and "实体声明" in lines[0], lines[0]
    assert not Plan.objects.exists() and not Task.objects.exists() and not Unit.objects.exists()
    assert not Leader.objects.exists() and not ImportBatch.objects.exists()
    # The control: the same sheet without the declarations is imported.
    call_command("import", str(good))
    assert Plan.objects.get().tasks.exists()
