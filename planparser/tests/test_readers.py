"""Readers: container chosen by content, encodings, tables and merged cells."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planparser import parse_file
from planparser.readers import Line, ReadError, Table, read_document


def test_it_chooses_the_reader_by_content_not_name(docs: dict[str, Path], tmp_path: Path) -> None:
    disguised = tmp_path / "plan.txt"
    shutil.copy(docs["docx_paragraphs"], disguised)
    assert len(parse_file(disguised).tasks) == 6
    sheet = tmp_path / "ledger.pdf"
    shutil.copy(docs["xlsx"], sheet)
    assert any(isinstance(b, Table) for b in read_document(sheet).blocks)


def test_it_reads_utf8_with_bom_and_gb18030(docs: dict[str, Path]) -> None:
    bom = read_document(docs["hexi_txt"])
    assert isinstance(bom.blocks[0], Line) and bom.blocks[0].text == "河西区2025年水利建设工作要点"
    assert bom.warnings == []
    gb = read_document(docs["xihu_txt"])
    assert gb.warnings and "GB18030" in gb.warnings[0]
    assert gb.blocks[0].text == "杭州市西湖区人民政府办公室文件"


def test_it_sniffs_a_csv_table_from_its_header(docs: dict[str, Path]) -> None:
    doc = read_document(docs["csv_gbk"])
    assert len(doc.blocks) == 1 and isinstance(doc.blocks[0], Table)
    assert doc.blocks[0].rows[0].cells[:2] == ["序号", "工作任务"]


def test_it_sniffs_a_tab_separated_file(tmp_path: Path) -> None:
    p = tmp_path / "tasks.txt"
    p.write_text("序号\t工作任务\t责任单位\t完成时限\n1\t推进智慧社区建设。\t区民政局、区数据局\t2025年9月\n", encoding="utf-8")
    plan = parse_file(p)
    assert plan.tasks[0].lead_units == ["区民政局"] and plan.tasks[0].co_units == ["区数据局"]


def test_docx_merged_cells_are_read_once_across_and_repeated_down(docs: dict[str, Path]) -> None:
    doc = read_document(docs["docx_table"])
    table = next(b for b in doc.blocks if isinstance(b, Table))
    section_row = table.rows[6].cells
    assert section_row[0] == "三、法治保障" and all(c == "" for c in section_row[1:])
    assert [r.cells[1] for r in table.rows[1:4]] == ["政务服务"] * 3
    assert table.rows[3].cells[4] == "区数据局\n区工信局"


def test_xlsx_merged_ranges_fill_down(docs: dict[str, Path]) -> None:
    doc = read_document(docs["xlsx"])
    sheet = doc.blocks[0]
    assert isinstance(sheet, Table) and sheet.name == "任务清单"
    assert sheet.rows[0].cells[0] == "海淀区2025年为民办实事项目台账" and sheet.rows[0].cells[1] == ""
    by_no = {r.number: r.cells for r in sheet.rows}
    assert by_no[9][1] == "交通"  # B8:B9 merged


def test_pdf_lines_carry_pages_and_wraps(docs: dict[str, Path]) -> None:
    doc = read_document(docs["pdf_lines"])
    lines = [b for b in doc.blocks if isinstance(b, Line)]
    assert max(ln.page or 0 for ln in lines) >= 2
    assert any(ln.wrapped for ln in lines) and any(ln.wrapped is False for ln in lines)
    assert any(ln.text.replace(" ", "") == "武侯区人民政府办公室" for ln in lines)


def test_a_zip_over_the_total_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import zipfile

    import planparser.readers as readers

    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED_TOTAL", 1024 * 1024)
    p = tmp_path / "many.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(3):
            zf.writestr(f"xl/media/blob{i}.bin", os.urandom(600 * 1024))  # incompressible: ratio is fine
    with pytest.raises(ReadError, match="解压后过大"):
        read_document(p)


def test_a_zip_whose_directory_lies_about_a_size_is_refused_without_inflating_it(tmp_path: Path) -> None:
    """The directory says 1000 bytes; the member inflates to 16 MB. Reading it whole
    (as python-docx does) would inflate all 16 MB at once: the check reads in bounded
    chunks and fails the CRC at the declared size."""
    import io
    import tracemalloc
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as fh:
            for _ in range(16):
                fh.write(b" " * (1024 * 1024))
    data = bytearray(buf.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
    data[info.header_offset + 22:info.header_offset + 26] = (1000).to_bytes(4, "little")  # local header
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + 17] != b"word/document.xml":
        at = data.index(b"PK\x01\x02", at + 4)
    data[at + 24:at + 28] = (1000).to_bytes(4, "little")  # central directory
    p = tmp_path / "lying.docx"
    p.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        with pytest.raises(ReadError, match="损坏"):
            read_document(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak
