"""The task page: everything about a task, its timeline, and 404 for other units."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from lxml import html

from duban.plans.models import Task
from duban.workplans import actions

NOW = timezone.make_aware(dt.datetime(2026, 3, 1, 10))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def task(number: str) -> Task:
    return Task.objects.get(number=number)


def url(number: str) -> str:
    return reverse("plans:task", args=[task(number).pk])


def test_it_shows_everything_about_a_task(client, plan, office):
    client.force_login(office)
    page = client.get(url("1")).content.decode()
    for text in ("全年新增市场主体不少于2000家", "李明", "甲局", "丙局", "2026-12-31", "2026年12月31日",
                 "定期完成", "不少于2000家", "2026年测试区重点工作分工方案", "一、稳增长", "工作方案（节点）", "时间线"):
        assert text in page, text


def test_it_shows_the_plans_phases_and_ongoing_deadlines(client, plan, leader):
    client.force_login(leader)
    page = client.get(url("2")).content.decode()
    assert "完成设计" in page and "2026-06-30" in page and "完工" in page and "分阶段" in page
    page = client.get(url("3")).content.decode()
    assert "持续推进" in page and "乙局" in page and "王芳" in page


def test_it_answers_404_to_another_units_people(client, plan, liaison_a, liaison_b):
    client.force_login(liaison_b)
    response = client.get(url("1"))
    assert response.status_code == 404
    assert "市场主体" not in response.content.decode()
    client.force_login(liaison_a)
    assert client.get(url("1")).status_code == 200
    assert client.get(url("2")).status_code == 200  # co-unit
    assert client.get(url("3")).status_code == 404
    assert client.get(reverse("plans:task", args=[999999])).status_code == 404


def test_it_shows_the_timeline_newest_first_with_before_and_after(client, plan, office, liaison_a, units):
    m = actions.add_milestone(task("1"), actor=liaison_a, title="制定培育方案", due=dt.date(2026, 4, 30), unit=units["甲局"])
    actions.update_milestone(m, actor=office, version=1, due=dt.date(2026, 5, 31), owner="张伟")
    client.force_login(liaison_a)
    page = client.get(url("1")).content.decode()
    timeline = page[page.index('id="timeline"'):]
    assert timeline.index("修改节点") < timeline.index("新增节点")  # newest first
    assert "office" in timeline and "liaison_a" in timeline
    changes = [li.text_content() for li in html.fromstring(page).xpath("//*[@id='timeline']//ul[@class='changes']/li")]
    assert "完成时间：2026-04-30 → 2026-05-31" in changes and "责任人：— → 张伟" in changes
    assert '<del><time datetime="2026-04-30">2026-04-30</time></del>' in timeline  # dates do not wrap


def test_it_asks_the_lead_unit_for_a_measurable_milestone(client, plan, liaison_b, liaison_a, office):
    client.force_login(liaison_b)  # 乙局 leads task 3, which has no target
    page = client.get(url("3")).content.decode()
    assert "待量化细化" in page and "请牵头单位至少添加一个有明确数量或标准的节点" in page
    client.force_login(liaison_a)
    assert "待量化细化" not in client.get(url("1")).content.decode()  # task 1 has a target
    client.force_login(office)
    assert "督促牵头单位" in client.get(url("3")).content.decode()
