"""Small formatting filters of the dashboards."""
from __future__ import annotations

from django import template

from duban.dashboards.metrics import COLOR_LABELS

register = template.Library()


@register.filter
def pct(value) -> str:
    """12.5 → "12.5%"; None → "—" (nothing to count)."""
    if value is None:
        return "—"
    return f"{value:.1f}%"


@register.filter
def color_label(color: str) -> str:
    return COLOR_LABELS.get(color, color)


@register.filter
def weight(value) -> str:
    """A weight without a useless ".0": 60.0 → "60", 2.5 → "2.5"."""
    text = f"{value:f}" if value is not None else ""
    return text.rstrip("0").rstrip(".") if "." in text else text
