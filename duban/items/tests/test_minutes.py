"""The minutes reader on minutes written here in the layouts offices use: a 常务会议
纪要 with 一、 headings and body paragraphs, a 专题会议纪要 with （一） items inline, and
a plain-text one with 1. items. Plain pytest, no database."""
from __future__ import annotations

import datetime as dt

import pytest
from docx import Document as Docx

from duban.items.minutes import read_minutes, read_responsibility
from planparser.readers import read_document

STANDING = [
    "区政府常务会议纪要",
    "〔2026〕12号",
    "区人民政府办公室                    2026年5月20日",
    "5月18日，区长王  强主持召开区政府第12次常务会议，研究老旧小区改造等事项。会议议定以下事项：",
    "一、关于《区老旧小区改造实施方案》的事项",
    "会议听取了区住房城乡建设委关于老旧小区改造的汇报。",
    "会议原则同意该方案。由区住房城乡建设委牵头，区财政局、区发展改革委配合，于6月底前完成项目立项。",
    "二、关于学位保障的事项",
    "会议要求，区教委会同区财政局抓紧研究学位保障方案，9月底前报区政府。",
    "三、关于安全生产检查的事项",
    "区应急局负责组织全区安全生产大检查，10个工作日内报送检查情况。",
    "四、关于区级预算调整的事项",
    "会议原则同意预算调整方案，按程序报区人大常委会审议。",
    "出席：王强  李明  王芳",
    "列席：区发展改革委、区财政局",
]

TOPIC = [
    "关于推进城市更新工作的专题会议纪要",
    "〔2026〕7号",
    "9月2日，副区长李明主持召开城市更新工作专题会议。现纪要如下：",
    "（一）会议原则同意《城市更新行动计划》，由区规划分局牵头，区住房城乡建设委配合，于年底前印发实施。",
    "（二）请区城管委负责背街小巷整治，11月30日前完成。",
    "抄送：区委办公室",
]


def _docx(paragraphs, path):
    doc = Docx()
    for p in paragraphs:
        doc.add_paragraph(p)
    doc.save(path)
    return path


def test_it_reads_the_decisions_of_standing_meeting_minutes(tmp_path):
    minutes = read_minutes(read_document(_docx(STANDING, tmp_path / "纪要.docx")))
    assert minutes.meeting == "区政府第12次常务会议"
    assert minutes.held_on == dt.date(2026, 5, 18)
    assert minutes.number == "〔2026〕12号"
    assert minutes.kind == "standing" and minutes.chair == "王强"
    assert [d.number for d in minutes.decisions] == ["一", "二", "三", "四"]
    first, second, third, fourth = minutes.decisions
    assert first.text.startswith("关于《区老旧小区改造实施方案》的事项。会议听取了")
    assert first.lead_units == ["区住房城乡建设委"] and first.co_units == ["区财政局", "区发展改革委"]
    assert first.deadline == dt.date(2026, 6, 30) and "6月底前" in first.deadline_text
    assert second.lead_units == ["区教委"] and second.co_units == ["区财政局"]
    assert second.deadline == dt.date(2026, 9, 30)
    assert third.lead_units == ["区应急局"] and third.workdays == 10 and third.deadline is None
    # No unit named: reported with its paragraph, never guessed; the attendance list is not a decision.
    assert fourth.lead_units == [] and fourth.problems == [f"第{fourth.line}段（四）：未写明牵头（负责）单位"]


def test_it_reads_topic_meeting_minutes_with_inline_items(tmp_path):
    minutes = read_minutes(read_document(_docx(TOPIC, tmp_path / "专题.docx")))
    assert minutes.kind == "topic" and minutes.meeting == "城市更新工作专题会议"
    assert minutes.held_on == dt.date(2026, 9, 2)
    first, second = minutes.decisions
    assert first.lead_units == ["区规划分局"] and first.co_units == ["区住房城乡建设委"]
    assert first.deadline == dt.date(2026, 12, 31)
    assert second.lead_units == ["区城管委"] and second.deadline == dt.date(2026, 11, 30)


def test_it_reads_a_text_file_with_arabic_numbering(tmp_path):
    text = "\n".join([
        "区长办公会议纪要",
        "〔2026〕3号",
        "3月5日，区长王强主持召开区长办公会议。会议议定：",
        "1.由区商务局牵头，区市场监管局配合，4月底前出台促消费措施。",
        "2.区人力社保局负责，上半年完成新增就业2000人。",
    ])
    path = tmp_path / "纪要.txt"
    path.write_text(text, encoding="utf-8")
    minutes = read_minutes(read_document(path))
    assert [d.lead_units for d in minutes.decisions] == [["区商务局"], ["区人力社保局"]]
    assert minutes.decisions[0].deadline == dt.date(2026, 4, 30)
    assert minutes.decisions[1].deadline == dt.date(2026, 6, 30)


def test_it_warns_when_there_is_no_numbered_decision(tmp_path):
    minutes = read_minutes(read_document(_docx(["会议纪要", "会议研究了有关事项。"], tmp_path / "空.docx")))
    assert minutes.decisions == []
    assert any("未找到编号的议定事项" in w for w in minutes.warnings)


@pytest.mark.parametrize("text, lead, co", [
    ("由区发展改革委牵头，区财政局配合，于6月底前完成。", ["区发展改革委"], ["区财政局"]),
    ("区教委会同区卫生健康委、区体育局研究制定方案。", ["区教委"], ["区卫生健康委", "区体育局"]),
    ("请区水务局负责，区农业农村局、各镇街配合。", ["区水务局"], ["区农业农村局"]),
    ("会议同意该事项。", [], []),
])
def test_it_reads_who_leads_and_who_helps(text, lead, co):
    assert read_responsibility(text) == (lead, co)
