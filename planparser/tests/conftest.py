"""Test documents for the plan parser, written with the libraries real users' files
come from: python-docx, openpyxl, the csv module, reportlab, and plain text in
UTF-8 (with BOM) and GB18030.

Each document is a different office's plan (different places, topics, numbering and
layout); none is the seed with words changed. `DOCS` maps a fixture name to the file.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from .containers import cid_font as _cid_font

SEED = Path(__file__).resolve().parents[2] / "examples" / "daxing-2026-plan.txt"

# --------------------------------------------------------------------------- text plans

# A notice with the plan attached: GB18030, 文号, wrapped notice title, default
# deadline sentence, （一） subsections, 1、 items with inline labelled parentheses, a
# heading item with sub-items （1）（2）, a title wrapped over a page number, a numbering
# gap, an item with no fields, an unreadable deadline, a stray paragraph, 抄送 block.
XIHU_TXT = """\
杭州市西湖区人民政府办公室文件
浙西政办发〔2025〕12号
关于印发《西湖区2025年民生实事项目
分工方案》的通知
各镇人民政府、街道办事处，区政府各部门、各直属单位：
　　《西湖区2025年民生实事项目分工方案》已经区政府同意，现印发给你们，请认真贯彻落实。除注明时限外，各项任务均须于2025年12月底前完成。
一、加强组织领导。各单位要高度重视，明确专人负责。
二、强化督查考核。区政府督查室将定期通报进展情况。

杭州市西湖区人民政府办公室
2025年2月10日
（此件公开发布）

西湖区2025年民生实事项目分工方案

一、教育卫生
（一）教育提质
1、新建改扩建中小学校不少于6所，新增学位4500个以上。（牵头单位：区教育局；配合单位：区财政局、区住建局；完成时限：2025年8月底前）
2、推进“教联体”建设，一是完善课后服务；二是扩大优质资源覆盖面。（区教育局牵头，各镇街配合）
（二）医疗服务
3、实施社区卫生服务中心标准化建设：
（1）完成转塘街道社区卫生服务中心迁建。（牵头单位：区卫健局；完成时限：3月底前完成方案设计；8月底前完成主体施工）
（2）新增家庭医生签约服务团队20个。（牵头单位：区卫健局；配合单位：区医保分局）
4、推进中国（浙江）自由贸易试验区联动创新区医疗器械审评服务站建设，持续做好PM2.5
— 2 —
浓度监测与发布。（牵头单位：区市场监管局；完成时限：2025年1月15日）
二、城市建设
6、改造老旧小区30个，惠及居民4500余户。（牵头单位：区住建局；配合单位：各镇街；完成时限：2025年11月30日）
7、开展背街小巷整治提升。
8、新建公共停车泊位1000个。（牵头单位：区城管局；完成时限：另行通知）
区政府将根据进展情况适时调整。
9、实施城中村改造项目3个。（牵头单位：区住建局；完成时限：持续推进）


抄送：区委办公室，区人大常委会办公室，区政协办公室，区纪委
区监委机关。
杭州市西湖区人民政府办公室          2025年2月10日印发
"""

# A plan without notice, UTF-8 with BOM: decimal numbering 1.1, half-width brackets and
# colons, several labels on one line, 第3页 共10页 page marks.
HEXI_TXT = """\
河西区2025年水利建设工作要点

