"""Hostile files through the three upload forms of the web: the plan import
(imports:upload, office), an evidence file on a report (rounds:attach, unit A's liaison)
and the filled-in round sheet (rounds:sheet_upload). Each file is made here, with the
libraries that make real ones (zipfile, python-docx, openpyxl, reportlab):

- zip bombs: a .docx and a .xlsx whose main part inflates from ~60 kB to 60 MB, and a
  .docx whose zip directory lies about the size (small declared, 60 MB inside);
- XML entity expansion ("billion laughs"): a .docx and a .xlsx with a DTD;
- malformed PDFs: cut in half, and one whose cross-reference table and objects are
  broken beyond recovery; an encrypted PDF (needs a password);
- a file named .pdf that is a Windows program, and one that is a web page;
- a file over the size cap.

Each is refused with a Chinese message, nothing is stored (no row, no file), and the
refusal takes under TIME_LIMIT seconds and allocates under MEMORY_LIMIT in Python
(tracemalloc peak; the process's peak resident size must not grow by more than
RSS_LIMIT either). duban/lib/uploads.py and planparser/readers hold the checks.
"""
from __future__ import annotations

import io
import re
import resource
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from duban.web.tests.test_isolation import snapshot

from .walk import build_everything

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

MB = 1024 * 1024
TIME_LIMIT = 5.0  # seconds per refusal
MEMORY_LIMIT = 64 * MB  # Python allocations (tracemalloc peak) per refusal
RSS_LIMIT = 200 * MB  # growth of the process's peak resident size per refusal
BOMB_SIZE = 60 * MB

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
LAUGHS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + ("" if i == 1 else str(i - 1)) + ";") * 10}">\n'
                    for i in range(1, 10)) + "]>\n")


# --- the files ----------------------------------------------------------------------------------

