"""Tables flattened to text, and heading rows inside tables.

Each plan below is a different office's, in a layout copied out of a web page or a
PDF, or typed as text: one cell per line (with or without a trailing |, with blank
lines between cells, the header repeated on every page, after a long notice), a
markdown pipe table, a tab-separated sheet pasted into a .txt. The same plan as a
real Word table or sheet must read the same. Truth is written out by hand.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import parse_file

from .containers import write_as, write_docx_table, write_pdf_table, write_xlsx_table

KEYS = ("number", "section", "title", "leaders", "leader_roles", "lead_units", "co_units", "deadline",
        "deadline_text")


def _tasks(d: dict) -> list[dict]:
    return [{k: t[k] for k in KEYS} for t in d["tasks"]]


def _task(number, section, title, leaders, lead, co, deadline, text, roles=()):  # noqa: ANN001, ANN202
    return {"number": number, "section": section, "title": title, "leaders": list(leaders),
            "leader_roles": list(roles), "lead_units": list(lead), "co_units": list(co), "deadline": deadline,
            "deadline_text": text}


# --------------------------------------------------------------------------- one cell per line
# A district plan copied from its web page: notice, 附件 line, title, then the table one
# cell per line. Leader-group heading rows carry their leaders; one row has no leader
# (it takes the group's), one unit cell wraps after 、, the header repeats after the
# page mark, one row has an empty time (the notice's default applies).
CHANGPING_ROWS = [
    ("一、主要经济社会发展指标等工作目标（牵头领导：王  军、李明华）",),
    ("1", "地区生产总值增长5.5%左右。", "王军", "区发展改革委", "全年"),
    ("2", "一般公共预算收入增长4%。", "", "区财政局", "2025年12月31日"),
    ("二、科技创新",),
    ("3", "推进未来科学城能源谷建设，新增高新技术企业200家。", "李明华", "未来科学城管委会、区科委、\n区经济和信息化局", "三季度"),
    ("4", "建成生命谷国际精准医学产业园二期。", "李明华", "区科委", "年底前"),
    ("三、城市建设（牵头领导：常务副区长）",),
    ("5", "完成回天地区新一轮行动计划年度任务。", "", "区城市管理委、回龙观街道、天通苑北街道", ""),
]
CHANGPING_HEADER = ("序号", "重点工作", "责任领导", "责任单位", "完成时限")
CHANGPING_BEFORE = [
    "关于印发《昌平区2025年重点工作任务分解表》的通知",
    "各镇人民政府，各街道办事处，区政府各委、办、局：",
    "现将《昌平区2025年重点工作任务分解表》印发给你们，请认真抓好落实。除注明外，各项任务均须于2025年12月底前完成。",
    "昌平区人民政府办公室",
    "2025年2月26日",
    "附件",
    "昌平区2025年重点工作任务分解表",
]
CHANGPING_TRUTH = [
    _task("1", "一、主要经济社会发展指标等工作目标", "地区生产总值增长5.5%左右。", ["王军"], ["区发展改革委"], [],
          "2025-12-31", "全年"),
    _task("2", "一、主要经济社会发展指标等工作目标", "一般公共预算收入增长4%。", ["王军", "李明华"], ["区财政局"], [],
          "2025-12-31", "2025年12月31日"),
    _task("3", "二、科技创新", "推进未来科学城能源谷建设，新增高新技术企业200家。", ["李明华"], ["未来科学城管委会"],
          ["区科委", "区经济和信息化局"], "2025-09-30", "三季度"),
    _task("4", "二、科技创新", "建成生命谷国际精准医学产业园二期。", ["李明华"], ["区科委"], [], "2025-12-31", "年底前"),
    _task("5", "三、城市建设", "完成回天地区新一轮行动计划年度任务。", [], ["区城市管理委"], ["回龙观街道", "天通苑北街道"],
          "2025-12-31", None, roles=["常务副区长"]),
]


def _stacked(rows, header, *, pipe: bool = False, blank: bool = False, repeat_after: int | None = None,
             page_mark: str = "— 2 —", wrap: int | None = None) -> list[str]:  # noqa: ANN001
    """The table as one cell per line, the way a web or PDF copy gives it (`wrap`: a
    cell longer than that many characters goes on on the next line, as in a copy
    out of a PDF's narrow column)."""
    out: list[str] = []

    def put(cell: str) -> None:
        for piece in cell.split("\n"):
            if wrap:
                out.extend(piece[i : i + wrap] + ("|" if pipe else "") for i in range(0, len(piece), wrap))
                continue
            out.append(piece + ("|" if pipe else ""))
        if blank:
            out.append("")

    for h in header:
        put(h)
    for k, row in enumerate(rows):
        if repeat_after is not None and k == repeat_after:
            out.append(page_mark)
            for h in header:
                put(h)
        for cell in row:
            if cell:
                put(cell)
    return out


@pytest.mark.parametrize("container", ["txt", "docx", "pdf"])
@pytest.mark.parametrize("shape", ["plain", "pipes", "blank_lines", "wrapped_cells"])
def test_it_reads_a_table_copied_one_cell_per_line(tmp_path: Path, container: str, shape: str) -> None:
    lines = CHANGPING_BEFORE + _stacked(CHANGPING_ROWS, CHANGPING_HEADER, pipe=shape == "pipes",
                                        blank=shape == "blank_lines", repeat_after=4,
                                        wrap=14 if shape == "wrapped_cells" else None)
    plan = parse_file(write_as(container, tmp_path / "changping", lines))
    d = plan.to_dict()
    assert d["title"] == "昌平区2025年重点工作任务分解表"
    assert (d["issuer"], d["issued"], d["plan_year"], d["default_deadline"]) == (
        "昌平区人民政府办公室", "2025-02-26", 2025, "2025-12-31")
    assert [s["title"] for s in d["sections"]] == ["一、主要经济社会发展指标等工作目标", "二、科技创新", "三、城市建设"]
    assert _tasks(d) == CHANGPING_TRUTH
    role_warnings = [w for w in plan.warnings if "常务副区长" in w.message]
    assert len(role_warnings) == 1 and "只写了职务" in role_warnings[0].message


@pytest.mark.parametrize("writer", ["docx", "xlsx", "pdf"])
def test_it_reads_the_same_plan_as_a_real_table(tmp_path: Path, writer: str) -> None:
    rows = [CHANGPING_HEADER] + [tuple(c.replace("\n", "") for c in r) for r in CHANGPING_ROWS]
    if writer == "docx":
        path = write_docx_table(tmp_path / "changping.docx", rows, before=CHANGPING_BEFORE)
    elif writer == "xlsx":
        path = write_xlsx_table(tmp_path / "changping.xlsx", rows, before=CHANGPING_BEFORE[-1:])
    else:
        path = write_pdf_table(tmp_path / "changping.pdf", rows, before=CHANGPING_BEFORE)
    d = parse_file(path).to_dict()
    assert d["title"] == "昌平区2025年重点工作任务分解表"
    want = CHANGPING_TRUTH
    if writer == "xlsx":  # no notice: no default deadline for the rows without a time
        want = [dict(t, deadline=None) if t["deadline_text"] is None else t for t in want]
    assert _tasks(d) == want


# A county sheet with no 序号 column, one cell per line, after page metadata; a leader
# cell written as two roles; a unit list with a trailing 等.
XIUSHUI_LINES = [
    "第1页 共2页",
    "修水县2026年重点民生工程任务清单",
    "重点任务",
    "牵头单位",
    "配合单位",
    "完成时限",
    "新建改造农村供水工程12处，提升农村自来水普及率至92%。",
    "县水利局",
    "县财政局、县农业农村局等",
    "2026年10月底前",
    "新增城区停车泊位1500个。",
    "县城市管理局",
    "县公安局",
    "上半年完成选址；年底前全部建成",
    "实施乡镇敬老院改造提升8所。",
    "县民政局",
    "各乡镇人民政府",
    "2026年11月",
    "修水县人民政府办公室",
    "2026年1月28日",
]


@pytest.mark.parametrize("container", ["txt", "docx", "pdf", "xlsx"])
def test_it_reads_cells_per_line_without_a_number_column(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "xiushui", XIUSHUI_LINES)).to_dict()
    assert d["title"] == "修水县2026年重点民生工程任务清单"
    assert (d["issuer"], d["issued"], d["plan_year"]) == ("修水县人民政府办公室", "2026-01-28", 2026)
    assert _tasks(d) == [
        _task(None, None, "新建改造农村供水工程12处，提升农村自来水普及率至92%。", [], ["县水利局"],
              ["县财政局", "县农业农村局"], "2026-10-31", "2026年10月底前"),
        _task(None, None, "新增城区停车泊位1500个。", [], ["县城市管理局"], ["县公安局"], "2026-12-31",
              "上半年完成选址；年底前全部建成"),
        _task(None, None, "实施乡镇敬老院改造提升8所。", [], ["县民政局"], ["各乡镇人民政府"], "2026-11-30", "2026年11月"),
    ]
    assert d["tasks"][1]["milestones"] == [{"date": "2026-06-30", "text": "完成选址"},
                                           {"date": "2026-12-31", "text": "全部建成"}]


