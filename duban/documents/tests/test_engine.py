"""Templates: what a template may say, where a refusal points, and how values fill it."""
from __future__ import annotations

import io

import pytest
from docx import Document

from duban.documents.builtin import builtin_template
from duban.documents.engine import check, fill
from duban.documents.kinds import KINDS

from .conftest import make_template

NOTICE = KINDS["notice_notice"]


def texts(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_it_accepts_every_builtin_template(kind):
    assert check(builtin_template(kind), KINDS[kind]) == []


def test_it_fills_chinese_placeholders_and_keeps_text_as_text():
    data = make_template("红头：某区督查室", "{{文号}}", "任务：{{任务名称}}（逾期{{逾期天数}}天）")
    out = fill(data, {"文号": "督办〔2026〕7号", "任务名称": "<b>建设 & 改造</b>", "逾期天数": "3"})
    assert texts(out) == ["红头：某区督查室", "督办〔2026〕7号", "任务：<b>建设 & 改造</b>（逾期3天）"]


def test_it_makes_one_paragraph_per_line_of_a_value_with_the_paragraphs_format():
    data = make_template("前言", "{{督办事项}}", "结尾")
    doc = Document(io.BytesIO(data))
    doc.paragraphs[1].paragraph_format.first_line_indent = 406400  # 32 pt
    buf = io.BytesIO()
    doc.save(buf)
    out = Document(io.BytesIO(fill(buf.getvalue(), {"督办事项": "第一行。\n第二行。\n第三行。"})))
    assert [p.text for p in out.paragraphs] == ["前言", "第一行。", "第二行。", "第三行。", "结尾"]
    assert {p.paragraph_format.first_line_indent for p in out.paragraphs[1:4]} == {406400}


def test_it_fills_a_table_of_reports_row_by_row():
    data = make_template("报告如下：", table=[["调度", "单位", "进展"], ["{%tr for 行 in 报告 %}", "", ""],
                                          ["{{行.调度}}", "{{行.单位}}", "{{行.进展情况}}"], ["{%tr endfor %}", "", ""]])
    assert check(data, NOTICE) == []
    out = Document(io.BytesIO(fill(data, {"报告": [{"调度": "一季度", "单位": "甲局", "进展情况": "已完成"},
                                                 {"调度": "二季度", "单位": "乙局", "进展情况": "推进中"}]})))
    assert [[c.text for c in r.cells] for r in out.tables[0].rows] == [
        ["调度", "单位", "进展"], ["一季度", "甲局", "已完成"], ["二季度", "乙局", "推进中"]]


@pytest.mark.parametrize("paragraphs, table, expected", [
    (["标题", "{{任务名字}}"], None, "正文第2段（“{{任务名字}}”）：未知的占位符“任务名字”"),
    (["标题", "{{任务名称}", "结尾"], None, "正文第2段（“{{任务名称}”）：“{{”与“}}”"),
    (["｛｛任务名称｝｝"], None, "正文第1段（“｛｛任务名称｝｝”）：占位符须用半角花括号"),
    (["{%p for 行 in 报告 %}", "{{行.单位}}"], None, "正文第1段（“{%p for 行 in 报告 %}”）：{% for %} 没有对应的 {% endfor %}"),
    (["{%p endif %}"], None, "正文第1段（“{%p endif %}”）：“endif”前面没有对应的 {% if %}"),
    (["{%p for 行 in 任务名称 %}", "{{行.单位}}", "{%p endfor %}"], None, "正文第1段（“{%p for 行 in 任务名称 %}”）：“任务名称”不是表格占位符"),
    (["说明"], [["{%tr for 行 in 报告 %}"], ["{{行.金额}}"], ["{%tr endfor %}"]], "第1个表格第2行第1列（“{{行.金额}}”）：表格“报告”没有“金额”一列"),
    (["{{ 任务名称.__class__ }}"], None, "正文第1段（“{{ 任务名称.__class__ }}”）：不支持这种写法"),
    (["{{ 任务名称|attr('x') }}"], None, "正文第1段（“{{ 任务名称|attr('x') }}”）：不支持过滤器“attr”"),
    (["{% for %}", "{% endfor %}"], None, "正文第1段（“{% for %}”）：标记写法有误"),
    (["{%tr for 行 in 报告 %}", "{%tr endfor %}"], None, "正文第1段（“{%tr for 行 in 报告 %}”）：{%tr … %} 只能写在表格里"),
])
def test_it_refuses_a_broken_template_saying_where_and_why(paragraphs, table, expected):
    problems = check(make_template(*paragraphs, table=table), NOTICE)
    assert problems and problems[0].startswith(expected), problems


def test_it_refuses_a_file_that_is_not_a_docx():
    assert check(b"\xd0\xcf\x11\xe0 an old .doc", NOTICE)[0].startswith("文件不是 Word 文档（.docx）")


def test_it_checks_headers_and_footers_too():
    from docx import Document as New

    doc = New()
    doc.add_paragraph("{{文号}}")
    doc.sections[0].header.paragraphs[0].text = "{{红头文字}}"
    buf = io.BytesIO()
    doc.save(buf)
    assert check(buf.getvalue(), NOTICE) == ["页眉第1段（“{{红头文字}}”）：未知的占位符“红头文字”（督办通知单可用的占位符见右侧列表）"]


def test_a_tag_word_splits_across_runs_still_fills():
    """Word often cuts {{任务名称}} into several runs (spell check, edits): still one tag."""
    from docx import Document as New

    doc = New()
    p = doc.add_paragraph()
    for part in ("任务：{", "{任务", "名称}", "}。"):
        p.add_run(part)
    buf = io.BytesIO()
    doc.save(buf)
    assert check(buf.getvalue(), NOTICE) == []
    assert texts(fill(buf.getvalue(), {"任务名称": "改造老旧小区"})) == ["任务：改造老旧小区。"]