1 农村供水保障
1.1 实施农村供水管网改造120公里。
牵头领导:张三  责任单位:区水务局、区农业农村局  完成时限:2025年9月30日
1.2 新建规模化供水工程2处(设计规模不少于1万吨/日)。
责任领导:张三
牵头单位:区水务局
协办单位:区发改委,区财政局
完成时间:2025年二季度
第3页 共10页
2 防汛能力提升
2.1 完成河道清淤50公里。
牵头领导:李四
主要责任单位:区水务局
时间节点:汛前完成主河道，年底前全部完成
2.1 开展防汛应急演练。
牵头领导:李四
主要责任单位:区应急局
完成时限:5月底前
"""

# Chinese-numbered items are the tasks themselves (no sections); prose parentheses;
# page numbers in the -3- form; a unit list wrapped at a name boundary.
QINGYUAN_TXT = """\
清远市清城区2026年营商环境改革任务清单
一、推行“一照多址”改革，年底前实现全区覆盖。（区市场监管局牵头，区政务服务数据管理局配合）
二、开展“信用+审批”试点，惠及经营主体不少于3000户。（区发展和改革局牵头，区司法局、
区政务服务数据管理局配合，2026年9月底前完成）
-3-
三、压缩工程建设项目审批时间至60个工作日以内。
牵头领导：陈  明
责任单位：区住房和城乡建设局、区自然资源分局、东城街道
办事处
完成时限：2026年6月
"""

# A plan written as paragraphs: no item numbers, each task closed by a responsibility
# parenthesis, one wrapped over two lines, one with 【】.
LANSHAN_TXT = """\
临沂市兰山区2025年乡村振兴重点任务
一、产业振兴
发展特色种植基地5个，培育农业龙头企业3家以上。（区农业农村局牵头，区财政局配合，2025年10月底前完成）
推进农村电商服务站点全覆盖，
新建村级站点120个。（责任单位：区商务局；完成时限：年内）
二、人才振兴
全年培训高素质农民不少于2000人次。【牵头单位：区农业农村局；配合单位：区人社局】
"""

# No task at all: a notice without a plan.
NO_TASKS_TXT = """\
关于做好2025年春节期间值班工作的通知
各部门：
请各部门做好节日期间值班安排，确保通讯畅通。
特此通知。
某某县人民政府办公室
2025年1月20日
"""


# --------------------------------------------------------------------------- builders


def build_xihu_txt(path: Path) -> Path:
    path.write_bytes(XIHU_TXT.encode("gb18030"))
    return path


def build_hexi_txt(path: Path) -> Path:
    path.write_bytes(b"\xef\xbb\xbf" + HEXI_TXT.replace("\n", "\r\n").encode("utf-8"))
    return path


def build_docx_paragraphs(path: Path) -> Path:
    """Leader-group sections, （1） items with prose parentheses, Word automatic list
    numbering (the labels are not in the text), fields on their own lines."""
    import docx

    d = docx.Document()
    d.add_paragraph("南通市崇川区2024年重点工作任务分解方案")
    d.add_paragraph("为确保区政府工作报告确定的各项目标任务落到实处，制定本方案。")
    d.add_paragraph("一、王建国副区长牵头重点工作")
    d.add_paragraph("（1）推进中国（江苏）自由贸易试验区南通片区联动发展。（区发改委牵头，区商务局、区财政局配合，6月底前完成）")
    d.add_paragraph("（2）全年新增规上工业企业50家以上。（区工信局牵头，各街道按职责分工负责，年底前完成）")
    d.add_paragraph("二、李  娜副区长牵头重点工作")
    d.add_paragraph("实施PM2.5和臭氧协同治理，PM2.5平均浓度控制在28微克/立方米以内。（区生态环境局牵头，三季度完成）",
                    style="List Number")
    d.add_paragraph("新建城市绿道15公里。（区住建局、区城管局分别牵头，下半年完成）", style="List Number")
    d.add_paragraph("三、其他重点工作")
    d.add_paragraph("1.加快数字政府建设。")
    d.add_paragraph("牵头领导：赵刚")
    d.add_paragraph("责任单位：区数据局（牵头）、区政务办")
    d.add_paragraph("完成时间：2024年10月")
    d.add_paragraph("2.推进老年食堂建设，新增老年食堂12家。")
    d.add_paragraph("分管领导：赵刚、李娜")
    d.add_paragraph("责任单位：区民政局、各街道")
    d.add_paragraph("时间节点：2024年6月底前完成选址，2024年12月底前全部投用")
    d.add_paragraph("")
    d.add_paragraph("南通市崇川区人民政府办公室")
    d.add_paragraph("2024年3月5日")
    d.save(path)
    return path


def build_docx_table(path: Path) -> Path:
    """A table plan: category column merged vertically, 同上, a section row merged
    across the table, a two-paragraph unit cell, a default-deadline note."""
    import docx

    d = docx.Document()
    d.add_paragraph("江北新区2026年优化营商环境重点任务清单")
    d.add_paragraph("（各项任务除注明外，均须于2026年11月底前完成）")
    header = ["序号", "类别", "重点任务", "责任领导", "牵头单位", "配合单位", "完成时间"]
    rows = [
        ["1", "政务服务", "推行“高效办成一件事”，新增集成服务事项20项。", "陈晓东", "区政务服务中心", "区数据局、区司法局", "2026年6月30日"],
        ["2", "", "企业开办时间压缩至1个工作日以内。", "同上", "区市场监管局", "区税务局", ""],
        ["3", "", "建设企业服务综合平台。", "同上", "区数据局\n区工信局", "", "2026年三季度"],
        ["4", "要素保障", "新增工业用地供应800亩。", "刘  洋", "区规划资源分局", "", "年底前"],
        ["5", "", "发放稳岗补贴不少于3000万元。", "同上", "区人社局", "区财政局", "2025年12月31日"],
        ["SECTION", "三、法治保障"],
        ["6", "", "开展涉企行政执法专项监督。", "王敏", "区司法局", "", ""],
    ]
    table = d.add_table(rows=1 + len(rows), cols=len(header))
    for c, h in enumerate(header):
        table.cell(0, c).text = h
    for r, values in enumerate(rows, start=1):
        if values[0] == "SECTION":
            merged = table.cell(r, 0).merge(table.cell(r, len(header) - 1))
            merged.text = values[1]
            continue
        for c, v in enumerate(values):
            cell = table.cell(r, c)
            parts = v.split("\n")
            cell.text = parts[0]
            for extra in parts[1:]:
                cell.add_paragraph(extra)
    # Category "政务服务" spans rows 1-3, "要素保障" rows 4-5 (vertical merges).
    a = table.cell(1, 1).merge(table.cell(3, 1))
    a.text = "政务服务"
    b = table.cell(4, 1).merge(table.cell(5, 1))
    b.text = "要素保障"
    d.add_paragraph("江北新区管理委员会办公室")
    d.add_paragraph("2026年1月20日")
    d.save(path)
    return path


def build_xlsx(path: Path) -> Path:
    """Two task sheets and a notes sheet; a merged title row; category carried over
    blank cells and over a merged range; a real date cell; an empty task row; a gap."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务清单"
    ws.append(["海淀区2025年为民办实事项目台账"])
    ws.merge_cells("A1:F1")
    ws.append(["编号", "项目类别", "工作任务", "牵头领导", "责任单位", "完成时限"])
    ws.append([1, "教育", "新增普惠性幼儿园学位2000个。", "孙丽", "区教委、区财政局", "2025年8月31日"])
    ws.append([2, None, "建设中小学智慧教室100间。", "孙丽", "区教委", dt.datetime(2025, 12, 20)])
    ws.append([3, "养老", "新建养老助餐点30个。", "周强", "区民政局（牵头）、各街道", "上半年"])
    ws.append([4, None, "完成适老化改造1000户。", "周强", "区民政局", "2025年10月底前"])
    ws.append([5, None, None, None, None, None])
    ws.cell(row=7, column=1, value=5)
    ws.cell(row=7, column=4, value="周强")
    ws.append([7, "交通", "优化公交线路15条。", "吴斌", "区交通委", "年内"])
    ws.append([8, None, "新增停车位5000个。", "吴斌", "区交通委、区城管委", "四季度"])
    ws.merge_cells("B8:B9")
    ws2 = wb.create_sheet("第二批")
    ws2.append(["序号", "工作任务", "分管领导", "牵头单位", "配合单位", "完成时间"])
    ws2.append(["1", "实施背街小巷精细化整治50条。", "吴斌", "区城管委", "各街道", "2025年11月"])
    ws2.append(["2", "新建口袋公园8处。", "同上", "区园林绿化局", "", "同上"])
    ws3 = wb.create_sheet("填表说明")
    ws3.append(["本表由区政府督查室统一汇总，请各单位每月5日前报送进展。"])
    wb.save(path)
    return path