# --------------------------------------------------------------------------- delimited rows
# A markdown pipe table after a notice and an 附件 line, with a rule row, heading rows
# with leader groups written as leader-group wording, and a category column.
FOSHAN_MD = [
    "佛山市南海区人民政府办公室关于印发南海区2025年营商环境改革任务的通知",
    "各镇人民政府、街道办事处，区政府各部门：",
    "现将《南海区2025年营商环境改革任务》印发给你们，请认真贯彻执行。",
    "佛山市南海区人民政府办公室",
    "2025年3月3日",
    "附件：南海区2025年营商环境改革任务",
    "| 序号 | 改革事项 | 工作任务 | 牵头单位 | 配合单位 | 完成时间 |",
    "| --- | --- | --- | --- | --- | --- |",
    "| 一、梁永坚副区长牵头事项 | | | | | |",
    "| 1 | 政务服务 | 推行“高效办成一件事”，新增主题套餐服务20项。 | 区政务服务数据管理局 | 区司法局 | 2025年6月30日 |",
    "| 2 | 政务服务 | 企业开办时间压缩至0.5个工作日。 | 区市场监管局 | 区税务局、区人力资源社会保障局 | 上半年 |",
    "| 二、区发展改革局牵头事项 | | | | | |",
    "| 3 | 要素保障 | 盘活低效工业用地3000亩。 | 区自然资源局 | 各镇人民政府、街道办事处 | 年底前 |",
]
FOSHAN_TRUTH = [
    _task("1", "一、梁永坚副区长牵头事项", "推行“高效办成一件事”，新增主题套餐服务20项。", ["梁永坚"], ["区政务服务数据管理局"],
          ["区司法局"], "2025-06-30", "2025年6月30日"),
    _task("2", "一、梁永坚副区长牵头事项", "企业开办时间压缩至0.5个工作日。", ["梁永坚"], ["区市场监管局"],
          ["区税务局", "区人力资源社会保障局"], "2025-06-30", "上半年"),
    _task("3", "二、区发展改革局牵头事项", "盘活低效工业用地3000亩。", [], ["区自然资源局"], ["各镇人民政府", "街道办事处"],
          "2025-12-31", "年底前"),
]


