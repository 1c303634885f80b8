"""Readers: one per container, each turns a file into a `Document`.

A Document is the file's content in reading order: text lines (from .txt, .docx
paragraphs, .pdf text layer) and tables (from .docx tables, .xlsx sheets, .csv). The
grammar never knows which container it came from.

`read_document` picks the reader by the file's content (magic bytes), never by its
name: a .docx renamed .txt is still read as Word, a PNG renamed .docx is refused.
"""
from __future__ import annotations

import logging
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Union

log = logging.getLogger(__name__)


class ReadError(Exception):
    """The file cannot be read at all. str(err) is one line of Chinese naming the file
    and the problem; the CLI prints it and exits with status 2."""

    def __init__(self, path: Path | str | None, problem: str | None = None) -> None:
        if problem is None:  # ReadError("whole message")
            self.path = None
            self.problem = _one_line(str(path))
            super().__init__(self.problem)
            return
        self.path = Path(path) if path is not None else None
        self.problem = _one_line(problem)
        name = _one_line(self.path.name) if self.path is not None else "（未命名）"
        super().__init__(f"{self._verb}文件 {name}：{self.problem}")

    _verb = "无法读取"


@dataclass
class Line:
    text: str
    number: int  # 1-based line (or paragraph) number in the source
    # True when the container says the line was broken only for width (a PDF line that
    # reaches the right margin), False when it ends a paragraph (a docx paragraph),
    # None when the container cannot tell (plain text).
    wrapped: bool | None = None
    page: int | None = None  # 1-based page for paged containers (PDF)


@dataclass
class Row:
    cells: list[str]
    number: int  # 1-based row number in its sheet/table


@dataclass
class Table:
    rows: list[Row]
    name: str | None = None  # sheet name, or "表格1" for a docx table


@dataclass
class Document:
    blocks: list[Union[Line, Table]] = field(default_factory=list)
    source: str | None = None  # the file name, for messages
    # Reader remarks for the user (an assumed encoding, undecodable bytes); the grammar
    # turns them into plan warnings.
    warnings: list[str] = field(default_factory=list)


class Reader(Protocol):
    def read(self, path: Path) -> Document: ...


