"""Import side of issue 12 §2: unit lists with a shared suffix read as full names, and
leader roles written without a name mapped by the office to the person holding them."""
from __future__ import annotations

import copy
import json

import pytest
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.audit.models import Event
from duban.conftest import make_parsed_plan
from duban.imports.actions import import_plan
from duban.imports.models import ImportBatch, RoleHolder
from duban.imports.preview import build_preview, parse_upload
from duban.imports.unitnames import SuffixGuess, read_unit_list
from duban.org.models import Leader, Unit
from duban.plans.models import Plan

from . import documents as d

WUHAN = """武汉市人民政府办公厅
2026年武汉市重点工作分工方案
一、优化营商环境
1.推进“高效办成一件事”改革。
牵头领导：常务副市长
责任单位：江岸、江汉、汉阳、武昌区人民政府
完成时限：2026年12月31日
2.新建口袋公园20个。
牵头领导：李明
责任单位：市园林局
完成时限：年底前
"""


def test_it_reads_bare_names_with_the_suffix_they_share():
    read, guesses = read_unit_list(["江岸", "江汉", "汉阳", "武昌区人民政府"], {"江汉区人民政府"}.__contains__)
    assert read == ["江岸区人民政府", "江汉区人民政府", "汉阳区人民政府", "武昌区人民政府"]
    assert guesses == [SuffixGuess("江岸", "江岸区人民政府", False), SuffixGuess("江汉", "江汉区人民政府", True),
                       SuffixGuess("汉阳", "汉阳区人民政府", False)]
    assert read_unit_list(["黄村", "西红门镇人民政府"], lambda n: False)[0] == ["黄村镇人民政府", "西红门镇人民政府"]
    assert read_unit_list(["朝阳区", "海淀区人民政府"], lambda n: False)[0] == ["朝阳区人民政府", "海淀区人民政府"]
    # A known unit through any tail of the full name; nothing guessed without a level word.
    assert read_unit_list(["发改", "商务局"], {"发改局"}.__contains__)[0] == ["发改局", "商务局"]
    assert read_unit_list(["发改", "商务局"], lambda n: False) == (["发改", "商务局"], [])


def test_it_leaves_complete_and_collective_names_alone():
    for names in (["区发展改革委", "区财政局"], ["北京中日国际合作产业园管委会", "大兴发展"], ["各部门", "各单位"],
                  ["各镇街", "区住房城乡建设委"], ["区经济和信息化局", "黄村镇人民政府", "市规划自然资源委大兴分局"]):
        assert read_unit_list(names, lambda n: False) == (names, [])


@pytest.mark.django_db
def test_the_seed_needs_no_suffix_reading():
    preview = build_preview(parse_upload(d.SEED), "0" * 64)
    assert preview.suffix_guesses == []


