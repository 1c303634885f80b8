"""Breaking a task down: who may add, edit, complete, reopen and delete milestones,
with htmx and without."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from duban.audit.models import Event
from duban.conftest import _user
from duban.plans.models import Task
from duban.workplans import actions
from duban.workplans.models import Milestone

NOW = timezone.make_aware(dt.datetime(2026, 3, 1, 10))
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def t1(plan):
    return Task.objects.get(number="1")  # lead 甲局, co 丙局


@pytest.fixture
def liaison_c(units):
    return _user("liaison_c", "liaison", unit=units["丙局"])


def add(client, task, unit, title="完成市场主体培育方案", **extra):
    data = {"add-title": title, "add-due": "2026-06-30", "add-unit": unit.pk, "add-owner": "张伟"}
    data.update(extra)
    return client.post(reverse("workplans:add", args=[task.pk]), data, **HX)


def made(task, title, unit, **kw) -> Milestone:
    return Milestone.objects.create(task=task, title=title, unit=unit, due=dt.date(2026, 6, 30), **kw)


def test_it_lets_the_lead_unit_add_a_milestone_in_place(client, t1, liaison_a, units):
    client.force_login(liaison_a)
    response = add(client, t1, units["甲局"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and 'id="milestone-list"' in page
    assert "完成市场主体培育方案" in page and "2026-06-30" in page and "已添加节点" in page
    m = Milestone.objects.get(task=t1, title="完成市场主体培育方案")
    assert (m.unit, m.owner, m.source, m.created_by) == (units["甲局"], "张伟", "workplan", liaison_a)
    event = Event.objects.get(action="milestone.add")
    assert event.task == t1 and event.actor == liaison_a and event.after["title"] == "完成市场主体培育方案"


def test_it_lets_the_lead_unit_assign_a_co_unit(client, t1, liaison_a, units):
    client.force_login(liaison_a)
    add(client, t1, units["丙局"], title="丙局配合调研")
    assert Milestone.objects.get(title="丙局配合调研").unit == units["丙局"]


def test_it_rejects_bad_input_with_a_chinese_message_and_saves_nothing(client, t1, liaison_a, units):
    client.force_login(liaison_a)
    response = add(client, t1, units["甲局"], **{"add-title": " ", "add-due": "明年"})
    page = response.content.decode()
    assert "请填写节点内容" in page and "完成时间格式应为 2026-06-30" in page
    response = add(client, t1, units["乙局"])  # not a unit of this task
    assert "只能选择本任务中您可以安排的单位" in response.content.decode()
    assert not Milestone.objects.filter(task=t1, source="workplan").exists()


def test_it_lets_a_co_unit_add_only_for_itself(client, t1, liaison_c, units):
    client.force_login(liaison_c)
    response = add(client, t1, units["甲局"], title="替牵头单位加的")
    assert "只能选择本任务中您可以安排的单位" in response.content.decode()
    add(client, t1, units["丙局"], title="丙局自己的节点")
    assert Milestone.objects.get(title="丙局自己的节点").unit == units["丙局"]


def test_it_lets_a_co_unit_change_only_its_own_milestones(client, t1, liaison_c, units):
    own = made(t1, "丙局节点", units["丙局"])
    lead = made(t1, "甲局节点", units["甲局"])
    client.force_login(liaison_c)
    assert client.get(reverse("workplans:edit", args=[own.pk]), **HX).status_code == 200
    for name in ("workplans:edit", "workplans:complete"):
        assert client.get(reverse(name, args=[lead.pk])).status_code == 403
    response = client.post(reverse("workplans:edit", args=[lead.pk]),
                            {"edit-title": "改掉", "edit-due": "2026-07-01", "edit-unit": units["丙局"].pk, "edit-version": 1})
    assert response.status_code == 403
    assert client.post(reverse("workplans:delete", args=[lead.pk]), {"version": 1}).status_code == 403
    lead.refresh_from_db()
    assert lead.title == "甲局节点" and lead.version == 1


def test_it_lets_the_lead_unit_edit_any_milestone_of_its_task(client, t1, liaison_a, units):
    m = made(t1, "丙局节点", units["丙局"])
    client.force_login(liaison_a)
    response = client.post(reverse("workplans:edit", args=[m.pk]), {
        "edit-title": "丙局节点（调整）", "edit-due": "2026-07-15", "edit-unit": units["丙局"].pk,
        "edit-owner": "李四", "edit-is_measurable": "on", "edit-version": 1}, **HX)
    assert response.status_code == 200 and "已保存节点" in response.content.decode()
    m.refresh_from_db()
    assert (m.title, m.due, m.owner, m.is_measurable, m.version) == ("丙局节点（调整）", dt.date(2026, 7, 15), "李四", True, 2)
    event = Event.objects.get(action="milestone.update")
    assert event.before["due"] == "2026-06-30" and event.after["due"] == "2026-07-15"


def test_it_marks_a_milestone_done_and_reopens_it(client, t1, liaison_a, units):
    m = made(t1, "培育方案", units["甲局"])
    client.force_login(liaison_a)
    form = client.get(reverse("workplans:complete", args=[m.pk]), **HX).content.decode()
    assert "完成情况说明" in form and "确认完成" in form
    response = client.post(reverse("workplans:complete", args=[m.pk]),
                           {"complete-version": 1, "complete-done_on": "2026-02-28", "complete-evidence": "局务会审议通过"}, **HX)
    assert "已完成" in response.content.decode()
    m.refresh_from_db()
    assert m.done_on == dt.date(2026, 2, 28) and m.evidence == "局务会审议通过"
    response = client.post(reverse("workplans:reopen", args=[m.pk]), {"reopen-version": 2, "reopen-reason": ""}, **HX)
    assert "请填写重新打开的原因" in response.content.decode()
    client.post(reverse("workplans:reopen", args=[m.pk]), {"reopen-version": 2, "reopen-reason": "佐证不全"}, **HX)
    m.refresh_from_db()
    assert m.done_on is None and m.version == 3
    reopen = Event.objects.get(action="milestone.reopen")
    assert "佐证不全" in reopen.summary and reopen.before["done_on"] == "2026-02-28"


def test_it_refuses_a_completion_date_in_the_future(client, t1, liaison_a, units):
    m = made(t1, "培育方案", units["甲局"])
    client.force_login(liaison_a)
    response = client.post(reverse("workplans:complete", args=[m.pk]),
                           {"complete-version": 1, "complete-done_on": "2026-03-02", "complete-evidence": "x"}, **HX)
    assert "完成日期不能晚于今天（2026-03-01）" in response.content.decode()
    m.refresh_from_db()
    assert m.done_on is None


def test_it_lets_the_lead_unit_complete_the_plans_own_milestones_but_not_edit_them(client, plan, units):
    t2 = Task.objects.get(number="2")  # lead 丙局; 完成设计 comes from the plan
    lead_c = _user("liaison_c", "liaison", unit=units["丙局"])
    design = t2.milestones.get(title="完成设计")
    client.force_login(lead_c)
    assert client.get(reverse("workplans:edit", args=[design.pk])).status_code == 403
    assert client.post(reverse("workplans:delete", args=[design.pk]), {"version": 1}).status_code == 403
    client.post(reverse("workplans:complete", args=[design.pk]),
                {"complete-version": 1, "complete-done_on": "2026-02-01", "complete-evidence": "设计已批复"}, **HX)
    design.refresh_from_db()
    assert design.done_on == dt.date(2026, 2, 1)


def test_it_deletes_a_milestone_and_records_it(client, t1, office, units):
    m = made(t1, "多余节点", units["甲局"])
    client.force_login(office)
    response = client.post(reverse("workplans:delete", args=[m.pk]), {"version": 1}, **HX)
    assert "已删除节点「多余节点」" in response.content.decode()
    assert not Milestone.objects.filter(pk=m.pk).exists()
    event = Event.objects.get(action="milestone.delete")
    assert event.before["title"] == "多余节点" and event.task == t1 and event.object_id == str(m.pk)
    assert client.get(reverse("workplans:delete", args=[m.pk])).status_code == 405


def test_it_answers_404_to_another_unit_and_403_to_a_leader(client, t1, liaison_b, leader, units):
    m = made(t1, "甲局节点", units["甲局"])
    client.force_login(liaison_b)
    assert add(client, t1, units["乙局"]).status_code == 404
    for name in ("workplans:edit", "workplans:complete", "workplans:reopen"):
        assert client.get(reverse(name, args=[m.pk])).status_code == 404
    assert client.post(reverse("workplans:delete", args=[m.pk]), {"version": 1}).status_code == 404
    client.force_login(leader)
    assert add(client, t1, units["甲局"]).status_code == 403
    for name in ("workplans:edit", "workplans:complete"):
        assert client.get(reverse(name, args=[m.pk])).status_code == 403
    assert client.post(reverse("workplans:delete", args=[m.pk]), {"version": 1}).status_code == 403
    page = client.get(reverse("plans:task", args=[t1.pk])).content.decode()
    assert "甲局节点" in page and "添加节点</button>" not in page and "标记完成" not in page
    assert Milestone.objects.filter(task=t1).count() == 1 and not Event.objects.filter(action__startswith="milestone.").exists()


def test_it_works_without_javascript(client, t1, liaison_a, units):
    m = made(t1, "培育方案", units["甲局"])
    client.force_login(liaison_a)
    page = client.get(reverse("workplans:edit", args=[m.pk])).content.decode()
    assert "<html" in page and 'value="培育方案"' in page and "保存修改" in page
    response = client.post(reverse("workplans:complete", args=[m.pk]),
                           {"complete-version": 1, "complete-done_on": "2026-02-28", "complete-evidence": "完成"})
    assert response.status_code == 302 and response["Location"].endswith(f"/plans/tasks/{t1.pk}/#milestones")


def test_it_marks_overdue_milestones(client, t1, liaison_a, units):
    made(t1, "早该完成", units["甲局"]).__class__.objects.filter(title="早该完成").update(due=dt.date(2026, 2, 1))
    client.force_login(liaison_a)
    page = client.get(reverse("plans:task", args=[t1.pk])).content.decode()
    row = page[page.index("早该完成") - 400: page.index("早该完成")]
    assert 'class="milestone overdue"' in row
    assert "已逾期" in page


def test_it_refuses_a_stale_edit_and_shows_the_other_persons_values(client, t1, liaison_a, head_a, units):
    m = made(t1, "培育方案", units["甲局"])
    actions.update_milestone(m, actor=head_a, version=1, title="培育方案（局长改）", owner="王五")
    client.force_login(liaison_a)
    response = client.post(reverse("workplans:edit", args=[m.pk]), {
        "edit-title": "培育方案（联络员改）", "edit-due": "2026-06-30", "edit-unit": units["甲局"].pk, "edit-version": 1}, **HX)
    page = response.content.decode()
    assert "保存失败" in page and "head_a" in page and "培育方案（局长改）" in page and "王五" in page
    m.refresh_from_db()
    assert m.title == "培育方案（局长改）" and m.version == 2
