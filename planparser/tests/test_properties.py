"""Random text and mutated documents: the parser returns a Plan or its own error."""
from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planparser import ReadError, parse_file
from planparser.grammar import parse_document
from planparser.model import Plan
from planparser.readers import Document, Line, Row, Table

from .conftest import HEXI_TXT, LANSHAN_TXT, QINGYUAN_TXT, SEED, XIHU_TXT

PLAN_TEXTS = [XIHU_TXT, HEXI_TXT, QINGYUAN_TXT, LANSHAN_TXT, SEED.read_text(encoding="utf-8")]
ALPHABET = st.sampled_from(list("一二三四五六七八九十、，。；：:（）()【】1234567890.\n 　年月日底前牵头配合单位领导完成时限区县局委各部门抄送第页—-同上"))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(doc: Document) -> None:
    try:
        plan = parse_document(doc)
    except ReadError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(plan, Plan) and plan.tasks
    d = plan.to_dict()
    for t in d["tasks"]:
        assert not set(t["lead_units"]) & set(t["co_units"])


@FAST
@given(st.text(alphabet=ALPHABET, max_size=400))
def test_random_text_gives_a_plan_or_a_parse_error(text: str) -> None:
    _check(Document(blocks=[Line(t, i) for i, t in enumerate(text.split("\n"), start=1)], source="random.txt"))


@FAST
@given(st.sampled_from(range(len(PLAN_TEXTS))), st.lists(st.tuples(st.sampled_from(["del", "dup", "swap", "cut"]),
                                                                   st.integers(0, 10_000), st.integers(0, 10_000)),
                                                         max_size=12))
def test_mutated_plans_give_a_plan_or_a_parse_error(which: int, ops: list[tuple[str, int, int]]) -> None:
    lines = PLAN_TEXTS[which].split("\n")
    for op, a, b in ops:
        if not lines:
            break
        i, j = a % len(lines), b % len(lines)
        if op == "del":
            del lines[i]
        elif op == "dup":
            lines.insert(j, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i][: b % (len(lines[i]) + 1)]
    _check(Document(blocks=[Line(t, n) for n, t in enumerate(lines, start=1)], source="mutated.txt"))


@FAST
@given(st.lists(st.lists(st.text(alphabet=ALPHABET, max_size=12), min_size=1, max_size=6), max_size=8))
def test_random_tables_give_a_plan_or_a_parse_error(rows: list[list[str]]) -> None:
    header = Row(cells=["序号", "工作任务", "牵头领导", "责任单位", "完成时限"], number=1)
    table = Table(rows=[header] + [Row(cells=r, number=i) for i, r in enumerate(rows, start=2)], name="表")
    _check(Document(blocks=[table], source="random.xlsx"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["docx_paragraphs", "docx_table", "xlsx", "pdf_table", "csv_gbk", "xihu_txt"]),
       st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 255)), min_size=1, max_size=8))
def test_byte_flips_give_a_plan_or_a_read_error(docs: dict[str, Path], tmp_path_factory, name: str,
                                                flips: list[tuple[int, int]]) -> None:
    data = bytearray(docs[name].read_bytes())
    for pos, value in flips:
        data[pos % len(data)] = value
    path = tmp_path_factory.mktemp("flip") / docs[name].name
    path.write_bytes(bytes(data))
    try:
        plan = parse_file(path)
    except ReadError as exc:
        assert "\n" not in str(exc) and path.name in str(exc)
        return
    assert plan.tasks


def test_shuffled_lines_never_crash() -> None:
    rnd = random.Random(7)
    for text in PLAN_TEXTS:
        lines = text.split("\n")
        for _ in range(20):
            rnd.shuffle(lines)
            _check(Document(blocks=[Line(t, n) for n, t in enumerate(lines, start=1)], source="shuffled.txt"))
