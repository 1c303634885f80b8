"""The built-in templates: generated from the GB/T 9704 layout of duban.lib.officedoc
(the same page, fonts, masthead and tables the documents had before templates), with
placeholders where the data goes. The office downloads one of these as the starting
point of its own; a kind without a published version is filled from its built-in one.
"""
from __future__ import annotations

from functools import lru_cache

from duban.lib import officedoc
from duban.lib.officedoc import DocNumber, Heading, Masthead, Para, Signature, Table, Title


def rows(table: str, columns: list[str]) -> list[list[str]]:
    """The three template rows of a table placeholder: loop start, one row of cells, loop end."""
    n = len(columns)
    return [[f"{{%tr for 行 in {table} %}}"] + [""] * (n - 1),
            [f"{{{{行.{c}}}}}" for c in columns],
            ["{%tr endfor %}"] + [""] * (n - 1)]


def if_(name: str) -> Para:
    return Para(f"{{%p if {name} %}}", indent=False)


ELSE = Para("{%p else %}", indent=False)
ENDIF = Para("{%p endif %}", indent=False)
SIGNATURE = Signature(["{{发文机关}}", "{{成文日期}}"])


def table(name: str, columns: list[str], widths: list[float], header: list[str] | None = None) -> Table:
    return Table(header or columns, rows(name, columns), widths)


def _notice() -> list:
    return [
        Title("{{标题}}"),
        DocNumber("{{文号}}"),
        Para("{{主送单位}}：", indent=False),
        Heading("一、督办事项"),
        Para("任务：{{任务}}"),
        Para("完成时限：{{完成时限}}"),
        Para("{{督办事项}}"),
        Heading("二、办理要求"),
        if_("呈报领导"),
        Para("呈报领导：{{呈报领导}}（约谈）"),
        ENDIF,
        Para("{{办理要求}}"),
        Heading("三、回复期限"),
        Para("请于{{回复期限}}前通过督办系统回复办理情况。"),
        SIGNATURE,
    ]


def _extension() -> list:
    return [
        Title("{{标题}}"),
        DocNumber("{{文号}}"),
        Para("{{申请单位}}：", indent=False),
        Para("你单位{{申请日期}}提交的延期申请收悉。经研究，{{批复意见}}"),
        Para("任务：{{任务}}"),
        Para("延期理由：{{延期理由}}"),
        if_("审核意见"),
        Para("审核意见：{{审核意见}}"),
        ENDIF,
        SIGNATURE,
    ]


def _closure() -> list:
    return [
        Title("{{标题}}"),
        DocNumber("{{文号}}"),
        Para("{{主送单位}}：", indent=False),
        Para("{{任务}}（牵头领导：{{牵头领导}}；完成时限：{{完成时限}}），经{{申请单位}}于{{申请日期}}申请办结，"
             "督查室核验，已于{{销号日期}}办结销号。"),
        Heading("一、完成情况"),
        Para("{{完成情况}}"),
        Heading("二、有关要求"),
        Para("请各责任单位巩固工作成果，做好后续跟踪。如发现实际完成情况与申报不符，督查室将重新启动督办。"),
        SIGNATURE,
    ]


