"""A line that continues the field or title above it is joined in every container.

Offices break lines by hand: a unit list cut after 、 or inside a name, a title cut
mid-sentence, a heading wrapped before its items. In Word every such line is a
paragraph of its own, in a PDF a line that stops short of the margin; neither ends
the field. The same plan must parse the same from .txt, .docx, .pdf and .xlsx.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import parse_file

from .conftest import SEED
from .containers import CONTAINERS, write_as

OTHER_CONTAINERS = ["docx", "pdf", "xlsx"]


def _same(a: dict, b: dict) -> None:
    for key in ("title", "issuer", "issued", "plan_year", "default_deadline", "sections"):
        assert a[key] == b[key], key
    assert len(a["tasks"]) == len(b["tasks"])
    for x, y in zip(a["tasks"], b["tasks"]):
        assert x == y


@pytest.fixture(scope="module")
def seed_txt() -> dict:
    return parse_file(SEED).to_dict()


@pytest.mark.parametrize("container", OTHER_CONTAINERS)
def test_it_reads_the_seed_in_every_container_as_its_text(tmp_path: Path, seed_txt: dict, container: str) -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    got = parse_file(write_as(container, tmp_path / "seed", lines)).to_dict()
    _same(got, seed_txt)
    assert [t["number"] for t in got["tasks"]] == [str(i) for i in range(1, 102)]
    t76 = got["tasks"][75]
    assert t76["lead_units"] == ["区园林绿化局"]
    assert t76["co_units"] == ["黄村镇人民政府", "北臧村镇人民政府", "庞各庄镇人民政府", "榆垡镇人民政府"]
    assert got["warnings"] == []


# A district plan with every kind of hand break. Truth checked by hand below.
CUT_PLAN = [
    "湘潭市岳塘区2025年重点民生项目分工方案",
    "",
    "一、教育医疗服务提质",
    "1.新建岳塘区第二实验小学，新增学位1800个，确保",
    "9月1日秋季开学投入使用。",
    "牵头领导：彭  亮",
    "责任单位：区教育局、区住房和城乡建设局、区自然资源",
    "分局、宝塔街道办事处",
    "完成时限：2025年8月底前",
    "2.推进紧密型医疗集团建设，实现乡镇卫生院与区人民医院检查结果互认。",
    "牵头领导：彭  亮、",
    "唐晓明",
    "责任单位：区卫生健康局、区医疗保障局、",
    "区人民医院",
    "责任人：刘建新（区卫生健康局局长）",
    "完成时限：2025年12月",
    "二、城市更新与基础设施补短板，推动老旧",
    "小区改造提质",
    "3.完成老旧小区改造42个，惠及居民6200户。",
    "牵头领导：唐晓明",
    "责任单位：区住房和城乡建设局、岳塘经开区管委会、霞城街道",
    "办事处、建设路街道办事处",
    "备注：含2024年结转项目6个",
    "完成时限：2025年11月30日",
    "4.新建改造城市道路8条，打通断头路3条。",
    "牵头领导：唐晓明",
    "责任单位：区城市管理和综合执法局",
    "区交通运输局",
    "完成时限：上半年完成前期工作；",
    "年底前全部完工",
    "5.实施背街小巷路灯改造，新增路灯",
    "1200盏。",
    "牵头领导：唐晓明",
    "责任单位：区城市管理和综合执法",
    "局、各街道办事处",
    "完成时限：2025年10月",
    "",
    "岳塘区人民政府办公室",
    "2025年2月18日",
]

CUT_TRUTH = [
    {"number": "1", "section": "一、教育医疗服务提质",
     "title": "新建岳塘区第二实验小学，新增学位1800个，确保9月1日秋季开学投入使用。",
     "leaders": ["彭亮"], "lead_units": ["区教育局"],
     "co_units": ["区住房和城乡建设局", "区自然资源分局", "宝塔街道办事处"],
     "deadline": "2025-08-31", "deadline_text": "2025年8月底前"},
    {"number": "2", "section": "一、教育医疗服务提质",
     "title": "推进紧密型医疗集团建设，实现乡镇卫生院与区人民医院检查结果互认。",
     "leaders": ["彭亮", "唐晓明"], "lead_units": ["区卫生健康局"], "co_units": ["区医疗保障局", "区人民医院"],
     "deadline": "2025-12-31", "deadline_text": "2025年12月"},
    {"number": "3", "section": "二、城市更新与基础设施补短板，推动老旧小区改造提质",
     "title": "完成老旧小区改造42个，惠及居民6200户。",
     "leaders": ["唐晓明"], "lead_units": ["区住房和城乡建设局"],
     "co_units": ["岳塘经开区管委会", "霞城街道办事处", "建设路街道办事处"],
     "deadline": "2025-11-30", "deadline_text": "2025年11月30日"},
    {"number": "4", "section": "二、城市更新与基础设施补短板，推动老旧小区改造提质",
     "title": "新建改造城市道路8条，打通断头路3条。",
     "leaders": ["唐晓明"], "lead_units": ["区城市管理和综合执法局"], "co_units": ["区交通运输局"],
     "deadline": "2025-12-31", "deadline_text": "上半年完成前期工作；年底前全部完工"},
    {"number": "5", "section": "二、城市更新与基础设施补短板，推动老旧小区改造提质",
     "title": "实施背街小巷路灯改造，新增路灯1200盏。",
     "leaders": ["唐晓明"], "lead_units": ["区城市管理和综合执法局"], "co_units": ["各街道办事处"],
     "deadline": "2025-10-31", "deadline_text": "2025年10月"},
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_joins_hand_broken_lines_in_every_container(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "yuetang", CUT_PLAN))
    d = plan.to_dict()
    assert d["title"] == "湘潭市岳塘区2025年重点民生项目分工方案"
    assert (d["issuer"], d["issued"], d["plan_year"]) == ("岳塘区人民政府办公室", "2025-02-18", 2025)
    keys = CUT_TRUTH[0].keys()
    assert [{k: t[k] for k in keys} for t in d["tasks"]] == CUT_TRUTH
    assert d["tasks"][3]["milestones"] == [{"date": "2025-06-30", "text": "完成前期工作"},
                                           {"date": "2025-12-31", "text": "全部完工"}]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_warns_about_labelled_lines_that_are_not_units(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "yuetang", CUT_PLAN))
    messages = [w.message for w in plan.warnings]
    assert any("责任人：刘建新" in m and "未导入" in m for m in messages)
    assert any("备注：含2024年结转项目6个" in m and "未导入" in m for m in messages)
    units = {u for t in plan.tasks for u in t.lead_units + t.co_units}
    assert not any("刘建新" in u or "备注" in u or "结转" in u for u in units)
    if container == "txt":
        assert sorted(w.line for w in plan.warnings) == [15, 23]


STRAY_PLAN = [
    "某县2025年农业农村重点工作任务",
    "1.新建高标准农田2万亩。",
    "牵头领导：马  骏",
    "责任单位：县农业农村局、县财政局",
    "（盖章）",
    "完成时限：2025年10月底前",
    "2.完成农村公路安防工程120公里。",
    "责任单位：县交通运输局",
    "完成时限：年底前",
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_leaves_out_a_stray_fragment_between_fields_with_a_warning(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "stray", STRAY_PLAN))
    assert [t.number for t in plan.tasks] == ["1", "2"]
    one = plan.tasks[0]
    assert one.lead_units == ["县农业农村局"] and one.co_units == ["县财政局"]
    assert one.deadline is not None and one.deadline.isoformat() == "2025-10-31"
    assert any("（盖章）" in w.message for w in plan.warnings)


# Chinese-numbered items that are the tasks, cut over lines; a paragraph task after
# a short heading is not swallowed by it.
ITEM_CUT_PLAN = [
    "株洲市芦淞区2026年优化营商环境攻坚任务清单",
    "一、推行涉企经营许可“一业一证”改革，年底前覆盖",
    "20个行业。（区市场监管局牵头，区政务服务中心配合）",
    "二、开展“信用+审批”试点，惠及经营主体不少于",
    "3000户。",
    "牵头领导：罗  琳",
    "责任单位：区发展和改革局、区政务服务中心",
    "完成时限：2026年9月底前",
    "三、惠企政策",
    "推行惠企政策免申即享，兑现资金不少于5000万元。（区财政局牵头，区工业和信息化局配合，年内）",
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_joins_a_cut_item_title_and_keeps_a_short_heading(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "lusong", ITEM_CUT_PLAN)).to_dict()
    one, two, three = d["tasks"]
    assert (one["number"], one["title"]) == ("一", "推行涉企经营许可“一业一证”改革，年底前覆盖20个行业。")
    assert one["lead_units"] == ["区市场监管局"] and one["co_units"] == ["区政务服务中心"]
    assert (two["number"], two["title"]) == ("二", "开展“信用+审批”试点，惠及经营主体不少于3000户。")
    assert two["leaders"] == ["罗琳"] and two["deadline"] == "2026-09-30"
    assert three["number"] is None and three["section"] == "三、惠企政策"
    assert three["title"] == "推行惠企政策免申即享，兑现资金不少于5000万元。"
    assert three["lead_units"] == ["区财政局"] and three["deadline"] == "2026-12-31"
