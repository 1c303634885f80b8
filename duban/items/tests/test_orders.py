"""The 交办单 reader on orders written here in the layouts offices use: a letter with
labelled parts (docx), an inspection's problem table (docx), a one-item form (docx),
and a letter of plain paragraphs as a PDF (reportlab). Plain pytest, no database."""
from __future__ import annotations

import datetime as dt

from docx import Document as Docx

from duban.items.orders import doc_number, find_date, read_order
from planparser.readers import read_document

LETTER = [
    "北京市人民政府督查室",
    "督查事项交办单",
    "京政督办〔2026〕12号",
    "××区人民政府：",
    "近期，市政府督查室在专项督查中对你区相关工作进行了核查，现将有关事项交办如下：",
    "一、关于道路施工扬尘管控不到位的问题",
    "问题：部分施工工地未落实六个百分百要求，渣土车未密闭运输。",
    "整改措施：立即开展全区工地扬尘专项检查，建立问题台账，逐项整改销号。",
    "责任单位：区住房城乡建设委牵头，区城管委、区生态环境局配合。",
    "完成时限：2026年6月30日前。",
    "二、关于老旧小区加装电梯进度滞后的问题",
    "问题：年度计划加装电梯120部，目前仅完成35部。",
    "整改措施：倒排工期，逐个小区明确推进节点。",
    "责任单位：区住房城乡建设委、区财政局",
    "完成时限：9月底前",
    "三、关于背街小巷环境整治的问题",
    "整改措施：建立长效管护机制。",
    "责任单位：区城管委",
    "完成时限：长期坚持",
    "请于2026年7月10日前将整改落实情况书面报送市政府督查室。",
    "联系人：张某，电话：12345678",
    "北京市人民政府督查室",
    "2026年5月6日",
]


def _docx(path, paragraphs=(), tables=()):
    doc = Docx()
    for p in paragraphs:
        doc.add_paragraph(p)
    for rows in tables:
        t = doc.add_table(rows=len(rows), cols=len(rows[0]))
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                t.cell(i, j).text = value
    doc.save(path)
    return path


def test_small_readers():
    assert doc_number("京政督办〔2026〕12号") == "京政督办〔2026〕12号"
    assert doc_number("市督查室[2026]3号") == "市督查室〔2026〕3号"
    assert doc_number("京督（2026）第05号") == "京督〔2026〕5号"
    assert doc_number("2026年5月6日") == ""
    assert find_date("二〇二六年九月八日") == dt.date(2026, 9, 8)
    assert find_date("二〇二六年十二月二十一日") == dt.date(2026, 12, 21)
    assert find_date("2026 年 5 月 6 日") == dt.date(2026, 5, 6)


def test_a_letter_with_labelled_parts(tmp_path):
    order = read_order(read_document(_docx(tmp_path / "交办单.docx", LETTER)))
    assert order.doc_number == "京政督办〔2026〕12号"
    assert order.issuer == "北京市人民政府督查室"
    assert order.title == "督查事项交办单"
    assert order.issued_on == dt.date(2026, 5, 6)
    assert order.source == "assigned" and not order.warnings
    assert [i.number for i in order.items] == ["一", "二", "三"]
    first, second, third = order.items
    assert first.title == "关于道路施工扬尘管控不到位的问题"
    assert first.problem.startswith("部分施工工地未落实") and first.measures.startswith("立即开展")
    assert first.lead_units == ["区住房城乡建设委"] and first.co_units == ["区城管委", "区生态环境局"]
    assert first.deadline == dt.date(2026, 6, 30) and not first.problems and not first.guesses
    # Two units with no roles: the first is taken as the lead, and the preview says so.
    assert second.lead_units == ["区住房城乡建设委"] and second.co_units == ["区财政局"]
    assert any("按排列顺序" in g for g in second.guesses)
    assert second.deadline == dt.date(2026, 9, 30)  # 9月底前, the year from the 文号
    # 长期坚持: no date, said; the closing request is not part of the last item.
    assert third.deadline is None and any("长期坚持" in g for g in third.guesses)
    assert "报送" not in third.measures
    assert any("总体要求" in g for g in order.guesses)


def test_an_inspection_problem_table(tmp_path):
    path = _docx(tmp_path / "反馈.docx", [
        "市政府督查室",
        "关于反馈2026年第二季度督查发现问题的函",
        "市督查室[2026]3号",
        "××区人民政府：",
        "现将第二季度督查发现的问题反馈你区，请认真整改。",
    ], [[
        ["序号", "存在问题", "整改措施", "牵头单位", "配合单位", "整改时限"],
        ["1", "河道沿线垃圾堆积，保洁不及时。", "落实河长制，增加保洁频次。", "区水务局", "区城管委", "2026年7月31日"],
        ["2", "部分农贸市场消防通道被占用。", "开展消防通道专项清理。", "区市场监管局", "区消防救援支队、区商务局", "8月15日前"],
        ["3", "学校周边交通拥堵。", "优化接送车辆停放管理。", "", "区教委", "9月1日前"],
    ]])
    order = read_order(read_document(path))
    assert order.doc_number == "市督查室〔2026〕3号" and order.issuer == "市政府督查室"
    assert order.source == "inspection" and any("督查反馈问题" in g for g in order.guesses)
    assert [i.number for i in order.items] == ["1", "2", "3"]
    one, two, three = order.items
    assert one.title == "河道沿线垃圾堆积，保洁不及时。" and one.problem == one.title
    assert one.lead_units == ["区水务局"] and one.co_units == ["区城管委"] and one.deadline == dt.date(2026, 7, 31)
    assert two.co_units == ["区消防救援支队", "区商务局"] and two.deadline == dt.date(2026, 8, 15)
    # No lead unit: a problem naming the row, never a guess.
    assert three.lead_units == [] and any("未写明责任（牵头）单位" in p and "第4行" in p for p in three.problems)