def _briefing() -> list:
    return [
        Masthead("督查通报", "第{{期数}}期", "{{发文机关}}", "{{成文日期}}"),
        Title("{{标题}}"),
        Para("按照《{{方案名称}}》要求，{{发文机关}}组织开展了{{调度名称}}（调度期{{调度期开始}}至{{调度期结束}}，"
             "报送截止{{报送截止}}）。现将有关情况通报如下："),
        Heading("一、总体情况"),
        Para("{{总体情况}}"),
        Para("按预警规则，截至{{灯色截至}}，本次调度涉及的任务中{{灯色情况}}。"),
        Table(["应报", "按时报送", "迟报", "缺报", "未到截止", "被退回", "已采纳", "按时报送率"],
              [["{{应报}}", "{{按时报送}}", "{{迟报}}", "{{缺报}}", "{{未到截止}}", "{{被退回}}", "{{已采纳}}",
                "{{按时报送率}}"]]),
        Heading("二、分部分情况"),
        table("分部分", ["部分", "任务", "红灯", "黄灯", "绿灯", "已销号", "应报", "按时", "迟报", "缺报", "被退回"],
              [4.2, 1, 1, 1, 1, 1.2, 1, 1, 1, 1, 1.2]),
        Heading("三、分单位情况"),
        table("分单位", ["单位", "应报", "按时", "迟报", "缺报", "未到截止", "被退回", "已采纳", "按时报送率"],
              [3.4, 1, 1, 1, 1, 1.3, 1.2, 1.2, 1.6]),
        Heading("四、红灯任务"),
        Para("{{红灯说明}}"),
        if_("红灯任务"),
        table("红灯任务", ["序号", "工作任务", "牵头单位", "牵头领导", "预警原因"], [0.8, 4, 1.8, 1.2, 3.6]),
        ENDIF,
        Heading("五、迟报、缺报情况"),
        Para("{{迟报缺报说明}}"),
        if_("迟报缺报"),
        table("迟报缺报", ["单位", "序号", "工作任务", "角色", "情况"], [2, 0.8, 4.4, 0.8, 3]),
        ENDIF,
        Heading("六、表扬和批评"),
        Para("表扬规则：本次调度应报报告全部按时报送、没有被退回且均已被采纳的单位，予以通报表扬。"),
        Para("{{表扬说明}}"),
        Para("批评规则：本次调度有缺报、迟报或报告被退回的单位，予以通报批评。"),
        Para("{{批评说明}}"),
        if_("批评单位"),
        table("批评单位", ["单位", "缺报", "迟报", "被退回", "情况"], [3, 1, 1, 1.2, 4]),
        ENDIF,
        Heading("七、有关要求"),
        Para("请各责任单位对照本通报查摆问题：红灯任务的牵头单位要分析原因、明确措施和时限，抓紧推动任务回到正常进度；"
             "缺报、迟报单位要于3个工作日内通过督办系统补报，并压实联络员责任，确保今后按时报送。"),
        Heading("八、说明"),
        Para("按时报送指首次报送日期不晚于报送截止日期（{{报送截止}}）；迟报指首次报送晚于截止日期；"
             "缺报指截至{{成文日期}}仍未报送；被退回指报告曾被退回（现为退回状态，或退回后再次报送）。"
             "每项任务的每个责任单位各为一份应报报告。"),
        Para("红黄绿灯按督办系统预警规则计算，以{{灯色截至}}为准：逾期未完成或多期缺报为红灯，"
             "临近时限、节点逾期、报告被退回、进度落后序时进度或指标预计不达标为黄灯，其余为绿灯，已销号任务单列。"),
        SIGNATURE,
    ]


def _pack() -> list:
    return [
        Title("{{标题}}"),
        Para("（截至{{截至日期}}）", indent=False),
        Heading("一、总体情况"),
        Para("{{总体情况}}"),
        Heading("二、需关注的任务"),
        Para("{{需关注说明}}"),
        if_("需关注任务"),
        table("需关注任务", ["序号", "工作任务", "牵头单位", "完成时限", "状态及原因"], [0.8, 4, 1.8, 1.6, 4]),
        ENDIF,
        Heading("三、待审批的延期申请"),
        Para("{{延期申请说明}}"),
        if_("延期申请"),
        table("延期申请", ["序号", "工作任务", "申请单位", "原时限", "申请延至", "延期理由", "办理状态"],
              [0.8, 3.2, 1.6, 1.5, 1.5, 3, 1.4]),
        ENDIF,
        Heading("四、待协调事项"),
        Heading("（一）提请{{领导}}同志协调的事项", level=2),
        Para("{{提请领导协调说明}}"),
        if_("提请领导协调"),
        table("提请领导协调", ["序号", "工作任务", "提出单位", "协调事项", "提出日期"], [0.8, 3.4, 1.8, 4.4, 1.6]),
        ENDIF,
        Heading("（二）牵头任务中提请有关单位协调的事项", level=2),
        Para("{{提请单位协调说明}}"),
        if_("提请单位协调"),
        table("提请单位协调", ["序号", "工作任务", "提出单位", "提请单位", "协调事项", "提出日期"],
              [0.8, 3, 1.6, 1.6, 3.6, 1.5]),
        ENDIF,
        Heading("五、各项任务最新进展"),
        if_("最新进展"),
        table("最新进展", ["序号", "工作任务", "牵头单位", "状态", "最新进展"], [0.8, 3.4, 1.6, 1, 5.2]),
        ELSE,
        Para("没有牵头的任务。"),
        ENDIF,
        SIGNATURE,
    ]


