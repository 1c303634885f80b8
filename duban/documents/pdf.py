"""PDF from the filled .docx, so the Word and PDF versions of a document never differ.

LibreOffice (``soffice --headless --convert-to pdf``) converts it where it is
installed; the fonts the documents name (仿宋_GB2312, 方正小标宋简体, 宋体, 楷体 …, which a
Linux server rarely has) are mapped by a fontconfig file to an installed serif CJK font
(Noto Serif CJK SC from Debian's fonts-noto-cjk, else AR PL UMing from
fonts-arphic-uming), 黑体 to a sans one, so nothing falls back to a sans face by
chance. LibreOffice applies the Chinese line-breaking rules (the documents' East Asian
language is zh-CN: duban.lib.officedoc.set_chinese).

Without LibreOffice (or when it fails) reportlab lays the same .docx out: paragraphs
with their alignment, indent, size and colour, tables with their column widths, the
masthead's rule, the page number; lines are broken here by the same rules (`break_lines`).

The serif font's name is written into the PDF's subject (正文字体：…), beside the
embedded font itself.
"""
from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

# A line may not start with these, nor end with the next ones (GB/T 15834 usage; the
# same lists as LibreOffice's zh-CN forbidden characters, in short).
NO_LINE_START = "，。、：；！？”’）》」』】〕〉…—%,.:;!?)]}"
NO_LINE_END = "“‘（《「『【〔〈([{"

