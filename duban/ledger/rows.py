"""The ledger's table rows rendered in Python.

Each row is the same HTML the templates ``plans/_kind_badge.html``,
``plans/_deadline.html`` and ``plans/_light.html`` (with ``supervision/_status.html``) produce, built by string joining with every value
escaped. Through the template engine the 50 rows of a page cost about 20 ms of CPU
(three includes, a ``{% url %}`` and about 60 variable lookups a row); here under
2 ms. The page is still built on every request: nothing is cached.
"""
from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_PK = 2_147_483_647  # a placeholder id, replaced in the one reversed URL


def _when(value: dt.date | None) -> str:
    """As the ``when`` filter (duban.lib.datetags) for a date."""
    if value is None:
        return ""
    iso = value.isoformat()
    return f'<time datetime="{iso}">{iso}</time>'


def kind_badge_html(plan) -> str:
    """As plans/_kind_badge.html (`plan` loaded with the task)."""
    if not plan.is_register:
        return ""
    category = escape(plan.category)
    return (f'<span class="badge kind kind-{category}" data-kind="{category}" '
            f'title="{escape(plan.get_category_display())}">{escape(plan.category_short)}</span> ')


def deadline_html(t, as_of: dt.date) -> str:
    """As plans/_deadline.html."""
    d = getattr(t, "effective_deadline", None) or t.deadline
    if not d:
        return escape(t.deadline_text or "—")
    status = getattr(t, "status", None)
    overdue = d < as_of and (status is None or status.color != "done")
    out = f'<span class="overdue">{_when(d)}</span>' if overdue else f"<span>{_when(d)}</span>"
    if getattr(t, "extended", False):
        out += f'<span class="muted">（原 {_when(t.deadline) or "—"}）</span>'
    return out


def light_html(status) -> str:
    """As plans/_light.html with supervision/_status.html (compact)."""
    if not status:
        return '<span class="muted">—</span>'
    text = escape(status.text)
    out = (f'<span class="status-light"><span class="badge {escape(status.color)}" title="{text}">'
           f"{escape(status.label)}</span></span>")
    if status.reasons:
        out += f'<span class="visually-hidden">：{text}</span>'
    return out


def rows_html(tasks, as_of: dt.date, lights: bool) -> SafeString:
    """The <tr> of every task of a ledger page (after ``filters.attach_names`` and
    ``lights.attach_status``)."""
    url = reverse("plans:task", args=[_PK])
    head, _, tail = url.partition(str(_PK))
    out = []
    for t in tasks:
        badge = ('<span class="badge yellow" title="既无量化指标，也无可量化的工作节点">待量化</span>'
                 if getattr(t, "needs_measurable", False) else "")
        section = f'<div class="muted small">{escape(t.section.title)}</div>' if t.section_id else ""
        leaders = "、".join(escape(n) for n in t.leader_names) or "—"
        units = "".join(f'<span class="badge lead" title="牵头单位">{escape(n)}</span> ' for n in t.lead_unit_names)
        units += "、".join(escape(n) for n in t.co_unit_names)
        if t.milestone_count:
            steps = f"{t.milestone_done}/{t.milestone_count} 已完成"
            if t.milestone_overdue:
                steps += f'<br><span class="overdue">{t.milestone_overdue} 个逾期</span>'
        else:
            steps = '<span class="muted">未分解</span>'
        out.append(
            "<tr>\n"
            f'  <td data-label="序号" class="num">{escape(t.number or "—")}</td>\n'
            f'  <td data-label="工作任务">{kind_badge_html(t.plan)}<a href="{head}{t.pk}{tail}">{escape(t.title)}</a>\n'
            f"    {badge}\n    {section}</td>\n"
            f'  <td data-label="牵头领导">{leaders}</td>\n'
            f'  <td data-label="责任单位">{units}</td>\n'
            f'  <td data-label="完成时限">{deadline_html(t, as_of)}</td>\n'
            f'  <td data-label="工作节点">{steps}</td>\n'
            + (f'  <td data-label="状态">{light_html(t.status)}</td>\n' if lights else "")
            + "</tr>\n"
        )
    return mark_safe("".join(out))