@pytest.mark.parametrize("container", ["txt", "docx"])
def test_it_reads_a_markdown_pipe_table_after_a_notice(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "nanhai", FOSHAN_MD)).to_dict()
    assert d["title"] == "南海区2025年营商环境改革任务"
    assert (d["issuer"], d["issued"], d["plan_year"]) == ("佛山市南海区人民政府办公室", "2025-03-03", 2025)
    assert _tasks(d) == FOSHAN_TRUTH


# A sheet pasted into a .txt as tab-separated text, far below a notice; a heading row
# holds only its first cell; a wrapped unit cell is written twice (同上 in the leader column).
JINHUA_TSV = [
    "金华市婺城区人民政府办公室",
    "关于印发婺城区2026年“十大民生实事”责任分解的通知",
    "婺政办发〔2026〕4号",
    "各乡镇人民政府、街道办事处，区政府各部门：",
    "《婺城区2026年“十大民生实事”责任分解》已经区政府第12次常务会议研究同意，现印发给你们，请各责任单位",
    "对照任务，细化措施，确保按期完成。",
    "一、加强组织领导。各牵头单位主要负责人为第一责任人。",
    "二、强化督查考核。区政府督查室每季度通报一次进展情况。",
    "金华市婺城区人民政府办公室",
    "2026年2月9日",
    "婺城区2026年“十大民生实事”责任分解表",
    "序号\t民生实事\t责任领导\t牵头单位\t配合单位\t完成时限",
    "（一）教育",
    "1\t新建幼儿园3所，新增学位1080个。\t方  芳\t区教育局\t区财政局\t2026年8月底前",
    "2\t实施中小学食堂改造20所。\t同上\t区教育局\t\t2026年9月",
    "（二）养老",
    "3\t新增养老床位300张，建成老年食堂15家。\t王磊\t区民政局\t各乡镇人民政府、街道办事处\t年底前",
]


