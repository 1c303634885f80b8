"""The inbox (收件箱) and each person's channel preferences."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_http_methods

from duban.audit.log import record

from .actions import mark_read
from .forms import PreferenceForm, UnitRobotForm
from .models import Notification, Preference, UnitRobot


@login_required
def inbox(request):
    qs = Notification.objects.filter(recipient=request.user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()
    return render(request, "notifications/inbox.html",
                  {"nav": "inbox", "page": page, "only_unread": only_unread, "unread": unread})


@login_required
@require_POST
def open_notification(request, notification_id: int):
    """Marks one message read and follows its link (only the recipient's own; 404 otherwise)."""
    note = Notification.objects.filter(pk=notification_id, recipient=request.user).first()
    if note is None:
        raise Http404
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return redirect(note.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    n = mark_read(request.user)
    messages.success(request, f"已将 {n} 条通知标为已读")
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    pref, _ = Preference.objects.get_or_create(user=request.user)
    form = PreferenceForm(request.POST or None, instance=pref, initial={"address": request.user.email})
    if request.method == "POST" and form.is_valid():
        form.save()
        address = form.cleaned_data.get("address", "")
        if address != request.user.email:
            request.user.email = address
            request.user.save(update_fields=["email"])
        record("notification.preferences", actor=request.user, obj=pref, summary="修改通知方式",
               after={"email": pref.email, "wecom": bool(pref.wecom_url), "dingtalk": bool(pref.dingtalk_url)})
        messages.success(request, "通知方式已保存")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"nav": "inbox", "form": form})


# --- a unit's group robots (企业微信/钉钉群机器人) ---------------------------------------------

def _unit_of(request):
    """The unit whose robots the person manages: their own (unit people only)."""
    if not (request.user.is_unit_person and request.user.unit_id):
        raise PermissionDenied("只有单位联络员和单位负责人可以设置本单位的群机器人")
    return request.user.unit


@login_required
@require_http_methods(["GET", "POST"])
def unit_robots(request):
    """The unit's group robots: every message to the unit is also posted to them."""
    unit = _unit_of(request)
    form = UnitRobotForm(request.POST or None, instance=UnitRobot(unit=unit))
    if request.method == "POST" and form.is_valid():
        robot = form.save()
        record("notification.robot_add", actor=request.user, obj=robot,
               summary=f"添加{unit}的{robot.get_channel_display()}群机器人", after={"channel": robot.channel})
        messages.success(request, f"已添加{robot.get_channel_display()}群机器人")
        return redirect("notifications:unit_robots")
    robots = UnitRobot.objects.filter(unit=unit).order_by("id")
    return render(request, "notifications/unit_robots.html",
                  {"nav": "inbox", "unit": unit, "robots": robots, "form": form})


@login_required
@require_POST
def unit_robot_toggle(request, robot_id: int):
    robot = get_object_or_404(UnitRobot, pk=robot_id, unit=_unit_of(request))
    active = request.POST.get("active") == "1"
    UnitRobot.objects.filter(pk=robot.pk).update(active=active)
    record("notification.robot_toggle", actor=request.user, obj=robot,
           summary=f"{'启用' if active else '停用'}{robot}", before={"active": robot.active}, after={"active": active})
    messages.success(request, f"已{'启用' if active else '停用'}{robot.get_channel_display()}群机器人")
    return redirect("notifications:unit_robots")


@login_required
@require_POST
def unit_robot_delete(request, robot_id: int):
    robot = get_object_or_404(UnitRobot, pk=robot_id, unit=_unit_of(request))
    record("notification.robot_delete", actor=request.user, obj=robot, summary=f"删除{robot}",
           before={"channel": robot.channel})
    robot.delete()
    messages.success(request, "已删除群机器人")
    return redirect("notifications:unit_robots")