def _year_summary() -> list:
    return [
        Title("{{标题}}"),
        Para("（截至{{截至日期}}）", indent=False),
        Heading("一、总体情况"),
        Para("{{总体情况}}"),
        Heading("二、分类别完成情况"),
        if_("分类别"),
        table("分类别", ["事项类别", "事项数", "已完成", "按时完成", "逾期", "结转下年", "办结率"],
              [3.4, 1.2, 1.2, 1.4, 1, 1.4, 1.4]),
        Para("已完成指已办结销号；按时完成指在完成时限（含批准延期）内销号；逾期指逾期销号或超过完成时限仍未销号；"
             "结转下年指未完成、已结转或延续到下一年度继续办理。"),
        ELSE,
        Para("本年度没有督办事项。"),
        ENDIF,
        Heading("三、分部分完成情况"),
        if_("分部分"),
        table("分部分", ["部分", "任务", "已销号", "红灯", "黄灯", "绿灯"], [5, 1, 1.2, 1, 1, 1]),
        ELSE,
        Para("本年度没有重点任务。"),
        ENDIF,
        Heading("四、各单位完成情况"),
        if_("分单位"),
        table("分单位", ["单位", "牵头任务", "已销号", "逾期", "督办单", "按时报送率"], [3.6, 1.4, 1.2, 1, 1.2, 1.8]),
        ELSE,
        Para("本年度没有单位牵头的任务。"),
        ENDIF,
        Heading("五、尚未完成的任务"),
        if_("未完成任务"),
        table("未完成任务", ["序号", "工作任务", "牵头单位", "完成时限", "状态及原因"], [0.8, 4, 1.8, 1.6, 4]),
        ELSE,
        Para("本年度重点任务均已办结销号。"),
        ENDIF,
        Heading("六、结转下年事项"),
        if_("结转事项"),
        Para("以下{{结转数}}项事项未能在本年度完成，已结转（或延续）到下一年度继续督办，原有报告和督办记录保留在原事项中。"),
        table("结转事项", ["序号", "事项", "类别", "牵头单位", "方式", "转入", "新完成时限"],
              [0.8, 3.6, 1.6, 1.8, 0.8, 2.6, 1.6]),
        ELSE,
        Para("本年度没有结转下年的事项。"),
        ENDIF,
        Heading("七、下一步工作"),
        Para("对尚未完成的任务，督查室将继续跟踪督办，压实牵头单位责任，确保按期完成；对已销号的任务，适时开展“回头看”。"),
        SIGNATURE,
    ]


LAYOUTS = {
    "notice_reminder": _notice, "notice_notice": _notice, "notice_interview": _notice,
    "extension_reply": _extension, "closure_notice": _closure, "briefing": _briefing,
    "leader_pack": _pack, "year_summary": _year_summary,
}


@lru_cache(maxsize=None)
def builtin_template(kind: str) -> bytes:
    """The built-in .docx template of `kind` (generated once per process)."""
    blocks = LAYOUTS[kind]()
    return officedoc.render_docx(blocks, title="{{标题}}", author="{{发文机关}}")
