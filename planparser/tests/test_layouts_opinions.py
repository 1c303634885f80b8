"""分工意见 paragraphs, as the State Council and provincial governments write them: one
paragraph holds several sentences, each closed by its own responsibility parenthesis.

Each such sentence is a task with those units and that time; 负责/牵头/配合/参与 give
the roles; a role title (分管副省长) is a leader role, never a unit; a note ending in
下同 carries its rule forward. A short first sentence before the first task is the
paragraph's heading when the paragraph splits (a paragraph holding one task stays
whole). Truth is written out by hand.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import parse_file

from .containers import CONTAINERS, write_as

KEYS = ("number", "section", "subsection", "title", "leaders", "leader_roles", "lead_units", "co_units",
        "deadline", "deadline_text")


def _tasks(d: dict) -> list[dict]:
    return [{k: t[k] for k in KEYS} for t in d["tasks"]]


def _t(number, section, subsection, title, lead, co, deadline, text, leaders=(), roles=()):  # noqa: ANN001, ANN202
    return {"number": number, "section": section, "subsection": subsection, "title": title,
            "leaders": list(leaders), "leader_roles": list(roles), "lead_units": list(lead), "co_units": list(co),
            "deadline": deadline, "deadline_text": text}


# The State Council's form: the document is its own title, （一） paragraphs under
# 一、 chapters, sentences closed by （…牵头，…按职责分工负责，time）.
STATE_COUNCIL = [
    "国务院关于落实《政府工作报告》重点工作分工的意见",
    "国发〔2025〕6号",
    "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
    "为做好今年政府工作，现就《政府工作报告》确定的重点工作，提出分工意见如下：",
    "一、大力提振消费、提高投资效益，全方位扩大国内需求",
    "（一）大力提振消费。实施提振消费专项行动，制定提升消费能力、增加优质供给、改善消费环境专项措施。"
    "（国家发展改革委、商务部牵头，国务院有关部门按职责分工负责，年内持续推进）"
    "安排超长期特别国债3000亿元支持消费品以旧换新。（国家发展改革委、财政部、商务部按职责分工负责，6月底前出台实施方案）",
    "（二）积极扩大有效投资。今年拟安排中央预算内投资7350亿元。（国家发展改革委牵头，财政部配合，年内持续推进）",
    "二、因地制宜发展新质生产力，加快建设现代化产业体系",
    "（三）推动科技创新和产业创新融合发展。加强原创性研究，实施一批国家重大科技项目。"
    "（科技部牵头，国家发展改革委、工业和信息化部参与，年内持续推进）"
    "培育壮大新兴产业和未来产业，开展新技术新产品新场景大规模应用示范行动。（国家发展改革委、工业和信息化部、科技部按职责分工负责）",
    "国务院",
    "2025年3月21日",
]
STATE_COUNCIL_TRUTH = [
    _t("一.1", "一、大力提振消费、提高投资效益，全方位扩大国内需求", "（一）大力提振消费。",
       "实施提振消费专项行动，制定提升消费能力、增加优质供给、改善消费环境专项措施。",
       ["国家发展改革委", "商务部"], ["国务院有关部门"], "2025-12-31", "年内持续推进"),
    _t("一.2", "一、大力提振消费、提高投资效益，全方位扩大国内需求", "（一）大力提振消费。",
       "安排超长期特别国债3000亿元支持消费品以旧换新。",
       ["国家发展改革委"], ["财政部", "商务部"], "2025-06-30", "6月底前出台实施方案"),
    _t("二", "一、大力提振消费、提高投资效益，全方位扩大国内需求", None,
       "积极扩大有效投资。今年拟安排中央预算内投资7350亿元。",
       ["国家发展改革委"], ["财政部"], "2025-12-31", "年内持续推进"),
    _t("三.1", "二、因地制宜发展新质生产力，加快建设现代化产业体系", "（三）推动科技创新和产业创新融合发展。",
       "加强原创性研究，实施一批国家重大科技项目。",
       ["科技部"], ["国家发展改革委", "工业和信息化部"], "2025-12-31", "年内持续推进"),
    _t("三.2", "二、因地制宜发展新质生产力，加快建设现代化产业体系", "（三）推动科技创新和产业创新融合发展。",
       "培育壮大新兴产业和未来产业，开展新技术新产品新场景大规模应用示范行动。",
       ["国家发展改革委"], ["工业和信息化部", "科技部"], None, None),
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_reads_the_state_councils_opinion(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "guofa", STATE_COUNCIL)).to_dict()
    assert d["title"] == "关于落实《政府工作报告》重点工作分工的意见"
    assert (d["issuer"], d["issued"], d["plan_year"], d["doc_number"]) == ("国务院", "2025-03-21", 2025, "国发〔2025〕6号")
    assert _tasks(d) == STATE_COUNCIL_TRUTH


# A province: leader roles at the head of each parenthesis, a 。-separated note with
# 下同, a rule carried forward (省级有关部门 share every later task), 配合 and 参与.
PROVINCE = [
    "湖南省人民政府关于印发《2025年政府工作报告重点工作责任分工》的通知",
    "湘政发〔2025〕3号",
    "各市州、县市区人民政府，省政府各厅委、各直属机构：",
    "现将《2025年政府工作报告重点工作责任分工》印发给你们，请认真贯彻落实。",
    "湖南省人民政府",
    "2025年2月14日",
    "2025年政府工作报告重点工作责任分工",
    "一、着力扩大内需",
    "1.推动消费扩容提质。深入实施提振消费专项行动，加力扩围实施“两新”政策。"
    "（分管副省长、协管副秘书长负责，省商务厅牵头，省发展改革委、省财政厅配合，年内持续推进）"
    "培育壮大新型消费，发展数字消费、绿色消费、健康消费。"
    "（省商务厅、省文化和旅游厅等负责。列第一位的为牵头部门，其他部门按职责分工负责，下同）",
    "2.扩大有效投资。实施省重点建设项目300个以上，完成投资4000亿元以上。"
    "（常务副省长负责，省发展改革委牵头，省级有关部门按职责分工负责，下同）"
    "加快5G基站和算力设施建设，新建5G基站1.5万个。（省工业和信息化厅、省通信管理局负责，三季度）",
    "二、加快建设现代化产业体系",
    "3.发展壮大先进制造业。实施制造业重点产业链高质量发展行动，规模工业增加值增长7%左右。"
    "（分管副省长负责，省工业和信息化厅牵头，省科技厅参与，年底前）",
]
PROVINCE_TRUTH = [
    _t("1.1", "一、着力扩大内需", None, "深入实施提振消费专项行动，加力扩围实施“两新”政策。",
       ["省商务厅"], ["省发展改革委", "省财政厅"], "2025-12-31", "年内持续推进", roles=["分管副省长", "协管副秘书长"]),
    _t("1.2", "一、着力扩大内需", None, "培育壮大新型消费，发展数字消费、绿色消费、健康消费。",
       ["省商务厅"], ["省文化和旅游厅"], None, None),
    _t("2.1", "一、着力扩大内需", None, "实施省重点建设项目300个以上，完成投资4000亿元以上。",
       ["省发展改革委"], ["省级有关部门"], None, None, roles=["常务副省长"]),
    _t("2.2", "一、着力扩大内需", None, "加快5G基站和算力设施建设，新建5G基站1.5万个。",
       ["省工业和信息化厅"], ["省通信管理局", "省级有关部门"], "2025-09-30", "三季度"),
    _t("3", "二、加快建设现代化产业体系", None,
       "发展壮大先进制造业。实施制造业重点产业链高质量发展行动，规模工业增加值增长7%左右。",
       ["省工业和信息化厅"], ["省科技厅", "省级有关部门"], "2025-12-31", "年底前", roles=["分管副省长"]),
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_reads_a_provincial_division_with_roles_and_notes(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "hunan", PROVINCE))
    d = plan.to_dict()
    assert d["title"] == "2025年政府工作报告重点工作责任分工"
    assert (d["issuer"], d["issued"], d["plan_year"]) == ("湖南省人民政府", "2025-02-14", 2025)
    assert _tasks(d) == PROVINCE_TRUTH
    units = {u for t in d["tasks"] for u in t["lead_units"] + t["co_units"]}
    assert not units & {"分管副省长", "协管副秘书长", "常务副省长", "其他部门", "下同"}
    roles = [w.message for w in plan.warnings if "只写了职务" in w.message]
    assert len(roles) == 4


# A city paragraph plan without labels: tasks are the sentences, grouped under
# headings; one parenthesis names a leader by name and title.
CITY = [
    "温州市2026年政府工作报告重点任务分解",
    "一、项目攻坚",
    "全年实施省市县长项目工程120个，完成投资1200亿元。（陈  伟副市长负责，市发展改革委牵头，市级有关部门配合，年内）"
    "推进瓯江口新区开发建设，新增工业用地2000亩。（市自然资源和规划局、瓯江口新区管委会负责，10月底前）",
    "二、民生实事",
    "新建城市书房20家、百姓健身房30家。（市文化广电旅游局、市体育局按职责分工负责，年底前）",
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_splits_unlabelled_paragraphs_into_their_sentences(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "wenzhou", CITY)).to_dict()
    assert _tasks(d) == [
        _t(None, "一、项目攻坚", None, "全年实施省市县长项目工程120个，完成投资1200亿元。",
           ["市发展改革委"], ["市级有关部门"], "2026-12-31", "年内", leaders=["陈伟"]),
        _t(None, "一、项目攻坚", None, "推进瓯江口新区开发建设，新增工业用地2000亩。",
           ["市自然资源和规划局"], ["瓯江口新区管委会"], "2026-10-31", "10月底前"),
        _t(None, "二、民生实事", None, "新建城市书房20家、百姓健身房30家。",
           ["市文化广电旅游局"], ["市体育局"], "2026-12-31", "年底前"),
    ]


# A provincial office's division: a sentence ending in a bracket that is part of its
# text （试行）（含） before the responsibility parenthesis, a defined name
# （以下简称…） inside a sentence, and 落实 as the word of the units that carry it out.
GUANGDONG = [
    "广东省人民政府办公厅关于印发广东省2025年推进高质量发展重点任务分工方案的通知",
    "粤办函〔2025〕21号",
    "各地级以上市人民政府，省政府各部门、各直属机构：",
    "经省人民政府同意，现将《广东省2025年推进高质量发展重点任务分工方案》印发给你们，请认真组织实施。",
    "广东省人民政府办公厅",
    "2025年3月6日",
    "广东省2025年推进高质量发展重点任务分工方案",
    "一、扎实推进科技创新强省建设",
    "（一）强化基础研究和关键核心技术攻关。实施基础研究十年“卓粤”计划，加快建设粤港澳大湾区国际科技创新中心"
    "（以下简称“湾区创新中心”）。（省科技厅牵头，省发展改革委、省教育厅按职责分工负责）推进鹏城实验室、广州实验室等"
    "国家实验室建设，支持中国（广东）自由贸易试验区开展科技体制改革试点（试行）。（省科技厅、省发展改革委负责，2025年12月底前完成）",
    "（二）加快培育新质生产力。深入实施制造业当家“十大工程”。（省工业和信息化厅牵头，省有关单位参与）"
    "新增国家级专精特新“小巨人”企业200家以上（含）。（省工业和信息化厅负责，年内）",
    "二、持续扩大有效需求",
    "（三）大力提振消费。开展“粤贵乐”系列促消费活动1000场以上。（省商务厅牵头，各地级以上市人民政府落实，持续推进）",
    "（四）扩大有效投资。全年完成重点项目投资1万亿元以上。（省发展改革委牵头，省有关单位按职责分工负责，各地级以上市人民政府抓好落实）",
]
S1, S2 = "一、扎实推进科技创新强省建设", "二、持续扩大有效需求"
GUANGDONG_TRUTH = [
    _t("一.1", S1, "（一）强化基础研究和关键核心技术攻关。",
       "实施基础研究十年“卓粤”计划，加快建设粤港澳大湾区国际科技创新中心（以下简称“湾区创新中心”）。",
       ["省科技厅"], ["省发展改革委", "省教育厅"], None, None),
    _t("一.2", S1, "（一）强化基础研究和关键核心技术攻关。",
       "推进鹏城实验室、广州实验室等国家实验室建设，支持中国（广东）自由贸易试验区开展科技体制改革试点（试行）。",
       ["省科技厅"], ["省发展改革委"], "2025-12-31", "2025年12月底前完成"),
    _t("二.1", S1, "（二）加快培育新质生产力。", "深入实施制造业当家“十大工程”。",
       ["省工业和信息化厅"], ["省有关单位"], None, None),
    _t("二.2", S1, "（二）加快培育新质生产力。", "新增国家级专精特新“小巨人”企业200家以上（含）。",
       ["省工业和信息化厅"], [], "2025-12-31", "年内"),
    _t("三", S2, None, "大力提振消费。开展“粤贵乐”系列促消费活动1000场以上。",
       ["省商务厅"], ["各地级以上市人民政府"], None, "持续推进"),
    _t("四", S2, None, "扩大有效投资。全年完成重点项目投资1万亿元以上。",
       ["省发展改革委"], ["省有关单位", "各地级以上市人民政府"], None, None),
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_brackets_of_the_text_stay_and_units_that_carry_out_are_co(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "guangdong", GUANGDONG)).to_dict()
    assert d["title"] == "广东省2025年推进高质量发展重点任务分工方案"
    assert _tasks(d) == GUANGDONG_TRUTH


# Leaders written in their own parenthesis: after the units of the same sentence
# （…）（分管副省长负责）, or after a paragraph's heading sentence, where they lead every
# sentence of the paragraph (by role, or by name and title 郑  栅副省长).
ZHEJIANG = [
    "浙江省人民政府关于印发2026年浙江省政府工作报告重点工作责任分解的通知",
    "浙政发〔2026〕5号",
    "各市、县（市、区）人民政府，省政府直属各单位：",
    "现将2026年省政府工作报告重点工作责任分解印发给你们，请认真贯彻落实。",
    "浙江省人民政府",
    "2026年2月10日",
    "2026年省政府工作报告重点工作责任分解",
    "一、扎实推进科技创新",
    "（一）高水平建设创新浙江。深入实施“315”科技创新体系建设工程。（责任单位：省科技厅、省发展改革委。"
    "列第一位的为牵头单位，下同）全社会研发投入强度达到3.3%左右。（省科技厅、省统计局）",
    "（二）加快建设高素质人才队伍。新引进培育高层次人才1万名以上。（省委人才办、省人社厅、省教育厅）（分管副省长负责）",
    "（三）推动数字经济创新提质。（分管副省长、协管副秘书长负责）数字经济核心产业增加值增长8%以上。"
    "（省经信厅、省发展改革委，年内）新建5G基站1.5万个。（省通信管理局牵头，三季度）",
    "二、持续扩大有效需求",
    "（四）全力扩大有效投资。（郑  栅副省长负责）实施重大项目1000个以上。（省发展改革委牵头，省级有关单位按职责分工负责，年底前）",
]
Z1, Z2 = "一、扎实推进科技创新", "二、持续扩大有效需求"
ZHEJIANG_TRUTH = [
    _t("一.1", Z1, "（一）高水平建设创新浙江。", "深入实施“315”科技创新体系建设工程。", ["省科技厅"], ["省发展改革委"],
       None, None),
    _t("一.2", Z1, "（一）高水平建设创新浙江。", "全社会研发投入强度达到3.3%左右。", ["省科技厅"], ["省统计局"], None, None),
    _t("二", Z1, None, "加快建设高素质人才队伍。新引进培育高层次人才1万名以上。", ["省委人才办"], ["省人社厅", "省教育厅"],
       None, None, roles=["分管副省长"]),
    _t("三.1", Z1, "（三）推动数字经济创新提质。", "数字经济核心产业增加值增长8%以上。", ["省经信厅"], ["省发展改革委"],
       "2026-12-31", "年内", roles=["分管副省长", "协管副秘书长"]),
    _t("三.2", Z1, "（三）推动数字经济创新提质。", "新建5G基站1.5万个。", ["省通信管理局"], [], "2026-09-30", "三季度",
       roles=["分管副省长", "协管副秘书长"]),
    _t("四", Z2, None, "全力扩大有效投资。实施重大项目1000个以上。", ["省发展改革委"], ["省级有关单位"], "2026-12-31", "年底前",
       leaders=["郑栅"]),
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_leaders_in_a_parenthesis_of_their_own(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "zhejiang", ZHEJIANG))
    d = plan.to_dict()
    assert d["title"] == "2026年浙江省政府工作报告重点工作责任分解"  # as the notice names it
    assert _tasks(d) == ZHEJIANG_TRUTH
    assert not any("没有责任分工" in w.message or "没有找到责任单位" in w.message for w in plan.warnings)