def test_a_one_item_form(tmp_path):
    path = _docx(tmp_path / "交办单.docx", ["督查事项交办单"], [[
        ["交办单位", "北京市人民政府督查室"],
        ["文号", "京政督办〔2026〕15号"],
        ["交办日期", "2026年6月2日"],
        ["交办事项", "关于群众反映某小区供暖不热问题的交办"],
        ["问题描述", "12345热线多次接到投诉，室温低于18度。"],
        ["办理要求", "逐户排查管网，限期解决并回复群众。"],
        ["责任单位", "由区城管委牵头，区住房城乡建设委配合"],
        ["办理时限", "2026年7月15日前"],
    ]])
    order = read_order(read_document(path))
    assert order.doc_number == "京政督办〔2026〕15号" and order.issuer == "北京市人民政府督查室"
    assert order.issued_on == dt.date(2026, 6, 2)
    (item,) = order.items
    assert item.title == "关于群众反映某小区供暖不热问题的交办"
    assert item.problem.startswith("12345热线") and item.measures.startswith("逐户排查")
    assert item.lead_units == ["区城管委"] and item.co_units == ["区住房城乡建设委"]
    assert item.deadline == dt.date(2026, 7, 15) and not item.problems


def _pdf(path, lines):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from planparser.tests.containers import cid_font

    font = cid_font()
    c = canvas.Canvas(str(path), pagesize=A4)
    y = A4[1] - 80
    c.setFont(font, 11)
    for text in lines:
        for k in range(0, len(text), 38):
            c.drawString(60, y, text[k:k + 38])
            y -= 18
    c.showPage()
    c.save()
    return path


def test_a_letter_of_plain_paragraphs_as_pdf(tmp_path):
    path = _pdf(tmp_path / "交办.pdf", [
        "北京市人民政府办公厅",
        "关于交办市民热线高频问题的通知",
        "京政办督（2026）8号",
        "××区人民政府：",
        "现将近期市民热线反映集中的问题交办你区，请抓紧办理。",
        "（一）请区交通委牵头，区城管委配合，于2026年10月31日前完成学校周边停车秩序整治。",
        "（二）请区水务局负责，11月15日前解决某社区雨季积水问题。",
        "（三）关于噪声扰民的问题，由区生态环境局会同区公安分局研究解决。",
        "北京市人民政府办公厅",
        "二〇二六年九月八日",
    ])
    order = read_order(read_document(path))
    assert order.doc_number == "京政办督〔2026〕8号"
    assert order.issuer == "北京市人民政府办公厅" and order.issued_on == dt.date(2026, 9, 8)
    assert [i.number for i in order.items] == ["一", "二", "三"]
    one, two, three = order.items
    assert one.lead_units == ["区交通委"] and one.co_units == ["区城管委"] and one.deadline == dt.date(2026, 10, 31)
    assert two.lead_units == ["区水务局"] and two.deadline == dt.date(2026, 11, 15)
    assert three.lead_units == ["区生态环境局"] and three.co_units == ["区公安分局"] and three.deadline is None
    assert one.title  # taken from the paragraph's first sentence
    assert any("第一句" in g for g in one.guesses) or len(one.measures) <= 80


def test_a_one_item_letter_without_numbering(tmp_path):
    order = read_order(read_document(_docx(tmp_path / "交办函.docx", [
        "市生态环境局",
        "关于督促整改某企业异味扰民问题的交办函",
        "市环督〔2026〕6号",
        "测试区人民政府：",
        "近期群众多次反映某工业园区夜间异味扰民，经现场核查情况属实。",
        "问题：园区内某企业废气收集设施运行不正常，夜间直排。",
        "整改措施：责令企业限期整改，安装在线监测设备。",
        "责任单位：区生态环境局牵头，区城管委配合",
        "完成时限：2026年8月31日前",
        "请于整改完成后5个工作日内将整改情况报送我局。",
        "市生态环境局",
        "2026年7月1日",
    ])))
    assert order.doc_number == "市环督〔2026〕6号" and order.issuer == "市生态环境局"
    assert order.title == "关于督促整改某企业异味扰民问题的交办函" and order.issued_on == dt.date(2026, 7, 1)
    (item,) = order.items
    assert item.problem.startswith("园区内某企业") and item.measures.startswith("责令企业")
    assert item.lead_units == ["区生态环境局"] and item.co_units == ["区城管委"]
    assert item.deadline == dt.date(2026, 8, 31)
    assert item.title == "园区内某企业废气收集设施运行不正常，夜间直排。"
    assert any("第一句" in g for g in item.guesses) is False  # the whole problem is one sentence: nothing cut
    assert any("总体要求" in g for g in order.guesses)


def test_nothing_to_read_is_said(tmp_path):
    order = read_order(read_document(_docx(tmp_path / "空.docx", ["会议通知", "请各单位准时参会。"])))
    assert order.items == []
    assert any("未找到交办事项" in w for w in order.warnings)
    assert any("文号" in w for w in order.warnings)
