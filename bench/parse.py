"""Parse-time benchmark for the plan parser, in process.

Measures `parse_document` (the grammar plus field interpretation) on documents read
once up front: the seed plan (101 tasks), a generated plan of 2,000 varied tasks
(sections, subsections, sub-items, inline and prose parentheses, wrapped unit lists,
page numbers), and a generated table of 2,000 rows flattened to text one cell per
line (as a web or PDF copy gives it: heading rows with leader groups, empty cells,
wrapped cells, the header repeated on every page). Every parse is cold:
`clear_caches()` empties every memo of every planparser module (the field modules'
included) and the regular-expression cache before each timed parse. Prints the
median CPU time over repeats; the last three lines are

    seed_parse_median: 4.0 ms
    plan2000_parse_median: 210.0 ms
    flat2000_parse_median: 300.0 ms

Targets: seed under 10 ms, each 2,000-task plan under 500 ms.

Run: .venv/bin/python bench/parse.py [--quick] [--profile]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planparser import clear_caches, parse_document, read_document  # noqa: E402
from planparser.readers import Document, Line  # noqa: E402

SEED = ROOT / "examples" / "daxing-2026-plan.txt"
CN = "一二三四五六七八九十"

VERBS = ["推进", "实施", "加快", "完善", "开展", "建设", "提升", "深化", "优化", "落实"]
THINGS = ["老旧小区改造", "农村供水管网", "智慧社区平台", "公共停车设施", "养老服务中心", "中小学校舍", "城市绿道",
          "雨污分流工程", "便民生活圈", "数字政府项目", "营商环境改革", "社区卫生服务站"]
UNITS = ["区发展改革委", "区财政局", "区住房城乡建设委", "区水务局", "区民政局", "区教委", "区卫生健康委", "区城市管理委",
         "区商务局", "区科委", "区市场监管局", "区农业农村局", "黄村镇人民政府", "西红门镇人民政府", "林校路街道办事处"]
LEADERS = ["郭  明", "王建华", "李  娜", "赵志刚", "孙丽华", "周  强"]
TIMES = ["2026年6月底前", "年底前", "三季度", "2026年10月31日", "持续推进", "3月底前完成方案设计；9月底前完成施工",
         "上半年", "2026年12月"]


def _cn(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    return ("" if n < 20 else CN[n // 10 - 1]) + "十" + (CN[n % 10 - 1] if n % 10 else "")


def generate_plan(n_tasks: int = 2000, seed: int = 2026) -> list[str]:
    """A varied plan of about n_tasks tasks as text lines."""
    rnd = random.Random(seed)
    lines = ["大兴区2026年重点民生工程任务分工方案", "除注明外，各项任务均须于2026年12月底前完成。", ""]
    made, number, section = 0, 0, 0
    page = 1
    while made < n_tasks:
        section += 1
        lines.append(f"{_cn(section)}、第{section}部分重点工作")
        for sub in range(1, 4):
            lines.append(f"（{_cn(sub)}）专项任务{sub}")
            for _ in range(rnd.randint(8, 14)):
                if made >= n_tasks:
                    break
                number += 1
                title = f"{rnd.choice(VERBS)}{rnd.choice(THINGS)}，新增{rnd.randint(2, 900)}个服务点，覆盖率达到{rnd.randint(60, 100)}%。"
                units = rnd.sample(UNITS, rnd.randint(1, 4))
                style = rnd.random()
                if style < 0.45:
                    lines.append(f"{number}.{title}")
                    lines.append(f"牵头领导：{'、'.join(rnd.sample(LEADERS, rnd.randint(1, 2)))}")
                    text = f"主要责任单位：{'、'.join(units)}"
                    if len(units) > 2 and rnd.random() < 0.5:
                        cut = text.index("人民政府") if "人民政府" in text else len(text) - 2
                        lines += [text[:cut], text[cut:]]
                    else:
                        lines.append(text)
                    lines.append(f"完成时限：{rnd.choice(TIMES)}")
                    made += 1
                elif style < 0.75:
                    co = f"；配合单位：{'、'.join(units[1:])}" if units[1:] else ""
                    lines.append(f"{number}.{title}（牵头单位：{units[0]}{co}；完成时限：{rnd.choice(TIMES)}）")
                    made += 1
                elif style < 0.9:
                    co = f"，{'、'.join(units[1:])}配合" if units[1:] else ""
                    lines.append(f"{number}.{title}（{units[0]}牵头{co}，{rnd.choice(TIMES)}完成）")
                    made += 1
                else:
                    lines.append(f"{number}.{title[:-1]}：")
                    lines.append(f"责任领导：{rnd.choice(LEADERS)}")
                    for k in range(1, 4):
                        lines.append(f"（{k}）{rnd.choice(VERBS)}{rnd.choice(THINGS)}子项{k}。（{rnd.choice(UNITS)}牵头）")
                        made += 1
                if rnd.random() < 0.04:
                    page += 1
                    lines.append(f"— {page} —")
    lines += ["", "抄送：区委办公室，区人大常委会办公室，", "区政协办公室。", "北京市大兴区人民政府办公室    2026年3月19日印发"]
    return lines


def generate_flat_table(n_rows: int = 2000, seed: int = 2026) -> list[str]:
    """A task table of about n_rows rows written one cell per line, after a notice."""
    rnd = random.Random(seed)
    header = ["序号", "重点工作", "责任领导", "责任单位", "完成时限"]
    lines = ["关于印发《大兴区2026年重点工作任务分解表》的通知", "各镇人民政府、街道办事处，区政府各委、办、局：",
             "现将《大兴区2026年重点工作任务分解表》印发给你们，请认真抓好落实。", "大兴区人民政府办公室", "2026年3月19日",
             "附件", "大兴区2026年重点工作任务分解表", *header]
    page = 1
    for number in range(1, n_rows + 1):
        if number % 40 == 1:
            section = (number // 40) + 1
            leaders = "、".join(rnd.sample(LEADERS, 2))
            lines.append(f"{_cn(section % 99 or 1)}、第{section}部分重点工作（牵头领导：{leaders}）")
        if number % 25 == 0:
            page += 1
            lines.append(f"— {page} —")
            lines.extend(header)
        units = rnd.sample(UNITS, rnd.randint(1, 4))
        title = f"{rnd.choice(VERBS)}{rnd.choice(THINGS)}，新增{rnd.randint(2, 900)}个服务点，覆盖率达到{rnd.randint(60, 100)}%。"
        lines.append(str(number))
        if rnd.random() < 0.2:
            lines.extend([title[:14], title[14:]])  # a cell wrapped over two lines
        else:
            lines.append(title)
        if rnd.random() < 0.8:
            lines.append(rnd.choice(LEADERS))  # else the leader cell is empty
        text = "、".join(units)
        if len(units) > 2 and rnd.random() < 0.5:
            cut = text.index("、", 4) + 1
            lines.extend([text[:cut], text[cut:]])
        else:
            lines.append(text)
        if rnd.random() < 0.9:
            lines.append(rnd.choice(TIMES))
    return lines


def _median_ms(doc: Document, repeats: int) -> tuple[float, float]:
    """Median CPU time and median wall time of one parse, in ms. CPU time is the
    figure reported: on a shared machine wall time mostly measures the neighbours."""
    cpu, wall = [], []
    for _ in range(repeats):
        clear_caches()  # time cold parses: no answers remembered from the last repeat
        c0, w0 = time.process_time(), time.perf_counter()
        parse_document(doc)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats (under a minute)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of one 2,000-task parse")
    args = ap.parse_args()
    seed_doc = read_document(SEED)
    big = Document(blocks=[Line(t, i) for i, t in enumerate(generate_plan(), start=1)], source="plan2000.txt")
    flat = Document(blocks=[Line(t, i) for i, t in enumerate(generate_flat_table(), start=1)], source="flat2000.txt")
    plan = parse_document(big)
    print(f"plan2000: {len(plan.tasks)} tasks, {len(plan.sections)} sections, {len(plan.warnings)} warnings")
    flat_plan = parse_document(flat)
    print(f"flat2000: {len(flat_plan.tasks)} tasks, {len(flat_plan.sections)} sections, "
          f"{len(flat_plan.warnings)} warnings")
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        parse_document(big)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    seed_repeats, big_repeats = (20, 5) if args.quick else (200, 21)
    parse_document(seed_doc)  # imports and module-level regex compilation, once per process
    seed_ms, seed_wall = _median_ms(seed_doc, seed_repeats)
    big_ms, big_wall = _median_ms(big, big_repeats)
    flat_ms, flat_wall = _median_ms(flat, big_repeats)
    print(f"wall-clock medians: seed {seed_wall:.1f} ms, plan2000 {big_wall:.1f} ms, flat2000 {flat_wall:.1f} ms")
    print(f"seed_parse_median: {seed_ms:.1f} ms")
    print(f"plan2000_parse_median: {big_ms:.1f} ms")
    print(f"flat2000_parse_median: {flat_ms:.1f} ms")


if __name__ == "__main__":
    main()
