"""QuickSelect writes the HTML of Django's Select (rendered through its templates),
the same but for the blank lines between tags, for plain choices, groups, a selected
value, no value and model choices."""
from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.auth.models import Group

from duban.lib.widgets import QuickSelect

CHOICES = [("", "全部"), ("red", "红灯"), ("a&b", "<甲>&“乙”"), (3, "数字")]
GROUPED = [("", "全部"), ("区直部门", [(1, "区发改委"), (2, "区财政局")]), ("乡镇街道", [(3, "甲镇")]), (4, "其他")]


def tags(html) -> str:
    return re.sub(r">\s+<", "><", str(html))


def both(choices, value, attrs=None, **widget_attrs):
    django_html = forms.Select(attrs=widget_attrs, choices=choices).render("f", value, attrs=attrs)
    quick_html = QuickSelect(attrs=widget_attrs, choices=choices).render("f", value, attrs=attrs)
    return tags(django_html), tags(quick_html)


@pytest.mark.parametrize("value", [None, "", "red", "a&b", 3, "3", "missing"])
def test_plain_choices(value):
    django_html, quick_html = both(CHOICES, value, attrs={"id": "id_f"}, **{"class": "wide", "required": True})
    assert quick_html == django_html


@pytest.mark.parametrize("value", [None, 2, 4])
def test_grouped_choices(value):
    django_html, quick_html = both(GROUPED, value)
    assert quick_html == django_html
    assert "<optgroup" in quick_html


def test_a_value_listed_twice_is_selected_once():
    django_html, quick_html = both([("x", "一"), ("x", "二")], "x")
    assert quick_html == django_html and quick_html.count("selected") == 1


@pytest.mark.django_db
def test_model_choices_in_a_form():
    groups = [Group.objects.create(name=n) for n in ("乙组", "甲组<b>")]

    class F(forms.Form):
        g = forms.ModelChoiceField(Group.objects.order_by("name"), required=False, empty_label="全部")

    form = F({"g": str(groups[1].pk)})
    django_html = tags(form["g"])
    form.fields["g"].widget.__class__ = QuickSelect
    quick_html = tags(form["g"])
    assert quick_html == django_html and f'value="{groups[1].pk}" selected' in quick_html
