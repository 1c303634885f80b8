from django import forms
from django.conf import settings

from duban.lib.concurrency import fingerprint, fingerprint_field

from .models import SecurityPolicy


class SecurityPolicyForm(forms.ModelForm):
    fingerprint = fingerprint_field()  # the policy as shown (duban.lib.concurrency)

    class Meta:
        model = SecurityPolicy
        exclude = ["updated_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            from .actions import policy_fields

            self.initial["fingerprint"] = fingerprint(self.instance, policy_fields())

    def clean_session_absolute_hours(self):
        hours = self.cleaned_data["session_absolute_hours"]
        cap = settings.SESSION_COOKIE_AGE // 3600
        if hours > cap:
            raise forms.ValidationError(f"会话最长时间不能超过部署配置的{cap}小时（DUBAN_SESSION_ABSOLUTE_HOURS）")
        return hours
