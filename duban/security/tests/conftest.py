"""The cross-cutting security suite (CSRF, XSS, object ids, path traversal, hostile
files, headers) reuses the world of duban/web/tests/test_isolation.py: unit A's
objects, every role, the URL walker and its access rules (RULES). Nothing is copied:
a page added there with its rule is walked here too."""
from __future__ import annotations

import pytest
import time_machine

from duban.web.tests.test_isolation import NOW, world  # noqa: F401 - the `world` fixture


@pytest.fixture
def frozen():
    """The isolation world's clock (2026-11-28 10:00, a round open for November)."""
    with time_machine.travel(NOW, tick=False):
        yield
