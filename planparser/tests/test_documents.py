"""Varied plans in every container: each test names the rule it checks."""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import parse_file
from planparser.model import Plan


def _plan(docs: dict[str, Path], name: str) -> Plan:
    return parse_file(docs[name])


def _by_number(plan: Plan) -> dict[str | None, dict]:
    return {t["number"]: t for t in plan.to_dict()["tasks"]}


def _messages(plan: Plan) -> str:
    return "\n".join(w.message for w in plan.warnings)


def test_it_reads_a_gb18030_notice_with_the_plan_attached(docs: dict[str, Path]) -> None:
    plan = _plan(docs, "xihu_txt")
    d = plan.to_dict()
    assert d["title"] == "西湖区2025年民生实事项目分工方案"  # wrapped inside 关于印发《…》的通知
    assert d["issuer"] == "杭州市西湖区人民政府办公室"
    assert d["issued"] == "2025-02-10"
    assert d["doc_number"] == "浙西政办发〔2025〕12号"
    assert d["plan_year"] == 2025
    assert d["default_deadline"] == "2025-12-31"
    assert [s["title"] for s in d["sections"]] == ["一、教育卫生", "二、城市建设"]  # notice 一、二、 are not sections
    assert [t["number"] for t in d["tasks"]] == ["1", "2", "3.1", "3.2", "4", "6", "7", "8", "9"]
    assert "GB18030" in plan.warnings[0].message


def test_it_splits_an_inline_labelled_parenthesis(docs: dict[str, Path]) -> None:
    t = _by_number(_plan(docs, "xihu_txt"))["1"]
    assert t["title"] == "新建改扩建中小学校不少于6所，新增学位4500个以上。"
    assert t["subsection"] == "（一）教育提质"
    assert t["lead_units"] == ["区教育局"] and t["co_units"] == ["区财政局", "区住建局"]
    assert (t["deadline"], t["deadline_text"]) == ("2025-08-31", "2025年8月底前")
    assert {x["unit"] for x in t["targets"]} >= {"所", "个"}


def test_it_keeps_yi_shi_er_shi_as_one_task_and_applies_the_default(docs: dict[str, Path]) -> None:
    t = _by_number(_plan(docs, "xihu_txt"))["2"]
    assert "一是完善课后服务；二是扩大优质资源覆盖面" in t["title"]
    assert t["lead_units"] == ["区教育局"] and t["co_units"] == ["各镇街"]
    assert t["deadline"] == "2025-12-31" and t["deadline_text"] is None


def test_it_makes_sub_items_the_tasks_of_a_heading_item(docs: dict[str, Path]) -> None:
    tasks = _by_number(_plan(docs, "xihu_txt"))
    assert "3" not in tasks
    t = tasks["3.1"]
    assert t["subsection"] == "（二）医疗服务"
    assert t["deadline"] == "2025-08-31"
    assert t["milestones"] == [{"date": "2025-03-31", "text": "完成方案设计"}, {"date": "2025-08-31", "text": "完成主体施工"}]
    assert tasks["3.2"]["co_units"] == ["区医保分局"]


def test_it_joins_a_title_across_a_page_number_and_keeps_text_brackets(docs: dict[str, Path]) -> None:
    t = _by_number(_plan(docs, "xihu_txt"))["4"]
    assert t["title"] == "推进中国（浙江）自由贸易试验区联动创新区医疗器械审评服务站建设，持续做好PM2.5浓度监测与发布。"


def test_it_warns_about_what_it_had_to_guess(docs: dict[str, Path]) -> None:
    plan = _plan(docs, "xihu_txt")
    msgs = _messages(plan)
    assert "任务4的完成时限2025-01-15早于印发日期2025-02-10" in msgs
    assert "编号不连续（上一项为4，本项为6）" in msgs
    assert "任务7没有找到责任单位" in msgs
    assert "另行通知" in msgs
    assert "区政府将根据进展情况适时调整" in msgs  # text skipped inside the task list
    assert all(w.line for w in plan.warnings[1:])
    tasks = _by_number(plan)
    assert tasks["9"]["deadline"] is None and tasks["9"]["deadline_text"] == "持续推进"
    # Nothing from the 抄送 block or signature leaked into a task.
    assert not any("抄送" in t["title"] or "区纪委" in t["title"] for t in tasks.values())


