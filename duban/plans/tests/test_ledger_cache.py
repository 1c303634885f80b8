"""The cached ledger (plans.ledger_cache): served again only while nothing it shows
changed, never across units, and turned over with the date."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.lib import dataversion
from duban.plans.models import Task, TaskUnit
from duban.workplans.models import Milestone

URL = "/plans/ledger/"
NOW = timezone.make_aware(dt.datetime(2026, 3, 1, 10))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _get(client, **params):
    """The page's main part (around it, the CSRF token differs every time) and the
    number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index("<main"):page.index("</main>")], len(queries.captured_queries)


def test_it_serves_an_unchanged_ledger_from_the_cache(client, plan, office):
    client.force_login(office)
    _get(client)  # the first reading of the status rules saves their defaults: a write
    Task.objects.filter(number="3").update(title="改过的第三项")
    first, built = _get(client)
    again, cached = _get(client)
    assert again == first and "改过的第三项" in again
    assert cached < built and cached <= 6  # session, user, policy, data version, unread count


def test_it_shows_a_change_on_the_next_request(client, plan, office):
    client.force_login(office)
    task = Task.objects.get(number="1")
    _get(client)
    _get(client)
    # A bulk update sends no signal: the database's triggers still change the version.
    Task.objects.filter(pk=task.pk).update(title="改过的任务标题")
    page, _ = _get(client)
    assert "改过的任务标题" in page and "市场主体" not in page
    Milestone.objects.bulk_create([Milestone(task=task, title="新节点", due=dt.date(2026, 2, 1))])
    page, _ = _get(client)
    assert "1 个逾期" in page
    Milestone.objects.filter(task=task).delete()
    page, _ = _get(client)
    assert "1 个逾期" not in page


def test_it_shows_a_change_in_the_htmx_results_too(client, plan, office):
    client.force_login(office)
    client.get(URL, HTTP_HX_REQUEST="true")
    Task.objects.filter(number="3").update(title="改过的第三项")
    page = client.get(URL, HTTP_HX_REQUEST="true").content.decode()
    assert "改过的第三项" in page and "<html" not in page


def test_it_never_serves_one_units_page_to_another(client, plan, liaison_a, liaison_b, head_a):
    client.force_login(liaison_a)
    page_a, _ = _get(client)
    assert "市场主体" in page_a and "老旧小区" in page_a  # 甲局 leads task 1 and co-leads task 2
    client.force_login(liaison_b)
    page_b, _ = _get(client)
    assert "推进社区养老服务" in page_b
    assert "市场主体" not in page_b and "老旧小区" not in page_b
    client.force_login(head_a)  # the same unit: the same page
    assert _get(client)[0] == page_a
    client.force_login(liaison_b)
    assert "市场主体" not in _get(client)[0]


def test_it_follows_a_change_of_who_sees_what(client, plan, liaison_b, units):
    client.force_login(liaison_b)
    assert "市场主体" not in _get(client)[0]
    TaskUnit.objects.create(task=Task.objects.get(number="1"), unit=units["乙局"], role="co", order=5)
    assert "市场主体" in _get(client)[0]


def test_it_builds_the_page_again_on_a_new_day(client, plan, office):
    late = timezone.make_aware(dt.datetime(2026, 3, 1, 23, 55))
    with time_machine.travel(late, tick=False):
        client.force_login(office)
        Task.objects.filter(number="1").update(deadline=dt.date(2026, 3, 1))
        _get(client, q="市场主体")
        assert 'class="overdue">2026-03-01' not in _get(client, q="市场主体")[0]
    with time_machine.travel(late + dt.timedelta(minutes=10), tick=False):  # the next day
        assert 'class="overdue">2026-03-01' in _get(client, q="市场主体")[0]


def test_it_changes_the_data_version_on_every_kind_of_write(plan):
    before = dataversion.current()
    assert before
    Task.objects.filter(number="1").update(title="x")
    after_update = dataversion.current()
    TaskUnit.objects.filter(task__number="1", role="co").delete()
    after_delete = dataversion.current()
    assert len({before, after_update, after_delete}) == 3


def _whole(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_whole_page_is_served_again_only_to_the_same_browser(client, plan, office, leader):
    client.force_login(office)
    _whole(client)
    first = _whole(client)
    with CaptureQueriesContext(connection) as queries:
        again = _whole(client)
    assert again == first  # the whole page, CSRF token included: served from the cache
    assert len(queries.captured_queries) <= 5  # session, user, policy, data version, unread count
    assert str(office) in again
    # Another person (a leader sees the same tasks) gets their own page around the same body.
    other = type(client)()
    other.force_login(leader)
    theirs = _whole(other)
    assert str(leader) in theirs and str(office) not in theirs.split("<main")[0]
    token = lambda page: page.split('X-CSRFToken": "')[1].split('"')[0]  # noqa: E731
    assert token(theirs) != token(first)


def test_the_whole_page_follows_the_viewers_unread_count_and_name(client, plan, office):
    from duban.notifications.models import Notification

    client.force_login(office)
    _whole(client)
    assert "条未读" not in _whole(client)
    Notification.objects.create(recipient=office, kind="test", title="新通知")  # not a data table
    assert 'aria-label="1 条未读"' in _whole(client)
    type(office).objects.filter(pk=office.pk).update(full_name="改名后的督查室")
    assert "改名后的督查室" in _whole(client)


def test_a_page_with_messages_waiting_is_never_served_from_the_cache(client, plan, office):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    client.force_login(office)
    _whole(client)
    _whole(client)  # cached now
    # A message waiting in the browser's cookie (as after a redirect) is shown, once.
    encoded = CookieStorage(HttpRequest())._encode([Message(constants.SUCCESS, "刚刚保存的消息")])
    client.cookies["messages"] = encoded
    assert "刚刚保存的消息" in _whole(client)
    assert "刚刚保存的消息" not in _whole(client)
