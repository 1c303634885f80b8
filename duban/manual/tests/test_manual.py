"""The user manual (帮助): one page per role, reachable from every page's navigation,
rendered from Markdown with raw HTML off, its pictures present and all in use."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from duban.conftest import PASSWORD
from duban.manual.pages import CONTENT, IMAGES, PAGES, images, to_html

ROLE_FIXTURES = ("office", "leader", "liaison_a", "head_a", "sysadmin", "secadmin", "auditor")


@pytest.mark.parametrize("who", ROLE_FIXTURES)
def test_it_links_the_manual_from_every_roles_navigation(client, request, who):
    user = request.getfixturevalue(who)
    client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("web:home"), follow=True).content.decode()
    nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
    assert f'href="{reverse("manual:index")}"' in nav and ">帮助</a>" in nav


@pytest.mark.parametrize("who, slug", [("office", "office"), ("leader", "leader"), ("liaison_a", "liaison"),
                                       ("head_a", "head"), ("sysadmin", "sysadmin"), ("secadmin", "secadmin"),
                                       ("auditor", "auditor")])
def test_it_offers_each_reader_their_own_manual_first(client, request, who, slug):
    user = request.getfixturevalue(who)
    client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("manual:index")).content.decode()
    own = page.index('class="card manual-own"')
    assert page.index(f'href="{reverse("manual:page", args=[slug])}"') > own
    for other in PAGES:
        assert f'href="{reverse("manual:page", args=[other.slug])}"' in page


@pytest.mark.parametrize("slug", [p.slug for p in PAGES])
def test_it_renders_every_page_with_its_pictures_from_the_apps_static_files(client, office, slug):
    client.login(username="office", password=PASSWORD)
    response = client.get(reverse("manual:page", args=[slug]))
    assert response.status_code == 200
    html = response.content.decode()
    title = next(p.title for p in PAGES if p.slug == slug)
    assert f"<h1>{title}</h1>" in html
    for name in images(slug):
        assert f'src="/static/manual/img/{name}"' in html
    assert "目录" in html  # contents from the ## headings


def test_it_answers_404_for_a_manual_that_does_not_exist(client, office):
    client.login(username="office", password=PASSWORD)
    assert client.get(reverse("manual:page", args=["nobody"])).status_code == 404


def test_every_page_has_a_source_and_every_source_a_page():
    assert {p.slug for p in PAGES} == {f.stem for f in CONTENT.glob("*.md")}


def test_every_picture_a_page_shows_is_in_the_image_folder():
    missing = [(p.slug, name) for p in PAGES for name in images(p.slug) if not (IMAGES / name).is_file()]
    assert not missing, missing


def test_every_picture_in_the_image_folder_is_shown_by_a_page():
    """The walks take only the pictures the manual shows (duban/e2e/manual.py): a
    picture left over from a step that is gone must be deleted."""
    shown = {name for p in PAGES for name in images(p.slug)}
    assert {f.name for f in IMAGES.glob("*.png")} - shown == set()


def test_every_picture_is_of_its_own_roles_screens():
    for p in PAGES:
        for name in images(p.slug):
            assert name.startswith(f"{p.slug}-"), (p.slug, name)


def test_it_does_not_render_raw_html():
    html = to_html('说明<script>alert(1)</script><img src=x onerror="alert(2)">\n\n![图](a.png)')
    assert "<script>" not in html and "<img src=x" not in html and "&lt;script&gt;" in html
    assert '<img src="/static/manual/img/a.png" alt="图" loading="lazy"' in html or 'src="/static/manual/img/a.png"' in html


def test_it_needs_a_sign_in(client):
    response = client.get(reverse("manual:page", args=["office"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
