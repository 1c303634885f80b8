"""The suspicious-revision gate: shown on the preview, a second explicit confirmation
on the web naming what will be withdrawn and what hangs on it, --force on the CLI."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.conftest import make_parsed_plan
from duban.imports.actions import SuspiciousRevision, import_plan
from duban.imports.models import ImportBatch
from duban.imports.preview import build_preview, parse_upload, sha256_of
from duban.plans.models import Plan, Task
from duban.workplans.models import Milestone

from . import documents as d
from .test_views import SMALL_PLAN

pytestmark = pytest.mark.django_db

# SMALL_PLAN without task 2: one of three tasks withdrawn (33 %, above the 10 % default).
WITHOUT_2 = SMALL_PLAN.replace("2.推进文旅融合发展。\n牵头领导：钱二\n主要责任单位：县文旅局\n完成时限：持续推进\n", "")


def _upload(client, name, text):
    response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile(name, text.encode())})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


@pytest.fixture
def small_plan(client, office):
    client.force_login(office)
    url = _upload(client, "v1.txt", SMALL_PLAN)
    client.post(url, {"action": "confirm", "revision": "new"})
    plan = Plan.objects.get()
    task2 = plan.tasks.get(number="2")
    Milestone.objects.create(task=task2, title="制定文旅融合方案", due=dt.date(2026, 5, 31))
    Milestone.objects.create(task=task2, title="举办文旅节", due=dt.date(2026, 9, 30))
    return plan


def test_it_says_which_revisions_are_suspicious():
    plan = import_plan(build_preview(make_parsed_plan(), "a" * 64), actor=None, source_name="a.txt",
                       source_bytes=b"a").plan
    same = build_preview(make_parsed_plan(), "b" * 64)
    assert not same.suspicious and same.suspicious_reasons == []
    one_of_three = make_parsed_plan()
    one_of_three.tasks = one_of_three.tasks[:2]
    preview = build_preview(one_of_three, "c" * 64)
    assert preview.suspicious and preview.suspicious_reasons == ["将撤销 1 项任务，超过现有 3 项任务的 10%"]
    with pytest.raises(SuspiciousRevision):
        import_plan(preview, actor=None, source_name="c.txt", source_bytes=b"c")
    assert plan.tasks.active().count() == 3  # nothing written


def test_it_flags_as_many_additions_as_withdrawals_even_below_the_share(tmp_path):
    """Five tasks replaced by five others (5 % of the plan): below the share, but adding
    and withdrawing as many is what a misread document looks like."""
    data = d.SEED.read_bytes()
    import_plan(build_preview(parse_upload(d.SEED), sha256_of(data)), actor=None, source_name="s.txt",
                source_bytes=data)
    lines = d.seed_lines()
    for n, what in (("20", "全面开展第四次全国农业普查"), ("30", "建设区级应急物资储备库"), ("40", "完成全区地名标志设置"),
                    ("50", "开展全民国防教育月活动"), ("60", "完成区档案馆新馆搬迁")):
        lines = d.insert_task(d.delete_task(lines, n), str(int(n) - 1), [
            f"{n}.{what}。", "牵头领导：钱  新", "主要责任单位：区新设局", "完成时限：2026年12月31日"])
    path = d.write_txt(lines, tmp_path / "v2.txt")
    preview = build_preview(parse_upload(path), sha256_of(path.read_bytes()))
    assert (preview.counts["added"], preview.counts["withdrawn"]) == (5, 5)
    assert preview.suspicious_reasons == ["新增 5 项、撤销 5 项，数量相近：可能是同一批任务没有被认出，而不是真的修订"]


def test_it_asks_twice_on_the_web_and_names_what_hangs_on_the_withdrawn_task(client, office, small_plan):
    task2 = small_plan.tasks.get(number="2")
    url = _upload(client, "v2.txt", WITHOUT_2)
    page = client.get(url).content.decode()
    assert "可疑修订" in page and "将撤销 1 项任务，超过现有 3 项任务的 10%" in page
    assert "新增 0 项、修改 0 项、撤销 1 项、不变 2 项" in page

    # First confirmation: the second step, nothing written.
    step2 = client.post(url, {"action": "confirm", "revision": "1"})
    html = step2.content.decode()
    assert step2.status_code == 200 and "再次确认：将撤销 1 项任务" in html
    assert "推进文旅融合发展。" in html and "工作节点 2 条" in html and 'id="record-total">2<' in html
    assert ImportBatch.objects.get(original_name="v2.txt").status == "pending"
    assert not Task.objects.get(pk=task2.pk).withdrawn
    token = html.split('name="withdraw_ack" value="')[1].split('"')[0]

    # The token without the box ticked: still the second step.
    again = client.post(url, {"action": "confirm", "revision": "1", "withdraw_ack": token})
    assert "请勾选" in again.content.decode() and not Task.objects.get(pk=task2.pk).withdrawn
    # A token for another set of withdrawals: the second step again, with a warning.
    stale = client.post(url, {"action": "confirm", "revision": "1", "withdraw_ack": "0" * 20, "checked": "1"})
    assert "已有变化" in stale.content.decode() and not Task.objects.get(pk=task2.pk).withdrawn

    done = client.post(url, {"action": "confirm", "revision": "1", "withdraw_ack": token, "checked": "1"})
    assert done.status_code == 302 and done["Location"] == reverse("plans:detail", args=[small_plan.pk])
    task2.refresh_from_db()
    assert task2.withdrawn and task2.milestones.count() == 2
    assert ImportBatch.objects.get(original_name="v2.txt").status == "applied"


def test_it_applies_an_ordinary_revision_with_one_confirmation(client, office, small_plan):
    url = _upload(client, "v2.txt", SMALL_PLAN.replace("推进文旅融合发展。", "推进文旅深度融合发展。"))
    assert "可疑修订" not in client.get(url).content.decode()
    done = client.post(url, {"action": "confirm", "revision": "1"})
    assert done.status_code == 302
    assert small_plan.tasks.get(number="2").title == "推进文旅深度融合发展。"


def test_the_command_line_refuses_a_suspicious_revision_without_force(tmp_path, capsys):
    call_command("import", str(d.SEED))
    plan = Plan.objects.get()
    lines = d.seed_lines()
    for n in range(60, 80):
        lines = d.delete_task(lines, str(n))
    path = d.write_txt(lines, tmp_path / "删减版.txt")
    with pytest.raises(CommandError) as err:
        call_command("import", str(path), "--yes")
    assert err.value.returncode == 1 and "可疑修订" in str(err.value) and "--force" in str(err.value)
    out = capsys.readouterr().out
    assert "撤销 20 项" in out and "超过现有 101 项任务的 10%" in out
    assert plan.tasks.active().count() == 101 and plan.revision == 1

    call_command("import", str(path), "--yes", "--force")
    plan.refresh_from_db()
    assert plan.revision == 2 and plan.tasks.active().count() == 81 and plan.tasks.filter(withdrawn=True).count() == 20
