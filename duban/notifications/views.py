"""The inbox (收件箱) and each person's channel preferences."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_http_methods

from duban.audit.log import record

from .actions import mark_read
from .forms import PreferenceForm
from .models import Notification, Preference


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