@pytest.mark.django_db
def test_it_never_creates_a_unit_named_by_its_bare_place(tmp_path, capsys):
    Unit.objects.create(name="江汉区人民政府")
    path = tmp_path / "武汉.txt"
    path.write_text(WUHAN, encoding="utf-8")
    call_command("import", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "推断：单位“江岸”与后面的单位共用后缀，读作“江岸区人民政府”（将新建）" in out
    assert "推断：单位“江汉”与后面的单位共用后缀，读作“江汉区人民政府”（已有单位）" in out
    call_command("import", str(path))
    task = Plan.objects.get().tasks.get(number="1")
    assert [u.name for u in task.lead_units()] == ["江岸区人民政府"]
    assert [u.name for u in task.co_units()] == ["江汉区人民政府", "汉阳区人民政府", "武昌区人民政府"]
    assert not Unit.objects.filter(name__in=["江岸", "江汉", "汉阳"]).exists()
    assert Unit.objects.filter(name__endswith="区人民政府").count() == 4
    guessed = Event.objects.filter(action="unit.suffix_guess").values_list("summary", flat=True)
    assert set(guessed) == {"按共用后缀推断并新建单位“江岸区人民政府”（方案中写作简称，请核对）",
                            "按共用后缀推断并新建单位“汉阳区人民政府”（方案中写作简称，请核对）"}
    # Imported again: the same units, nothing new.
    call_command("import", str(path))
    assert "未做任何修改" in capsys.readouterr().out and Unit.objects.count() == 5


@pytest.mark.django_db
def test_it_maps_a_role_to_the_person_and_keeps_it_for_later_revisions():
    parsed = make_parsed_plan()
    parsed.tasks = copy.deepcopy(parsed.tasks)
    parsed.tasks[2].leaders, parsed.tasks[2].leader_roles = [], ["常务副区长"]
    preview = build_preview(parsed, "a" * 64)
    assert preview.role_map == {"常务副区长": ""} and preview.unmapped_roles == ["常务副区长"]
    preview = build_preview(parsed, "a" * 64, role_map={"常务副区长": "王芳"})
    assert preview.after[2]["leaders"] == ["王芳"] and preview.unmapped_roles == []
    plan = import_plan(preview, actor=None, source_name="a.txt", source_bytes=b"a").plan
    assert [l.name for l in plan.tasks.get(number="3").ordered_leaders()] == ["王芳"]
    assert RoleHolder.objects.get(plan=plan, role="常务副区长").leader.name == "王芳"
    # The next revision knows who holds the role without being told again.
    again = build_preview(parsed, "b" * 64)
    assert again.role_map == {"常务副区长": "王芳"} and again.is_unchanged
    # A version naming the person instead: the same ledger, the stored holder kept.
    named = build_preview(make_parsed_plan(), "c" * 64)
    assert named.role_map == {} and named.is_unchanged


@pytest.mark.django_db
def test_the_office_maps_a_role_on_the_preview(client, office):
    Leader.objects.create(name="郭文杰")
    client.force_login(office)
    url = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("武汉.txt", WUHAN.encode())})["Location"]
    page = client.get(url).content.decode()
    assert "领导职务“常务副市长”未写姓名，尚未指定由哪位领导担任" in page
    assert "第4行：任务1的牵头领导只写了职务“常务副市长”" in page  # the parser's warning, with its line
    assert '<option value="郭文杰">郭文杰</option>' in page and '<option value="李明">李明</option>' in page
    assert "读作“江岸区人民政府”（将新建，请核对名称）" in page

    # A name that is not among the choices changes nothing.
    client.post(url, {"action": "roles", "role_0": "冒名者"})
    assert ImportBatch.objects.get().role_map == {}
    response = client.post(url, {"action": "roles", "role_0": "郭文杰"})
    assert response.status_code == 302 and ImportBatch.objects.get().role_map == {"常务副市长": "郭文杰"}
    page = client.get(url).content.decode()
    assert "尚未指定" not in page and '<option value="郭文杰" selected>郭文杰</option>' in page

    client.post(url, {"action": "confirm", "revision": "new"})
    plan = Plan.objects.get()
    assert [l.name for l in plan.tasks.get(number="1").ordered_leaders()] == ["郭文杰"]
    assert RoleHolder.objects.get(plan=plan).leader.name == "郭文杰"


@pytest.mark.django_db
def test_the_command_line_takes_roles(tmp_path, capsys):
    path = tmp_path / "武汉.txt"
    path.write_text(WUHAN, encoding="utf-8")
    call_command("import", str(path), "--dry-run")
    assert "领导职务“常务副市长”未写姓名，未指定由谁担任（可加 --role 常务副市长=姓名）" in capsys.readouterr().out
    call_command("import", str(path), "--dry-run", "--format", "json", "--role", "常务副市长=郭文杰")
    out = json.loads(capsys.readouterr().out)
    assert out["leader_roles"] == [{"role": "常务副市长", "leader": "郭文杰"}]
    assert {"written": "江岸", "unit": "江岸区人民政府", "why": "shared_suffix", "known": False} in out["guessed_units"]
    assert out["warnings"] == [{"line": 4, "message": "第4行：任务1的牵头领导只写了职务“常务副市长”，没有写姓名，导入时请指定由哪位领导担任"}]
    call_command("import", str(path), "--role", "常务副市长=郭文杰")
    assert [l.name for l in Plan.objects.get().tasks.get(number="1").ordered_leaders()] == ["郭文杰"]
