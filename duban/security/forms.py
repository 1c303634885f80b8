from django import forms
from django.conf import settings

from duban.lib import outbound
from duban.lib.concurrency import fingerprint, fingerprint_field

from .models import OutboundHost, SecurityPolicy


class SecurityPolicyForm(forms.ModelForm):
    fingerprint = fingerprint_field()  # the policy as shown (duban.lib.concurrency)

    class Meta:
        model = SecurityPolicy
        exclude = ["updated_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["fingerprint"] = fingerprint(self.instance, SecurityPolicy.settable_fields())

    def clean_session_absolute_hours(self):
        hours = self.cleaned_data["session_absolute_hours"]
        cap = settings.SESSION_COOKIE_AGE // 3600
        if hours > cap:
            raise forms.ValidationError(f"会话最长时间不能超过部署配置的{cap}小时（DUBAN_SESSION_ABSOLUTE_HOURS）")
        return hours


class OutboundHostForm(forms.ModelForm):
    """A new allowlist entry of outgoing requests."""

    class Meta:
        model = OutboundHost
        fields = ["host", "allow_private", "note"]
        error_messages = {"host": {"required": "请填写主机名", "unique": "该主机已在白名单中",
                                   "max_length": "主机名不能超过253个字符"},
                          "note": {"max_length": "说明不能超过100个字"}}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_host(self):
        host = outbound.normalize_host(self.cleaned_data["host"])
        problem = outbound.host_rule_problem(host)
        if problem:
            raise forms.ValidationError(problem)
        if OutboundHost.objects.filter(host=host).exists():
            raise forms.ValidationError("该主机已在白名单中")
        return host
