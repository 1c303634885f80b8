"""Uploads: the type is decided by the content, never by the name or the browser's
claim, and the name is cleaned for display only (evidence attachments, report sheets,
and the container checks of plan files). A stored upload is an ``UploadedFile`` (the
abstract model of rounds.Attachment, supervision.EvidenceFile and items.ItemDocument),
kept under a generated name (``generated_path``) and served by ``download``."""
from __future__ import annotations

import io
import logging
import re
import unicodedata
import uuid
import zipfile
import zlib
from xml.parsers import expat
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.db import models
from django.http import FileResponse, Http404
from django.utils import timezone

log = logging.getLogger(__name__)


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
# Zip bombs: sizes are read from the central directory before anything is inflated; then
# testzip() reads every member in 1 MB chunks, which stops at the declared size, so a
# directory that lies (1 kB declared, gigabytes inside) fails the CRC check cheaply.
_MAX_ZIP_RATIO = 200  # uncompressed size per compressed byte, for the whole file and per large member
_RATIO_CHECK_FROM = 1024 * 1024  # small members compress however they like
_MAX_UNCOMPRESSED_TOTAL = 100 * 1024 * 1024  # a Word or Excel evidence file unpacks to far less
_MAX_MEMBERS = 5000


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
    bomb = f"文件“{display}”解压后过大，疑似异常压缩文件（压缩炸弹），已拒绝"
    damaged = f"文件“{display}”已损坏，不是有效的 Word 或 Excel 文件"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > _MAX_MEMBERS:
                raise UploadError(f"文件“{display}”内部条目过多，疑似异常压缩文件，已拒绝")
            if any(i.flag_bits & 0x1 for i in infos):
                raise UploadError(f"文件“{display}”已加密，请取消密码保护后重新上传")
            total = sum(i.file_size for i in infos)
            if total > _MAX_UNCOMPRESSED_TOTAL or total > max(len(data), 1) * _MAX_ZIP_RATIO:
                raise UploadError(bomb)
            if any(i.file_size > _RATIO_CHECK_FROM and i.file_size > _MAX_ZIP_RATIO * max(i.compress_size, 1)
                   for i in infos):
                raise UploadError(bomb)
            if zf.testzip() is not None:
                raise UploadError(f"文件“{display}”已损坏，无法读取")
            names = {i.filename for i in infos}
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    _refuse_dtd(zf, info, display)
    except UploadError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError):
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method.
        raise UploadError(damaged) from None
    if "[Content_Types].xml" not in names:
        return None
    for kind, member in _ZIP_MEMBERS.items():
        if member in names:
            return kind
    return None


class _RootReached(Exception):
    pass


def _refuse_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str) -> None:
    """Office Open XML parts never carry a document type declaration (the Open Packaging
    Conventions, ECMA-376 Part 2, forbid DTDs): one that does is an entity-expansion
    attack ("billion laughs") or an external-entity probe, refused before any XML
    library sees it. Only the prolog is read: parsing stops at the root element."""
    def refuse(*_args) -> None:
        raise UploadError(f"文件“{display}”包含不允许的 XML 实体声明（{info.filename}），疑似恶意文件，已拒绝")

    def root(*_args) -> None:
        raise _RootReached

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = root
    with zf.open(info) as fh:
        try:
            while chunk := fh.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _RootReached:
            return
        except expat.ExpatError:
            raise UploadError(f"文件“{display}”已损坏（{info.filename} 不是有效的 XML），无法读取") from None


def _check_pdf(data: bytes, display: str) -> None:
    """A PDF must open without a password and have a page: a locked or broken file is of
    no use as evidence, and is refused here rather than found out by the reader."""
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError  # why: pdfplumber's parser, already installed
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        if next(PDFPage.create_pages(document), None) is None:
            raise UploadError(f"文件“{display}”已损坏（找不到任何页面），不是有效的 PDF 文件")
    except UploadError:
        raise
    except PDFEncryptionError:
        raise UploadError(f"文件“{display}”已加密（需要密码才能打开），请取消密码保护后重新上传") from None
    except Exception:  # noqa: BLE001 - pdfminer raises many kinds for a damaged file
        log.warning("pdfminer could not read the uploaded %s", display, exc_info=True)
        raise UploadError(f"文件“{display}”已损坏，不是有效的 PDF 文件") from None


def detect(data: bytes, display: str) -> Kind:
    """The kind of file `data` really is, or UploadError."""
    if data.startswith(b"%PDF-"):
        _check_pdf(data, display)
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


def check_container(data: bytes, original_name: str) -> None:
    """The container checks alone, for an upload whose type another reader decides (the
    plan import: planparser, with its own messages for old Office formats and the like):
    zip bombs and XML entity declarations in .docx/.xlsx, locked or broken PDFs."""
    display = clean_name(original_name)
    if data.startswith(b"%PDF-"):
        _check_pdf(data, display)
    elif data.startswith(b"PK\x03\x04"):
        _zip_kind(data, display)


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


# --- stored uploads ----------------------------------------------------------------------

def generated_path(folder: str, filename: str) -> str:
    """A generated name under `folder`/year/month: the uploaded name never becomes part
    of a path; only its extension (lower case) is kept."""
    ext = PurePosixPath(filename).suffix.lower()
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class UploadedFile(models.Model):
    """What every stored upload records besides its file and its owner: the sanitised
    name shown (never used as a path), the type detected from the content, the size,
    the SHA-256 digest, who uploaded it and when. Each concrete model declares its own
    ``file`` (its own folder, ``generated_path``)."""

    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("文件摘要", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


def download(upload: UploadedFile, *, missing: str = "文件已不在存储中") -> FileResponse:
    """The stored file of `upload` as an attachment under its shown name and detected
    type, never rendered by the browser (nosniff, a sandboxing CSP). 404 when the file
    is no longer in storage. The caller checks who may read it, and audits the download
    once this returned."""
    try:
        fh = upload.file.open("rb")
    except FileNotFoundError:
        raise Http404(missing) from None
    response = FileResponse(fh, as_attachment=True, filename=upload.original_name, content_type=upload.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
