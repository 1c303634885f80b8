"""Cross-site scripting, in the browser: with every people's-text field holding a
payload (test_xss.fill_with_payloads), Debian's Chromium opens the task page and the
other pages that show those fields, and no dialog opens, no script error happens, and
the Content-Security-Policy had nothing inline to block (a blocked inline handler
means markup got through escaping, even though the policy stopped it)."""
from __future__ import annotations

import pytest
from django.urls import reverse

import duban.e2e.conftest as _e2e
from duban.web.tests.test_isolation import NOW

from .test_xss import SCRIPT, fill_with_payloads

# Reuse every fixture of duban/e2e (browser, page, sign_in and what they depend on).
globals().update({
    name: obj for name, obj in vars(_e2e).items()
    if type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(obj, "_pytestfixturefunction")
})

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clock():
    import time_machine

    # tick=True: the browser and the live server need time to pass.
    with time_machine.travel(NOW, tick=True):
        yield


def test_no_payload_runs_in_the_browser(clock, world, page, sign_in):
    fill_with_payloads(world)
    dialogs, blocked = [], []
    page.on("dialog", lambda d: dialogs.append(d.message))
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    urls = [
        reverse("plans:task", args=[world.task_a.pk]),
        reverse("plans:ledger"),
        reverse("rounds:detail", args=[world.round.pk]),
        reverse("rounds:report", args=[world.report_a.pk]),
        reverse("rounds:versions", args=[world.report_a.pk]),
        reverse("rounds:coordination") + "?status=all&scope=all",
        reverse("supervision:task", args=[world.task_a.pk]),
        reverse("supervision:notice", args=[world.notice_a.pk]),
        reverse("notifications:inbox"),
        reverse("dashboards:overview"),
        reverse("indicators:detail", args=[world.task_a.targets.get().pk]),
        world.extra["import_preview"],
    ]
    office = type(world.office).objects.get(pk=world.office.pk)  # its user name is a payload now
    sign_in(office)
    live = "img[onerror], svg[onload], [onclick], [onmouseover], script:not([src]):not([type='application/json'])"
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        assert page.locator(live).count() == 0, f"{url}：页面中出现了由测试内容生成的元素"
        if url == urls[0]:
            assert SCRIPT in page.locator("main").inner_text(), "任务页上应能看到作为文字显示的测试内容"
    assert not dialogs, f"弹出了对话框：{dialogs}"
    assert not blocked, f"内容安全策略拦截了内联代码（说明有标记未被转义）：{blocked}"
