"""`clear_caches()` leaves nothing remembered, so a timed parse after it is cold; a
parse leaves the garbage collector as it found it."""
from __future__ import annotations

import functools
import gc

import pytest

from planparser import ParseError, clear_caches, parse_file
from planparser.grammar import parse_document
from planparser.readers import Document, Line

from .conftest import SEED


def _planparser_caches() -> list[functools._lru_cache_wrapper]:
    """Every memo any planparser code holds, wherever it is defined (module level,
    a class, a closure): found among all live objects, not by the names
    clear_caches() walks."""
    wrapper = functools._lru_cache_wrapper
    # type(), not isinstance(): a lazy proxy (Django's) would set itself up when asked
    # for its class.
    return [o for o in gc.get_objects() if type(o) is wrapper and o.__module__.startswith("planparser")]


def test_clear_caches_empties_every_memo_the_field_modules_included() -> None:
    parse_file(SEED)
    caches = _planparser_caches()
    filled = {f"{c.__module__}.{c.__qualname__}" for c in caches if c.cache_info().currsize}
    # The parse used the memos of the grammar and of the field modules.
    for module in ("planparser.deadlines", "planparser.leaders", "planparser.units", "planparser.targets",
                   "planparser.numbering", "planparser._text"):
        assert any(name.startswith(module + ".") for name in filled), module
    clear_caches()
    left = {f"{c.__module__}.{c.__qualname__}": c.cache_info().currsize for c in _planparser_caches()
            if c.cache_info().currsize}
    assert left == {}


@pytest.mark.parametrize("enabled", [True, False])
def test_a_parse_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        parse_file(SEED)
        assert gc.isenabled() is enabled
        with pytest.raises(ParseError):
            parse_document(Document(blocks=[Line("没有任务的一行字。", 1)], source="x.txt"))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