@pytest.mark.parametrize("container", ["txt", "docx"])
def test_it_reads_a_tab_separated_sheet_pasted_below_a_notice(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "wucheng", JINHUA_TSV)).to_dict()
    assert d["title"] == "婺城区2026年“十大民生实事”责任分解"
    assert d["doc_number"] == "婺政办发〔2026〕4号"
    assert (d["issuer"], d["issued"], d["plan_year"]) == ("金华市婺城区人民政府办公室", "2026-02-09", 2026)
    assert _tasks(d) == [
        _task("1", "（一）教育", "新建幼儿园3所，新增学位1080个。", ["方芳"], ["区教育局"], ["区财政局"], "2026-08-31",
              "2026年8月底前"),
        _task("2", "（一）教育", "实施中小学食堂改造20所。", ["方芳"], ["区教育局"], [], "2026-09-30", "2026年9月"),
        _task("3", "（二）养老", "新增养老床位300张，建成老年食堂15家。", ["王磊"], ["区民政局"],
              ["各乡镇人民政府", "街道办事处"], "2026-12-31", "年底前"),
    ]


# --------------------------------------------------------------------------- heading rows in real tables
# A Word table whose leader-group heading sits in the task column with its leaders in
# the leader column; the row right under it is a task of its own.
def test_a_heading_row_in_the_task_column_passes_its_leaders_down(tmp_path: Path) -> None:
    rows = [
        ("序号", "工作任务", "责任领导", "牵头单位", "完成时限"),
        ("", "一、稳增长工作目标", "刘  强、陈静", "", ""),
        ("1", "规上工业增加值增长7%。", "", "县工信局", "全年"),
        ("2", "固定资产投资增长6%。", "陈静", "县发改局", "全年"),
        ("", "（一）项目建设（牵头领导：陈静）", "", "", ""),
        ("3", "新开工亿元以上项目20个。", "", "县发改局", "年底前"),
    ]
    path = write_docx_table(tmp_path / "county.docx", rows, before=["安吉县2025年重点工作责任清单"])
    d = parse_file(path).to_dict()
    assert _tasks(d) == [
        _task("1", "一、稳增长工作目标", "规上工业增加值增长7%。", ["刘强", "陈静"], ["县工信局"], [], "2025-12-31", "全年"),
        _task("2", "一、稳增长工作目标", "固定资产投资增长6%。", ["陈静"], ["县发改局"], [], "2025-12-31", "全年"),
        _task("3", "一、稳增长工作目标", "新开工亿元以上项目20个。", ["陈静"], ["县发改局"], [], "2025-12-31", "年底前"),
    ]
    assert d["tasks"][2]["subsection"] == "（一）项目建设"