CSV_HEADER = ["序号", "工作任务", "牵头领导", "责任单位", "完成时限"]
CSV_ROWS = [
    ["1", "推进义务教育优质均衡发展，新建学校3所。", "韩冰", "市教育局、市财政局", "2025年8月底前"],
    ["2", "提升基层医疗服务能力，确保每个乡镇卫生院达到国家推荐标准。", "韩冰", "市医保局、市卫健委（牵头）", "年底前"],
    ["3", "开展“15分钟健身圈”建设，新建社区健身场地，覆盖率达到90%。", "马力", "市体育局", "2025年6月30日"],
]


def build_csv(path: Path, encoding: str) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_HEADER)
    w.writerows(CSV_ROWS)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def build_pdf_lines(path: Path) -> Path:
    """A multi-page text PDF: running header and page numbers on every page, chapter
    sections and 第X条 items, titles wrapped at the right margin, a unit list wrapped
    over a page break."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _cid_font()
    width, height = A4
    size = 12
    per_line = 30  # characters per full line: left 72pt + 30*12pt = right margin 432pt
    items: list[tuple[str, str, str, str]] = []
    topics = [
        ("实施老旧厂房更新改造项目", "区城市更新局", "区经信局、区财政局", "2026年6月底前"),
        ("推进历史文化街区保护利用，修缮传统风貌建筑", "区文广旅局", "区住建局", "2026年9月30日"),
        ("新建城市口袋公园", "区公园城市局", "各街道办事处", "年底前"),
        ("完成燃气管道老化更新改造", "区住建局", "区应急局", "三季度"),
        ("打造一刻钟便民生活圈", "区商务局", "区规划和自然资源局、区市场监管局", "2026年11月"),
        ("实施地下管网雨污分流改造", "区水务局", "区住建局", "持续推进"),
    ]
    for k, (what, lead, co, due) in enumerate(topics * 2):
        title = f"{what}，确保第{k + 1}批次项目按期完成并通过验收，形成可复制可推广的经验做法。"
        items.append((title, lead, co, due))
    lines: list[str] = ["成都市武侯区2026年城市更新行动任务分工方案", ""]
    numerals = "一二三四五六七八九十"
    for k, (title, lead, co, due) in enumerate(items):
        if k == 0:
            lines.append("第一章　城市空间更新")
        if k == 6:
            lines.append("第二章　城市功能提升")
        label = f"第{numerals[k] if k < 10 else '十' + numerals[k - 10]}条　"
        lines.extend(_wrap(label + title, per_line))
        lines.append("责任领导: 何  平")
        lines.extend(_wrap(f"牵头单位: {lead}", per_line))
        lines.extend(_wrap(f"协办单位: {co}", per_line))
        lines.append(f"完成时限: {due}")
    c = canvas.Canvas(str(path), pagesize=A4)
    y0, bottom, leading = height - 100, 90, 20
    page = 1
    y = y0

    def furniture() -> None:
        c.setFont(font, 9)
        c.drawString(72, height - 50, "武侯区人民政府办公室")
        c.drawCentredString(width / 2, 50, f"— {page} —")
        c.setFont(font, size)

    furniture()
    for i, text in enumerate(lines):
        if y < bottom:
            c.showPage()
            page += 1
            y = y0
            furniture()
        # Justify full lines to the margin as a typesetter would.
        if len(text) == per_line:
            c.drawString(72, y, text)
        else:
            c.drawString(72, y, text)
        y -= leading
    c.showPage()
    c.save()
    return path


def build_pdf_table(path: Path) -> Path:
    """A ruled table PDF with a title and a date line (platypus Table with a grid)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _cid_font()
    style = ParagraphStyle("cn", fontName=font, fontSize=10, leading=13, wordWrap="CJK")
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=20)
    data = [["序号", "工作任务", "牵头单位", "配合单位", "完成时限"]]
    tasks = [
        ("推进公共图书馆总分馆制建设，新建分馆6个。", "县文化和旅游局", "各乡镇人民政府", "2025年10月底前"),
        ("实施农村公路提质改造80公里。", "县交通运输局", "县财政局", "年底前"),
        ("新建5G基站200个。", "县工信局", "", "2025年9月30日"),
        ("开展全民健身赛事活动不少于30场。", "县教育体育局", "县总工会、团县委", "全年"),
    ]
    for i, (t, lead, co, due) in enumerate(tasks, start=1):
        data.append([str(i), Paragraph(t, style), Paragraph(lead, style), Paragraph(co, style), Paragraph(due, style)])
    data = [[Paragraph(c, style) if isinstance(c, str) else c for c in row] for row in data]
    table = Table(data, colWidths=[40, 300, 120, 140, 110])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTNAME", (0, 0), (-1, -1), font)]))
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4))
    doc.build([Paragraph("平阳县2025年民生实事任务分工表", title), Spacer(1, 12), table, Spacer(1, 12),
               Paragraph("平阳县人民政府办公室", style), Paragraph("2025年3月1日", style)])
    return path


