"""POST /api/v1/items/: the office creates items of every kind with the columns of the
kind's Excel template; the ledger API filters by kind and year; the schema lists the kinds."""
from __future__ import annotations

import pytest

from duban.items.models import AssignedItem, InstructionItem, Meeting, Proposal
from duban.plans.models import Task

pytestmark = pytest.mark.django_db
URL = "/api/v1/items/"


def test_the_office_creates_one_item_of_each_kind(api, office, leader, units, plan):
    client = api(office)
    made = [
        client.post(URL, {"category": "instruction", "leader": "李明", "document_title": "专报", "instruction": "抓紧办理",
                          "instructed_on": "2026-06-01", "received_on": "2026-06-02", "workdays": "3",
                          "lead_units": "甲局"}, format="json"),
        client.post(URL, {"category": "meeting", "meeting": "区政府第5次常务会议", "held_on": "2026-06-01",
                          "text": "由甲局牵头，丙局配合，年底前完成。", "lead_units": "甲局", "co_units": "丙局",
                          "deadline": "2026-12-31"}, format="json"),
        client.post(URL, {"category": "proposal", "kind": "政协委员提案", "number": "12", "proposers": "王五",
                          "title": "关于社区养老的提案", "assigned_on": "2026-04-01", "lead_units": "乙局"}, format="json"),
        client.post(URL, {"category": "assigned", "source": "assigned", "issuer": "市政府办公室", "doc_number": "市政办〔2026〕3号",
                          "received_on": "2026-05-01", "title": "落实河长制", "lead_units": "甲局",
                          "deadline": "2026-07-31"}, format="json"),
    ]
    assert [r.status_code for r in made] == [201, 201, 201, 201], [r.content.decode() for r in made]
    assert [r.json()["category"] for r in made] == ["instruction", "meeting", "proposal", "assigned"]
    assert made[0].json()["deadline"] == "2026-06-05"
    assert InstructionItem.objects.count() == Meeting.objects.count() == Proposal.objects.count() == 1
    assert AssignedItem.objects.get().doc_number == "市政办〔2026〕3号"
    listed = client.get("/api/v1/tasks/", {"category": "proposal"}).json()
    assert [t["title"] for t in listed["results"]] == ["关于社区养老的提案"] and listed["results"][0]["year"] == 2026


def test_bad_input_is_400_in_chinese_and_writes_nothing(api, office, units, plan):
    response = api(office).post(URL, {"category": "proposal", "kind": "建议", "number": "1", "proposers": "张三",
                                      "title": "建议", "assigned_on": "2026-02-30", "lead_units": "不存在局"},
                                format="json")
    assert response.status_code == 400
    problems = response.json()["errors"]["non_field_errors"]
    assert any("“交办日期”的“2026-02-30”不是日期" in p for p in problems)
    assert any("“不存在局”不在单位名录中" in p for p in problems)
    assert any("应为人大代表建议或政协委员提案" in p for p in problems)
    assert not Task.objects.exclude(plan=plan).exists()


def test_only_the_office_creates_items(api, liaison_a, leader, units, plan):
    for user in (liaison_a, leader):
        response = api(user).post(URL, {"category": "proposal"}, format="json")
        assert response.status_code == 403
    assert not Proposal.objects.exists()


def test_the_schema_lists_the_kinds(api, office):
    schema = api(office).get("/api/v1/schema/", {"format": "json"}).json()
    ref = schema["components"]["schemas"]["ItemCreateRequest"]["properties"]["category"]["allOf"][0]["$ref"]
    enum = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"]
    assert enum == ["instruction", "meeting", "proposal", "assigned"]
    params = {p["name"]: p for p in schema["paths"]["/api/v1/tasks/"]["get"]["parameters"]}
    assert "carryover" in params["category"]["schema"]["enum"] and "year" in params
