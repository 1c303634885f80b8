"""The league table exports to Excel: the same units, figures, ranks and formula as
the page, for the same date and plan, with a frozen header and print setup."""
from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from duban.audit.models import Event

from .conftest import get_page
from .test_league import URL, _table

XLSX_URL = reverse("exports:league_xlsx")


def _number(text: str):
    text = text.rstrip("*")
    if text in ("—", ""):
        return "—"
    return round(float(text.rstrip("%")) / 100, 4) if text.endswith("%") else float(text)


def test_it_exports_the_table_the_page_shows(client, seed):
    client.force_login(seed.office)
    tree = get_page(client, URL)
    assert tree.xpath("//a[@id='league-xlsx']/@href")[0] == XLSX_URL
    page = _table(tree)
    response = client.get(XLSX_URL)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''%E5%8D%95%E4%BD%8D%E8%80%83%E6%A0%B8%E6%8E%92%E5%90%8D" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "单位考核排名"
    assert "得分 = 60×按时报送率 + 40×办结率 − 2×被退回报告数 − 5×逾期任务数" in ws["A3"].value
    header = [c.value for c in ws[4]]
    assert header[:2] == ["名次", "单位"] and header[-1] == "得分"
    assert ws.freeze_panes == "A5" and ws.print_title_rows == "$4:$4" and ws.page_setup.orientation == "landscape"
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert set(rows) == set(page) and len(rows) == 55
    for name, cells in page.items():
        got = rows[name]
        assert str(got[0]) == cells[0], name  # rank
        expected = [_number(c) for c in cells[1:]]
        actual = [round(v, 4) if isinstance(v, float) else v for v in got[2:]]
        assert actual == expected, name
    event = Event.objects.get(action="export.league_xlsx")
    assert event.actor == seed.office and "55 个单位参加排名" in event.summary


def test_it_exports_as_of_the_pages_date_and_ignores_a_bad_one_as_the_page_does(client, seed):
    client.force_login(seed.office)
    past = _table(get_page(client, URL, as_of="2026-06-30"))
    ws = load_workbook(io.BytesIO(client.get(XLSX_URL, {"as_of": "2026-06-30"}).content)).active
    assert "统计日期：2026-06-30" in ws["A2"].value
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert {name: str(r[0]) for name, r in rows.items() if r[0] != "不参加排名"} == {n: c[0] for n, c in past.items()}
    bad = load_workbook(io.BytesIO(client.get(XLSX_URL, {"as_of": "2026-13-45"}).content)).active
    assert "统计日期：2026-11-28" in bad["A2"].value  # an invalid date: today, as on the page


def test_units_cannot_export_it(client, seed):
    client.force_login(seed.liaison)
    assert client.get(XLSX_URL).status_code == 403
