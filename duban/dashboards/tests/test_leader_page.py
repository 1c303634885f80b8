"""A leader's own page: the tasks off track (red, then yellow, with reasons) first,
pending extensions and coordination items, and the dispatch-meeting pack."""
from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from duban.plans.models import Task
from duban.status.facts import status_for_tasks

from .conftest import AS_OF, get_page, text


def test_it_lists_the_leaders_tasks_off_track_first(client, seed):
    leader = seed.leader.leader
    client.force_login(seed.leader)
    tree = get_page(client, reverse("plans:leader", args=[leader.pk]))
    mine = Task.objects.active().filter(leader_links__leader=leader)
    lights = status_for_tasks(mine, AS_OF)
    red = [pk for pk, s in lights.items() if s.color == "red"]
    yellow = [pk for pk, s in lights.items() if s.color == "yellow"]
    listed = [int(pk) for pk in tree.xpath("//table[@id='off-track']/tbody/tr/@data-task")]
    assert sorted(listed[:len(red)]) == sorted(red) and sorted(listed[len(red):]) == sorted(yellow)
    assert yellow  # the seed in its known state has some
    for tr in tree.xpath("//table[@id='off-track']/tbody/tr"):
        assert lights[int(tr.get("data-task"))].text in text(tr)
    heading = text(tree.xpath("//h2[@id='off-h']")[0])
    assert heading == f"需关注的任务（红灯 {len(red)} 项、黄灯 {len(yellow)} 项）"
    # The section comes before the full list of the leader's tasks.
    page = client.get(reverse("plans:leader", args=[leader.pk])).content.decode()
    assert page.index('id="off-h"') < page.index('id="tasks-h"')


def test_it_links_to_the_dispatch_meeting_pack_when_exports_provide_it(client, seed):
    leader = seed.leader.leader
    client.force_login(seed.office)
    page = client.get(reverse("plans:leader", args=[leader.pk])).content.decode()
    try:
        url = reverse("exports:leader_pack", args=[leader.pk])
    except NoReverseMatch:
        assert "下载调度会材料" not in page
    else:
        assert f'href="{url}"' in page and "下载调度会材料（Word）" in page