def _real_docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("1.推进某项工作。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _real_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["序号", "工作任务"])
    wb.active.append([1, "推进某项工作。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(data: bytes, part: str, change) -> bytes:
    """The same zip with one member's content changed."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            content = src.read(info)
            zf.writestr(info.filename, change(content) if info.filename == part else content)
    return out.getvalue()


def _bomb(data: bytes, part: str) -> bytes:
    """`part` replaced by BOMB_SIZE bytes of spaces inside its root element, written a
    megabyte at a time (ratio ~1000:1)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for info in src.infolist():
            if info.filename != part:
                zf.writestr(info.filename, src.read(info))
                continue
            head = src.read(info)
            root = re.search(rb"<[A-Za-z_]", head).start()
            cut = head.index(b">", root) + 1  # after the root element's start tag
            with zf.open(part, "w") as fh:
                fh.write(head[:cut])
                for _ in range(BOMB_SIZE // MB):
                    fh.write(b" " * MB)
                fh.write(head[cut:])
    return out.getvalue()


def _lying_bomb(data: bytes, part: str) -> bytes:
    """A bomb whose local header and central directory both declare 1000 bytes for the
    60 MB member: a reader that trusted the declared size would inflate it all."""
    bomb = bytearray(_bomb(data, part))
    info = zipfile.ZipFile(io.BytesIO(bytes(bomb))).getinfo(part)
    bomb[info.header_offset + 22:info.header_offset + 26] = (1000).to_bytes(4, "little")
    name = part.encode()
    at = info.header_offset + 30
    while True:  # the central-directory entry of `part`
        at = bomb.index(b"PK\x01\x02", at)
        if bomb[at + 46:at + 46 + len(name)] == name:
            break
        at += 4
    bomb[at + 24:at + 28] = (1000).to_bytes(4, "little")
    assert zipfile.ZipFile(io.BytesIO(bytes(bomb))).getinfo(part).file_size == 1000
    return bytes(bomb)


def _with_dtd(data: bytes, part: str, after: bytes) -> bytes:
    """`part` with the billion-laughs DTD, and a reference to its biggest entity (3 GB
    of "lol" if expanded) in the first text after `after`."""
    def change(xml: bytes) -> bytes:
        body = xml[xml.index(b"?>") + 2:] if xml.startswith(b"<?xml") else xml
        assert after in body
        return LAUGHS.encode() + body.replace(after, after + b"&lol9;", 1)
    return _rewrite(data, part, change)


def _pdf(**kw) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, **kw)
    c.drawString(72, 720, "1. hello")
    c.showPage()
    c.drawString(72, 720, "2. world")
    c.save()
    return buf.getvalue()


def _broken_xref_pdf() -> bytes:
    """The cross-reference table points nowhere and no object can be found by
    scanning either (the readers' fallback)."""
    data = _pdf()
    data = re.sub(rb"startxref\s+\d+", b"startxref\n999999", data)
    data = re.sub(rb"(\d+) 0 obj", rb"\1 0 jbo", data)
    return data


def _encrypted_pdf() -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption

    return _pdf(encrypt=StandardEncryption("secret", ownerPassword="owner"))


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 45 + \
    b"\x0e\x1f\xba\x0e\x00\xb4\t\xcd!This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 400
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(scope="module")
def files() -> dict[str, tuple[str, bytes]]:
    """{case: (uploaded name, content)}, made once for the module."""
    docx, xlsx = _real_docx(), _real_xlsx()
    pdf = _pdf()
    return {
        "zip_bomb_docx": ("方案.docx", _bomb(docx, "word/document.xml")),
        "zip_bomb_xlsx": ("报表.xlsx", _bomb(xlsx, "xl/workbook.xml")),
        "lying_zip_bomb_docx": ("方案.docx", _lying_bomb(docx, "word/document.xml")),
        "billion_laughs_docx": ("方案.docx", _with_dtd(docx, "word/document.xml", b"<w:t>")),
        "billion_laughs_xlsx": ("报表.xlsx", _with_dtd(xlsx, "xl/worksheets/sheet1.xml", b"<is><t>")),
        "truncated_pdf": ("方案.pdf", pdf[: len(pdf) // 2]),
        "broken_xref_pdf": ("方案.pdf", _broken_xref_pdf()),
        "encrypted_pdf": ("方案.pdf", _encrypted_pdf()),
        "exe_named_pdf": ("方案.pdf", EXE),
        "html_named_pdf": ("方案.pdf", HTML),
        "oversize": ("方案.pdf", pdf + b"%" + b"0" * (MB + 1 - len(pdf) - 1)),
    }


def test_the_hostile_files_are_what_they_claim(files):
    """The bombs really are bombs and the PDFs really are broken (so the refusals below
    are the checks' doing)."""
    for case in ("zip_bomb_docx", "zip_bomb_xlsx"):
        data = files[case][1]
        declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
        assert declared > BOMB_SIZE and len(data) < BOMB_SIZE / 500, (case, declared, len(data))
    lying = zipfile.ZipFile(io.BytesIO(files["lying_zip_bomb_docx"][1])).getinfo("word/document.xml")
    assert lying.file_size == 1000 and lying.compress_size > 10_000
    for case, part in (("billion_laughs_docx", "word/document.xml"), ("billion_laughs_xlsx", "xl/worksheets/sheet1.xml")):
        xml = zipfile.ZipFile(io.BytesIO(files[case][1])).read(part)
        assert b"<!ENTITY lol9" in xml and b"&lol9;" in xml, case
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    with pytest.raises(PDFPasswordIncorrect):
        PDFDocument(PDFParser(io.BytesIO(files["encrypted_pdf"][1])))
    for case in ("truncated_pdf", "broken_xref_pdf"):
        try:  # no page can be read: the parser fails, or finds none
            pages = list(PDFPage.create_pages(PDFDocument(PDFParser(io.BytesIO(files[case][1])))))
        except Exception:  # noqa: BLE001
            pages = []
        assert pages == [], case


# --- the forms ----------------------------------------------------------------------------------

# What each refusal must say (a Chinese message naming the problem), per form and case.
EXPECTED = {
    "zip_bomb_docx": "过大|压缩炸弹|压缩比异常",
    "zip_bomb_xlsx": "过大|压缩炸弹|压缩比异常",
    "lying_zip_bomb_docx": "损坏",
    "billion_laughs_docx": "实体声明|损坏",
    "billion_laughs_xlsx": "实体声明|损坏",
    "truncated_pdf": "损坏",
    "broken_xref_pdf": "损坏",
    "encrypted_pdf": "加密",
    "exe_named_pdf": "可执行程序|类型不受支持",
    "html_named_pdf": "网页|类型不受支持|没有找到",
    "oversize": "过大",
}
# The round sheet takes only .xlsx: every other file is refused as not a sheet.
NOT_A_SHEET = "不是 Excel|无法读取上传的文件"


def _stored_files() -> set[str]:
    root = Path(default_storage.location)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _send(client, form: str, world, name: str, data: bytes):
    upload = SimpleUploadedFile(name, data)
    if form == "imports:upload":
        return client.post(reverse(form), {"file": upload})
    if form == "rounds:attach":
        return client.post(reverse(form, args=[world.report_a.pk]), {"file": upload}, follow=True)
    return client.post(reverse(form, args=[world.round.pk]), {"file": upload})


FORMS = {"imports:upload": "office", "rounds:attach": "liaison_a", "rounds:sheet_upload": "liaison_a"}


@pytest.mark.parametrize("case", sorted(EXPECTED))
@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_hostile_file_is_refused_cleanly_and_quickly(form, case, files, world, settings):
    build_everything(world)
    settings.DUBAN_MAX_UPLOAD_BYTES = MB  # the oversize case is 1 MB + 1 byte
    name, data = files[case]
    client = Client()
    client.force_login(world.user(FORMS[form]))
    before, stored = snapshot(), _stored_files()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        response = _send(client, form, world, name, data)
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before

    assert response.status_code in (200, 400), response.status_code
    text = strip_tags(response.content.decode())
    expected = NOT_A_SHEET if form == "rounds:sheet_upload" and not name.endswith(".xlsx") else EXPECTED[case]
    if case == "oversize":
        expected = EXPECTED[case]
    assert re.search(expected, text), f"{form} {case}：应有中文提示（{expected}），页面为：{text[-1500:]}"
    assert name in text or case == "oversize", f"{form} {case}：提示应指出是哪个文件：{text[-800:]}"
    changed = [label for label, rows in snapshot().items() if rows != before.get(label)]
    assert not changed, f"{form} {case}：被拒绝的文件修改了数据：{changed}"
    assert _stored_files() == stored, f"{form} {case}：被拒绝的文件留在了存储中"
    assert elapsed < TIME_LIMIT, f"{form} {case}：拒绝用了 {elapsed:.1f} 秒"
    assert peak < MEMORY_LIMIT, f"{form} {case}：拒绝时分配了 {peak / MB:.0f} MB"
    assert rss_growth < RSS_LIMIT, f"{form} {case}：进程内存峰值增长 {rss_growth / MB:.0f} MB"


def test_the_control_real_files_pass_the_same_forms(world, files):
    """The same forms take a real PDF as evidence and a real downloaded sheet back, so
    the refusals above are about the files."""
    from duban.rounds.models import Attachment

    build_everything(world)
    client = Client()
    client.force_login(world.liaison_a)
    count = Attachment.objects.count()
    page = client.post(reverse("rounds:attach", args=[world.report_a.pk]),
                       {"file": SimpleUploadedFile("证明.pdf", _pdf())}, follow=True)
    assert Attachment.objects.count() == count + 1, strip_tags(page.content.decode())[-500:]
    sheet = client.get(reverse("rounds:sheet", args=[world.round.pk])).content
    response = client.post(reverse("rounds:sheet_upload", args=[world.round.pk]),
                           {"file": SimpleUploadedFile("报表.xlsx", sheet)})
    assert response.status_code in (302, 400)
    assert "无法读取" not in strip_tags(response.content.decode())
