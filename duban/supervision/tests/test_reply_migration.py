"""Migration 0005 moves each notice's one reply into a per-unit NoticeReply: nothing
typed is lost, the reply is sealed, a notice only one of several units answered
becomes 部分回复, seals that held still hold, and a seal that was broken stays broken."""
from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from duban.audit import seals

BEFORE = [("supervision", "0004_seals")]
MIGRATION = importlib.import_module("duban.supervision.migrations.0005_notice_replies_evidence")


@pytest.mark.django_db(transaction=True)
def test_it_moves_every_reply_to_its_unit_and_keeps_the_seals_honest(plan, units, liaison_a):
    from duban.supervision.models import Notice, NoticeReply

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old_apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldNotice = old_apps.get_model("supervision", "Notice")
    task = plan.tasks.get(number="1")
    when = timezone.make_aware(dt.datetime(2026, 11, 20, 9))

    def make(seq, unit_names, status="issued", **fields):
        n = OldNotice.objects.create(year=2026, seq=seq, number=f"督办〔2026〕{seq}号", level="notice", task_id=task.pk,
                                     facts=f"事项{seq}", requirement="请回复", reply_by=dt.date(2026, 12, 5),
                                     status=status, issued_at=when, **fields)
        n.units.set([units[u].pk for u in unit_names])
        seals.seal_historical(OldNotice, [n], MIGRATION._old_notice_content)
        return n

    two = make(1, ["甲局", "丙局"], "replied", reply="甲局已整改。", replied_by_id=liaison_a.pk, replied_at=when)
    gone = make(2, ["丙局", "甲局"], "replied", reply="回复人账号已删除。", replied_at=when)
    closed = make(3, ["甲局"], "closed", reply="已办结的回复。", replied_by_id=liaison_a.pk, replied_at=when,
                  close_note="同意办结", closed_at=when)
    tampered = make(4, ["甲局"], "replied", reply="原回复。", replied_by_id=liaison_a.pk, replied_at=when)
    OldNotice.objects.filter(pk=tampered.pk).update(reply="被人在库里改过的回复。")
    open_one = make(5, ["甲局"])

    MigrationExecutor(connection).migrate(latest)

    replies = {r.notice_id: r for r in NoticeReply.objects.select_related("unit")}
    assert (replies[two.pk].unit.name, replies[two.pk].text, replies[two.pk].replied_by_id, replies[two.pk].replied_at) \
        == ("甲局", "甲局已整改。", liaison_a.pk, when)
    assert (replies[gone.pk].unit.name, replies[gone.pk].text) == ("甲局", "回复人账号已删除。")  # the first unit
    assert replies[closed.pk].text == "已办结的回复。"
    assert replies[tampered.pk].text == "被人在库里改过的回复。"  # kept as it is, not repaired
    assert open_one.pk not in replies
    status = dict(Notice.objects.values_list("pk", "status"))
    assert status[two.pk] == "partly" and status[gone.pk] == "partly"  # the other unit still owes its reply
    assert status[closed.pk] == "closed" and status[tampered.pk] == "replied" and status[open_one.pk] == "issued"
    states = {n.pk: n.seal_state for n in Notice.objects.all()}
    assert states == {two.pk: "ok", gone.pk: "ok", closed.pk: "ok", tampered.pk: "broken", open_one.pk: "ok"}
    assert {pk: r.seal_state for pk, r in replies.items()} == {
        two.pk: "ok", gone.pk: "ok", closed.pk: "ok", tampered.pk: "missing"}