# --------------------------------------------------------------------------- bad input


def build_zip_bomb(path: Path) -> Path:
    """A .docx whose document.xml inflates from a few kB to 40 MB (ratio ≫ 200)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b" " * (40 * 1024 * 1024) + b"</w:document>")
    return path


def build_ole_encrypted(path: Path) -> Path:
    """The shape of an encrypted Office file: an OLE compound file whose directory
    names EncryptionInfo and EncryptedPackage streams."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    directory = bytearray(512)
    for i, name in enumerate(("Root Entry", "EncryptionInfo", "EncryptedPackage")):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        directory[i * 128 : i * 128 + len(raw)] = raw
    path.write_bytes(bytes(header) + bytes(directory) + b"\x00" * 1024)
    return path


def build_encrypted_pdf(path: Path) -> Path:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), encrypt=StandardEncryption("secret", ownerPassword="owner"))
    c.setFont(_cid_font(), 12)
    c.drawString(72, 700, "1.推进某项工作。（区发改委牵头）")
    c.save()
    return path


def build_image_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.rect(100, 100, 300, 400, fill=1)  # a "scan": shapes, no text layer
    c.save()
    return path


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every test document, written once per session."""
    base = tmp_path_factory.mktemp("plans")
    out = {
        "xihu_txt": build_xihu_txt(base / "西湖区民生实事.txt"),
        "hexi_txt": build_hexi_txt(base / "hexi.txt"),
        "qingyuan_txt": base / "qingyuan.txt",
        "lanshan_txt": base / "lanshan.txt",
        "docx_paragraphs": build_docx_paragraphs(base / "chongchuan.docx"),
        "docx_table": build_docx_table(base / "jiangbei.docx"),
        "xlsx": build_xlsx(base / "haidian.xlsx"),
        "csv_utf8": build_csv(base / "tasks-utf8.csv", "utf-8"),
        "csv_gbk": build_csv(base / "tasks-gbk.csv", "gbk"),
        "pdf_lines": build_pdf_lines(base / "wuhou.pdf"),
        "pdf_table": build_pdf_table(base / "pingyang.pdf"),
    }
    out["qingyuan_txt"].write_text(QINGYUAN_TXT, encoding="utf-8")
    out["lanshan_txt"].write_text(LANSHAN_TXT, encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def bad_docs(tmp_path_factory: pytest.TempPathFactory, docs: dict[str, Path]) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("bad")
    out: dict[str, Path] = {}
    (base / "empty.txt").write_bytes(b"")
    out["empty"] = base / "empty.txt"
    (base / "blank.docx").write_bytes(b"  \r\n\t\n")
    out["blank"] = base / "blank.docx"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
    (base / "photo.docx").write_bytes(png)
    out["png_as_docx"] = base / "photo.docx"
    import random

    rnd = random.Random(20260319)
    (base / "noise.bin").write_bytes(bytes(rnd.randrange(256) for _ in range(4096)))
    out["random"] = base / "noise.bin"
    out["ole_encrypted"] = build_ole_encrypted(base / "locked.docx")
    out["zip_bomb"] = build_zip_bomb(base / "bomb.docx")
    data = docs["docx_paragraphs"].read_bytes()
    (base / "truncated.docx").write_bytes(data[: len(data) // 2])
    out["truncated_docx"] = base / "truncated.docx"
    with zipfile.ZipFile(base / "archive.docx", "w") as zf:
        zf.writestr("readme.txt", "hello")
    out["zip_not_office"] = base / "archive.docx"
    out["encrypted_pdf"] = build_encrypted_pdf(base / "locked.pdf")
    out["image_pdf"] = build_image_pdf(base / "scan.pdf")
    (base / "notice.txt").write_text(NO_TASKS_TXT, encoding="utf-8")
    out["no_tasks"] = base / "notice.txt"
    return out
