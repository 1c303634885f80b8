"""Import benchmark: a revision of a 2,000-task plan, previewed, applied and undone.

    .venv/bin/python bench/imports.py [--quick] [--tasks N] [--keep]

Builds a fresh SQLite database in a temporary DUBAN_DATA_DIR, writes a plan of N tasks
(default 2,000; --quick 500) in the seed's layout, 40 to a section, with varied titles,
units and leaders, and imports it. Then a revision of it: one task in 40 deleted, a
new task inserted every 50, every 30th title reworded, and everything renumbered — so
nearly every task has moved and only the matcher's assignment can pair them. Times:

- the matcher alone (``duban.imports.matching.match_tasks``) on all stored × parsed tasks,
- the whole preview (``build_preview``: unit names, snapshots, matcher, diff),
- applying it (``import_plan``) and undoing it (``undo_import``),

each the best of three (apply and undo once: they change the data). The last lines
are the figures, named with the task count run:

    import_match_2000: N s
    import_preview_2000: N s
    import_apply_2000: N s
    import_undo_2000: N s
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERBS = ["推进", "加快", "实施", "完成", "启动", "深化", "建设", "提升", "开展", "优化", "打造", "落实"]
PLACES = ["临空经济区", "生物医药基地", "南部新城", "老城区", "开发区", "各镇街", "新航城", "西红门", "黄村", "庞各庄"]
THINGS = ["道路拓宽工程", "污水处理厂", "口袋公园", "养老服务驿站", "智慧停车场", "中小学校舍", "人才公寓",
          "产业园区", "农贸市场", "体育公园", "文化中心", "供热管网", "充电桩", "垃圾分类站", "社区卫生站"]
UNITS = [f"区{w}局" for w in "财政 商务 民政 水务 交通 教育 卫健 文旅 农业 统计 应急 城管 园林 住建 规划".split()]
LEADERS = ["郭文杰", "周冲", "张晓晟", "满群杰", "安学军", "仲伟功", "王芳", "李明", "赵新", "钱进"]


def log(msg: str) -> None:
    print(msg, flush=True)


def tasks(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        title = (f"{rng.choice(VERBS)}{rng.choice(PLACES)}{rng.choice(THINGS)}第{i + 1}期，"
                 f"新增{rng.randint(2, 900)}{rng.choice('个处座公里户')}，{rng.choice(VERBS)}配套{rng.choice(THINGS)}。")
        units = rng.sample(UNITS, rng.randint(1, 3))
        out.append({"title": title, "units": units, "leaders": rng.sample(LEADERS, rng.randint(1, 2)),
                    "section": i // 40 + 1})
    return out


def chinese(k: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 23 → 二十三 (section numerals up to 99)."""
    digits = "一二三四五六七八九"
    tens, ones = divmod(k, 10)
    if not tens:
        return digits[ones - 1]
    return ("" if tens == 1 else digits[tens - 1]) + "十" + (digits[ones - 1] if ones else "")


def text(items: list[dict]) -> str:
    lines = ["基准区人民政府办公室", "关于印发《2026年基准区重点工作分工方案》的通知", "各部门：", "现印发给你们。",
             "基准区人民政府办公室", "2026年2月1日", "2026年基准区重点工作分工方案"]
    section = None
    for i, t in enumerate(items):
        if t["section"] != section:
            section = t["section"]
            lines.append(f"{chinese(section)}、第{section}部分重点工作")
        lines += [f"{i + 1}.{t['title']}", f"牵头领导：{'、'.join(t['leaders'])}",
                  f"主要责任单位：{'、'.join(t['units'])}", "完成时限：2026年12月31日"]
    return "\n".join(lines) + "\n"


def revise(items: list[dict], rng: random.Random) -> list[dict]:
    out = []
    for i, t in enumerate(items):
        if i % 40 == 17:
            continue  # deleted
        if i % 50 == 24:
            out.append({"title": f"新增重点任务：{rng.choice(VERBS)}{rng.choice(PLACES)}数字化转型示范项目{i}。",
                        "units": [rng.choice(UNITS)], "leaders": [rng.choice(LEADERS)], "section": t["section"]})
        if i % 30 == 29:
            t = dict(t, title="加快" + t["title"].rstrip("。") + "，年内全面完成。")
        out.append(t)
    return out


def best_of(fn, repeat=3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Preview, apply and undo a revision of a large plan on SQLite.")
    parser.add_argument("--quick", action="store_true", help="500 tasks instead of 2,000")
    parser.add_argument("--tasks", type=int, help="number of tasks (overrides --quick)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)
    n = args.tasks or (500 if args.quick else 2000)

    data_dir = Path(tempfile.mkdtemp(prefix="duban-bench-imports-"))
    os.environ["DUBAN_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from duban.imports.actions import import_plan, undo_import
        from duban.imports.matching import match_tasks
        from duban.imports.preview import _side, build_preview, parse_upload, task_snapshot
        from duban.plans.models import Task

        call_command("migrate", verbosity=0)
        rng = random.Random(2026)
        original = tasks(n, rng)
        v1, v2 = data_dir / "v1.txt", data_dir / "v2.txt"
        v1.write_text(text(original), encoding="utf-8")
        v2.write_text(text(revise(original, rng)), encoding="utf-8")
        t0 = time.perf_counter()
        plan = import_plan(build_preview(parse_upload(v1), "1" * 64), actor=None, source_name="v1.txt",
                           source_bytes=b"v1").plan
        log(f"首次导入：{plan.tasks.count()} 项任务，用时 {time.perf_counter() - t0:.1f} s")

        parsed = parse_upload(v2)
        stored = list(Task.objects.filter(plan=plan).select_related("section").prefetch_related(
            "leader_links__leader", "assignments__unit", "milestones", "targets").order_by("order"))
        stored_sides = [_side(task_snapshot(t)) for t in stored]
        preview = build_preview(parsed, "2" * 64)
        parsed_sides = [_side(a) for a in preview.after]
        match_s, matching = best_of(lambda: match_tasks(stored_sides, parsed_sides))
        preview_s, preview = best_of(lambda: build_preview(parsed, "2" * 64))
        c = preview.counts
        log(f"修订版：{len(parsed.tasks)} 项；新增 {c['added']}、修改 {c['changed']}、撤销 {c['withdrawn']}、"
            f"不变 {c['same']}（其中改序号 {len(preview.renumbered)}）；配对 {len(matching.pairs)}")
        expected = (sum(1 for i in range(n) if i % 40 == 17), sum(1 for i in range(n) if i % 50 == 24))
        assert (c["withdrawn"], c["added"]) == expected, (c, expected)  # every moved task found
        t0 = time.perf_counter()
        result = import_plan(preview, actor=None, source_name="v2.txt", source_bytes=b"v2", suspicious_confirmed=True)
        apply_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        undo_import(result.plan_import, actor=None)
        undo_s = time.perf_counter() - t0
        log(f"tasks: {n}")
        print(f"import_match_{n}: {match_s:.3f} s", flush=True)
        print(f"import_preview_{n}: {preview_s:.2f} s", flush=True)
        print(f"import_apply_{n}: {apply_s:.2f} s", flush=True)
        print(f"import_undo_{n}: {undo_s:.2f} s", flush=True)
    finally:
        if args.keep:
            log(f"数据保留在 {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
