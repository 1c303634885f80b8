"""Helpers of the security suite: the pages a role may open (from the access rules of
duban/web/tests/test_isolation.py) and the text of any response, whatever its format
(HTML, JSON, CSV, .docx, .pdf, .xlsx), so a test can look for a string in everything a
person receives."""
from __future__ import annotations

import io
import zipfile
from typing import Iterator

from django.urls import reverse

from duban.web.tests.test_isolation import BUILDERS, OK, ROLES, RULES, URLS, matches

SIGNED_IN = ROLES[1:]
URL_NAMES = sorted({name for name, _ in URLS if name in RULES})


def build_everything(world) -> None:
    """Every lazily built object of the isolation world (round, report, attachment,
    notice, requests, instruction, notification, robot, token, webhook)."""
    for name in BUILDERS:
        getattr(world, name)


def allowed(rule_expect: dict, role: str) -> bool:
    return matches(OK, rule_expect[role])


def pages(world, role: str) -> Iterator[tuple[str, str]]:
    """(name, url) of every URL the role may GET, with the world's objects in it."""
    for name in URL_NAMES:
        rule = RULES[name]
        if allowed(rule.get, role):
            yield name, reverse(name, kwargs=rule.kwargs(world))


def body_text(response) -> str:
    """Everything a person receives in this response, as text: documents are opened
    with the libraries that read them (python-docx, pdfplumber, openpyxl), plus the raw
    XML parts of the Office files."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "").split(";")[0].strip()
    if content.startswith(b"%PDF"):
        import pdfplumber

        with pdfplumber.open(io.BytesIO(content)) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    if content.startswith(b"PK\x03\x04"):
        parts = []
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    parts.append(zf.read(info).decode("utf-8", "replace"))
        if "spreadsheet" in kind:
            from openpyxl import load_workbook

            wb = load_workbook(io.BytesIO(content))
            parts += [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                      if c.value is not None]
        return "\n".join(parts)
    return content.decode("utf-8", "replace")


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")
