"""Plans copied or printed out of a government web page.

A browser prints the page's address with "n/m" at the foot of every page and a stamp
(date, time and the page title) at its top; breadcrumbs and 索引号 metadata stand
before the notice; the table comes one cell per line, its header repeated on every
page, an empty cell written as / or —. None of that furniture is a cell, a unit or a
time. Truth is written out by hand.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import parse_file

from .containers import write_as, write_docx_table, write_web_print_pdf, write_xlsx_table

KEYS = ("number", "section", "title", "leaders", "leader_roles", "lead_units", "co_units", "deadline",
        "deadline_text")


def _tasks(d: dict) -> list[dict]:
    return [{k: t[k] for k in KEYS} for t in d["tasks"]]


def _t(number, title, leaders, lead, co, deadline, text, roles=(), section=None):  # noqa: ANN001, ANN202
    return {"number": number, "section": section, "title": title, "leaders": list(leaders),
            "leader_roles": list(roles), "lead_units": list(lead), "co_units": list(co), "deadline": deadline,
            "deadline_text": text}


STAMP = "2025/3/18 09:12    关于印发《泸溪县2025年重点工作任务清单》的通知_县政府文件_泸溪县人民政府"
ADDRESS = "https://www.lxx.gov.cn/zwgk/xzfwj/202503/t20250318_123.html"
NOTICE = [
    "首页 > 政务公开 > 县政府文件",
    "索引号：431122000/2025-00231    发布机构：泸溪县人民政府办公室",
    "发文日期：2025-03-14    文号：泸政办发〔2025〕3号",
    "关于印发《泸溪县2025年重点工作任务清单》的通知",
    "各乡镇人民政府，县直各单位：",
    "《泸溪县2025年重点工作任务清单》已经县人民政府同意，现印发给你们，请结合工作实际，认真组织实施。",
    "泸溪县人民政府办公室",
    "2025年3月14日",
    "附件",
    "泸溪县2025年重点工作任务清单",
]
HEADER = ["编号", "工作内容", "分管领导", "责任部门", "时间节点"]
PAGE1_ROWS = [
    ["1", "实施农村饮水安全巩固提升工程，新建改造供水工程15处。", "向  阳", "县水利局、县财政局、县乡村振兴局", "2025年10月底前"],
    ["2", "完成国省干线公路大中修30公里。", "／", "县交通运输局", "三季度"],
]
PAGE2_ROWS = [
    ["3", "新建城区公办幼儿园2所，新增学位540个。", "田秀英", "县教育局、县自然资源局、\n县住房和城乡建设局", "2025年8月31日"],
    ["4", "开展城乡环境综合整治“百日攻坚”行动。", "常务副县长", "县城市管理和综合执法局、各乡镇人民政府", "上半年"],
    ["5", "新增城镇就业2000人以上。", "田秀英", "县人力资源和社会保障局", "—"],
]
TRUTH = [
    _t("1", "实施农村饮水安全巩固提升工程，新建改造供水工程15处。", ["向阳"], ["县水利局"], ["县财政局", "县乡村振兴局"],
       "2025-10-31", "2025年10月底前"),
    _t("2", "完成国省干线公路大中修30公里。", [], ["县交通运输局"], [], "2025-09-30", "三季度"),
    _t("3", "新建城区公办幼儿园2所，新增学位540个。", ["田秀英"], ["县教育局"], ["县自然资源局", "县住房和城乡建设局"],
       "2025-08-31", "2025年8月31日"),
    _t("4", "开展城乡环境综合整治“百日攻坚”行动。", [], ["县城市管理和综合执法局"], ["各乡镇人民政府"], "2025-06-30", "上半年",
       roles=["常务副县长"]),
    _t("5", "新增城镇就业2000人以上。", ["田秀英"], ["县人力资源和社会保障局"], [], None, None),
]


def _cells(rows: list[list[str]], *, pipe: bool = False) -> list[str]:
    out = []
    for row in [HEADER, *rows]:
        for cell in row:
            out += [piece + (" |" if pipe else "") for piece in cell.split("\n")]
    return out


def _copied(pipe: bool = False) -> list[str]:
    """The page as a browser's print copied back to text: stamp, page 1, address 1/2,
    stamp, page 2 (header repeated), address 2/2."""
    return ([STAMP, *NOTICE, *_cells(PAGE1_ROWS, pipe=pipe), f"{ADDRESS}\t1/2", STAMP,
             *_cells(PAGE2_ROWS, pipe=pipe), f"{ADDRESS}\t2/2"])


def _check(d: dict) -> None:
    assert d["title"] == "泸溪县2025年重点工作任务清单"
    assert (d["issuer"], d["issued"], d["plan_year"]) == ("泸溪县人民政府办公室", "2025-03-14", 2025)
    assert _tasks(d) == TRUTH
    messages = " ".join(w["message"] for w in d["warnings"])
    assert "http" not in messages and "09:12" not in messages


@pytest.mark.parametrize("container", ["txt", "docx", "xlsx"])
@pytest.mark.parametrize("pipe", [False, True])
def test_it_reads_a_web_page_print_copied_back_to_text(tmp_path: Path, container: str, pipe: bool) -> None:
    plan = parse_file(write_as(container, tmp_path / "luxi", _copied(pipe)))
    d = plan.to_dict()
    _check(d)
    assert [w["line"] for w in d["warnings"] if "常务副县长" in w["message"]] == [plan.tasks[3].line]


def test_it_reads_a_web_page_printed_to_pdf(tmp_path: Path) -> None:
    pages = [NOTICE + _cells(PAGE1_ROWS), _cells(PAGE2_ROWS)]
    d = parse_file(write_web_print_pdf(tmp_path / "luxi.pdf", pages, STAMP, ADDRESS)).to_dict()
    _check(d)


@pytest.mark.parametrize("writer", ["docx", "xlsx"])
def test_a_cell_written_as_empty_is_empty_in_a_real_table(tmp_path: Path, writer: str) -> None:
    rows = [HEADER] + [[c.replace("\n", "") for c in r] for r in PAGE1_ROWS + PAGE2_ROWS]
    if writer == "docx":
        path = write_docx_table(tmp_path / "luxi.docx", rows, before=NOTICE[3:])
    else:
        path = write_xlsx_table(tmp_path / "luxi.xlsx", rows, before=NOTICE[-1:])
    d = parse_file(path).to_dict()
    assert _tasks(d) == TRUTH
    assert not any("—" in w["message"] or "／" in w["message"] for w in d["warnings"])
