"""``{% task_reports task %}``: a task's reports on its page, latest round first, every
submitted version one click away.

A template tag, so the task page (duban.plans, below this app) shows the reports
without importing this app: the dependency is the template's, one way, downwards."""
from __future__ import annotations

from django import template
from django.db.models import Prefetch

from duban.rounds.models import Report, ReportVersion

register = template.Library()


@register.inclusion_tag("rounds/_task_reports.html", takes_context=True)
def task_reports(context, task):
    user = context["user"]
    versions = ReportVersion.objects.only("pk", "report_id", "number", "submitted_at").order_by("-number")
    reports = (
        Report.objects.visible_to(user).filter(task=task)
        .select_related("round", "unit", "submitted_by")
        .prefetch_related(Prefetch("versions", queryset=versions, to_attr="versions_latest_first"))
        .order_by("-round__period_end", "-round_id", "-role", "unit__name")
    )
    return {"reports": list(reports), "task": task, "user": user}
