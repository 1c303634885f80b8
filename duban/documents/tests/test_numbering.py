"""文号: the office's pattern, one sequence per kind and year, never one number twice."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from duban.audit.models import Event
from duban.documents import actions, numbering
from duban.documents.models import NumberPattern


@pytest.mark.parametrize("text, expected", [
    ("督办〔{年}〕{序号}号", "督办〔2026〕7号"),
    ("区督查〔{年}〕第{序号:3}号", "区督查〔2026〕第007号"),
    ("｛年｝年督字｛序号｝号", "2026年督字7号"),
])
def test_it_formats_the_offices_patterns(text, expected):
    assert numbering.format_number(numbering.validate_pattern(text), 2026, 7) == expected


@pytest.mark.parametrize("text, message", [
    ("督办〔{年}〕号", "须包含{序号}"),
    ("督办{序号}号", "须包含{年}"),
    ("督办〔{年}〕{编号}号", "无法识别的“{编号}”"),
    ("督办〔{年〕{序号}号", "花括号没有成对出现"),
    ("", "请填写文号格式"),
])
def test_it_refuses_a_pattern_that_would_not_number(text, message):
    with pytest.raises(numbering.NumberingError, match=message.replace("{", r"\{").replace("}", r"\}")):
        numbering.validate_pattern(text)


@pytest.mark.django_db
def test_it_keeps_a_sequence_per_kind_and_year():
    taken = [numbering.take_number("notice", 2026), numbering.take_number("notice", 2026),
             numbering.take_number("extension", 2026), numbering.take_number("notice", 2027)]
    assert taken == [(1, "督办〔2026〕1号"), (2, "督办〔2026〕2号"), (1, "延期批复〔2026〕1号"), (1, "督办〔2027〕1号")]


@pytest.mark.django_db
def test_it_saves_a_pattern_audited_and_refuses_a_bad_one_changing_nothing(office, liaison_a):
    actions.set_number_pattern("closure", "销号〔{年}〕第{序号}号", actor=office)
    assert numbering.pattern("closure") == "销号〔{年}〕第{序号}号"
    event = Event.objects.get(action="number_pattern.update")
    assert event.summary == "办结销号通知文号格式：销号〔{年}〕{序号}号 → 销号〔{年}〕第{序号}号"
    with pytest.raises(actions.ActionError, match="须包含"):
        actions.set_number_pattern("closure", "销号{序号}", actor=office)
    with pytest.raises(actions.ActionError, match="只有督查室"):
        actions.set_number_pattern("closure", "X〔{年}〕{序号}", actor=liaison_a)
    assert list(NumberPattern.objects.values_list("pattern", flat=True)) == ["销号〔{年}〕第{序号}号"]


@pytest.mark.django_db(transaction=True)
def test_it_never_gives_one_number_twice_to_concurrent_writers():
    """Four threads (four connections) take ten numbers each of two kinds at once: on
    SQLite and on PostgreSQL (DATABASE_URL) alike, every number is given exactly once."""
    barrier = threading.Barrier(4)
    got: dict[str, list[int]] = {"notice": [], "closure": []}
    errors: list[Exception] = []

    def take():
        try:
            barrier.wait()
            for i in range(10):
                kind = "notice" if i % 2 == 0 else "closure"
                with transaction.atomic():
                    got[kind].append(numbering.next_seq(kind, 2030))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(got["notice"]) == list(range(1, 21))
    assert sorted(got["closure"]) == list(range(1, 21))
