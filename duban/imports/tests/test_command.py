"""`duban import FILE --dry-run --format json`: the diff for scripts; the text output's counts."""
from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.plans.models import Plan, Task

from . import documents as d

pytestmark = pytest.mark.django_db


def dry_json(path, capsys, *extra) -> dict:
    capsys.readouterr()
    call_command("import", str(path), "--dry-run", "--format", "json", *extra)
    return json.loads(capsys.readouterr().out)


def test_it_prints_the_diff_as_json(tmp_path, capsys):
    call_command("import", str(d.SEED))
    plan = Plan.objects.get()
    lines = d.delete_task(d.seed_lines(), "50")
    lines = d.replace_title(lines, "9", "加快推动生物医药基地扩区建设，完成扩区规划编制。")
    lines = d.insert_task(lines, "101", ["102.建成区级数字经济服务中心。", "牵头领导：周  冲", "主要责任单位：区经济和信息化局",
                                         "完成时限：2026年10月31日"])
    path = d.write_txt(lines, tmp_path / "修订版.txt")
    out = dry_json(path, capsys)

    assert set(out) == {"file", "sha256", "plan", "counts", "suspicious", "suspicious_reasons", "added", "changed",
                        "withdrawn", "restored", "unchanged", "warnings", "guessed_units", "new_units",
                        "new_leaders", "leader_roles"}
    assert out["plan"] == {"id": plan.pk, "title": plan.title, "issuer": plan.issuer, "year": 2026,
                           "revision_before": 1, "is_new": False, "is_unchanged": False}
    assert out["counts"] == {"added": 1, "changed": 1, "withdrawn": 1, "restored": 0, "unchanged": 99}
    assert out["suspicious"] is False and out["suspicious_reasons"] == []

    (added,) = out["added"]
    assert added["title"] == "建成区级数字经济服务中心。" and isinstance(added["line"], int) and "task_id" not in added
    (changed,) = out["changed"]
    task9 = plan.tasks.get(number="9")
    assert changed["task_id"] == task9.pk and changed["number"] == "9"
    assert changed["match"] == {"reason": "同序号", "similarity": changed["match"]["similarity"]}
    assert 0.5 < changed["match"]["similarity"] < 1
    assert changed["fields"] == ["title"] and changed["field_labels"] == ["工作任务"]
    assert changed["before"] == {"title": task9.title}
    assert changed["after"] == {"title": "加快推动生物医药基地扩区建设，完成扩区规划编制。"}
    (withdrawn,) = out["withdrawn"]
    assert withdrawn == {"number": "50", "title": plan.tasks.get(number="50").title,
                         "task_id": plan.tasks.get(number="50").pk, "records": {}}
    assert len(out["unchanged"]) == 99
    assert all(u["match"]["reason"] == "同序号" for u in out["unchanged"])
    assert all(set(u) >= {"number", "title", "task_id", "line", "match"} for u in out["unchanged"])
    gap = next(i for i, x in enumerate(lines, 1) if x.startswith("51."))
    assert out["warnings"] == [{"line": gap, "message": f"第{gap}行：编号不连续（上一项为49，本项为51）"}]
    assert out["guessed_units"] == [] and out["leader_roles"] == []
    assert Task.objects.filter(plan=plan).count() == 101 and Plan.objects.get().revision == 1  # dry run


def test_it_reports_warnings_with_their_lines_and_new_plans_in_json(tmp_path, capsys):
    text = d.SEED.read_text(encoding="utf-8").replace("完成时限：2026年10月1日", "完成时限：根据上级部署确定")
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    out = dry_json(path, capsys)
    assert out["plan"]["is_new"] is True and out["plan"]["id"] is None
    assert out["counts"]["added"] == 101 and out["changed"] == [] and out["withdrawn"] == []
    # The parser names the line where the task starts (task 12's item line, three above its time).
    line = next(i for i, x in enumerate(text.splitlines(), 1) if x.startswith("12."))
    assert out["warnings"] == [{"line": line, "message": f"第{line}行：任务12无法识别完成时限“根据上级部署确定”"}]
    assert not Plan.objects.exists()


def test_it_refuses_json_for_a_real_import():
    with pytest.raises(CommandError) as err:
        call_command("import", str(d.SEED), "--format", "json")
    assert err.value.returncode == 2 and "--dry-run" in str(err.value)
    assert not Plan.objects.exists()


def test_it_prints_the_counts_and_why_each_task_matched(tmp_path, capsys):
    call_command("import", str(d.SEED))
    path = d.write_txt(d.renumber(d.delete_task(d.seed_lines(), "50")), tmp_path / "v2.txt")
    capsys.readouterr()
    call_command("import", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "修订版（现为第1版）：新增 0 项、修改 0 项、撤销 1 项、恢复 0 项、不变 100 项" in out
    assert "  - 撤销 50 " in out and "已有记录：无记录，全部保留" in out
    assert "  = 序号 51 → 50 " in out and "（同标题）" in out
    assert "（试运行，未写入）" in out
