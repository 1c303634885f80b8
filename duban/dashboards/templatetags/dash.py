"""Small formatting filters of the dashboards."""
from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

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


@register.filter
def matrix_cells(row) -> str:
    """The <td> of a matrix row's cells, the same HTML the template loop gave: a
    unit against 150 task columns is 150 cells a row, 18,000 for 120 units, and the
    template engine took about a second for them; string joining takes milliseconds."""
    name = escape(row.name)
    out = []
    for cell in row.cells:
        if not cell.role:
            out.append("<td></td>")
            continue
        role = "牵头" if cell.role == "lead" else "配合"
        label = escape(COLOR_LABELS.get(cell.color, cell.color))
        out.append(f'<td class="m-cell {escape(cell.color)} {escape(cell.role)}" title="{name}{role}；{label}：'
                   f'{escape(cell.reasons)}">{escape(cell.mark)}<span class="visually-hidden">{role}，{label}</span></td>')
    return mark_safe("".join(out))