def test_it_reads_decimal_numbering_and_half_width_labels(docs: dict[str, Path]) -> None:
    plan = _plan(docs, "hexi_txt")
    d = plan.to_dict()
    assert d["title"] == "河西区2025年水利建设工作要点"
    assert [s["title"] for s in d["sections"]] == ["1农村供水保障", "2防汛能力提升"]
    assert [t["number"] for t in d["tasks"]] == ["1.1", "1.2", "2.1", "2.1"]
    t11, t12 = d["tasks"][0], d["tasks"][1]
    assert t11["leaders"] == ["张三"] and t11["lead_units"] == ["区水务局"] and t11["co_units"] == ["区农业农村局"]
    assert t12["title"] == "新建规模化供水工程2处(设计规模不少于1万吨/日)。"
    assert t12["co_units"] == ["区发改委", "区财政局"] and t12["deadline"] == "2025-06-30"
    assert "编号2.1重复" in _messages(plan)


def test_it_reads_chinese_numbered_tasks_and_wrapped_prose(docs: dict[str, Path]) -> None:
    d = _plan(docs, "qingyuan_txt").to_dict()
    assert d["sections"] == []
    one, two, three = d["tasks"]
    assert one["number"] == "一" and one["section"] is None
    assert one["deadline"] is None  # 年底前 inside the title is not a deadline
    assert two["lead_units"] == ["区发展和改革局"]
    assert two["co_units"] == ["区司法局", "区政务服务数据管理局"]
    assert two["deadline"] == "2026-09-30"
    assert three["leaders"] == ["陈明"]
    assert three["co_units"] == ["区自然资源分局", "东城街道办事处"]  # 东城街道 / 办事处
    assert three["deadline"] == "2026-06-30"


def test_it_reads_a_plan_written_as_paragraphs(docs: dict[str, Path]) -> None:
    d = _plan(docs, "lanshan_txt").to_dict()
    assert [t["number"] for t in d["tasks"]] == [None, None, None]
    a, b, c = d["tasks"]
    assert a["section"] == "一、产业振兴" and a["co_units"] == ["区财政局"] and a["deadline"] == "2025-10-31"
    assert b["title"] == "推进农村电商服务站点全覆盖，新建村级站点120个。"
    assert b["deadline"] == "2025-12-31"
    assert c["section"] == "二、人才振兴" and c["lead_units"] == ["区农业农村局"] and c["co_units"] == ["区人社局"]


def test_it_reads_leader_group_sections_and_word_numbering(docs: dict[str, Path]) -> None:
    plan = _plan(docs, "docx_paragraphs")
    d = plan.to_dict()
    assert d["title"] == "南通市崇川区2024年重点工作任务分解方案"
    assert (d["issuer"], d["issued"]) == ("南通市崇川区人民政府办公室", "2024-03-05")
    assert [s["title"] for s in d["sections"]] == ["一、王建国副区长牵头重点工作", "二、李娜副区长牵头重点工作", "三、其他重点工作"]
    t = d["tasks"]
    assert len(t) == 6
    assert t[0]["title"] == "推进中国（江苏）自由贸易试验区南通片区联动发展。"
    assert t[0]["leaders"] == ["王建国"] and t[0]["co_units"] == ["区商务局", "区财政局"] and t[0]["deadline"] == "2024-06-30"
    assert t[1]["co_units"] == ["各街道"]
    assert [t[2]["number"], t[3]["number"]] == ["1", "2"]  # labels rebuilt from Word list numbering
    assert t[2]["leaders"] == ["李娜"] and "PM2.5" in t[2]["title"] and t[2]["deadline"] == "2024-09-30"
    assert t[3]["lead_units"] == ["区住建局", "区城管局"]  # 分别牵头
    assert t[4]["lead_units"] == ["区数据局"] and t[4]["co_units"] == ["区政务办"]  # （牵头） marker
    assert t[5]["leaders"] == ["赵刚", "李娜"] and len(t[5]["milestones"]) == 2
    assert plan.warnings == []


def test_it_reads_a_word_table_with_merged_cells(docs: dict[str, Path]) -> None:
    plan = _plan(docs, "docx_table")
    d = plan.to_dict()
    assert d["title"] == "江北新区2026年优化营商环境重点任务清单"
    assert d["default_deadline"] == "2026-11-30"
    assert [s["title"] for s in d["sections"]] == ["政务服务", "要素保障", "三、法治保障"]
    t = d["tasks"]
    assert [x["number"] for x in t] == ["1", "2", "3", "4", "5", "6"]
    assert [x["section"] for x in t] == ["政务服务"] * 3 + ["要素保障"] * 2 + ["三、法治保障"]
    assert t[1]["leaders"] == ["陈晓东"]  # 同上
    assert t[1]["deadline"] == "2026-11-30" and t[1]["deadline_text"] is None
    assert t[2]["lead_units"] == ["区数据局", "区工信局"]  # two paragraphs in one cell
    assert t[3]["leaders"] == ["刘洋"]
    assert "任务5的完成时限2025-12-31早于印发日期2026-01-20" in _messages(plan)


