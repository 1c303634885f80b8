"""The round briefing (督查通报): figures against the database, the document's layout
in Word and PDF, who may download it, LibreOffice."""
from __future__ import annotations

import io
from collections import Counter, defaultdict

import pytest
from django.urls import reverse
from django.utils import timezone

from ._render import assert_chinese_renders, embedded_fonts, pdf_text, soffice_to_pdf
from .conftest import TODAY


def get(client, user, rnd, fmt=""):
    client.force_login(user)
    return client.get(reverse("exports:round_briefing", args=[rnd.pk]) + (f"?format={fmt}" if fmt else ""))


def docx_of(response):
    from docx import Document

    assert response.status_code == 200, response.content[:300]
    return Document(io.BytesIO(response.content))


def table_after(doc, heading: str):
    """The first table after the paragraph `heading` (in body order)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    seen = False
    for el in doc.element.body.iterchildren():
        if el.tag.endswith("}p") and Paragraph(el, doc).text == heading:
            seen = True
        elif seen and el.tag.endswith("}tbl"):
            t = Table(el, doc)
            return [[c.text for c in row.cells] for row in t.rows]
        elif seen and el.tag.endswith("}p") and Paragraph(el, doc).text.startswith(("一、", "二、", "三、", "四、",
                                                                                     "五、", "六、", "七、", "八、")):
            return None
    return None


def expected_slots(rnd):
    """Per slot state worked out from the model objects: on time / late / missing
    (the demo round is past due), returned, accepted."""
    from duban.rounds.models import Report

    out = []
    for r in Report.objects.filter(round=rnd).select_related("unit").prefetch_related("versions"):
        if r.first_submitted_at is None:
            state = "missing"
        elif timezone.localdate(r.first_submitted_at) <= rnd.due_on:
            state = "on_time"
        else:
            state = "late"
        returned = r.status == "returned" or any(v.number >= 2 for v in r.versions.all())
        out.append((r, state, returned, r.status == "accepted"))
    return out


@pytest.mark.django_db
def test_it_counts_the_round_as_the_database_has_it(client, seed, seed_office):
    from duban.status.facts import status_for_tasks

    rnd = seed["round"]
    assert TODAY > rnd.due_on  # the demo round is past due: nothing pending
    doc = docx_of(get(client, seed_office, rnd))
    slots = expected_slots(rnd)
    states = Counter(s for _, s, _, _ in slots)
    returned = sum(1 for *_, ret, _ in slots if ret)
    accepted = sum(1 for *_, acc in slots if acc)
    assert states["late"] and states["missing"] and returned and accepted  # the demo mix
    summary = table_after(doc, "一、总体情况")
    assert summary[0] == ["应报", "按时报送", "迟报", "缺报", "未到截止", "被退回", "已采纳", "按时报送率"]
    rate = f"{states['on_time'] * 100 / len(slots):.1f}%"
    assert summary[1] == [str(len(slots)), str(states["on_time"]), str(states["late"]), str(states["missing"]), "0",
                          str(returned), str(accepted), rate]
    text = "\n".join(p.text for p in doc.paragraphs)
    tasks = {r.task_id for r, *_ in slots}
    assert f"本次调度涉及重点任务{len(tasks)}项，应报报告{len(slots)}份" in text
    lights = Counter(s.color for s in status_for_tasks(list(tasks), rnd.due_on).values())
    assert f"红灯{lights['red']}项、黄灯{lights['yellow']}项、绿灯{lights['green']}项" in text

    # By unit: every unit's own counts.
    per_unit = defaultdict(Counter)
    for r, state, ret, acc in slots:
        per_unit[r.unit.name][state] += 1
        per_unit[r.unit.name]["slots"] += 1
        per_unit[r.unit.name]["returned"] += ret
    units = table_after(doc, "三、分单位情况")
    assert units[0][:5] == ["单位", "应报", "按时", "迟报", "缺报"]
    got = {row[0]: row for row in units[1:]}
    assert set(got) == set(per_unit)
    for name, c in per_unit.items():
        assert got[name][1:5] == [str(c["slots"]), str(c["on_time"]), str(c["late"]), str(c["missing"])]
        assert got[name][6] == str(c["returned"])

    # By chapter: the tasks of each chapter and their slots add up to the whole.
    chapters = table_after(doc, "二、分部分情况")
    assert sum(int(row[1]) for row in chapters[1:]) == len(tasks)
    assert sum(int(row[6]) for row in chapters[1:]) == len(slots)
    assert {row[0] for row in chapters[1:]} <= {s.title for s in seed["plan"].sections.all()}


@pytest.mark.django_db
def test_it_lists_red_tasks_late_and_missing_reports_praise_and_criticism(client, seed, seed_office):
    from duban.plans.models import Task
    from duban.status.facts import status_for_tasks

    rnd = seed["round"]
    doc = docx_of(get(client, seed_office, rnd))
    slots = expected_slots(rnd)
    tasks = {r.task_id for r, *_ in slots}
    statuses = status_for_tasks(list(tasks), rnd.due_on)
    red = [t for t in Task.objects.filter(pk__in=tasks).order_by("order") if statuses[t.pk].color == "red"]
    red_table = table_after(doc, "四、红灯任务")
    if red:
        assert [row[0] for row in red_table[1:]] == [t.number for t in red]
        assert red_table[1][4] == "；".join(statuses[red[0].pk].reasons)
    else:
        assert red_table is None
    late = table_after(doc, "五、迟报、缺报情况")
    assert len(late) - 1 == sum(1 for _, s, *_ in slots if s in ("late", "missing"))
    assert sum(1 for row in late[1:] if row[4] == "缺报") == sum(1 for _, s, *_ in slots if s == "missing")
    assert all(row[4].startswith("迟报（") for row in late[1:] if row[4] != "缺报")

    units = defaultdict(list)
    for r, state, ret, acc in slots:
        units[r.unit.name].append((state, ret, acc))
    praised = sorted(u for u, ss in units.items() if all(s == "on_time" and not ret and acc for s, ret, acc in ss))
    criticised = {u for u, ss in units.items() if any(s in ("late", "missing") or ret for s, ret, _ in ss)}
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "表扬规则：本次调度应报报告全部按时报送、没有被退回且均已被采纳的单位" in text
    assert "批评规则：本次调度有缺报、迟报或报告被退回的单位" in text
    if praised:
        line = next(p for p in text.splitlines() if p.startswith("予以通报表扬的单位"))
        assert sorted(line.split("：", 1)[1].rstrip("。").split("、")) == praised
    criticised_table = table_after(doc, "六、表扬和批评")
    assert {row[0] for row in criticised_table[1:]} == criticised


@pytest.mark.django_db
def test_it_is_laid_out_like_an_official_document(client, seed, seed_office, settings):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    settings.DUBAN_OFFICE_NAME = "北京市大兴区人民政府督查室"
    rnd = seed["round"]
    doc = docx_of(get(client, seed_office, rnd))
    section = doc.sections[0]
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    paras = [p for p in doc.paragraphs if p.text]
    assert paras[0].text == "督查通报"
    head = paras[0].runs[0]
    assert str(head.font.color.rgb) == "FF0000"
    assert head._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    assert paras[1].text == "第1期"
    assert paras[2].text == "北京市大兴区人民政府督查室\t2026年11月28日"
    assert paras[2]._p.pPr.find(qn("w:pBdr")) is not None  # the red rule
    assert paras[3].text == f"关于{rnd.name}情况的通报"
    body = next(p for p in paras if p.text.startswith("本次调度涉及"))
    assert body.runs[0].font.size == Pt(16)
    assert body.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert paras[-1].text == "2026年11月28日" and paras[-2].text == "北京市大兴区人民政府督查室"
    footer = section.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer


@pytest.mark.django_db
def test_the_issue_number_counts_the_plans_rounds(client, seed, seed_office):
    import datetime as dt

    from duban.rounds.actions import open_round

    first = seed["round"]
    later = open_round(seed["plan"], actor=seed_office, name="2026年11月调度", period_start=dt.date(2026, 11, 1),
                       period_end=dt.date(2026, 11, 30), opens_on=dt.date(2026, 11, 25), due_on=dt.date(2026, 12, 5))
    doc = docx_of(get(client, seed_office, later))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[1] == "第2期"
    # Not yet due: nothing is late or missing, everything is pending.
    summary = table_after(doc, "一、总体情况")
    assert summary[1][2:5] == ["0", "0", str(later.reports.count())]
    assert docx_of(get(client, seed_office, first)).paragraphs[1].text == "第1期"


@pytest.mark.django_db
def test_the_pdf_embeds_a_chinese_font_that_renders(client, seed, seed_office, tmp_path):
    rnd = seed["round"]
    response = get(client, seed_office, rnd, "pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = pdf_text(pdf).replace(" ", "").replace("\n", "")
    assert "督查通报" in text and "第1期" in text and f"关于{rnd.name}情况的通报" in text
    assert "表扬规则" in text and "批评规则" in text
    assert any(embedded_fonts(pdf, tmp_path).values())
    assert_chinese_renders(pdf, tmp_path)


@pytest.mark.parametrize("draw", ["boxes", "nothing", "glyphs"])
def test_the_glyph_check_fails_on_boxes_and_blanks(tmp_path, draw):
    """The check used on every PDF here, on a page whose text layer says Chinese in an
    embedded font (as a converter that lacks the glyphs writes it): drawn as one box
    per character it fails, drawn as nothing it fails, drawn as the glyphs it passes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    from duban.documents.pdf import pdf_fonts

    font, _ = pdf_fonts()
    assert font != "STSong-Light", "需要系统中文字体（fonts-arphic-uming）"
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    lines = ["督查通报第一期关于调度情况的通报", "各单位按时报送率红灯黄灯绿灯表扬批评"]
    for i, line in enumerate(lines):
        y = 760 - 30 * i
        text = c.beginText(60, y)
        text.setFont(font, 14)
        text.setTextRenderMode(0 if draw == "glyphs" else 3)  # 3: invisible, the text layer only
        text.textLine(line)
        c.drawText(text)
        if draw == "boxes":
            x = 60
            for ch in line:
                w = stringWidth(ch, font, 14)
                c.rect(x + 1, y - 2, w - 2, 13, stroke=1, fill=0)
                x += w
    c.save()
    if draw == "glyphs":
        assert_chinese_renders(out.getvalue(), tmp_path)
    else:
        with pytest.raises(AssertionError, match="豆腐块" if draw == "boxes" else "空白"):
            assert_chinese_renders(out.getvalue(), tmp_path)


