"""Helpers for the documents tests: templates made with python-docx, the seed."""
from __future__ import annotations

import io

import pytest


def make_template(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    """A .docx whose body is `paragraphs` (and a table), as an office would write one in Word."""
    from docx import Document

    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.fixture
def seed(db):
    """The seed plan (101 tasks) and the demo round, loaded as `duban demo` does."""
    from duban.web.demo import load_demo_round, load_seed_plan

    plan = load_seed_plan()
    rnd = load_demo_round()
    return {"plan": plan, "round": rnd}
