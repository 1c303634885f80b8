"""Revisions of the real seed plan, in every container offices use: the diff is what
actually changed. (Files made here with python-docx, reportlab and openpyxl.)"""
from __future__ import annotations

import pytest

from duban.imports.actions import import_plan
from duban.imports.matching import SAME_NUMBER, SAME_TITLE
from duban.imports.preview import build_preview, parse_upload, sha256_of
from duban.plans.models import Task

from . import documents as d

pytestmark = pytest.mark.django_db
CONTAINERS = {"txt": d.write_txt, "docx": d.write_docx, "pdf": d.write_pdf, "xlsx": d.write_xlsx}


@pytest.fixture
def seed_plan(db):
    data = d.SEED.read_bytes()
    preview = build_preview(parse_upload(d.SEED), sha256_of(data))
    return import_plan(preview, actor=None, source_name=d.SEED.name, source_bytes=data).plan


def preview_of(lines, container, tmp_path):
    path = CONTAINERS[container](lines, tmp_path / f"方案.{container}")
    return build_preview(parse_upload(path), sha256_of(path.read_bytes()))


def counts(preview) -> tuple:
    c = preview.counts
    return c["added"], c["changed"], c["withdrawn"], c["restored"]


@pytest.mark.parametrize("container", CONTAINERS)
def test_it_sees_no_change_when_the_same_plan_comes_in_another_container(container, seed_plan, tmp_path):
    """The seed imported from its .txt, then the same text as a .docx (its unit list
    wrapped over two lines), a text-layer .pdf, a sheet: nothing to do."""
    preview = preview_of(d.seed_lines(), container, tmp_path)
    assert preview.plan == seed_plan
    assert counts(preview) == (0, 0, 0, 0) and preview.counts["same"] == 101
    assert preview.is_unchanged and not preview.suspicious


@pytest.mark.parametrize("container", CONTAINERS)
def test_it_withdraws_exactly_the_deleted_task(container, seed_plan, tmp_path):
    preview = preview_of(d.delete_task(d.seed_lines(), "50"), container, tmp_path)
    assert counts(preview) == (0, 0, 1, 0) and preview.counts["same"] == 100
    assert [c.task.number for c in preview.by_kind("withdrawn")] == ["50"]
    assert not preview.suspicious


@pytest.mark.parametrize("container", CONTAINERS)
def test_it_follows_renumbered_tasks_after_a_deletion(container, seed_plan, tmp_path):
    preview = preview_of(d.renumber(d.delete_task(d.seed_lines(), "50")), container, tmp_path)
    assert [c.task.number for c in preview.by_kind("withdrawn")] == ["50"]
    assert counts(preview) == (0, 0, 1, 0)
    moved = preview.renumbered
    assert len(moved) == 51 and all(c.reason == SAME_TITLE for c in moved)
    assert all(int(c.number_before) == int(c.number) + 1 for c in moved)


def test_it_adds_an_inserted_task_and_keeps_every_other(seed_plan, tmp_path):
    new = ["11.建成区级数字经济服务中心。", "牵头领导：周  冲", "主要责任单位：区经济和信息化局", "完成时限：2026年10月31日"]
    lines = d.renumber(d.insert_task(d.seed_lines(), "10", new))
    preview = preview_of(lines, "txt", tmp_path)
    assert counts(preview) == (1, 0, 0, 0)
    (added,) = preview.by_kind("added")
    assert (added.number, added.title) == ("11", "建成区级数字经济服务中心。")
    assert len(preview.renumbered) == 91 and {c.reason for c in preview.renumbered} == {SAME_TITLE}


def test_it_matches_a_reworded_title_by_its_number(seed_plan, tmp_path):
    lines = d.replace_title(d.seed_lines(), "9", "加快推动生物医药基地扩区建设，完成扩区规划编制。")
    preview = preview_of(lines, "txt", tmp_path)
    assert counts(preview) == (0, 1, 0, 0)
    (changed,) = preview.by_kind("changed")
    assert (changed.task.number, changed.reason, changed.fields) == ("9", SAME_NUMBER, ["title"])
    assert changed.field_labels == ["工作任务"]


def test_it_matches_a_reworded_and_renumbered_task_by_similarity(seed_plan, tmp_path):
    lines = d.delete_task(d.seed_lines(), "8")
    lines = d.renumber(d.replace_title(lines, "9", "加快推动生物医药基地扩区建设，完成扩区规划编制。"))
    preview = preview_of(lines, "txt", tmp_path)
    assert counts(preview) == (0, 1, 1, 0)
    (changed,) = preview.by_kind("changed")
    assert changed.task.number == "9" and changed.number == "8"
    assert changed.reason.startswith("标题相似 ") and changed.fields == ["title"]
    assert [c.task.number for c in preview.by_kind("withdrawn")] == ["8"]


def test_it_applies_a_renumbering_revision_without_touching_anyones_records(seed_plan, tmp_path, office):
    task51 = seed_plan.tasks.get(number="51")
    preview = preview_of(d.renumber(d.delete_task(d.seed_lines(), "50")), "txt", tmp_path)
    result = import_plan(preview, actor=office, source_name="v2.txt", source_bytes=b"v2")
    assert (result.added, result.changed, result.removed) == (0, 0, 1)
    task51.refresh_from_db()
    assert task51.number == "50" and not task51.withdrawn
    assert Task.objects.get(plan=seed_plan, title=task51.title).pk == task51.pk
    assert seed_plan.tasks.active().count() == 100 and seed_plan.tasks.filter(withdrawn=True).get().number == "50"
    # The same file again: nothing to do.
    assert preview_of(d.renumber(d.delete_task(d.seed_lines(), "50")), "txt", tmp_path).is_unchanged


def test_it_reads_a_sheet_without_an_issuer_as_a_version_of_the_plan(seed_plan, tmp_path):
    preview = preview_of(d.seed_lines(), "xlsx", tmp_path)
    assert preview.parsed.issuer is None and preview.parsed.issued is None and preview.plan == seed_plan
    # What the sheet does not write (the date of issue) stays as the notice gave it.
    assert preview.plan_fields["issued"] == seed_plan.issued and not preview.plan_fields_changed