# --------------------------------------------------------------------------- many rows
# A seeded mix of everything a one-cell-per-line copy does, over 150 rows: the truth
# of every row is known from how it was written.
UNITS = ["县发展和改革局", "县财政局", "县住房和城乡建设局", "县水利局", "县民政局", "县教育局", "县卫生健康局",
         "县交通运输局", "县市场监管局", "城关镇人民政府", "各乡镇人民政府", "县城市管理局", "县自然资源局"]
LEADERS = ["钟  诚", "谢雨桐", "黎  明", "韦国庆", "白晓东"]
TIMES = ["2026年6月底前", "年底前", "三季度", "2026年10月31日", "持续推进", "上半年", "2026年12月"]
DUE = {"2026年6月底前": "2026-06-30", "年底前": "2026-12-31", "三季度": "2026-09-30", "2026年10月31日": "2026-10-31",
       "持续推进": None, "上半年": "2026-06-30", "2026年12月": "2026-12-31"}


def _many_rows(n: int, seed: int, layout: str = "leaders") -> tuple[list[str], list[dict]]:
    """`layout`: "leaders" (序号 | 主要任务 | 责任领导 | 责任单位 | 完成时限, leader-group
    headings), "lead_co" (序号 | 重点任务 | 牵头单位 | 配合单位 | 完成时限) or "no_number"
    (主要任务 | 责任单位 | 完成时限, no 序号 column)."""
    import random

    rnd = random.Random(seed)
    header = {"leaders": ["序号", "主要任务", "责任领导", "责任单位", "完成时限"],
              "lead_co": ["序号", "重点任务", "牵头单位", "配合单位", "完成时限"],
              "no_number": ["主要任务", "责任单位", "完成时限"]}[layout]
    numbered = layout != "no_number"
    lines, truth = ["连山县2026年重点工作任务台账", *header], []
    group: list[str] = []
    section = None
    for number in range(1, n + 1):
        if layout == "leaders" and number % 30 == 1:
            group = rnd.sample(LEADERS, 2)
            section = f"{'一二三四五六七八九十'[number // 30]}、第{number // 30 + 1}组重点工作"
            lines.append(f"{section}（牵头领导：{'、'.join(group)}）")
        if number % 17 == 0:
            lines += [f"第{number // 17 + 1}页", *header]
        title = f"推进第{number}项重点工程建设，年内完成投资{rnd.randint(2, 90)}亿元。"
        units = rnd.sample(UNITS, rnd.randint(1, 3))
        if numbered:
            lines.append(str(number))
        lines += [title[:12], title[12:]] if rnd.random() < 0.3 else [title]
        leader = None
        if layout == "leaders":
            leader = rnd.choice(LEADERS) if rnd.random() < 0.7 else None
            if leader:
                lines.append(leader)
        cells = [units[:1], units[1:]] if layout == "lead_co" else [units]
        for cell in cells:
            if not cell:
                continue
            text = "、".join(cell)
            if len(text) > 6 and rnd.random() < 0.4:
                cut = rnd.randint(2, len(text) - 2)
                lines += [text[:cut], text[cut:]]
            else:
                lines.append(text)
        due = rnd.choice(TIMES) if rnd.random() < 0.85 else None
        if due:
            lines.append(due)
        leaders = [leader.replace(" ", "")] if leader else [g.replace(" ", "") for g in group]
        truth.append(_task(str(number) if numbered else None, section, title, leaders, units[:1], units[1:],
                           DUE.get(due), due))
    return lines, truth


