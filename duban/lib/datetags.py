"""`when`: a date or time in a page, as `<time>` that never wraps.

A built-in template filter (settings.TEMPLATES "builtins"), so every template can write
``{{ task.deadline|when }}`` (2026-12-31) or ``{{ event.at|when:"Y-m-d H:i" }}``
without loading anything. The text is Django's ``date`` filter's (local time for
aware datetimes); the element carries the machine-readable value, and the style sheet
keeps it on one line, so a narrow table column never shows 2026-12-/31.
Only for text: inside an attribute use Django's ``date``.
"""
from __future__ import annotations

import datetime as dt

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.filter(is_safe=True)
def when(value, fmt: str = "Y-m-d"):
    if value in (None, ""):
        return ""
    if not isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        machine = value.isoformat(timespec="seconds")
    else:
        machine = value.isoformat()
    return format_html('<time datetime="{}">{}</time>', machine, date_filter(value, fmt))
