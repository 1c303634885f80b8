"""A dashboard whose data changed is shown from its latest copy, marked as such, while
one thread builds the new copy (duban.dashboards.refresh); a copy older than the
setting is never shown; one build at a time."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from duban.dashboards import refresh
from duban.plans.models import Task
from duban.supervision.models import TaskClosure

from .conftest import AS_OF, NOW, get_page, stat

URL = reverse("dashboards:overview")
NOTICE = "以下数据截至"

pytestmark = pytest.mark.django_db(transaction=True)  # the builder thread reads committed data


def close_a_task() -> None:
    task = Task.objects.active().exclude(pk__in=TaskClosure.objects.values("task_id")).order_by("order").first()
    TaskClosure.objects.create(task=task, closed_on=AS_OF)


def wait_for_current_page(client, seconds: float = 30):
    """The page once the new copy is there (no notice), or fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(URL)
        if NOTICE not in response.content.decode():
            return get_page(client, URL)
        assert time.monotonic() < deadline, "the new copy was never built"
        time.sleep(0.1)


def test_a_changed_dashboard_is_shown_from_its_last_copy_until_the_new_one_is_built(client, seed, settings):
    settings.DASHBOARD_STALE_SECONDS = 120
    client.force_login(seed.office)
    before = int(stat(get_page(client, URL), "done"))

    close_a_task()
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200 and NOTICE in page and "10:00:00" in page  # the copy's time (frozen clock)
    from lxml import html as lxml_html

    assert int(stat(lxml_html.fromstring(page), "done")) == before  # the earlier figures, said to be so

    fresh = wait_for_current_page(client)
    assert int(stat(fresh, "done")) == before + 1


def test_without_the_setting_the_person_waits_for_the_new_copy(client, seed, settings):
    settings.DASHBOARD_STALE_SECONDS = 0
    client.force_login(seed.office)
    before = int(stat(get_page(client, URL), "done"))
    close_a_task()
    response = client.get(URL)
    assert NOTICE not in response.content.decode()
    assert int(stat(get_page(client, URL), "done")) == before + 1


def test_a_copy_older_than_the_setting_is_not_shown(client, seed, settings):
    settings.DASHBOARD_STALE_SECONDS = 120
    client.force_login(seed.office)
    before = int(stat(get_page(client, URL), "done"))
    close_a_task()
    with time_machine.travel(NOW + dt.timedelta(seconds=121), tick=False):
        response = client.get(URL)
        assert NOTICE not in response.content.decode()
        assert int(stat(get_page(client, URL), "done")) == before + 1


def test_a_unit_never_gets_another_scopes_copy(client, seed, settings):
    """The latest copy is kept per scope like the page: a unit's first visit after a
    change is built for it, not taken from the office's copy."""
    settings.DASHBOARD_STALE_SECONDS = 120
    client.force_login(seed.office)
    get_page(client, URL)
    close_a_task()
    client.force_login(seed.liaison)
    response = client.get(URL)
    assert NOTICE not in response.content.decode()


def test_one_build_of_a_page_at_a_time_and_the_lock_is_freed(db):
    cache.clear()
    release, started = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)

    assert refresh.rebuild_in_background("k-test", slow)
    assert started.wait(5)
    assert not refresh.rebuild_in_background("k-test", slow)  # one is under way
    release.set()
    for _ in range(100):
        if cache.get("k-test:building") is None:
            break
        time.sleep(0.05)
    assert cache.get("k-test:building") is None

    def failing():
        raise RuntimeError("boom")

    assert refresh.rebuild_in_background("k-test", failing)
    for _ in range(100):
        if cache.get("k-test:building") is None:
            break
        time.sleep(0.05)
    assert cache.get("k-test:building") is None  # a failed build frees the lock too


def test_a_process_builds_one_page_at_a_time_in_the_order_asked(db):
    cache.clear()
    running, most, done = [0], [0], []
    lock = threading.Lock()
    first_started, release = threading.Event(), threading.Event()

    def work(name):
        def run():
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            if name == "a":
                first_started.set()
                release.wait(10)
            time.sleep(0.05)
            with lock:
                running[0] -= 1
                done.append(name)
        return run

    assert refresh.rebuild_in_background("page-a", work("a"))
    assert first_started.wait(5)
    assert refresh.rebuild_in_background("page-b", work("b"))
    assert refresh.rebuild_in_background("page-c", work("c"))
    release.set()
    for _ in range(200):
        if len(done) == 3:
            break
        time.sleep(0.05)
    assert done == ["a", "b", "c"] and most[0] == 1
