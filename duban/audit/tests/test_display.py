"""Events as a person reads them: field names and values in Chinese from the models
(推进状态：— → 推进中), objects named (第1项任务“…”), addressees and related objects by
name; the auditor filters by Chinese action and object names."""
from __future__ import annotations

import datetime as dt
import io
import csv

import pytest
from django.urls import reverse
from lxml import html

from duban.accounts.tests.util import sign_in
from duban.audit.display import changes, object_name, show_events
from duban.audit.log import record
from duban.audit.models import Event
from duban.plans.models import Task
from duban.rounds.actions import open_round, return_report, save_report_draft, submit_report
from duban.rounds.models import Report
from duban.supervision.actions import issue_notice
from duban.supervision.models import Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(plan, units, office):
    rnd = open_round(plan, actor=office, name="11月调度", period_start=dt.date(2026, 11, 1),
                     period_end=dt.date(2026, 11, 30), opens_on=dt.date(2026, 11, 25), due_on=dt.date(2026, 12, 5))
    return Report.objects.get(round=rnd, task__number="1", unit=units["甲局"])


def _texts(event) -> dict[str, tuple[str, str]]:
    return {c.label: (str(c.before), str(c.after)) for c in changes(event)}


def test_it_names_fields_and_values_by_the_model(report, liaison_a, office, leader, units):
    data = {"progress_status": "in_progress", "percent": 60, "progress": "已开工", "problems": "", "next_steps": "",
            "coordination": [{"to": f"unit:{units['丙局'].pk}", "text": "请配合供地"},
                             {"to": f"leader:{leader.leader_id}", "text": "请协调资金"}]}
    report = save_report_draft(report, actor=liaison_a, data=data, version=report.version)
    saved = Event.objects.filter(action="report.save").latest("id")
    shown = _texts(saved)
    assert shown["推进状态"] == ("—", "推进中")
    assert shown["完成进度（%）"] == ("—", "60")
    assert shown["需协调事项"][1] == "提请：丙局，内容：请配合供地；提请：李明，内容：请协调资金"

    submit_report(report, actor=liaison_a)
    return_report(Report.objects.get(pk=report.pk), actor=office, reason="请补充数据")
    returned = _texts(Event.objects.filter(action="report.return").latest("id"))
    assert returned["报送状态"] == ("已报送", "已退回")
    assert returned["原因"] == ("—", "请补充数据")
    everything = " ".join(f"{k} {v}" for k, v in {**shown, **returned}.items())
    for code in ("progress_status", "in_progress", "returned", "submitted", "unit:", "leader:", "None"):
        assert code not in everything


def test_it_names_related_objects_choices_and_dates(plan, office, units):
    task = Task.objects.get(number="1")
    notice = issue_notice(task, actor=office, level=Notice.Level.REMINDER, units=[units["甲局"], units["丙局"]],
                          facts="进度滞后", requirement="说明原因", reply_by=dt.date(2099, 12, 5))
    event = Event.objects.get(action="notice.issue")
    by_label = {c.label: c.after for c in changes(event)}
    assert by_label == {"督办单位": "甲局、丙局", "督办层级": "催办", "回复期限": dt.date(2099, 12, 5)}
    assert object_name(event) == f"督办单“{notice.number}”"


def test_it_names_the_task_and_objects_removed_since(plan, office):
    task = Task.objects.get(number="1")
    event = record("task.revise", actor=office, obj=task, task=task, before={"title": "旧", "lead_units": ["甲局"]},
                   after={"title": "新", "lead_units": ["甲局", "乙局"]})
    assert object_name(event) == "第1项任务“全年新增市场主体不少于2000家。”"
    assert _texts(event) == {"工作任务": ("旧", "新"), "牵头单位": ("甲局", "甲局；乙局")}
    account = record("account.update", actor=office, obj=office, after={"is_active": False})
    shown = show_events([account])[0]
    assert shown.object == "用户“office”" and shown.changes[0].after == "否"


def test_it_names_an_object_removed_since_by_its_kind_and_number(plan, liaison_a):
    from duban.workplans.actions import add_milestone, delete_milestone

    m = add_milestone(Task.objects.get(number="1"), actor=liaison_a, title="前期手续", due=dt.date(2026, 12, 1))
    delete_milestone(m, actor=liaison_a, version=m.version)
    event = Event.objects.get(action="milestone.delete")
    assert object_name(event) == f"{m._meta.verbose_name}（编号 {m.pk}，已不存在）"

def test_the_auditor_reads_names_and_filters_by_chinese_words(client, auditor, plan, office, units):
    task = Task.objects.get(number="1")
    issue_notice(task, actor=office, level=Notice.Level.REMINDER, units=[units["甲局"]], facts="进度滞后",
                 requirement="说明原因", reply_by=dt.date(2099, 12, 5))
    record("task.close", actor=office, obj=task, task=task, summary="销号")
    sign_in(client, "auditor")
    page = client.get(reverse("accounts:audit_log"), {"action": "督办单"})
    tree = html.fromstring(page.content.decode())
    rows = [" ".join(td.text_content().split()) for td in tree.xpath("//tbody/tr/td[@data-label='操作']")]
    assert rows == ["签发督办单"]
    objects = tree.xpath("//tbody/tr/td[@data-label='对象']")[0].text_content()
    assert objects.startswith("督办单“督办〔") and "notice" not in page.content.decode().split("<tbody>")[1]
    changes_text = tree.xpath("//tbody//ul[@class='changes']")[0].text_content()
    assert "督办单位：— → 甲局" in changes_text and "催办" in changes_text
    assert tree.xpath("//datalist[@id='audit-actions']/option[@value='签发督办单']")

    by_object = client.get(reverse("accounts:audit_log"), {"obj": "重点任务 " + str(task.pk)}).context["page"]
    assert [e.action for e in by_object] == ["task.close"]

    export = client.get(reverse("accounts:audit_export"), {"action": "销号"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert rows[0][-2:] == ["对象", "变更内容"]
    assert [r[-2] for r in rows[1:]] == ["第1项任务“全年新增市场主体不少于2000家。”"]


def test_it_has_a_chinese_name_for_every_key_an_action_records():
    """Every key written in a before={…}/after={…} literal of the code is a field of some
    model, in a model's AUDIT_LABELS, or in display.LABELS: the log never shows a key."""
    import re
    from pathlib import Path

    from django.apps import apps

    from duban.audit.display import LABELS

    known = set(LABELS)
    for model in apps.get_models():
        known |= {f.name for f in model._meta.get_fields()} | set(getattr(model, "AUDIT_LABELS", None) or {})
    root = Path(__file__).resolve().parents[2]
    unnamed = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for literal in re.findall(r"(?:before|after)=\{([^}]*)\}", path.read_text(encoding="utf-8"), re.S):
            unnamed |= {f"{path.relative_to(root)}: {k}" for k in re.findall(r'"([a-z_]+)":', literal) if k not in known}
    assert not unnamed, "这些记录字段没有中文名称（在模型字段、AUDIT_LABELS 或 duban/audit/display.py 的 LABELS 中补上）：" + \
        "、".join(sorted(unnamed))
