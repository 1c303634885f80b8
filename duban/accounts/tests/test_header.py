"""The page header says who is signed in: the name, then the role and unit; a role
is not said twice where the account is named after it (督查室)."""
from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def header(client, user) -> str:
    client.force_login(user)
    page = client.get(reverse("web:home"), follow=True).content.decode()
    start = page.index('class="me"')
    return page[page.index(">", start) + 1:page.index("</span>", start)]


def test_an_account_named_after_its_role_shows_the_name_once(client, office):
    office.full_name = office.get_role_display()
    office.save()
    assert header(client, office) == office.get_role_display()


def test_a_liaison_shows_name_role_and_unit(client, liaison_a):
    liaison_a.full_name = "张三"
    liaison_a.save()
    assert header(client, liaison_a) == f"张三（{liaison_a.get_role_display()}·{liaison_a.unit}）"
