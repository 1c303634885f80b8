"""Checks on the files as people see them: LibreOffice headless conversion, the fonts a
PDF embeds, and whether its Chinese text renders as glyphs or as boxes (tofu).

The glyph check renders a page with ``pdftoppm`` and cuts out each distinct Chinese
character at the place the PDF's text layer gives it (pdfplumber). Real glyphs differ
from one character to the next; a missing font draws every character as the same box
(or as nothing), so the number of distinct shapes collapses to one or two. The check
asks for ink in every cut-out and nearly as many distinct shapes as distinct
characters: a page of boxes fails it, a page of text passes.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")
PDFFONTS = shutil.which("pdffonts")
CJK = re.compile(r"[\u4e00-\u9fff]")


def soffice_to_pdf(data: bytes, suffix: str, tmp_path: Path, timeout: int = 240) -> bytes:
    """Converts `data` (an .xlsx or .docx) to PDF with LibreOffice headless, in a
    profile and HOME of its own (so parallel runs do not share a profile lock)."""
    assert SOFFICE, "LibreOffice (soffice) is not installed"
    work = tmp_path / f"lo-{suffix.strip('.')}"
    (work / "home").mkdir(parents=True, exist_ok=True)
    src = work / f"document{suffix}"
    src.write_bytes(data)
    env = {**os.environ, "HOME": str(work / "home")}
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--norestore", "--nologo",
         "--convert-to", "pdf", "--outdir", str(work / "out"), str(src)],
        capture_output=True, timeout=timeout, env=env, check=False,
    )
    pdf = work / "out" / "document.pdf"
    assert done.returncode == 0 and pdf.exists(), (
        f"LibreOffice 转换失败（{done.returncode}）：{done.stdout.decode(errors='replace')}"
        f"{done.stderr.decode(errors='replace')}")
    return pdf.read_bytes()


def embedded_fonts(pdf: bytes, tmp_path: Path) -> dict[str, bool]:
    """Font name → embedded, as ``pdffonts`` lists them."""
    assert PDFFONTS, "poppler-utils (pdffonts) is not installed"
    path = tmp_path / "fonts-check.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([PDFFONTS, str(path)], capture_output=True, timeout=60, check=True).stdout.decode()
    fonts = {}
    for line in out.splitlines()[2:]:
        parts = line.split()
        if len(parts) < 5:
            continue
        # name type [encoding words…] emb sub uni object ID: the flags are the 5th-to-last…
        emb = parts[-5]
        fonts[parts[0]] = emb == "yes"
    return fonts


def cjk_fonts(pdf: bytes, page: int = 0) -> set[str]:
    """The names of the fonts the page's Chinese characters are drawn in."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return {c["fontname"] for c in doc.pages[page].chars if CJK.match(c["text"])}


def pdf_text(pdf: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "".join(p.extract_text() or "" for p in doc.pages)


def glyph_shapes(pdf: bytes, tmp_path: Path, page: int = 0, dpi: int = 300, limit: int = 80) -> dict:
    """Renders `page` with pdftoppm and compares the shapes of its distinct Chinese
    characters. Returns {"chars": n distinct characters looked at, "shapes": n distinct
    shapes, "inked": n cut-outs with ink}."""
    import pdfplumber
    from PIL import Image

    assert PDFTOPPM, "poppler-utils (pdftoppm) is not installed"
    path = tmp_path / "glyphs.pdf"
    path.write_bytes(pdf)
    prefix = tmp_path / "glyphs"
    subprocess.run([PDFTOPPM, "-png", "-r", str(dpi), "-f", str(page + 1), "-l", str(page + 1), "-singlefile",
                    str(path), str(prefix)], check=True, timeout=120, capture_output=True)
    image = Image.open(f"{prefix}.png").convert("L")
    scale = dpi / 72
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = doc.pages[page].chars
    seen, shapes, inked = set(), set(), 0
    for c in chars:
        text = c["text"]
        if not CJK.match(text) or text in seen or c["size"] < 4:
            continue
        seen.add(text)
        box = (int(c["x0"] * scale), int(c["top"] * scale), int(c["x1"] * scale) + 1, int(c["bottom"] * scale) + 1)
        crop = image.crop(box)
        ink = crop.point(lambda v: 255 if v < 128 else 0)
        bbox = ink.getbbox()
        if bbox is None:
            continue
        inked += 1
        glyph = ink.crop(bbox).resize((12, 12))
        shapes.add(bytes(1 if v > 100 else 0 for v in glyph.tobytes()))
        if len(seen) >= limit:
            break
    return {"chars": len(seen), "shapes": len(shapes), "inked": inked}


def assert_chinese_renders(pdf: bytes, tmp_path: Path, page: int = 0) -> dict:
    """The page's Chinese text is drawn in embedded fonts and renders as distinct
    glyphs, not boxes."""
    fonts = embedded_fonts(pdf, tmp_path)
    used = cjk_fonts(pdf, page)
    assert used, "该页没有中文字符"
    # pdfplumber gives the font's base name (AAAAAA+Name); pdffonts lists the same names.
    not_embedded = [name for name in used if not fonts.get(name, False)]
    assert not not_embedded, f"中文字体未嵌入：{not_embedded}（pdffonts：{fonts}）"
    got = glyph_shapes(pdf, tmp_path, page)
    assert got["chars"] >= 15, f"该页可比较的中文字符太少：{got}"
    assert got["inked"] == got["chars"], f"有中文字符渲染为空白：{got}"
    assert got["shapes"] >= 0.8 * got["chars"], f"中文字符渲染为相同的方框（豆腐块）：{got}"
    return got
