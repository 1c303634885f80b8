"""Evidence uploads: the type is decided by the content, never by the name or the
browser's claim, and the name is cleaned for display only."""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings


class UploadError(ValueError):
    """A rejected upload; the message is Chinese and names the file."""


@dataclass(frozen=True)
class Kind:
    ext: str
    content_type: str
    label: str


PDF = Kind(".pdf", "application/pdf", "PDF")
DOCX = Kind(".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word")
XLSX = Kind(".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel")
JPG = Kind(".jpg", "image/jpeg", "JPG 图片")
PNG = Kind(".png", "image/png", "PNG 图片")
TXT = Kind(".txt", "text/plain", "文本")
ALLOWED = (PDF, DOCX, XLSX, JPG, PNG, TXT)
ALLOWED_TEXT = "PDF、Word（.docx）、Excel（.xlsx）、JPG、PNG、TXT"

# A zip-based office file must be a real zip holding the part that makes it that type.
_ZIP_MEMBERS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}
_MAX_ZIP_RATIO = 200  # refuse zip bombs: uncompressed size per compressed byte


def clean_name(name: str) -> str:
    """A display name: last path component only (both separator styles), no control
    characters, no leading dots, at most 150 characters; never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"/\\|?*]', "_", name).strip().lstrip(".")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:150]
    return name or "附件"


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _zip_kind(data: bytes, display: str) -> Kind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
            if total > max(len(data), 1) * _MAX_ZIP_RATIO:
                raise UploadError(f"文件“{display}”解压后过大，疑似异常压缩文件，已拒绝")
            if zf.testzip() is not None:
                raise UploadError(f"文件“{display}”已损坏，无法读取")
    except zipfile.BadZipFile:
        raise UploadError(f"文件“{display}”已损坏，不是有效的 Word 或 Excel 文件") from None
    if "[Content_Types].xml" not in names:
        return None
    for kind, member in _ZIP_MEMBERS.items():
        if member in names:
            return kind
    return None


def detect(data: bytes, display: str) -> Kind:
    """The kind of file `data` really is, or UploadError."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data, display)
        if kind is not None:
            return kind
        raise UploadError(f"文件“{display}”是压缩包，不是 Word（.docx）或 Excel（.xlsx）文件，只能上传{ALLOWED_TEXT}")
    head = data[:4096].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script")):
        raise UploadError(f"文件“{display}”是网页或脚本文件，不能上传，只能上传{ALLOWED_TEXT}")
    if _looks_like_text(data):
        return TXT
    raise UploadError(f"文件“{display}”的类型不受支持，只能上传{ALLOWED_TEXT}")


def check_upload(data: bytes, original_name: str) -> tuple[Kind, str]:
    """Validate one upload; returns (kind, display name) or raises UploadError."""
    display = clean_name(original_name)
    limit = settings.DUBAN_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise UploadError(f"文件“{display}”过大（{len(data) / 1024 / 1024:.1f} MB），上限为 {limit // 1024 // 1024} MB")
    if not data:
        raise UploadError(f"文件“{display}”是空文件")
    kind = detect(data, display)
    # The shown name carries the detected extension, so a download opens with the right program.
    stem = PurePosixPath(display).stem if PurePosixPath(display).suffix.lower() in {k.ext for k in ALLOWED} | {".jpeg"} else display
    if kind == JPG and display.lower().endswith(".jpeg"):
        return kind, display
    return kind, f"{stem}{kind.ext}"