@pytest.mark.parametrize(("layout", "seed"), [("leaders", 1), ("leaders", 2), ("lead_co", 3), ("no_number", 4)])
def test_it_places_every_cell_of_a_long_copied_table(tmp_path: Path, layout: str, seed: int) -> None:
    lines, truth = _many_rows(150, seed, layout)
    d = parse_file(write_as("txt", tmp_path / "lianshan", lines)).to_dict()
    assert _tasks(d) == truth
    assert d["warnings"] == []


# 牵头单位 and 配合单位 in two columns, one cell per line: a row without 配合单位 leaves
# no line, and its one list is the lead.
def test_it_gives_a_single_unit_list_to_the_lead_column(tmp_path: Path) -> None:
    lines = ["宁乡市2026年为民办实事项目清单", "序号", "项目名称", "牵头单位", "配合单位", "完成时间",
             "1", "新建城区公办幼儿园4所。", "市教育局", "市财政局、市自然资源局", "2026年8月",
             "2", "改造农贸市场6个。", "市商务局", "10月底前",
             "3", "新增城市公共停车位3000个。", "市城管局", "市公安局交警大队", "年底前"]
    d = parse_file(write_as("txt", tmp_path / "ningxiang", lines)).to_dict()
    assert [(t["number"], t["lead_units"], t["co_units"], t["deadline"]) for t in d["tasks"]] == [
        ("1", ["市教育局"], ["市财政局", "市自然资源局"], "2026-08-31"),
        ("2", ["市商务局"], [], "2026-10-31"),
        ("3", ["市城管局"], ["市公安局交警大队"], "2026-12-31"),
    ]
    assert d["warnings"] == []


# Leader-group headings of every kind in one table: a leader field in a parenthesis, a
# leader-group wording with a count （共2项）, a plain heading, and （一） subsections
# with their own leader. As a real table and copied one cell per line or as pipes.
SHUNYI_ROWS = [
    ("序号", "重点工作", "牵头区领导", "责任单位", "完成时限"),
    ("一、主要经济社会发展指标等工作目标（牵头领导：郑  勇、宋佳、彭磊）",),
    ("1", "地区生产总值增长5%以上。", "", "区发改委", "全年"),
    ("2", "社会消费品零售总额增长6%。", "", "区商务局", "全年"),
    ("二、彭磊副区长牵头工作（共2项）",),
    ("3", "新建保障性租赁住房1500套。", "", "区住建委、区规自分局", "2025年11月"),
    ("4", "完成城市更新项目12个。", "宋佳", "区住建委", "年底前"),
    ("三、其他工作",),
    ("（一）生态环境（牵头区领导：宋  佳）",),
    ("5", "PM2.5年均浓度控制在32微克/立方米以下。", "", "区生态环境局", "全年"),
    ("（二）安全生产",),
    ("6", "开展安全生产治本攻坚三年行动。", "郑勇", "区应急局", "持续推进"),
]
SHUNYI_TRUTH = [
    ("1", "一、主要经济社会发展指标等工作目标", None, ["郑勇", "宋佳", "彭磊"], ["区发改委"], [], "2025-12-31"),
    ("2", "一、主要经济社会发展指标等工作目标", None, ["郑勇", "宋佳", "彭磊"], ["区商务局"], [], "2025-12-31"),
    ("3", "二、彭磊副区长牵头工作（共2项）", None, ["彭磊"], ["区住建委"], ["区规自分局"], "2025-11-30"),
    ("4", "二、彭磊副区长牵头工作（共2项）", None, ["宋佳"], ["区住建委"], [], "2025-12-31"),
    ("5", "三、其他工作", "（一）生态环境", ["宋佳"], ["区生态环境局"], [], "2025-12-31"),
    ("6", "三、其他工作", "（二）安全生产", ["郑勇"], ["区应急局"], [], None),
]