def test_it_reads_every_sheet_of_a_workbook(docs: dict[str, Path]) -> None:
    plan = _plan(docs, "xlsx")
    d = plan.to_dict()
    assert d["title"] == "海淀区2025年为民办实事项目台账" and d["plan_year"] == 2025
    t = d["tasks"]
    assert len(t) == 8
    assert [x["section"] for x in t[:6]] == ["教育", "教育", "养老", "养老", "交通", "交通"]
    assert t[1]["deadline"] == "2025-12-20"  # a date cell
    assert t[2]["lead_units"] == ["区民政局"] and t[2]["co_units"] == ["各街道"]
    assert t[5]["co_units"] == ["区城管委"]
    assert t[7]["leaders"] == ["吴斌"] and t[7]["deadline"] == "2025-11-30"  # 同上 on the second sheet
    msgs = _messages(plan)
    assert "工作表“任务清单”第7行：没有工作任务内容" in msgs
    assert "编号不连续（上一项为4，本项为7）" in msgs


@pytest.mark.parametrize("name", ["csv_utf8", "csv_gbk"])
def test_it_reads_csv_in_utf8_and_gbk(docs: dict[str, Path], name: str) -> None:
    plan = _plan(docs, name)
    t = plan.to_dict()["tasks"]
    assert len(t) == 3
    assert t[0]["lead_units"] == ["市教育局"] and t[0]["co_units"] == ["市财政局"]
    assert t[1]["lead_units"] == ["市卫健委"] and t[1]["co_units"] == ["市医保局"]
    assert t[1]["deadline"] == "2025-12-31"  # year taken from the other deadlines, with a warning
    assert plan.plan_year == 2025
    assert ("GB18030" in _messages(plan)) == (name == "csv_gbk")


def test_it_reads_a_multi_page_pdf_with_headers_and_page_numbers(docs: dict[str, Path]) -> None:
    plan = _plan(docs, "pdf_lines")
    d = plan.to_dict()
    assert d["title"] == "成都市武侯区2026年城市更新行动任务分工方案"
    assert [s["title"] for s in d["sections"]] == ["第一章城市空间更新", "第二章城市功能提升"]
    t = d["tasks"]
    assert len(t) == 12
    assert t[0]["number"] == "一" and t[11]["number"] == "十二"
    for k, task in enumerate(t, start=1):
        assert f"确保第{k}批次项目按期完成并通过验收，形成可复制可推广的经验做法。" in task["title"]
        assert task["leaders"] == ["何平"]
        assert "武侯区人民政府办公室" not in task["title"] and "—" not in task["title"]
    assert t[4]["co_units"] == ["区规划和自然资源局", "区市场监管局"]
    assert plan.warnings == []


def test_it_reads_a_ruled_table_in_a_pdf(docs: dict[str, Path]) -> None:
    d = _plan(docs, "pdf_table").to_dict()
    assert d["title"] == "平阳县2025年民生实事任务分工表"
    assert (d["issuer"], d["issued"]) == ("平阳县人民政府办公室", "2025-03-01")
    t = d["tasks"]
    assert [x["number"] for x in t] == ["1", "2", "3", "4"]
    assert t[0]["title"] == "推进公共图书馆总分馆制建设，新建分馆6个。"
    assert t[3]["co_units"] == ["县总工会", "团县委"]
    assert t[2]["deadline"] == "2025-09-30"


@pytest.mark.parametrize("name", ["xihu_txt", "hexi_txt", "qingyuan_txt", "lanshan_txt", "docx_paragraphs",
                                  "docx_table", "xlsx", "csv_utf8", "csv_gbk", "pdf_lines", "pdf_table"])
def test_it_keeps_the_output_contract(docs: dict[str, Path], name: str) -> None:
    d = _plan(docs, name).to_dict()
    strings = [d["title"], d["issuer"], d["doc_number"]] + [s["title"] for s in d["sections"]]
    for t in d["tasks"]:
        strings += [t["title"], t["section"], t["subsection"], t["deadline_text"], *t["leaders"], *t["lead_units"], *t["co_units"]]
        assert not set(t["lead_units"]) & set(t["co_units"])
        assert t["title"]
    for s in strings:
        assert s is None or (s and not any(ch.isspace() for ch in s)), s