# Limits for zip containers (docx/xlsx): a zip bomb is refused before anything is
# inflated. Sizes are taken from the central directory. A directory can lie (1 kB
# declared, gigabytes inside), and a library that reads a member whole (python-docx,
# openpyxl: ZipFile.read) inflates all of its compressed data in one call before
# cutting it to the declared size; so every member is first read through in bounded
# chunks, which stops at the declared size and fails the CRC check on a lie.
MAX_UNCOMPRESSED_TOTAL = 200 * 1024 * 1024
MAX_MEMBER_COUNT = 10_000
MAX_COMPRESSION_RATIO = 200  # per member, checked for members above 1 MB
_RATIO_CHECK_FROM = 1024 * 1024
MAX_FILE_SIZE = 100 * 1024 * 1024  # any container
_VERIFY_CHUNK = 1024 * 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_IMAGE_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG图片"),
    (b"\xff\xd8\xff", "JPEG图片"),
    (b"GIF87a", "GIF图片"),
    (b"GIF89a", "GIF图片"),
    (b"BM", "BMP图片"),
    (b"II*\x00", "TIFF图片"),
    (b"MM\x00*", "TIFF图片"),
)
_OTHER_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"Rar!", "RAR压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z压缩包"),
    (b"\x1f\x8b", "gzip压缩包"),
    (b"{\\rtf", "RTF文档，请另存为.docx"),
    (b"\x7fELF", "可执行程序"),
    (b"MZ", "可执行程序"),
)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def read_document(path: Path | str) -> Document:
    """Pick the reader by the file's content (magic bytes), not its name; raise
    ReadError for unreadable, empty, encrypted or wrong-type files."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ReadError(path, "不是文件")
        with path.open("rb") as fh:
            head = fh.read(8192)
    except ReadError:
        raise
    except FileNotFoundError:
        raise ReadError(path, "文件不存在") from None
    except PermissionError:
        raise ReadError(path, "没有读取权限") from None
    except OSError as exc:
        raise ReadError(path, f"读取失败（{exc.strerror or exc}）") from None
    if size == 0 or not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ReadError(path, "文件为空")
    if size > MAX_FILE_SIZE:
        raise ReadError(path, f"文件过大（超过{MAX_FILE_SIZE // (1024 * 1024)}MB）")

    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return _guarded(path, "PDF", "pdf")
    if head.startswith(_ZIP_MAGICS):
        kind = _zip_kind(path)
        return _guarded(path, "Word" if kind == "docx" else "Excel", kind)
    if head.startswith(_OLE_MAGIC):
        raise ReadError(path, _ole_problem(path))
    for magic, what in _IMAGE_MAGICS + _OTHER_MAGICS:
        if head.startswith(magic):
            if magic == b"BM" and not _looks_like_bmp(head):
                continue
            if magic == b"MZ" and b"\x00" not in head[:64]:
                continue
            raise ReadError(path, f"文件类型不支持（这是{what}，不是文本、Word、PDF或Excel文件）")
    return _guarded(path, "文本", "text")


def _guarded(path: Path, label: str, kind: str) -> Document:
    """Run one container reader; a damaged file can make the libraries underneath
    (zlib, lxml, pdfminer, openpyxl) raise almost anything, and every such failure is
    the same fact for the user: the file is damaged."""
    try:
        if kind == "pdf":
            from .pdf import read_pdf

            doc = read_pdf(path)
        elif kind == "docx":
            from .docx import read_docx

            doc = read_docx(path)
        elif kind == "xlsx":
            from .sheet import read_xlsx

            doc = read_xlsx(path)
        else:
            from .text import read_text_or_csv

            doc = read_text_or_csv(path)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - see docstring
        # The person is told the file is damaged; the log keeps what really failed, in
        # case it was a fault of Duban's rather than of the file.
        log.warning("reading %s as %s failed", path.name, kind, exc_info=True)
        raise ReadError(path, f"{label}文件已损坏或格式不正确（{type(exc).__name__}）") from None
    return _named(doc, path)


def _named(doc: Document, path: Path) -> Document:
    doc.source = path.name
    return doc


def _looks_like_bmp(head: bytes) -> bool:
    return len(head) > 14 and head[6:10] == b"\x00\x00\x00\x00"


def _ole_problem(path: Path) -> str:
    """An OLE compound file: an encrypted docx/xlsx (EncryptedPackage stream) or a
    legacy .doc/.xls/.wps."""
    data = path.read_bytes()
    def utf16(name: str) -> bytes:
        return name.encode("utf-16-le")

    if utf16("EncryptedPackage") in data or utf16("EncryptionInfo") in data:
        return "文件已加密，请取消密码保护后重新导出"
    if utf16("WordDocument") in data:
        return "文件是旧版Word（.doc）格式，请另存为.docx后再导入"
    if utf16("Workbook") in data or utf16("Book") in data:
        return "文件是旧版Excel（.xls）格式，请另存为.xlsx后再导入"
    return "文件是不支持的Office复合文档格式，请另存为.docx或.xlsx后再导入"


def open_zip_checked(path: Path) -> zipfile.ZipFile:
    """Open a zip container after checking it is intact and not a zip bomb."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ReadError(path, "文件已损坏（压缩包结构不完整）") from None
    except OSError as exc:
        raise ReadError(path, f"读取失败（{exc.strerror or exc}）") from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBER_COUNT:
        zf.close()
        raise ReadError(path, "文件内部条目过多，疑似恶意压缩文件，已拒绝")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            zf.close()
            raise ReadError(path, "文件已加密")
        total += info.file_size
        if total > MAX_UNCOMPRESSED_TOTAL:
            zf.close()
            raise ReadError(path, "文件解压后过大，疑似恶意压缩文件（压缩炸弹），已拒绝")
        if info.file_size > _RATIO_CHECK_FROM and (
            info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        ):
            zf.close()
            raise ReadError(path, "文件压缩比异常，疑似恶意压缩文件（压缩炸弹），已拒绝")
    try:
        for info in infos:
            with zf.open(info) as member:
                while member.read(_VERIFY_CHUNK):
                    pass
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError):
        zf.close()
        raise ReadError(path, "文件已损坏（压缩包内容与目录记录不符）") from None
    return zf


def _zip_kind(path: Path) -> str:
    with open_zip_checked(path) as zf:
        names = set(zf.namelist())
        if "word/document.xml" in names or any(n.endswith("/document.xml") for n in names if n.startswith("word/")):
            return "docx"
        if "xl/workbook.xml" in names or any(n.startswith("xl/") and n.endswith("workbook.xml") for n in names):
            return "xlsx"
        if "mimetype" in names:
            try:
                mime = zf.read("mimetype")[:100].decode("ascii", "replace")
            except (zipfile.BadZipFile, OSError, RuntimeError):
                mime = ""
            if "opendocument" in mime:
                raise ReadError(path, "文件是OpenDocument（WPS/LibreOffice）格式，请另存为.docx或.xlsx后再导入")
        if "Contents/Section0.xml" in names:
            raise ReadError(path, "文件是HWP格式，不支持")
    raise ReadError(path, "文件类型不支持（是压缩包，但不是Word（.docx）或Excel（.xlsx）文件）")


__all__ = [
    "Document",
    "Line",
    "ReadError",
    "Reader",
    "Row",
    "Table",
    "open_zip_checked",
    "read_document",
]
