"""What every page carries: the title "页面 - 督办系统", the app's own favicon, and
dates that never wrap."""
from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from lxml import html

pytestmark = pytest.mark.django_db


def test_it_titles_pages_page_first_then_the_system(client, office, plan):
    client.force_login(office)
    tree = html.fromstring(client.get(reverse("plans:ledger")).content)
    assert tree.findtext(".//title") == "任务台账 - 督办系统"


def test_it_serves_its_own_favicon(client, office):
    client.force_login(office)
    tree = html.fromstring(client.get(reverse("web:home"), follow=True).content)
    icon = tree.xpath("//link[@rel='icon']/@href")
    assert icon == ["/favicon.ico"]
    response = client.get(icon[0])
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body[:4] == b"\x00\x00\x01\x00"  # the ICO header
    touch = client.get(tree.xpath("//link[@rel='apple-touch-icon']/@href")[0])
    assert touch.status_code == 200 and b"".join(touch.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_it_renders_dates_as_time_elements_that_do_not_wrap(settings):
    at = timezone.make_aware(dt.datetime(2026, 12, 31, 23, 30))
    out = Template('{{ d|when }}|{{ at|when:"Y-m-d H:i" }}|{{ none|when|default:"—" }}|{{ d|when:"Y年n月j日" }}').render(
        Context({"d": dt.date(2026, 12, 31), "at": at, "none": None}))
    assert out == ('<time datetime="2026-12-31">2026-12-31</time>|'
                   f'<time datetime="{timezone.localtime(at).isoformat()}">2026-12-31 23:30</time>|—|'
                   '<time datetime="2026-12-31">2026年12月31日</time>')
    css = (settings.BASE_DIR / "duban" / "static" / "duban" / "duban.css").read_text(encoding="utf-8")
    assert "time, .nowrap { white-space: nowrap; }" in css


def test_templates_show_dates_with_when(settings):
    """A date in the text of a page goes through `when` (a <time> that never wraps);
    Django's `date` is for attributes only, where the template writes it as
    |date:'…' inside the attribute's double quotes."""
    root = settings.BASE_DIR / "duban"
    offenders = [f"{path.relative_to(root)}:{n}" for path in root.rglob("*.html")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if '|date:"' in line]
    assert not offenders, "页面文字中的日期请用 |when（不换行的 <time>）：" + "、".join(offenders)
