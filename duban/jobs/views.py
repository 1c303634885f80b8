"""The system administrator's page of background work (后台任务): each job's last runs
and failures, the outbox's backlog and failed messages with a retry button."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.accounts.models import Role
from duban.accounts.permissions import role_required

from . import outbox
from .models import JobRun, Message
from .runner import JOBS

RECENT_RUNS = 5


@role_required(Role.SYSADMIN)
@require_GET
def overview(request):
    now = timezone.now()
    jobs = []
    for job in JOBS:
        runs = list(JobRun.objects.filter(job=job.name)[:RECENT_RUNS])
        for run in runs:
            run.interrupted = run.finished_at is None and run.started_at < now - dt.timedelta(
                minutes=job.timeout_minutes)
        last_ok = JobRun.objects.filter(job=job.name, ok=True).values_list("finished_at", flat=True).first()
        failures = JobRun.objects.filter(job=job.name, ok=False).count()
        jobs.append({"job": job, "runs": runs, "last_ok": last_ok, "failures": failures})
    failed = Message.objects.filter(status=Message.Status.FAILED).order_by("-id")[:50]
    retrying = (Message.objects.filter(status=Message.Status.QUEUED, attempts__gt=0)
                .order_by("next_attempt_at")[:50])
    return render(request, "jobs/overview.html", {
        "nav": "jobs", "jobs": jobs, "backlog": outbox.backlog(now), "failed": failed, "retrying": retrying,
        "channels": outbox.CHANNEL_LABELS, "statuses": Message.Status})


@role_required(Role.SYSADMIN)
@require_GET
def job_runs(request, name: str):
    job = next((j for j in JOBS if j.name == name), None)
    if job is None:
        raise Http404("没有这项后台任务")
    runs = JobRun.objects.filter(job=name)[:100]
    return render(request, "jobs/runs.html", {"nav": "jobs", "job": job, "runs": runs})


@role_required(Role.SYSADMIN)
@require_POST
def message_retry(request, pk: int):
    msg = get_object_or_404(Message, pk=pk)
    if outbox.retry(msg, actor=request.user):
        messages.success(request, f"已将外发消息 #{msg.pk} 重新排队发送")
    else:
        messages.info(request, f"外发消息 #{msg.pk} 已不是“发送失败”状态，无需重新发送")
    return redirect("jobs:overview")