@pytest.mark.parametrize("layout", ["docx", "xlsx", "pdf", "cells", "pipes"])
def test_leader_group_headings_of_every_kind_pass_their_leaders_down(tmp_path: Path, layout: str) -> None:
    title = ["顺义区2025年重点工作任务分解表"]
    if layout == "docx":
        path = write_docx_table(tmp_path / "shunyi.docx", SHUNYI_ROWS, before=title)
    elif layout == "xlsx":
        path = write_xlsx_table(tmp_path / "shunyi.xlsx", SHUNYI_ROWS, before=title)
    elif layout == "pdf":
        path = write_pdf_table(tmp_path / "shunyi.pdf", SHUNYI_ROWS, before=title)
    elif layout == "cells":
        path = write_as("txt", tmp_path / "shunyi", title + [c for r in SHUNYI_ROWS for c in r if c])
    else:
        path = write_as("txt", tmp_path / "shunyi", title + ["| " + " | ".join(r) + " |" for r in SHUNYI_ROWS])
    d = parse_file(path).to_dict()
    assert d["title"] == "顺义区2025年重点工作任务分解表"
    assert [(t["number"], t["section"], t["subsection"], t["leaders"], t["lead_units"], t["co_units"], t["deadline"])
            for t in d["tasks"]] == SHUNYI_TRUTH
    assert d["warnings"] == []


# A sheet copied out of Excel as text: a cell holding line breaks comes quoted over
# several lines ("区财政局 / 区自然资源局"), here with a milestone time and a title
# cell wrapped before its bracket; the same text pasted into Word or one column of a sheet.
YANJIANG_TSV = [
    "资阳市雁江区2026年重点项目推进任务表",
    "序号\t项目名称\t责任领导\t牵头单位\t配合单位\t完成时限",
    "1\t雁江区城乡供水一体化工程\t王  川\t区水务局\t\"区财政局",
    "区自然资源局\"\t2026年10月",
    "2\t\"沱江绿道二期",
    "（含滨江公园提升）\"\t李雪\t区住建局\t区文广旅局\t\"3月底前开工；",
    "11月底前完工\"",
    "3\t城南片区老旧小区改造\t\t区住建局\t莲花街道、三贤祠街道\t年底前",
]


@pytest.mark.parametrize("container", ["txt", "docx", "xlsx"])
def test_it_reads_a_sheet_copied_as_text_with_quoted_multi_line_cells(tmp_path: Path, container: str) -> None:
    d = parse_file(write_as(container, tmp_path / "yanjiang", YANJIANG_TSV)).to_dict()
    assert (d["title"], d["plan_year"]) == ("资阳市雁江区2026年重点项目推进任务表", 2026)
    assert _tasks(d) == [
        _task("1", None, "雁江区城乡供水一体化工程", ["王川"], ["区水务局"], ["区财政局", "区自然资源局"], "2026-10-31",
              "2026年10月"),
        _task("2", None, "沱江绿道二期（含滨江公园提升）", ["李雪"], ["区住建局"], ["区文广旅局"], "2026-11-30",
              "3月底前开工；11月底前完工"),
        _task("3", None, "城南片区老旧小区改造", [], ["区住建局"], ["莲花街道", "三贤祠街道"], "2026-12-31", "年底前"),
    ]
    assert d["tasks"][1]["milestones"] == [{"date": "2026-03-31", "text": "开工"}, {"date": "2026-11-30", "text": "完工"}]
    assert d["warnings"] == []