SERIF_FACES = [  # (family for fontconfig, TrueType file reportlab can embed or None, subfont)
    ("Noto Serif CJK SC", None, 0),  # OpenType/CFF: LibreOffice only
    ("AR PL UMing CN", "/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]
SANS_FACES = [
    ("Noto Sans CJK SC", None, 0),
    ("WenQuanYi Micro Hei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
]
# The fonts official documents name, and what stands in for them.
SERIF_NAMES = ["仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312", "方正仿宋_GBK", "方正仿宋简体", "宋体", "SimSun",
               "新宋体", "NSimSun", "方正小标宋简体", "方正小标宋_GBK", "华文中宋", "STZhongsong", "楷体_GB2312", "楷体",
               "KaiTi", "KaiTi_GB2312", "方正楷体_GBK", "华文仿宋", "STFangsong"]
SANS_NAMES = ["黑体", "SimHei", "方正黑体_GBK", "方正黑体简体", "微软雅黑", "Microsoft YaHei"]


class ConversionFailed(Exception):
    pass


@lru_cache(maxsize=1)
def installed_families() -> frozenset[str]:
    fc = shutil.which("fc-list")
    if not fc:
        return frozenset()
    out = subprocess.run([fc, ":", "family"], capture_output=True, text=True, timeout=30).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


def serif_family() -> str:
    """The serif CJK family documents are set in (the first installed of SERIF_FACES)."""
    families = installed_families()
    for family, path, _ in SERIF_FACES:
        if family in families or (path and Path(path).exists()):
            return family
    return ""


def soffice() -> str | None:
    engine = getattr(settings, "DUBAN_PDF_ENGINE", "auto")
    if engine == "reportlab":
        return None
    return shutil.which(getattr(settings, "DUBAN_SOFFICE", "") or "soffice")


def to_pdf(docx: bytes) -> bytes:
    """The PDF of a filled .docx: LibreOffice where installed, else reportlab."""
    if soffice():
        try:
            return libreoffice_pdf(docx)
        except ConversionFailed as exc:
            log.warning("LibreOffice could not convert a document, reportlab lays it out instead: %s", exc)
    return reportlab_pdf(docx)


# --- LibreOffice ---------------------------------------------------------------------------

_lock = threading.Lock()  # one conversion at a time per process (one LibreOffice profile)


def _fonts_conf(folder: Path) -> Path:
    def alias(names: list[str], faces: list[tuple]) -> str:
        prefer = "".join(f"<family>{f}</family>" for f, _, _ in faces)
        return "".join(f'<alias binding="same"><family>{n}</family><prefer>{prefer}</prefer></alias>' for n in names)

    text = ('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
            '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
            f"{alias(SERIF_NAMES, SERIF_FACES)}{alias(SANS_NAMES, SANS_FACES)}</fontconfig>")
    path = folder / "fonts.conf"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def _with_font_name(docx: bytes) -> bytes:
    """The .docx with the serif font's name as its subject (LibreOffice carries it into
    the PDF's document properties)."""
    from docx import Document

    family = serif_family()
    if not family:
        return docx
    doc = Document(io.BytesIO(docx))
    doc.core_properties.subject = f"正文字体：{family}"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def libreoffice_pdf(docx: bytes) -> bytes:
    return libreoffice_pdfs([docx])[0]


def libreoffice_pdfs(documents: list[bytes], timeout: int = 300) -> list[bytes]:
    """Several .docx converted by one LibreOffice run (its start costs seconds)."""
    binary = soffice()
    if not binary:
        raise ConversionFailed("soffice is not installed")
    home = Path(settings.DATA_DIR) / "libreoffice"
    profile = home / f"profile-{os.getpid()}"
    profile.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FONTCONFIG_FILE": str(_fonts_conf(home)), "HOME": str(profile)}
    with _lock, tempfile.TemporaryDirectory(prefix="duban-pdf-") as tmp:
        sources = []
        for i, docx in enumerate(documents):
            src = Path(tmp) / f"document-{i}.docx"
            src.write_bytes(_with_font_name(docx))
            sources.append(str(src))
        cmd = [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", tmp, *sources]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, cwd=tmp)
        except subprocess.TimeoutExpired as exc:
            raise ConversionFailed(f"timed out after {timeout} s") from exc
        outs = [Path(tmp) / f"document-{i}.pdf" for i in range(len(documents))]
        if done.returncode != 0 or not all(o.exists() for o in outs):
            raise ConversionFailed(f"exit {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
        return [o.read_bytes() for o in outs]


# --- reportlab ------------------------------------------------------------------------------

_registered: dict[str, str] = {}


def pdf_fonts() -> tuple[str, str]:
    """reportlab names of the (serif, sans) fonts: embedded TrueType faces when installed,
    else the built-in STSong-Light CID font (not embedded)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not _registered:
        for role, faces in (("serif", SERIF_FACES), ("sans", SANS_FACES)):
            for family, path, index in faces:
                if path and Path(path).exists():
                    name = "Duban" + re.sub(r"\W", "", family)
                    try:
                        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
                    except Exception:  # noqa: BLE001 - a broken font file: try the next
                        continue
                    _registered[role] = name
                    _registered[role + "_family"] = family
                    break
        if "serif" not in _registered:
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
            _registered["serif"] = _registered["serif_family"] = "STSong-Light"
        _registered.setdefault("sans", _registered["serif"])
    return _registered["serif"], _registered["sans"]


TOKEN = re.compile(r"[A-Za-z0-9.%]+|\s+|.", re.S)


def break_lines(text: str, width: float, font: str, size: float, first_indent: float = 0) -> list[str]:
    """`text` broken into lines no wider than `width` points, by the Chinese rules:
    no line starts with NO_LINE_START or ends with NO_LINE_END (a character is moved
    to the next line instead); Latin words and numbers are not split."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    tokens = TOKEN.findall(text)
    lines: list[list[str]] = [[]]
    used, room = 0.0, width - first_indent
    for tok in tokens:
        w = stringWidth(tok, font, size)
        if used + w > room and lines[-1]:
            if tok.isspace():
                continue
            lines.append([])
            used, room = 0.0, width
        lines[-1].append(tok)
        used += w
    # The rules: pull a character down while the next line would start badly or this
    # one ends badly (never emptying a line).
    for i in range(len(lines) - 1):
        line, nxt = lines[i], lines[i + 1]
        while len(line) > 1 and ((nxt and nxt[0][:1] in NO_LINE_START) or line[-1][-1:] in NO_LINE_END):
            nxt.insert(0, line.pop())
    # A pulled-down character may have made a following line too long: lay out again.
    out = ["".join(x).strip() for x in lines]
    for i, line in enumerate(out[:-1]):
        room = width - (first_indent if i == 0 else 0)
        if stringWidth(out[i + 1], font, size) > width + 0.1 and stringWidth(line, font, size) <= room:
            rest = "".join(out[i + 1:])
            return out[: i + 1] + break_lines(rest, width, font, size)
    return out


def reportlab_pdf(docx: bytes) -> bytes:
    """The .docx laid out by reportlab (the fallback when LibreOffice is not installed)."""
    from xml.sax.saxutils import escape

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    doc = Document(io.BytesIO(docx))
    serif, sans = pdf_fonts()
    section = doc.sections[0]
    pt = 1 / 12700  # EMU → points
    left, right = section.left_margin * pt, section.right_margin * pt
    width = (section.page_width or A4[0] / pt) * pt - left - right
    frame_width = width - 12  # SimpleDocTemplate's frame pads 6 points on each side
    default_size = (doc.styles["Normal"].font.size.pt if doc.styles["Normal"].font.size else 16)
    aligns = {WD_ALIGN_PARAGRAPH.CENTER: TA_CENTER, WD_ALIGN_PARAGRAPH.RIGHT: TA_RIGHT}

    def look(p) -> tuple[str, float, str | None]:
        run = next((r for r in p.runs if r.text.strip()), p.runs[0] if p.runs else None)
        size = run.font.size.pt if run is not None and run.font.size else default_size
        name = (run.font.name or "") if run is not None else ""
        color = str(run.font.color.rgb) if run is not None and run.font.color and run.font.color.type else None
        return (sans if name in SANS_NAMES else serif), size, color

    def flow(p, avail: float, *, cell: bool = False) -> list:
        font, size, color = look(p)
        fmt = p.paragraph_format
        indent = fmt.first_line_indent.pt if fmt.first_line_indent else 0
        leading = fmt.line_spacing.pt if hasattr(fmt.line_spacing, "pt") else size * 1.4
        if cell:
            leading = size * 1.35
        style = ParagraphStyle(
            "p", fontName=font, fontSize=size, leading=max(leading, size * 1.1), firstLineIndent=indent,
            alignment=aligns.get(p.alignment, TA_LEFT),
            spaceAfter=fmt.space_after.pt if fmt.space_after else 0, textColor=colors.HexColor("#" + color) if color else colors.black,
        )
        text = p.text
        if "\t" in text and not cell:  # issuer on the left, date on the right (the masthead)
            a, _, b = text.partition("\t")
            row = PdfTable([[Paragraph(escape(a), style), Paragraph(escape(b), ParagraphStyle("r", parent=style, alignment=TA_RIGHT))]],
                           colWidths=[avail * 0.6, avail * 0.4])
            row.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
            out = [row]
        else:
            lines = break_lines(text, avail - 0.5, font, size, indent) if text.strip() else [""]
            markup = "<br/>".join(escape(x) for x in lines)
            out = [Paragraph(markup, style)]
        ppr = p._p.pPr
        if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
            bottom = ppr.find(qn("w:pBdr")).find(qn("w:bottom"))
            if bottom is not None:
                ink = bottom.get(qn("w:color")) or "000000"
                out.append(HRFlowable(width="100%", thickness=1.5, color=colors.HexColor("#" + ink if ink != "auto" else "#000000"),
                                      spaceBefore=2, spaceAfter=12))
        return out

    def table(t) -> list:
        grid = t._tbl.tblGrid
        cols = [int(g.get(qn("w:w")) or 0) / 20 for g in grid.findall(qn("w:gridCol"))]
        total = sum(cols) or 1
        cols = [c * frame_width / total for c in cols] if total > frame_width or not all(cols) else cols
        data, heads = [], 0
        for r, row in enumerate(t.rows):
            cells = []
            for k, c in enumerate(row.cells[: len(cols)]):
                inner = []
                for p in c.paragraphs:
                    inner += flow(p, cols[k] - 6, cell=True)
                cells.append(inner)
            data.append(cells)
            trpr = row._tr.trPr
            if r == heads and trpr is not None and trpr.find(qn("w:tblHeader")) is not None:
                heads += 1
        if not data:
            return []
        pdf_table = PdfTable(data, colWidths=cols, repeatRows=heads)
        pdf_table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]))
        return [pdf_table, Spacer(1, 6)]

    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    story: list = []
    for child in doc.element.body:
        if child.tag == qn("w:p"):
            story += flow(DocxParagraph(child, doc), frame_width)
        elif child.tag == qn("w:tbl"):
            story += table(DocxTable(child, doc))

    footer = " ".join(p.text for p in section.footer.paragraphs).strip()
    numbered = "—" in footer or bool(section.footer._element.xpath(".//w:fldSimple|.//w:instrText"))

    def page_number(canvas, d) -> None:
        if not numbered:
            return
        canvas.saveState()
        canvas.setFont(serif, 14)
        canvas.drawCentredString((section.page_width * pt) / 2, section.bottom_margin * pt - 40, f"— {d.page} —")
        canvas.restoreState()

    out = io.BytesIO()
    props = doc.core_properties
    family = _registered["serif_family"]
    pdf = SimpleDocTemplate(out, pagesize=(section.page_width * pt, section.page_height * pt),
                            topMargin=section.top_margin * pt, bottomMargin=section.bottom_margin * pt,
                            leftMargin=left, rightMargin=right, title=props.title or "", author=props.author or "",
                            subject=f"正文字体：{family}")
    pdf.build(story or [Spacer(1, 1)], onFirstPage=page_number, onLaterPages=page_number)
    return out.getvalue()
