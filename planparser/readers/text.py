"""Plain text (.txt) and delimited text (.csv): decoding and the text/table decision.

Encodings are found by strict decoding: a BOM wins; then UTF-8; then GB18030 (a
superset of GBK and GB2312). When the file is not UTF-8 the document carries a
warning naming the encoding assumed.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from . import Document, Line, ReadError, Row, Table

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x0c|\x0b|\x85")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Header words that make a delimited first row a task table.
_HEADER_WORDS = re.compile(
    r"序号|编号|工作任务|重点任务|任务内容|工作内容|具体任务|主要任务|任务名称|重点工作|工作事项|"
    r"牵头领导|责任领导|分管领导|责任单位|牵头单位|配合单位|协办单位|参与单位|责任部门|牵头部门|"
    r"完成时限|完成时间|时间节点|时限"
)
_DELIMITERS = (",", "\t", ";", "|")


def decode_bytes(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Decode text by strict trial; return the text and reader warnings."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).lstrip("\ufeff"), []
            except UnicodeDecodeError:
                raise ReadError(path, f"文件以{codec.upper()}标记开头，但内容无法按该编码解码") from None
    if b"\x00" in data[:8192]:
        # UTF-16 without BOM is rare; NUL bytes otherwise mean a binary file.
        raise ReadError(path, "文件类型不支持（不是文本、Word、PDF或Excel文件）")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), ["文件不是UTF-8编码，已按GB18030（GBK）编码读取，如有乱码请另存为UTF-8后重新导入"]
    except UnicodeDecodeError:
        pass
    # Neither decodes strictly: accept a few bad bytes in an otherwise Chinese file,
    # refuse anything that is mostly garbage.
    for codec, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030（GBK）")):
        text = data.decode(codec, errors="replace")
        bad = text.count("\ufffd")
        if bad <= max(3, len(text) // 200):
            return text, [f"文件按{label}编码读取，有{bad}处字节无法解码，已替换为�"]
    raise ReadError(path, "文件无法识别为文本（不是UTF-8或GBK编码的文字，也不是Word、PDF或Excel文件）")


def read_text_or_csv(path: Path) -> Document:
    """Read a text file: a delimited table when its first row is a task-table header
    split by one delimiter, otherwise lines."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(path, f"读取失败（{exc.strerror or exc}）") from None
    text, warnings = decode_bytes(data, path)
    if _CONTROL.search(text[:4096]) and len(_CONTROL.findall(text[:4096])) > 8:
        raise ReadError(path, "文件类型不支持（含有大量控制字符，不是文本文件）")
    if not text.strip():
        raise ReadError(path, "文件为空")
    delimiter = sniff_delimiter(text)
    if delimiter is not None:
        doc = read_csv_text(text, delimiter, path)
    else:
        doc = Document(blocks=[Line(t, i) for i, t in enumerate(_NEWLINES.split(text), start=1)])
    doc.warnings.extend(warnings)
    return doc


def sniff_delimiter(text: str) -> str | None:
    """The delimiter of a task table, or None when the text is prose.

    A table needs a header row (within the first five non-blank lines) with at least two
    header words in separate fields, and most later rows split into more than one field.
    """
    lines = [ln for ln in _NEWLINES.split(text[:65536]) if ln.strip()][:40]
    if len(lines) < 2:
        return None
    best: tuple[int, str] | None = None
    for delim in _DELIMITERS:
        for idx, line in enumerate(lines[:5]):
            cells = next(csv.reader([line], delimiter=delim))
            hits = sum(1 for c in cells if _HEADER_WORDS.search(c) and len(c.strip()) <= 12)
            if len(cells) >= 2 and hits >= 2:
                rest = lines[idx + 1 :]
                multi = sum(1 for ln in rest if delim in ln)
                if rest and multi * 2 >= len(rest):
                    score = hits * 100 + multi
                    if best is None or score > best[0]:
                        best = (score, delim)
                break
    return best[1] if best else None


def read_csv_text(text: str, delimiter: str, path: Path) -> Document:
    rows: list[Row] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, cells in enumerate(reader, start=1):
            if any(c.strip() for c in cells):
                rows.append(Row(cells=[c for c in cells], number=number))
    except csv.Error as exc:
        raise ReadError(path, f"CSV格式错误（{exc}）") from None
    return Document(blocks=[Table(rows=rows, name=path.stem)])
