"""The matcher alone (no database): stored tasks paired with parsed ones by what they are."""
from __future__ import annotations

from duban.imports.matching import SAME_NUMBER, SAME_TITLE, Side, match_tasks, normalise_title, section_key

S1, S2 = "一、稳增长", "二、惠民生"
PLAN = [
    Side("1", S1, "全年新增市场主体不少于2000家。", ("区市场监管局",), ("李明",)),
    Side("2", S1, "推进重点项目建设，完成投资120亿元。", ("区发展改革委",), ("王芳",)),
    Side("3", S1, "实施星光影视园提质工程。", ("大兴经济开发区管委会",), ("周冲",)),
    Side("4", S2, "持续推进社区养老服务。", ("区民政局",), ("王芳",)),
    Side("5", S2, "完成老旧小区综合整治。", ("区住房城乡建设委",), ("李明",)),
    Side("6", S2, "新建口袋公园8处。", ("区园林绿化局",), ("张强",)),
]


def pairs(matching):
    return [(p.stored, p.parsed, p.reason) for p in matching.pairs]


def test_it_pairs_an_unchanged_plan_by_number():
    m = match_tasks(PLAN, PLAN)
    assert pairs(m) == [(i, i, SAME_NUMBER) for i in range(6)]
    assert m.unmatched_stored == [] and m.unmatched_parsed == []


def test_it_pairs_renumbered_tasks_by_their_text_after_a_deletion():
    parsed = [PLAN[0], PLAN[1]] + [Side(str(int(s.number) - 1), s.section, s.title, s.units, s.leaders)
                                   for s in PLAN[3:]]  # task 3 deleted, 4-6 become 3-5
    m = match_tasks(PLAN, parsed)
    assert m.unmatched_stored == [2] and m.unmatched_parsed == []
    assert pairs(m)[2:] == [(3, 2, SAME_TITLE), (4, 3, SAME_TITLE), (5, 4, SAME_TITLE)]


def test_it_adds_an_inserted_task_and_follows_the_others_to_their_new_numbers():
    new = Side("2", S1, "开展第四次全国经济普查。", ("区统计局",), ("李明",))
    parsed = [PLAN[0], new] + [Side(str(int(s.number) + 1), s.section, s.title, s.units, s.leaders)
                               for s in PLAN[1:]]
    m = match_tasks(PLAN, parsed)
    assert m.unmatched_parsed == [1] and m.unmatched_stored == []
    assert [(s, p) for s, p, _ in pairs(m)] == [(0, 0), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6)]


def test_it_matches_a_reworded_title_and_says_how_similar():
    reworded = Side("9", S2, "加快实施星光影视园提质升级工程，打造影视产业集聚区。", ("大兴经济开发区管委会",), ("周冲",))
    m = match_tasks([PLAN[2]], [reworded])
    (p,) = m.pairs
    assert p.reason.startswith("标题相似 ") and p.reason.endswith("%")
    assert 40 <= int(p.reason.removeprefix("标题相似 ").removesuffix("%")) < 100
    assert p.reason == f"标题相似 {int(p.similarity * 100)}%"


def test_it_keeps_a_heavily_reworded_task_at_its_number_when_units_and_leaders_agree():
    rewritten = Side("3", S1, "星光影视园完成提质改造并对外开放。", ("大兴经济开发区管委会",), ("周冲",))
    m = match_tasks(PLAN, PLAN[:2] + [rewritten] + PLAN[3:])
    assert (2, 2, SAME_NUMBER) in pairs(m) and not m.unmatched_stored


def test_it_never_pairs_different_tasks_below_the_threshold():
    """A replaced task (new text, other units and leader) is added; the old one withdrawn."""
    other = Side("3", S1, "全面开展第四次全国农业普查。", ("区统计局",), ("赵六",))
    m = match_tasks(PLAN, PLAN[:2] + [other] + PLAN[3:])
    assert m.unmatched_stored == [2] and m.unmatched_parsed == [2]


def test_it_assigns_globally_not_greedily():
    """Stored A is most like parsed X (94%) and much like Y (86%); stored B is like X
    only (67%; 46% with Y and other units). Best pair first would give X to A and
    withdraw B; the one global assignment keeps both: A-Y and B-X."""
    a = Side(None, None, "推进老旧小区改造，完成加装电梯50部", ("区住建委",), ("甲",))
    b = Side(None, None, "完成加装电梯80部", ("区房管局",), ("甲",))
    x = Side(None, None, "推进老旧小区改造，完成加装电梯80部", ("区住建委",), ("甲",))
    y = Side(None, None, "推进老旧小区改造，完成加装电梯工作", ("区住建委",), ("甲",))
    m = match_tasks([a, b], [x, y])
    assert {(p.stored, p.parsed) for p in m.pairs} == {(0, 1), (1, 0)}
    assert not m.unmatched_stored and not m.unmatched_parsed
    # Without A, B still finds X; without X, B is withdrawn (46% is below the threshold).
    assert [(p.stored, p.parsed) for p in match_tasks([b], [x, y]).pairs] == [(0, 0)]
    assert match_tasks([b], [y]).unmatched_stored == [0]


def test_it_survives_a_bogus_task_and_a_lost_section():
    """A continuation line read as a task of its own, and a section heading the reader
    lost: nothing is withdrawn, the bogus task is the only addition."""
    bogus = Side(None, S2, "人民政府、庞各庄镇人民政府、榆垡镇人民政府", (), ())
    parsed = PLAN[:4] + [bogus] + [Side(s.number, None, s.title, s.units, s.leaders) for s in PLAN[4:]]
    m = match_tasks(PLAN, parsed)
    assert m.unmatched_stored == [] and m.unmatched_parsed == [4]


def test_it_prefers_the_active_task_to_a_withdrawn_twin():
    withdrawn = Side("3", S1, PLAN[2].title, PLAN[2].units, PLAN[2].leaders, withdrawn=True)
    m = match_tasks([withdrawn, PLAN[2]], [PLAN[2]])
    assert pairs(m) == [(1, 0, SAME_NUMBER)] and m.unmatched_stored == [0]


def test_it_brings_back_a_withdrawn_task_the_text_holds_again():
    withdrawn = Side("3", S1, PLAN[2].title, PLAN[2].units, PLAN[2].leaders, withdrawn=True)
    m = match_tasks([withdrawn], [PLAN[2]])
    assert [(p.stored, p.parsed) for p in m.pairs] == [(0, 0)]


def test_it_compares_titles_and_sections_as_they_mean():
    assert normalise_title(" 推进 重点项目。") == normalise_title("推进重点项目")
    assert section_key("二、锚定布局强载体") == section_key("二、锚定布局强载体，实现全域提质新突围") == "二"
    assert section_key("（三）其他") == "三" and section_key("其他") == "其他"
