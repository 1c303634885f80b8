"""上级交办 items from a 交办单 through the pages: upload → preview (what was read, what
was assumed, what is wrong) → corrections → confirm; bad input gets a Chinese message
and changes nothing."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document as Docx
from lxml import html as lxml_html

from duban.conftest import PASSWORD
from duban.items.models import AssignedItem, IntakeBatch
from duban.plans.models import Task, TaskUnit

from .test_orders import _pdf

pytestmark = pytest.mark.django_db

ORDER = [
    "市人民政府督查室",
    "督查事项交办单",
    "市政督办〔2026〕21号",
    "测试区人民政府：",
    "现将督查中发现的有关问题交办你区，请认真整改：",
    "一、关于工地扬尘管控不到位的问题",
    "问题：部分工地未落实围挡和苫盖要求。",
    "整改措施：开展专项检查，逐项整改销号。",
    "责任单位：甲局牵头，丙局配合。",
    "完成时限：2026年6月30日前。",
    "二、关于养老服务设施不足的问题",
    "问题：社区养老驿站覆盖率偏低。",
    "责任单位：乙局、丙局",
    "完成时限：10月底前",
    "三、关于河道保洁的问题",
    "整改措施：建立长效保洁机制。",
    "责任单位：区不存在局",
    "完成时限：长期坚持",
    "请于2026年7月10日前将整改情况报送市政府督查室。",
    "市人民政府督查室",
    "2026年5月6日",
]


def _docx(paragraphs) -> bytes:
    doc = Docx()
    for p in paragraphs:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@pytest.fixture
def office_client(client, office, units):
    assert client.login(username=office.username, password=PASSWORD)
    return client


def _upload(client, data: bytes, name: str):
    return client.post(reverse("items:intake_upload", args=["order"]), {"file": SimpleUploadedFile(name, data)})


def _tree(response):
    return lxml_html.fromstring(response.content.decode())


def test_upload_preview_correct_and_confirm(office_client, units):
    data = _docx(ORDER)
    response = _upload(office_client, data, "交办单.docx")
    assert response.status_code == 302
    batch = IntakeBatch.objects.get()
    assert AssignedItem.objects.count() == 0  # reading writes no item
    page = office_client.get(response["Location"])
    assert page.status_code == 200
    tree = _tree(page)
    assert tree.xpath("//input[@name='doc_number']/@value") == ["市政督办〔2026〕21号"]
    assert tree.xpath("//input[@name='issuer']/@value") == ["市人民政府督查室"]
    assert tree.xpath("//input[@name='received_on']/@value") == ["2026-05-06"]
    body = page.content.decode()
    assert "按排列顺序以乙局为牵头单位" in body  # the assumption is said
    assert "收到日期暂按成文日期填写" in body
    assert "长期坚持" in body and "“区不存在局”不在单位名录中" in body
    rows = tree.xpath("//table[@id='order-rows']//tbody/tr")
    assert len(rows) == 3
    checked = [bool(r.xpath(".//input[@name='row'][@checked]")) for r in rows]
    assert checked == [True, True, False]  # the row with a problem waits for a correction

    # Confirming the wrong row as it is: refused, in Chinese, and nothing is made.
    url = reverse("items:intake_preview", args=[batch.pk])
    refused = office_client.post(url, {"action": "confirm", "row": ["0", "1", "2"]})
    assert refused.status_code == 400 and "须先更正" in refused.content.decode()
    assert AssignedItem.objects.count() == 0 and Task.objects.filter(plan__category="assigned").count() == 0
    # A header field emptied: refused as well.
    refused = office_client.post(url, {"action": "confirm", "row": ["0"], "doc_number": ""})
    assert refused.status_code == 400 and "请填写交办单文号" in refused.content.decode()
    assert AssignedItem.objects.count() == 0

    # Corrected in the preview: the unit and a date for 长期坚持; 收到日期 as received.
    done = office_client.post(url, {"action": "confirm", "row": ["0", "1", "2"], "doc_number": "市政督办〔2026〕21号",
                                    "received_on": "2026-05-08", "lead-2": "甲局", "deadline-2": "2026-12-31"})
    assert done.status_code == 302, done.content.decode()[:2000]
    made = list(AssignedItem.objects.select_related("task").order_by("task__order"))
    assert len(made) == 3
    assert {a.doc_number for a in made} == {"市政督办〔2026〕21号"}
    assert {a.issuer for a in made} == {"市人民政府督查室"} and {a.received_on for a in made} == {dt.date(2026, 5, 8)}
    first, second, third = made
    assert first.task.title == "关于工地扬尘管控不到位的问题"
    assert first.problem == "部分工地未落实围挡和苫盖要求。" and first.measures == "开展专项检查，逐项整改销号。"
    assert first.task.deadline == dt.date(2026, 6, 30)
    roles = lambda t: sorted((a.role, a.unit.name) for a in t.assignments.select_related("unit"))  # noqa: E731
    assert roles(first.task) == [(TaskUnit.Role.CO, "丙局"), (TaskUnit.Role.LEAD, "甲局")]
    assert roles(second.task) == [(TaskUnit.Role.CO, "丙局"), (TaskUnit.Role.LEAD, "乙局")]
    assert second.task.deadline == dt.date(2026, 10, 31)
    assert roles(third.task) == [(TaskUnit.Role.LEAD, "甲局")] and third.task.deadline == dt.date(2026, 12, 31)
    # The 交办单 itself is kept with every item made from it, and can be downloaded.
    import hashlib

    from duban.items.models import ItemDocument

    docs = list(ItemDocument.objects.filter(purpose="order").order_by("task__order"))
    assert [d.task_id for d in docs] == [a.task_id for a in made]
    assert {d.sha256 for d in docs} == {hashlib.sha256(data).hexdigest()} and {d.original_name for d in docs} == {"交办单.docx"}
    download = office_client.get(reverse("items:document", args=[docs[0].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == data
    # Applied once only.
    assert office_client.post(url, {"action": "confirm", "row": ["0"]}).status_code == 404
    # A second upload of the same order is flagged as a possible duplicate.
    again = _upload(office_client, _docx(ORDER), "交办单.docx")
    assert "已导入过 3 项" in office_client.get(again["Location"]).content.decode()


def test_a_pdf_order_through_the_page(office_client, units, tmp_path):
    path = _pdf(tmp_path / "交办.pdf", [
        "市人民政府办公室",
        "关于交办热线反映问题的通知",
        "市政办督〔2026〕9号",
        "（一）请甲局牵头，乙局配合，于2026年10月31日前完成学校周边停车秩序整治。",
        "（二）请丙局负责，11月15日前解决某社区雨季积水问题。",
        "市人民政府办公室",
        "二〇二六年九月八日",
    ])
    response = _upload(office_client, path.read_bytes(), "交办.pdf")
    assert response.status_code == 302
    tree = _tree(office_client.get(response["Location"]))
    assert tree.xpath("//input[@name='doc_number']/@value") == ["市政办督〔2026〕9号"]
    assert tree.xpath("//input[@name='lead-0']/@value") == ["甲局"]
    assert tree.xpath("//input[@name='co-0']/@value") == ["乙局"]
    assert tree.xpath("//input[@name='deadline-1']/@value") == ["2026-11-15"]
    assert tree.xpath("//input[@name='received_on']/@value") == ["2026-09-08"]


@pytest.mark.parametrize("data,name,message", [
    (None, "通知.docx", "没有读出交办事项"),
    (b"\x00\x01not a document at all" * 20, "交办单.docx", ""),
    (b"", "交办单.docx", ""),
])
def test_bad_input_is_said_and_changes_nothing(office_client, units, data, name, message):
    if data is None:
        data = _docx(["会议通知", "请各单位准时参会。"])
    response = _upload(office_client, data, name)
    assert response.status_code == 400
    text = _tree(response).xpath("//div[@role='alert']")[0].text_content().strip()
    assert text and any("\u4e00" <= ch <= "\u9fff" for ch in text)
    if message:
        assert message in text
    assert IntakeBatch.objects.count() == 0 and AssignedItem.objects.count() == 0


def test_only_the_office_reads_orders(client, liaison_a):
    assert client.login(username=liaison_a.username, password=PASSWORD)
    response = _upload(client, _docx(ORDER), "交办单.docx")
    assert response.status_code == 403
    assert IntakeBatch.objects.count() == 0
