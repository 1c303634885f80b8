"""Every document Duban produces, filled from the seed plan (loaded as `duban demo`
does), opened with python-docx, converted by LibreOffice, and read back: nothing left
unfilled, the 文号 in sequence, the Chinese line-breaking rules kept, a serif font."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone
from docx import Document

from duban.documents import pdf, render
from duban.documents.kinds import KINDS
from duban.plans.models import Task

from .linecheck import broken_lines, line_segments

NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10))
KEEP_RULES = "各单位要对照任务清单逐项抓好落实，" * 3


def all_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    parts += [p.text for s in doc.sections for p in s.header.paragraphs + s.footer.paragraphs]
    return "\n".join(parts)


def unfilled(data: bytes) -> list[str]:
    text = all_text(data)
    return [mark for mark in ("{{", "}}", "{%", "%}", "\ue000") if mark in text]


@pytest.mark.django_db
def test_it_fills_every_task_template_with_every_seed_task(seed, office):
    from duban.supervision.documents import preview_context

    tasks = list(Task.objects.filter(plan=seed["plan"]).order_by("order"))
    assert len(tasks) == 101
    with time_machine.travel(NOW, tick=False):
        for i, task in enumerate(tasks):
            # Every task in the 督办通知单; the other task documents for every fifth task.
            kinds = ["notice_notice"] + (["notice_reminder", "notice_interview", "extension_reply", "closure_notice"]
                                         if i % 5 == 0 else [])
            for kind in kinds:
                data = render.docx(kind, preview_context(kind, task, viewer=office))
                assert unfilled(data) == [], (kind, task.number)
                assert task.title.splitlines()[0][:20] in all_text(data)


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_every_document_of_the_seed_is_numbered_converted_and_broken_by_the_rules(seed, office, tmp_path):
    from duban.exports.briefing import briefing_docx, build_briefing
    from duban.exports.pack import build_pack, pack_docx
    from duban.exports.summary import build_summary, summary_docx
    from duban.org.models import Leader
    from duban.supervision import actions
    from duban.supervision.documents import closure_docx, extension_docx, notice_docx
    from duban.supervision.models import Notice

    assert pdf.soffice(), "LibreOffice 未安装"
    tasks = list(Task.objects.filter(plan=seed["plan"], deadline__isnull=False).order_by("order"))
    with time_machine.travel(NOW, tick=False):
        notices = []
        for i, level in enumerate([Notice.Level.REMINDER, Notice.Level.NOTICE, Notice.Level.INTERVIEW] * 2):
            task = tasks[i]
            notices.append(actions.issue_notice(
                task, actor=office, level=level, units=actions.task_units(task)[:2],
                facts=f"该任务进展滞后。\n{KEEP_RULES}", requirement="请于限期内书面回复办理情况。",
                reply_by=dt.date(2026, 12, 5)))
        assert [n.number for n in notices] == [f"督办〔2026〕{k}号" for k in range(1, 7)]

        # An extension asked by the task's lead unit and approved; a completion verified.
        from duban.conftest import _user

        ext_task = next(t for t in tasks if t.deadline >= dt.date(2026, 11, 28))
        liaison = _user("seed_liaison", "liaison", unit=actions.task_units(ext_task)[0])
        req = actions.request_extension(ext_task, actor=liaison, new_deadline=ext_task.deadline + dt.timedelta(days=60),
                                        reason=KEEP_RULES)
        req = actions.decide_extension(req, actor=office, approve=True, note="请抓紧推进。")
        claim = actions.claim_completion(ext_task, actor=liaison, evidence=f"已完成。\n{KEEP_RULES}")
        closure = actions.verify_completion(claim, actor=office)
        assert (req.reply_number, closure.number) == ("延期批复〔2026〕1号", "销号〔2026〕1号")

        leader = Leader.objects.filter(task_links__isnull=False).distinct().first()
        made = {
            "notice_reminder": notice_docx(notices[0]), "notice_notice": notice_docx(notices[1]),
            "notice_interview": notice_docx(notices[2]), "extension_reply": extension_docx(req),
            "closure_notice": closure_docx(closure),
            "briefing": briefing_docx(build_briefing(seed["round"], today=NOW.date())),
            "leader_pack": pack_docx(build_pack(leader, viewer=office, as_of=NOW.date())),
            "year_summary": summary_docx(build_summary(2026, viewer=office, as_of=NOW.date())),
        }
    assert set(made) == set(KINDS)
    for kind, data in made.items():
        assert unfilled(data) == [], kind
    assert "督办〔2026〕3号" in all_text(made["notice_interview"])
    assert "延期批复〔2026〕1号" in all_text(made["extension_reply"])

    pdfs = dict(zip(made, pdf.libreoffice_pdfs(list(made.values()))))
    import pdfplumber

    for kind, data in pdfs.items():
        lines = line_segments(data)
        assert len(lines) > 5, kind
        assert broken_lines(data) == [], kind
        with pdfplumber.open(io.BytesIO(data)) as doc:
            fonts = {c["fontname"].partition("+")[2] for page in doc.pages for c in page.chars}
            assert doc.metadata.get("Subject") == f"正文字体：{pdf.serif_family()}"
        assert any("Serif" in f or "UMing" in f for f in fonts), (kind, fonts)
    assert "督办〔2026〕3号" in "".join(line_segments(pdfs["notice_interview"]))
