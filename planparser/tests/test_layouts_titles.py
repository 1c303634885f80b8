"""The plan's title and year: from the notice heading or the heading over the tasks,
never from a report name quoted inside it, and not hidden by what comes before."""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import parse_file

from .containers import CONTAINERS, write_as

# A provincial notice whose title quotes the report it divides.
PROVINCE = [
    "江西省人民政府办公厅",
    "关于印发2025年《政府工作报告》重点工作",
    "分工方案的通知",
    "赣府厅字〔2025〕18号",
    "各设区市人民政府，省政府各部门：",
    "　　经省政府同意，现将2025年《政府工作报告》重点工作分工方案印发给你们，请认真组织实施。",
    "江西省人民政府办公厅",
    "2025年3月4日",
    "2025年《政府工作报告》重点工作分工方案",
    "一、扩大有效需求",
    "1.实施提振消费专项行动，社会消费品零售总额增长5%左右。（省商务厅牵头，省发展改革委配合，年内持续推进）",
    "2.新开工亿元以上项目3000个以上。（省发展改革委牵头，年底前）",
]

# A web page copy: breadcrumbs, metadata and a news-style intro before the notice,
# published in December for the next year's plan.
WEB_COPY = [
    "首页 > 政务公开 > 政策文件",
    "索引号：11510700008399135X/2024-01562",
    "主题分类：民政、扶贫、救灾",
    "发文机关：绵阳市人民政府办公室",
    "成文日期：2024年12月27日",
    "标题：绵阳市人民政府办公室关于印发绵阳市2025年民生实事任务分解方案的通知",
    "发文字号：绵府办发〔2024〕31号",
    "发布日期：2024年12月30日",
    "发布时间：2024-12-30 16:05　来源：市政府办公室　浏览次数：2316",
    "字号：大 中 小",
    "本网讯 日前，市政府办公室印发《关于印发绵阳市2025年民生实事任务分解方案的通知》，对全年民生实事作出安排。全文如下：",
    "绵阳市人民政府办公室关于印发绵阳市2025年民生实事任务分解方案的通知",
    "各县（市、区）人民政府，市政府各部门：",
    "现将《绵阳市2025年民生实事任务分解方案》印发给你们，请抓好落实。",
    "绵阳市人民政府办公室",
    "2024年12月27日",
    "绵阳市2025年民生实事任务分解方案",
    "1.新增城镇就业岗位3.5万个。（市人力资源社会保障局牵头，各县市区政府配合，年底前）",
    "2.改造城镇老旧小区120个。（市住房城乡建设委牵头，10月底前）",
    "【打印本页】【关闭窗口】",
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_takes_the_title_a_notice_names_not_the_report_it_quotes(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "jiangxi", PROVINCE)).to_dict()
    assert d["title"] == "2025年《政府工作报告》重点工作分工方案"
    assert (d["issuer"], d["issued"], d["plan_year"]) == ("江西省人民政府办公厅", "2025-03-04", 2025)
    assert d["doc_number"] == "赣府厅字〔2025〕18号"
    assert [t["number"] for t in d["tasks"]] == ["1", "2"]
    assert d["tasks"][0]["deadline"] == "2025-12-31"


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_reads_title_and_year_after_a_news_style_intro(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "mianyang", WEB_COPY)).to_dict()
    assert d["title"] == "绵阳市2025年民生实事任务分解方案"
    assert (d["issuer"], d["issued"], d["plan_year"]) == ("绵阳市人民政府办公室", "2024-12-27", 2025)
    assert d["doc_number"] == "绵府办发〔2024〕31号"
    one, two = d["tasks"]
    assert one["lead_units"] == ["市人力资源社会保障局"] and one["co_units"] == ["各县市区政府"]
    assert one["deadline"] == "2025-12-31" and two["deadline"] == "2025-10-31"
    assert all("打印" not in t["title"] for t in d["tasks"])


