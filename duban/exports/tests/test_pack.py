"""A leader's pack for the dispatch meeting (调度会材料): contents against the
database, who may download it, the link on the leader's page, LibreOffice."""
from __future__ import annotations

import io

import pytest
from django.urls import reverse

from ._render import assert_chinese_renders, pdf_text, soffice_to_pdf
from .conftest import TODAY
from .test_briefing import table_after


def get(client, user, leader_id):
    client.force_login(user)
    return client.get(reverse("exports:leader_pack", args=[leader_id]))


def docx_of(response):
    from docx import Document

    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return Document(io.BytesIO(response.content))


@pytest.mark.django_db
def test_it_holds_the_leaders_tasks_off_track_extensions_items_and_progress(client, seed, seed_leader):
    from duban.plans.models import Task
    from duban.rounds.models import CoordinationItem, Report
    from duban.supervision.models import ExtensionRequest
    from duban.status.facts import status_for_tasks

    leader = seed_leader.leader
    doc = docx_of(get(client, seed_leader, leader.pk))
    led = [t for t in Task.objects.active().prefetch_related("leader_links").order_by("order")
           if any(link.leader_id == leader.pk for link in t.leader_links.all())]
    statuses = status_for_tasks([t.pk for t in led], TODAY)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[0].text == f"{leader.name}同志牵头重点任务调度会材料"
    assert "（截至2026年11月28日）" in text
    red = [t for t in led if statuses[t.pk].color == "red"]
    yellow = [t for t in led if statuses[t.pk].color == "yellow"]
    assert f"{leader.name}同志牵头的重点任务共{len(led)}项，其中红灯{len(red)}项、黄灯{len(yellow)}项" in text

    off = table_after(doc, "二、需关注的任务")
    if red or yellow:
        assert off[0] == ["序号", "工作任务", "牵头单位", "完成时限", "状态及原因"]
        assert sorted(row[0] for row in off[1:]) == sorted(t.number for t in red + yellow)
        labels = [row[4].split("\n")[0] for row in off[1:]]
        assert labels == sorted(labels, key=lambda x: x != "红灯")  # red first
        for row in off[1:]:
            t = next(t for t in led if t.number == row[0])
            assert row[4].split("\n")[1] == "；".join(statuses[t.pk].reasons)

    pending = ExtensionRequest.objects.filter(task__in=led, status__in=["pending", "leader_pending"])
    ext = table_after(doc, "三、待审批的延期申请")
    assert len(ext or [None]) - 1 == pending.count()
    if pending:
        e = pending.first()
        row = next(r for r in ext[1:] if r[0] == e.task.number)
        assert row[2:6] == [e.unit.name, e.old_deadline.isoformat(), e.new_deadline.isoformat(), e.reason]

    to_me = CoordinationItem.objects.filter(addressed_to_leader=leader, status="open")
    items = table_after(doc, f"（一）提请{leader.name}同志协调的事项")
    assert len(items or [None]) - 1 == to_me.count()
    if to_me:
        assert {row[3] for row in items[1:]} == set(to_me.values_list("text", flat=True))

    progress = table_after(doc, "五、各项任务最新进展")
    assert [row[0] for row in progress[1:]] == [t.number for t in led]
    for row, t in zip(progress[1:], led):
        sent = (Report.objects.filter(task=t, status__in=["submitted", "accepted"])
                .select_related("round", "unit").order_by("-round__period_end", "-role", "-submitted_at").first())
        if sent is None:
            assert row[4] == "尚无报送的进展"
        else:
            assert sent.unit.name in row[4] and f"进展：{sent.progress}" in row[4]


@pytest.mark.django_db
def test_the_pending_extension_and_coordination_item_of_the_seed_show(client, seed, seed_office):
    """The seed's pending extension and its item to a leader both reach that leader's pack."""
    from duban.rounds.models import CoordinationItem
    from duban.supervision.models import ExtensionRequest

    item = CoordinationItem.objects.get(addressed_to_leader__isnull=False)
    ext = ExtensionRequest.objects.get(status="leader_pending")
    leader = item.addressed_to_leader
    doc = docx_of(get(client, seed_office, leader.pk))
    items = table_after(doc, f"（一）提请{leader.name}同志协调的事项")
    assert items[1][3] == item.text and items[1][2] == item.raised_by_unit.name
    if ext.task.leader_links.filter(leader=leader).exists():
        rows = table_after(doc, "三、待审批的延期申请")
        assert rows[1][5] == ext.reason and rows[1][6] == "待领导审批"


@pytest.mark.django_db
def test_only_the_office_and_the_leader_may_download_it(client, seed, seed_office, seed_leader, other_leader,
                                                        seed_liaison, auditor):
    from duban.audit.models import Event

    pk = seed_leader.leader_id
    assert get(client, seed_leader, pk).status_code == 200
    assert get(client, seed_office, pk).status_code == 200
    assert get(client, other_leader, pk).status_code == 403
    assert get(client, seed_liaison, pk).status_code == 403
    assert get(client, auditor, pk).status_code == 403
    assert get(client, seed_office, 999999).status_code == 404
    response = get(client, seed_office, pk)
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert sorted(Event.objects.filter(action="export.leader_pack").values_list("actor__username", flat=True)) == [
        "seed_leader", "seed_office", "seed_office"]


@pytest.mark.django_db
def test_the_leaders_page_links_to_the_pack(client, seed, seed_leader):
    client.force_login(seed_leader)
    page = client.get(reverse("plans:leader", args=[seed_leader.leader_id])).content.decode()
    assert f'href="{reverse("exports:leader_pack", args=[seed_leader.leader_id])}"' in page


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_libreoffice_converts_the_pack_and_shows_chinese(client, seed, seed_leader, tmp_path):
    response = get(client, seed_leader, seed_leader.leader_id)
    pdf = soffice_to_pdf(response.content, ".docx", tmp_path)
    assert "调度会材料" in pdf_text(pdf).replace(" ", "").replace("\n", "")
    assert_chinese_renders(pdf, tmp_path)