# A two-row header (责任单位 over 牵头单位 | 配合单位): copied one cell per line under an
# 附件 line, and as tab-separated text whose second header row starts with empty cells.
TONGCHUAN_TRUTH = [
    _task("1", None, "新建城区公办幼儿园2所。", [], ["区教科局"], ["区发改局", "区财政局"], "2025-08-31", "2025年8月底前"),
    _task("2", None, "改造老旧小区15个。", [], ["区住建局"], ["各街道办事处"], "2025-12-31", "年底前"),
    _task("3", None, "新增城市停车位2000个。", [], ["区城管执法局"], ["区公安分局"], "2025-09-30", "三季度"),
]
TONGCHUAN_ROWS = [
    ["1", "新建城区公办幼儿园2所。", "区教科局", "区发改局、区财政局", "2025年8月底前"],
    ["2", "改造老旧小区15个。", "区住建局", "各街道办事处", "年底前"],
    ["3", "新增城市停车位2000个。", "区城管执法局", "区公安分局", "三季度"],
]


@pytest.mark.parametrize("container", ["txt", "docx", "pdf"])
def test_it_reads_a_two_row_header_copied_one_cell_per_line(tmp_path: Path, container: str) -> None:
    lines = ["附件", "达州市通川区2025年民生实事任务分解表", "序号", "民生实事", "责任单位", "完成时限", "牵头单位", "配合单位"]
    lines += [c for r in TONGCHUAN_ROWS for c in r]
    d = parse_file(write_as(container, tmp_path / "tongchuan", lines)).to_dict()
    assert (d["title"], d["plan_year"]) == ("达州市通川区2025年民生实事任务分解表", 2025)
    assert _tasks(d) == TONGCHUAN_TRUTH


@pytest.mark.parametrize("container", ["txt", "docx", "xlsx"])
def test_it_reads_a_two_row_header_as_tab_separated_text(tmp_path: Path, container: str) -> None:
    lines = ["附件1", "达州市通川区2025年民生实事任务分解表", "序号\t民生实事\t责任单位\t\t完成时限",
             "\t\t牵头单位\t配合单位\t", *("\t".join(r) for r in TONGCHUAN_ROWS)]
    d = parse_file(write_as(container, tmp_path / "tongchuan", lines)).to_dict()
    assert (d["title"], d["plan_year"]) == ("达州市通川区2025年民生实事任务分解表", 2025)
    assert _tasks(d) == TONGCHUAN_TRUTH


# One cell per line with cells that stand for others: 同上 in the leader and time
# columns, a leader whose surname is rare (禤), a role and a name in one cell, a
# collective written with brackets, a （牵头） marker on the second unit.
HUICHENG = ["惠城区2026年重点工作任务分解表", "序号", "重点工作", "责任领导", "责任单位", "完成时限",
            "1", "推进惠州大道快速化改造。", "禤  伟", "区住建局、区交通运输局", "2026年9月",
            "2", "新建社区体育公园5个。", "同上", "区文广旅体局、各镇街", "同上",
            "3", "开展城乡结合部环境整治。", "区长", "各镇（街道）", "持续推进",
            "4", "实施“百千万工程”典型村培育。", "钟秋月、常务副区长", "区农业农村局、区乡村振兴局（牵头）", "上半年"]


@pytest.mark.parametrize("container", ["txt", "docx", "pdf"])
def test_same_as_above_and_rare_surnames_in_cells_one_per_line(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "huicheng", HUICHENG))
    assert _tasks(plan.to_dict()) == [
        _task("1", None, "推进惠州大道快速化改造。", ["禤伟"], ["区住建局"], ["区交通运输局"], "2026-09-30", "2026年9月"),
        _task("2", None, "新建社区体育公园5个。", ["禤伟"], ["区文广旅体局"], ["各镇街"], "2026-09-30", "2026年9月"),
        _task("3", None, "开展城乡结合部环境整治。", [], ["各镇（街道）"], [], None, "持续推进", roles=["区长"]),
        _task("4", None, "实施“百千万工程”典型村培育。", ["钟秋月"], ["区乡村振兴局"], ["区农业农村局"], "2026-06-30", "上半年",
              roles=["常务副区长"]),
    ]
    assert sorted(w.message.split("“")[1].split("”")[0] for w in plan.warnings if "只写了职务" in w.message) == [
        "区长", "常务副区长"]