@pytest.mark.django_db
def test_who_may_download_it(client, seed, seed_office, seed_leader, seed_liaison, sysadmin):
    from duban.audit.models import Event

    rnd = seed["round"]
    assert get(client, seed_leader, rnd).status_code == 200
    for user in (seed_liaison, sysadmin):
        assert get(client, user, rnd).status_code == 403
    client.force_login(seed_liaison)
    assert client.get(reverse("exports:round_briefing", args=[999999])).status_code == 403  # no existence leak
    assert get(client, seed_office, rnd, "xls").status_code == 404
    client.force_login(seed_office)
    assert client.get(reverse("exports:round_briefing", args=[999999])).status_code == 404
    response = get(client, seed_office, rnd, "pdf")
    assert response["Content-Disposition"].startswith('attachment; filename="briefing-1.pdf"; filename*=UTF-8\'\'')
    actions = list(Event.objects.filter(object_id=str(rnd.pk)).values_list("action", "actor__username"))
    assert ("export.round_briefing_docx", "seed_leader") in actions
    assert ("export.round_briefing_pdf", "seed_office") in actions


@pytest.mark.django_db
def test_the_round_page_links_to_the_briefing_for_staff_only(client, seed, seed_office, seed_liaison):
    rnd = seed["round"]
    url = reverse("exports:round_briefing", args=[rnd.pk])
    client.force_login(seed_office)
    page = client.get(reverse("rounds:detail", args=[rnd.pk])).content.decode()
    assert f'href="{url}"' in page and f'href="{url}?format=pdf"' in page
    client.force_login(seed_liaison)
    page = client.get(reverse("rounds:detail", args=[rnd.pk])).content.decode()
    assert url not in page


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_libreoffice_converts_the_briefing_and_shows_chinese(client, seed, seed_office, tmp_path):
    response = get(client, seed_office, seed["round"])
    pdf = soffice_to_pdf(response.content, ".docx", tmp_path)
    text = pdf_text(pdf).replace(" ", "").replace("\n", "")
    assert "督查通报" in text and "表扬规则" in text
    assert_chinese_renders(pdf, tmp_path)