# A news page: a headline and a dateline before the plan's own heading; no notice.
NEWS = [
    "我区印发重点项目建设任务清单",
    "来源：区融媒体中心　2025-02-20",
    "近日，区政府印发重点项目建设任务清单，明确责任单位和完成时限。以下为清单全文。",
    "沈阳市浑南区2025年重点项目建设任务清单",
    "（一）产业项目",
    "1.推进集成电路装备产业园二期建设，完成投资12亿元。（区发展改革局牵头，浑南科技城管委会配合，11月底前）",
    "（二）民生项目",
    "2.新建社区养老服务中心8个。（区民政局牵头，三季度）",
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_takes_the_heading_over_the_tasks_not_a_news_headline(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "hunnan", NEWS)).to_dict()
    assert d["title"] == "沈阳市浑南区2025年重点项目建设任务清单"
    assert d["plan_year"] == 2025
    assert [(t["number"], t["section"]) for t in d["tasks"]] == [("1", "（一）产业项目"), ("2", "（二）民生项目")]
    assert d["tasks"][0]["deadline"] == "2025-11-30" and d["tasks"][1]["deadline"] == "2025-09-30"


# A news report around the notice: a headline and an intro quoting the notice's own
# name in 《…》, then the notice (which holds the tasks itself), signed at its end.
NEWS_NOTICE = [
    "当前位置：首页 > 新闻中心 > 政务要闻",
    "我区印发政府工作报告重点任务分解方案",
    "发布日期：2025-02-28    来源：区政府办    字号：[大 中 小]",
    "近日，区政府办公室印发《关于分解落实2025年〈政府工作报告〉重点任务的通知》，对全年重点任务逐一明确牵头领导、"
    "责任单位和完成时限。通知要求，各单位要对照《政府工作报告》确定的目标任务，倒排工期、挂图作战。",
    "以下为通知全文：",
    "南宁市青秀区人民政府办公室关于分解落实2025年《政府工作报告》重点任务的通知",
    "各街道办事处、镇人民政府，区直各部门：",
    "为确保《政府工作报告》确定的各项目标任务落到实处，现将重点任务分解如下：",
    "一、稳增长",
    "1.地区生产总值增长6%。（牵头领导：黄  海；责任单位：区发改局；完成时限：全年）",
    "2.固定资产投资增长8%。（牵头领导：黄海；责任单位：区发改局、区住建局；完成时限：全年）",
    "二、惠民生",
    "3.新增城镇就业1.2万人。（牵头领导：副区长；责任单位：区人社局；完成时限：12月底前）",
    "南宁市青秀区人民政府办公室",
    "2025年2月25日",
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_a_news_report_does_not_hide_the_notice_that_holds_the_tasks(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "qingxiu", NEWS_NOTICE))
    d = plan.to_dict()
    assert d["title"] == "关于分解落实2025年《政府工作报告》重点任务的通知"
    assert (d["issuer"], d["issued"], d["plan_year"]) == ("南宁市青秀区人民政府办公室", "2025-02-25", 2025)
    assert [(t["number"], t["section"], t["leaders"], t["leader_roles"], t["lead_units"], t["deadline"])
            for t in d["tasks"]] == [
        ("1", "一、稳增长", ["黄海"], [], ["区发改局"], "2025-12-31"),
        ("2", "一、稳增长", ["黄海"], [], ["区发改局"], "2025-12-31"),
        ("3", "二、惠民生", [], ["副区长"], ["区人社局"], "2025-12-31"),
    ]


# No notice: the title quotes the report, and its year stands under it in brackets.
@pytest.mark.parametrize("container", list(CONTAINERS))
def test_a_bracketed_year_under_the_title_is_part_of_it(tmp_path: Path, container: str) -> None:
    lines = ["《政府工作报告》重点任务分解清单", "（2026年）", "一、科技创新", "1.新增高新技术企业100家。",
             "牵头单位：市科技局", "完成时限：年底前", "2.新建省级研发平台5个。", "牵头单位：市科技局",
             "配合单位：市财政局", "完成时限：三季度"]
    d = parse_file(write_as(container, tmp_path / "list", lines)).to_dict()
    assert (d["title"], d["plan_year"]) == ("《政府工作报告》重点任务分解清单（2026年）", 2026)
    assert [(t["number"], t["section"], t["lead_units"], t["co_units"], t["deadline"]) for t in d["tasks"]] == [
        ("1", "一、科技创新", ["市科技局"], [], "2026-12-31"),
        ("2", "一、科技创新", ["市科技局"], ["市财政局"], "2026-09-30"),
    ]
    assert d["warnings"] == []
